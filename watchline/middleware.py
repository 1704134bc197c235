from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from watchline import permissions


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy header: no inline scripts or styles anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
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
    everyone else, the browser's preference among settings.LANGUAGES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rep = permissions.representative_of(request.user)
        language = rep.language if rep else translation.get_language_from_request(request)
        # For this request only: the next one on this thread starts from the site's language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if rep is None:
            patch_vary_headers(response, ["Accept-Language"])
        return response
