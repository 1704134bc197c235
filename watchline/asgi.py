"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "watchline.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

try:
    # Django refuses an empty key on access: do it at start-up rather than mid-request.
    getattr(settings, "SECRET_KEY")  # noqa: B009
except ImproperlyConfigured as empty:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (export SECRET_KEY=... or DEBUG=1)."
    ) from empty

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from watchline.routing import websocket_urlpatterns  # noqa: E402
from watchline.shedding import IntakeLimiter  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": IntakeLimiter(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
