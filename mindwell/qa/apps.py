from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "mindwell.qa"
    label = "qa"
    verbose_name = "Questions and answers"
