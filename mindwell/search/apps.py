from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "mindwell.search"
    label = "search"
    verbose_name = "Search"
