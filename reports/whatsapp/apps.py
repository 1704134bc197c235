from django.apps import AppConfig


class WhatsAppConfig(AppConfig):
    name = "reports.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp line"
