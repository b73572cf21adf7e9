import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mindwell.qa.models import Category

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
        else:
            for name in ("anon_name", "anon_email", "notify_by_email"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("notify_by_email") and not data.get("anon_email"):
            self.add_error("anon_email", "Give an email address to be notified, or untick the box.")
        return data

    def visitor_fields(self) -> dict[str, Any]:
        if not self.visitor:
            return {}
        return {
            "anon_name": self.cleaned_data["anon_name"],
            "anon_email": self.cleaned_data["anon_email"],
            "notify_by_email": self.cleaned_data["notify_by_email"],
        }


class QuestionForm(VisitorForm):
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

    field_order = ["title", "body", "category", "tags"]
    notify_label = "Email me at this address if my question is answered or commented on"

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()


class AnswerForm(VisitorForm):
    body = body_field("Your answer")
    field_order = ["body"]
    notify_label = "Email me at this address if my answer is selected or commented on"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The question page also holds comment forms: ids must not collide.
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)


class CommentForm(VisitorForm):
    body = body_field("Your comment", max_length=5_000)
    field_order = ["body"]
    notify_label = "Email me at this address if my comment gets a reply"

    @classmethod
    def on(cls, post_id: int, *args: Any, **kwargs: Any) -> "CommentForm":
        """The comment form under one post: one per post on a page, each with its own ids."""
        return cls(*args, auto_id=f"id_comment_{post_id}_%s", **kwargs)


class EditForm(forms.Form):
    title = QuestionForm.base_fields["title"]
    body = body_field("Text")
    tags = TagsField()

    def __init__(self, *args: Any, is_question: bool, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not is_question:
            del self.fields["title"]
            del self.fields["tags"]
