"""Load shedding on the report intake: an ASGI wrapper around Django's HTTP application.

When more intake requests are in flight in this process than INTAKE_MAX_IN_FLIGHT, a new one
is answered at once with a static "busy" page (503 and Retry-After), before Django, the session
or the database are touched, instead of queueing into the phone's timeout. The phone keeps what
was typed and sends again with the same client token, so a report is stored exactly once
whatever happens (reports.services.submit_report). This is not the page for a database or
Redis that is down: that is a fault of the service, this is a full queue."""

from django.conf import settings

# The representatives' side: the report form, follow-ups, their lists.
INTAKE_PREFIX = "/reports/"

BUSY_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Busy: send again in a moment</title></head>
<body><h1>The JOC's line is busy</h1>
<p>Many reports are arriving right now. Nothing was sent yet: go back and send again in a few
seconds. What you typed is still on the form, and sending it twice stores it only once.</p>
</body></html>
"""


class IntakeLimiter:
    """Count this process's intake requests in flight; shed the ones over the limit."""

    def __init__(self, app):
        self.app = app
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        limit = settings.INTAKE_MAX_IN_FLIGHT
        if scope["type"] != "http" or not limit or not scope["path"].startswith(INTAKE_PREFIX):
            return await self.app(scope, receive, send)
        if self.in_flight >= limit:
            return await busy(send)
        self.in_flight += 1
        try:
            return await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def busy(send):
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"retry-after", str(settings.BUSY_RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
                (b"content-security-policy", settings.CONTENT_SECURITY_POLICY.encode()),
                (b"content-length", str(len(BUSY_PAGE)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": BUSY_PAGE})
