from django import forms

from mindwell.notify.models import EmailSettings


class EmailSettingsForm(forms.ModelForm):
    class Meta:
        model = EmailSettings
        fields = ["answer", "comment", "selected", "followed", "mention", "digest"]
        labels = {
            "answer": "New answers to my questions",
            "comment": "Comments on my posts, and replies after my comments",
            "selected": "My answer selected as best",
            "followed": "New activity on what I follow",
            "mention": "Posts that mention me (@name)",
            "digest": "Send one daily digest instead of one email each",
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
