from typing import Any

from django import forms
from django.utils import timezone

from mindwell.professionals.models import Profession


class ApplicationForm(forms.Form):
    profession = forms.ChoiceField(choices=Profession.choices)
    licence_number = forms.CharField(
        label="Licence or registration number",
        max_length=60,
        error_messages={"required": "Give your licence or registration number."},
    )
    licensing_body = forms.CharField(
        label="Licensing body",
        max_length=120,
        help_text="The board or register that issued it, e.g. “HCPC” or “California BBS”.",
        error_messages={"required": "Name the body that issued your licence."},
    )
    country = forms.RegexField(
        regex=r"^[A-Za-z]{2}$",
        label="Country",
        help_text="Where the licence is valid, as a two-letter code: GB, US, DE…",
        error_messages={
            "required": "Give the country of your licence.",
            "invalid": "Give the country as a two-letter code, such as GB or US.",
        },
    )
    expires_on = forms.DateField(
        label="Licence expiry date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give the date your licence expires.",
            "invalid": "Give the expiry date as YYYY-MM-DD.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_licence_number(self) -> str:
        number = self.cleaned_data["licence_number"].strip()
        if not number:
            raise forms.ValidationError("Give your licence or registration number.")
        return number

    def clean_expires_on(self) -> Any:
        expires_on = self.cleaned_data["expires_on"]
        if expires_on <= timezone.localdate():
            raise forms.ValidationError(
                "This licence has expired. Apply with a licence that is still valid."
            )
        return expires_on


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("verify", "Verify"), ("decline", "Decline")])
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason (shown to the applicant; required to decline)",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the application is declined: the applicant reads it.")
        return data
