from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from mindwell.qa.models import Category
from mindwell.search.engine import Filters

STATUSES = [
    ("", "Any"),
    ("accepted", "Has a best answer"),
    ("unanswered", "Unanswered"),
]
SORT_CHOICES = [("relevance", "Best match"), ("newest", "Newest"), ("votes", "Most votes")]


class SearchForm(forms.Form):
    # No max_length: a long query is shortened by query.parse, with a note, not refused.
    q = forms.CharField(label="Search for", required=False, strip=True)
    category = forms.ModelChoiceField(
        queryset=Category.objects.select_related("parent"),
        to_field_name="slug",
        required=False,
        empty_label="All categories",
        error_messages={
            "invalid_choice": "That category does not exist. Choose one from the list."
        },
    )
    tag = forms.CharField(label="Tag", required=False, max_length=40)
    status = forms.ChoiceField(label="Answers", choices=STATUSES, required=False)
    since = forms.DateField(
        label="Asked from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Asked until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label="Sort by", choices=SORT_CHOICES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_tag(self) -> str:
        return str(self.cleaned_data.get("tag") or "").strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        category = data.get("category")
        category_ids: tuple[int, ...] = ()
        if category is not None:
            ids = Category.objects.filter(parent=category).values_list("pk", flat=True)
            category_ids = (category.pk, *ids)
        return Filters(
            category_ids=category_ids,
            tag=data.get("tag", ""),
            accepted=data.get("status") == "accepted",
            unanswered=data.get("status") == "unanswered",
            since=_start_of(data.get("since")),
            until=_start_of(data["until"] + timedelta(days=1)) if data.get("until") else None,
        )


def _start_of(day: Any) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
