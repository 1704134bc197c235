from django.apps import AppConfig


class WatchlineConfig(AppConfig):
    name = "watchline"
    verbose_name = "Watchline"

    def ready(self):
        from watchline import security, signals  # noqa: F401  (connects the receivers)
