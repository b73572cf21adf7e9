from django.apps import AppConfig


class ProfessionalsConfig(AppConfig):
    name = "mindwell.professionals"
    label = "professionals"
    verbose_name = "Verified professionals"
