"""Load shedding: over the limit of intake requests in flight, a new one gets the static busy
page at once (503, Retry-After); other paths and requests under the limit go through."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from watchline.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def request(path, method="POST"):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"text/plain")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    return ApplicationCommunicator(application, scope)


async def answer(communicator):
    start = await communicator.receive_output(10)
    body = b""
    while True:
        part = await communicator.receive_output(10)
        body += part.get("body", b"")
        if not part.get("more_body"):
            return start["status"], dict(start["headers"]), body


def test_intake_over_the_limit_is_shed_at_once_with_retry_after(settings):
    settings.INTAKE_MAX_IN_FLIGHT = 2
    settings.BUSY_RETRY_AFTER_SECONDS = 3

    async def run():
        # Two submissions whose bodies are still arriving: in flight.
        slow = [request("/reports/new/", method="GET") for _ in range(2)]
        for communicator in slow:
            await communicator.send_input(
                {"type": "http.request", "body": b"part", "more_body": True}
            )
        await asyncio.sleep(0.2)  # let them start
        shed = request("/reports/new/")
        await shed.send_input({"type": "http.request", "body": b"", "more_body": False})
        status, headers, body = await answer(shed)
        assert status == 503 and headers[b"retry-after"] == b"3"
        assert b"busy" in body and b"send again" in body
        # Other pages are not intake: never shed.
        other = request("/livez", method="GET")
        await other.send_input({"type": "http.request", "body": b"", "more_body": False})
        assert (await answer(other))[0] == 200
        # The two in flight finish as Django answers them (no session: to the login page).
        for communicator in slow:
            await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
            assert (await answer(communicator))[0] == 302
            await communicator.wait(10)  # Django's clean-up after the response, then done
        # With room again, the next submission goes through.
        again = request("/reports/new/", method="GET")
        await again.send_input({"type": "http.request", "body": b"", "more_body": False})
        assert (await answer(again))[0] == 302

    async_to_sync(run)()


def test_a_limit_of_zero_never_sheds(settings):
    settings.INTAKE_MAX_IN_FLIGHT = 0

    async def run():
        communicators = [request("/reports/new/", method="GET") for _ in range(3)]
        for communicator in communicators:
            await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        for communicator in communicators:
            assert (await answer(communicator))[0] == 302

    async_to_sync(run)()
