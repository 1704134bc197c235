from django.apps import AppConfig


class CwgConfig(AppConfig):
    name = "cwg"
    verbose_name = "Community Watch Groups"
