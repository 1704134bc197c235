from django.apps import AppConfig


class JocConfig(AppConfig):
    name = "joc"
    verbose_name = "JOC"
