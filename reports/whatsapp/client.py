"""The Graph API over HTTP (httpx): send a message, fetch a media item. Everything goes to
settings.WHATSAPP_API_URL, Meta's or the stand-in's. Errors are GraphError, classified by
Meta's error code (not by its title or the HTTP status alone)."""

import httpx
from django.conf import settings

# Throttling (back off and retry): app, account, throughput, spam and per-recipient pair limits.
THROTTLED = {4, 80007, 130429, 131048, 131056, 133016}
# Temporary failures on Meta's side worth retrying: unknown/service unavailable, media fetch.
TEMPORARY = {1, 2, 131000, 131016, 131053}
# Outside WhatsApp's 24-hour customer service window: only a template may be sent.
WINDOW_CLOSED = {131047, 470}
MAX_MEDIA_BYTES = 16 * 1024 * 1024


class GraphError(Exception):
    def __init__(self, message, *, code=None, http_status=None):
        super().__init__(message)
        self.code = code
        self.http_status = http_status

    @property
    def retryable(self):
        return (
            self.code in THROTTLED
            or self.code in TEMPORARY
            or self.http_status is None  # no answer at all: a network failure
            or self.http_status == 429
            or self.http_status >= 500
        )

    @property
    def window_closed(self):
        return self.code in WINDOW_CLOSED

    def __str__(self):
        code = f"#{self.code} " if self.code is not None else ""
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"{code}{self.args[0]}{status}"


def _client():
    return httpx.Client(
        headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
        timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
    )


def _url(path):
    return f"{settings.WHATSAPP_API_URL.rstrip('/')}/{path}"


def send(message):
    """POST one message (the body without `messaging_product`); returns its wamid."""
    body = {"messaging_product": "whatsapp", **message}
    with _client() as http:
        response = _request(
            http, "POST", _url(f"{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"), json=body
        )
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise GraphError("answer without a message id", http_status=response.status_code) from None


def fetch_media(media_id):
    """Resolve a media id to its short-lived URL, then download it with the same token.
    Returns (bytes, mime type)."""
    with _client() as http:
        info = _request(
            http,
            "GET",
            _url(media_id),
            params={"phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID},
        ).json()
        url = info.get("url") if isinstance(info, dict) else None
        if not url:
            raise GraphError("media answer without a url")
        size = int(info.get("file_size") or 0)
        if size > MAX_MEDIA_BYTES:
            raise GraphError(f"media of {size} bytes is too large", http_status=413)
        with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise GraphError("media download failed", http_status=response.status_code)
            chunks, total = [], 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > MAX_MEDIA_BYTES:
                    raise GraphError("media too large", http_status=413)
                chunks.append(chunk)
        mime = response.headers.get("content-type", info.get("mime_type", ""))
        return b"".join(chunks), mime


def _request(http, method, url, **kwargs):
    try:
        response = http.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        raise GraphError(f"{type(error).__name__}: {error}") from None
    if response.is_success:
        return response
    try:
        error = response.json()["error"]
        raise GraphError(
            str(error.get("message") or "error"),
            code=int(error["code"]) if str(error.get("code", "")).isdigit() else None,
            http_status=response.status_code,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        raise GraphError(response.text[:200] or "error", http_status=response.status_code) from None
