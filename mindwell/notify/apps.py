from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "mindwell.notify"
    label = "notify"
    verbose_name = "Notifications"
