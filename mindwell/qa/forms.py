import functools
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe

from mindwell.moderation import antispam
from mindwell.qa.models import Category, ContentWarning, warning_label
from mindwell.safety.actions import screen_text
from mindwell.safety.screening import Screening as Finding

MAX_TAGS = 5
TAG_RE = re.compile(r"^(?:[^\W_]|-)+$")  # letters (any script), digits and hyphens


class TagsField(forms.CharField):
    """Tags typed as words separated by spaces or commas: "anxiety sleep work-stress"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 250)
        kwargs.setdefault(
            "help_text", f"Up to {MAX_TAGS}, separated by spaces: letters, digits and hyphens."
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return list(dict.fromkeys(t.lower() for t in re.split(r"[\s,]+", text) if t))

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError("Add at least one tag.", code="required")
        if len(value) > MAX_TAGS:
            raise ValidationError(f"Use at most {MAX_TAGS} tags (you gave {len(value)}).")
        for tag in value:
            if len(tag) > 40:
                raise ValidationError(f"The tag “{tag[:40]}…” is too long: 40 characters at most.")
            if not TAG_RE.match(tag):
                raise ValidationError(
                    f"The tag “{tag}” may only contain letters, digits and hyphens."
                )

    def run_validators(self, value: Any) -> None:
        super().run_validators(" ".join(value))

    def prepare_value(self, value: Any) -> str:
        return " ".join(value) if isinstance(value, list) else (value or "")


def body_field(label: str, max_length: int = 30_000) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": "Please write something here.",
            "max_length": "Please keep this under %(limit_value)s characters"
            " (it has %(show_value)s).",
        },
    )


class VisitorForm(forms.Form):
    """Fields that a visitor who is not logged in fills in; removed for members."""

    anon_name = forms.CharField(
        label="Your name to display (optional)",
        max_length=40,
        required=False,
        error_messages={"max_length": "A display name can be at most 40 characters."},
    )
    anon_email = forms.EmailField(
        label="Email (optional)",
        required=False,
        help_text="Privacy: Your email address will only be used for sending these notifications.",
    )
    notify_by_email = forms.BooleanField(required=False)

    notify_label = "Email me at this address if my post is answered or commented on"

    def __init__(self, *args: Any, visitor: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.visitor = visitor
        if visitor:
            self.fields["notify_by_email"].label = self.notify_label
            antispam.add_fields(self)
        else:
            for name in ("anon_name", "anon_email", "notify_by_email"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("notify_by_email") and not data.get("anon_email"):
            self.add_error("anon_email", "Give an email address to be notified, or untick the box.")
        if self.visitor:
            antispam.clean(self)
        return data

    def visitor_fields(self) -> dict[str, Any]:
        if not self.visitor:
            return {}
        return {
            "anon_name": self.cleaned_data["anon_name"],
            "anon_email": self.cleaned_data["anon_email"],
            "notify_by_email": self.cleaned_data["notify_by_email"],
        }


class PostOptionsForm(VisitorForm):
    """Choices about a new post: anonymity (members only) and content warnings (everyone).

    When the crisis screening reads the text as about suicide or self-harm and no
    warning was chosen, the form asks once (a hint, not a refusal: posting again
    as it is goes through), as the check-in does for risk.
    """

    anonymous = forms.BooleanField(
        label="Hide my name on this post",
        required=False,
        help_text="Everyone, moderators included, sees “anonymous”. Your points still count.",
    )
    content_warnings = forms.MultipleChoiceField(
        label="Content warnings",
        choices=[(w, warning_label(w)) for w in ContentWarning.values],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Readers can choose to see a post with warnings collapsed until they open it.",
    )
    warning_suggested = forms.BooleanField(required=False, widget=forms.HiddenInput)

    member_only_fields: tuple[str, ...] = ("anonymous",)
    suggest_for = {"suicide", "self-harm"}

    def __init__(self, *args: Any, visitor: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, visitor=visitor, **kwargs)
        if visitor:
            for name in self.member_only_fields:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        asks = "content_warnings" in self.fields
        if asks and not data.get("content_warnings") and not data.get("warning_suggested"):
            # Not for "risk": the writer may be in crisis, and the check-in (helplines
            # first) must be the only thing between them and their post.
            if self.screened.label == "concern":
                data_copy = self.data.copy()  # type: ignore[attr-defined]
                data_copy[self.add_prefix("warning_suggested")] = "1"
                self.data = data_copy
                self.add_error(
                    "content_warnings",
                    "This reads as if it is about suicide or self-harm. A content warning "
                    "lets readers who are struggling choose when to read it: tick one below, "
                    "or post again as it is.",
                )
        return data

    @cached_property
    def screened(self) -> Finding:
        """What crisis screening finds in the text: once per post, reused by the check-in
        and the posting action."""
        data = self.cleaned_data
        return screen_text(data.get("title", ""), data.get("body", ""))

    def option_fields(self) -> dict[str, Any]:
        """The options the form asked for, as keyword arguments of the posting action."""
        data = self.cleaned_data
        fields: dict[str, Any] = {}
        if "content_warnings" in self.fields:
            fields["content_warnings"] = data.get("content_warnings") or []
        for name in self.member_only_fields:
            if name in self.fields:
                fields[name] = data.get(name, False)
        return fields


class QuestionForm(PostOptionsForm):
    title = forms.CharField(
        label="Your question in one sentence",
        min_length=10,
        max_length=150,
        error_messages={
            "required": "Please give your question a title.",
            "min_length": "Please make the title at least 10 characters (it has %(show_value)s).",
            "max_length": "Please keep the title under 150 characters (it has %(show_value)s).",
        },
    )
    body = body_field("More detail")
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="Choose a category",
        error_messages={
            "required": "Please choose a category.",
            "invalid_choice": "That category does not exist. Please choose one from the list.",
        },
    )
    tags = TagsField()
    members_only = forms.BooleanField(
        label="Members only: hide from visitors and search engines", required=False
    )
    noindex = forms.BooleanField(label="Don’t show in search engines", required=False)

    field_order = ["title", "body", "category", "tags"]
    notify_label = "Email me at this address if my question is answered or commented on"
    member_only_fields = ("anonymous", "members_only", "noindex")

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()


class AnswerForm(PostOptionsForm):
    body = body_field("Your answer")
    field_order = ["body"]
    notify_label = "Email me at this address if my answer is selected or commented on"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The question page also holds comment forms: ids must not collide.
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def fields_for(cls, visitor: bool) -> SafeString:
        """The blank form's fields: a member's are the same on every page (`blank_fields`)."""
        return fields_html(cls(visitor=True)) if visitor else blank_fields(cls)


class CommentForm(PostOptionsForm):
    body = body_field("Your comment", max_length=5_000)
    # A page has a comment form under every post: anonymity only, no warning boxes.
    content_warnings = None  # type: ignore[assignment]
    warning_suggested = None  # type: ignore[assignment]
    field_order = ["body"]
    notify_label = "Email me at this address if my comment gets a reply"

    # Stands for the post id in the ids of a form rendered once for every post (see
    # `for_each_post`); not digits, so it can never be a real post's id prefix.
    ID_SLOT = "id_comment_POST_"

    @classmethod
    def on(cls, post_id: int, *args: Any, **kwargs: Any) -> "CommentForm":
        """The comment form under one post: one per post on a page, each with its own ids."""
        return cls(*args, auto_id=f"id_comment_{post_id}_%s", **kwargs)

    @classmethod
    def for_each_post(cls, visitor: bool) -> Callable[[int], SafeString]:
        """The blank form's fields for the post with a given id, rendered once per process.

        Rendering form fields is the dearest part of a question page, and the blank
        forms under its posts differ only in their ids: these are rendered with a slot
        for the post id and filled per post, giving the same HTML as rendering each
        (every label still points to its own input). Only for members: a visitor's
        form carries a spam-check token per form, so it is rendered per post.
        """
        if visitor:
            return lambda post_id: fields_html(cls.on(post_id, visitor=True))
        html = blank_fields(cls, f"{cls.ID_SLOT}%s")
        # Still safe: a fixed id prefix in Django's escaped HTML becomes one with digits.
        return lambda post_id: mark_safe(  # noqa: S308
            html.replace(cls.ID_SLOT, f"id_comment_{post_id}_")
        )


def fields_html(form: forms.BaseForm) -> SafeString:
    """A form's fields (not the <form> element) as the question page shows them."""
    return render_to_string("qa/_form_fields.html", {"form": form})


@functools.cache
def blank_fields(form: type[PostOptionsForm], auto_id: str = "") -> SafeString:
    """A member's blank form's fields, rendered once per process: nothing in them is
    per-member or per-request (a visitor's carry a spam-check token, so are not kept)."""
    return fields_html(form(visitor=False, **({"auto_id": auto_id} if auto_id else {})))


class EditForm(forms.Form):
    title = QuestionForm.base_fields["title"]
    body = body_field("Text")
    tags = TagsField()
    content_warnings = PostOptionsForm.base_fields["content_warnings"]

    def __init__(self, *args: Any, is_question: bool, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not is_question:
            del self.fields["title"]
            del self.fields["tags"]
