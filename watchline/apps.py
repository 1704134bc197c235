from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save


class WatchlineConfig(AppConfig):
    name = "watchline"
    verbose_name = "Watchline"

    def ready(self):
        from watchline import options, security, signals  # noqa: F401  (connects the receivers)

        for model in (apps.get_model("cwg", "Ward"), apps.get_model("reports", "Category")):
            post_save.connect(options.renew, sender=model, dispatch_uid=f"options-{model}")
            post_delete.connect(options.renew, sender=model, dispatch_uid=f"options-del-{model}")
