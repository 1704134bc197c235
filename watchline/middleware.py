"""The project's middleware. Each class does one thing; see settings.MIDDLEWARE for the order."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from watchline import permissions

logger = logging.getLogger(__name__)

# Served as is when the database cannot be reached: rendering it must not need the database.
UNAVAILABLE_PAGE = (Path(settings.BASE_DIR) / "templates" / "errors" / "503.html").read_bytes()
RETRY_AFTER_SECONDS = 30
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable():
    """The static 503 page with Retry-After: the database is down, the server is not."""
    response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers the static 503 page (one log line, no
    traceback), so a phone knows to send again later and nothing looks broken for good.
    Failures outside views (a session saved after the view) reach `views.server_error`, which
    answers the same page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN):
            logger.warning("database unavailable for %s: %s", request.path, exception)
            return database_unavailable()
        return None


class RejectNulBytesMiddleware:
    """A NUL byte in the path or the query string is never a real address: 400 before any view
    (PostgreSQL refuses NUL in text, which would otherwise be a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                "Bad request: the address contains a NUL byte.", content_type="text/plain"
            )
        return self.get_response(request)


class AdminBadFilterMiddleware:
    """An admin list filter the database or Python cannot apply (`created_at__year=99999999999`
    overflows a date, a number too large for its column) is a 400, not a 500: the admin turns
    only some bad lookups into its "?e=1" answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = request.resolver_match
        if (
            match is not None
            and match.app_name == "admin"
            and request.method == "GET"
            and isinstance(exception, (ValueError, OverflowError, DataError))
        ):
            logger.info("admin filter refused on %s: %r", request.path, exception)
            return HttpResponseBadRequest(
                "Bad request: a filter in the address cannot be applied.", content_type="text/plain"
            )
        return None


class RetryAfterMiddleware:
    """Every 429 says when to try again: the views that know their window set Retry-After
    themselves; any other 429 (a library's) gets a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response["Retry-After"] = "60"
        return response


class PrivatePagesMiddleware:
    """Pages for a logged-in user may show personal data (phone numbers): no cache, shared or
    the browser's, may keep them. Responses that set their own Cache-Control keep it; static
    files never get here (WhiteNoise answers them earlier)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The session cookie says "logged in" without a query (reading request.user would
        # load the session, and the database may be the reason this response is an error).
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and "Cache-Control" not in response.headers
        ):
            response["Cache-Control"] = "private, no-store"
        return response


class CompressTextMiddleware(GZipMiddleware):
    """Gzip HTML, JSON and other text (a form page is a fifth of its size on a slow phone
    connection); photos and other binary bodies are already compressed and pass as they are.

    BREACH: an attacker who can inject text into a compressed page and watch its size could
    recover a secret in the same page. Django's GZipMiddleware pads each response with a random
    number of bytes ("Heal the Breach"), every page gets a freshly masked CSRF token, and the
    pages hold no other long-lived secret (session cookies are headers, never compressed)."""

    COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/xml")

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(self.COMPRESSIBLE):
            return response
        return super().process_response(request, response)


class UserLanguageMiddleware:
    """Pages in the language the representative chose (cwg.Representative.language); for
    everyone else, and while the database cannot say, the browser's preference among
    settings.LANGUAGES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            rep = permissions.representative_of(request.user)
        except DATABASE_DOWN:
            rep = None  # the view answers the 503 page; in the browser's language
        language = rep.language if rep else translation.get_language_from_request(request)
        # For this request only: the next one on this thread starts from the site's language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if rep is None:
            patch_vary_headers(response, ["Accept-Language"])
        return response


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: no inline scripts or styles anywhere, and live
    sockets only to this site (the request's own host, ws or wss as the page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy_for(request))
        return response


def policy_for(request):
    try:
        host = request.get_host()
    except DisallowedHost:
        return settings.CONTENT_SECURITY_POLICY.format(websocket="")
    scheme = "wss" if request.is_secure() else "ws"
    return settings.CONTENT_SECURITY_POLICY.format(websocket=f" {scheme}://{host}")
