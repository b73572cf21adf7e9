from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm

from mindwell.accounts import security
from mindwell.accounts.models import Level, User
from mindwell.moderation import antispam
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        antispam.add_fields(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        antispam.clean(self)
        return self.cleaned_data

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


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["content_warnings"]
        labels = {"content_warnings": "Posts with content warnings"}
        widgets = {"content_warnings": forms.RadioSelect}


class DeleteAccountForm(forms.Form):
    posts = forms.ChoiceField(
        label="Your posts",
        choices=[
            ("keep", "Keep them, shown as “anonymous”"),
            ("remove", "Remove them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether your posts are removed or kept."},
    )
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password to delete your account."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LoginForm(AuthenticationForm):
    """Django's login form, refused early while the account or address is locked out."""

    throttled: security.limits.Refusal | None = None

    def clean(self) -> dict[str, Any]:
        name = self.cleaned_data.get("username") or ""
        if name and (refusal := security.login_refusal(self.request, name)):  # type: ignore[arg-type]
            self.throttled = refusal
            raise forms.ValidationError(refusal.message, code="throttled")
        try:
            data = super().clean()
        except forms.ValidationError:
            if name and self.cleaned_data.get("password"):
                security.login_failed(self.request, name)  # type: ignore[arg-type]
            raise
        security.login_succeeded(name)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
