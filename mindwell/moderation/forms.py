from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings

from mindwell.accounts.models import Level
from mindwell.accounts.permissions import ACTIONS
from mindwell.moderation.actions import MAX_SUSPENSION_DAYS
from mindwell.moderation.limits import NOUNS
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Add a field per number of the points scheme, the permissions and the hourly
        limits, named as their site settings (`points_answer_upvote`, `perm_flag_level`,
        `limit_ip_logins`, …)."""
        super().__init__(*args, **kwargs)
        for name in settings.MINDWELL_POINTS:
            if name != "base":  # stays an environment setting (sitesettings.py says why)
                low, high = (1, 100) if name == "multiple" else (0, POINTS_MAX)
                self.fields[f"points_{name}"] = _number(POINT_LABELS.get(name, name), low, high)
        for name in settings.MINDWELL_PERMISSIONS:
            self.fields[f"perm_{name}_level"] = forms.TypedChoiceField(
                label=f"Level that may {ACTIONS[name]}",
                choices=Level.choices,
                coerce=int,
                error_messages={"invalid_choice": "Choose one of the levels."},
            )
            points = _number(f"Or points to {ACTIONS[name]}", 0, PERMISSION_POINTS_MAX)
            points.required = False  # empty: by level only
            self.fields[f"perm_{name}_points"] = points
        for scope, limits in settings.MINDWELL_LIMITS.items():
            who = "per member" if scope == "user" else "per address"
            for action in limits:
                label = f"{NOUNS[action].capitalize()} an hour {who}"
                self.fields[f"limit_{scope}_{action}"] = _number(label, 1, LIMIT_MAX)
        # A post without some of these numbers (a script, an older page) leaves them as
        # they are; a number sent empty is an error (or "by level only" for points).
        missing = [n for n in self.fields if n not in self.GENERAL and n not in self.data]
        if self.is_bound and missing:
            data = dict(self.data.items())  # one value per key: no list fields here
            for name in missing:
                value = self.initial.get(name)
                data[name] = "" if value is None else str(value)
            self.data = data

    GENERAL = [
        "site_name",
        "welcome",
        "flags_to_hide",
        "hold_anonymous",
        "hold_under_points",
        "hold_over_links",
        "purge_after_days",
    ]

    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.GENERAL]

    def point_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("points_")]

    def permission_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (name, self[f"perm_{name}_level"], self[f"perm_{name}_points"])
            for name in settings.MINDWELL_PERMISSIONS
        ]

    def limit_rows(self) -> list[tuple[str, forms.BoundField | None, forms.BoundField | None]]:
        """(action, per member, per address): an action may be limited in one scope only."""
        rows = []
        for action in dict.fromkeys(a for by in settings.MINDWELL_LIMITS.values() for a in by):
            user, ip = (self[k] if k in self.fields else None for k in self._limits(action))
            rows.append((NOUNS[action].capitalize(), user, ip))
        return rows

    @staticmethod
    def _limits(action: str) -> tuple[str, str]:
        return f"limit_user_{action}", f"limit_ip_{action}"


POINT_LABELS = {
    "multiple": "Multiple applied to all the units",
    "post_question": "Each question posted",
    "post_answer": "Each answer posted",
    "select_answer": "Selecting a best answer on your question",
    "answer_selected": "Your answer selected as best",
    "question_upvote": "Each up vote on your question",
    "question_upvote_max": "…at most this many units a question",
    "question_downvote": "Each down vote on your question (taken away)",
    "question_downvote_max": "…at most this many units a question",
    "answer_upvote": "Each up vote on your answer",
    "answer_upvote_max": "…at most this many units an answer",
    "answer_downvote": "Each down vote on your answer (taken away)",
    "answer_downvote_max": "…at most this many units an answer",
    "vote_cast": "Each vote you cast",
}
POINTS_MAX = 1000  # units for one thing (or a cap a post)
PERMISSION_POINTS_MAX = 1_000_000
LIMIT_MAX = 100_000  # an hour


def _number(label: str, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={
            "required": "Give a whole number.",
            "invalid": "Give a whole number.",
            "min_value": f"Give a number from {low:,} to {high:,}.",
            "max_value": f"Give a number from {low:,} to {high:,}.",
        },
        widget=forms.NumberInput(attrs={"min": low, "max": high}),
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
