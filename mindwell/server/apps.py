from django.apps import AppConfig


class ServerConfig(AppConfig):
    """Serving the site: the `serve` and `demo` commands."""

    name = "mindwell.server"
    label = "server"
