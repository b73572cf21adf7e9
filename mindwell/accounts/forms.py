from typing import Any

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm

from mindwell.accounts.models import Level, User
from mindwell.qa.models import Category


class RegisterForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["display_name", "email"]
        labels = {"display_name": "Display name", "email": "Email"}
        help_texts = {
            "display_name": "Shown next to your posts. Up to 40 characters.",
            "email": "Never shown to anyone. Used to reset your password and, if you choose, "
            "for notifications.",
        }

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if name.lower() == "anonymous":
            raise forms.ValidationError("That name is reserved. Please choose another.")
        if User.objects.filter(display_name__iexact=name).exists():
            raise forms.ValidationError("That display name is taken. Please choose another.")
        return name

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            # Say no more than this: whether an address has an account is private.
            raise forms.ValidationError(
                "This email cannot be used to register. If it is yours, log in or reset "
                "your password."
            )
        return email

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        return User.objects.create_user(
            user.display_name, user.email, self.cleaned_data["password1"]
        )


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(choices=Level.choices, coerce=int)
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        empty_label="Everywhere",
        label="In",
        help_text="A level for one category applies to its sub-categories too.",
    )
