from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "mindwell.moderation"
    label = "moderation"
    verbose_name = "Moderation"
