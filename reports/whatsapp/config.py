"""The line's settings, read at call time so tests and deployments can change them."""

from django.conf import settings

REQUIRED = (
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


def missing():
    """The settings still to set before the line works (empty when it is configured)."""
    return [name for name in REQUIRED if not getattr(settings, name, "")]


def is_configured():
    return not missing()
