from django.apps import AppConfig


class WatchlineConfig(AppConfig):
    name = "watchline"
    verbose_name = "Watchline"
