from __future__ import annotations

from typing import Any, cast

from django import forms

from mindwell.moderation.actions import MAX_SUSPENSION_DAYS
from mindwell.moderation.models import FlagReason
from mindwell.qa.models import Category


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you flagging this?",
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are flagging this post."},
    )
    text = forms.CharField(
        label="What is wrong? (needed for “other”)",
        required=False,
        max_length=500,
        error_messages={"max_length": "Please keep the explanation under 500 characters."},
    )


POST_ACTIONS = [
    "approve",
    "restore",
    "hide",
    "delete",
    "close",
    "duplicate",
    "reopen",
    "lock",
    "unlock",
    "move",
    "block-address",
]


class ModerateForm(forms.Form):
    """One moderator action on a post, from the queue or the post itself."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in POST_ACTIONS],
        error_messages={
            "invalid_choice": "Choose a moderation action.",
            "required": "Choose a moderation action.",
        },
    )
    reason = forms.CharField(required=False, max_length=200)
    duplicate_of = forms.IntegerField(
        required=False,
        min_value=1,
        error_messages={"invalid": "Give the number of the original question."},
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        error_messages={"invalid_choice": "Choose a category that exists."},
    )
    next = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == "duplicate" and not data.get("duplicate_of"):
            self.add_error("duplicate_of", "Give the number of the original question.")
        if action == "move" and not data.get("category"):
            self.add_error("category", "Choose the category to move the question to.")
        return data


MEMBER_ACTIONS = [
    ("warn", "Warn"),
    ("suspend", "Suspend"),
    ("block", "Block"),
    ("reinstate", "Lift suspension and block"),
]


class MemberActionForm(forms.Form):
    action = forms.ChoiceField(choices=MEMBER_ACTIONS)
    message = forms.CharField(
        label="Message or reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    days = forms.IntegerField(
        label="Days (for a suspension)",
        required=False,
        min_value=1,
        max_value=MAX_SUSPENSION_DAYS,
        error_messages={
            "min_value": "A suspension lasts at least 1 day.",
            "max_value": f"A suspension lasts at most {MAX_SUSPENSION_DAYS} days.",
            "invalid": "Give the number of days as a whole number.",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "suspend" and not data.get("days") and "days" not in self.errors:
            self.add_error("days", "Say how many days the suspension lasts.")
        return data


class SiteSettingsForm(forms.Form):
    site_name = forms.CharField(max_length=60)
    welcome = forms.CharField(
        label="Welcome text", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    flags_to_hide = forms.IntegerField(
        label="Flags that hide a post until a moderator looks", min_value=1, max_value=100
    )
    hold_anonymous = forms.BooleanField(
        label="Hold posts by visitors without an account for approval", required=False
    )
    hold_under_points = forms.IntegerField(
        label="Hold posts by members with fewer points than (0: never)", min_value=0
    )
    hold_over_links = forms.IntegerField(
        label="Hold posts with more links than (empty: never)", min_value=0, required=False
    )
    purge_after_days = forms.IntegerField(
        label="Remove deleted posts for good after (days)", min_value=1, max_value=3650
    )


class CategoryAddForm(forms.Form):
    name = forms.CharField(max_length=60)
    parent = forms.ModelChoiceField(
        queryset=Category.objects.filter(parent=None),
        required=False,
        empty_label="(a top category)",
    )


class CategoryRenameForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    name = forms.CharField(label="New name", max_length=60)


class CategoryMergeForm(forms.Form):
    source = forms.ModelChoiceField(label="Merge", queryset=Category.objects.all())
    target = forms.ModelChoiceField(label="into", queryset=Category.objects.all())


class CategoryMoveForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all())
    step = forms.TypedChoiceField(choices=[("-1", "up"), ("1", "down")], coerce=int)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(label="By", required=False, max_length=40)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["action"])
        field.choices = [("", "any action")] + [(a, a) for a in actions]
