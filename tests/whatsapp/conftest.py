"""The WhatsApp line's tests: a stand-in Graph API on 127.0.0.1 that the product reaches only
through WHATSAPP_API_URL, a configured line, and signed deliveries posted to the webhook."""

import pytest

from reports.whatsapp import standin as wa
from reports.whatsapp.signature import sign
from tests import factories

PHONE_NUMBER_ID = "106540352242922"
SECRET = "app-secret-for-tests"
TOKEN = "access-token-for-tests"
VERIFY = "verify-token-for-tests"
REP_PHONE = "27820001111"  # as WhatsApp gives it: digits, no "+"


@pytest.fixture
def standin():
    server = wa.StandIn(token=TOKEN, phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def line(settings, standin):
    """The line configured against the stand-in."""
    settings.WHATSAPP_API_URL = standin.url
    settings.WHATSAPP_PHONE_NUMBER_ID = PHONE_NUMBER_ID
    settings.WHATSAPP_ACCESS_TOKEN = TOKEN
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY
    return standin


@pytest.fixture
def rep(db):
    """An active representative of an approved CWG covering ward 1, with a known phone."""
    return factories.RepresentativeFactory(phone=f"+{REP_PHONE}")


def post(client, raw, signature=None):
    return client.post(
        "/whatsapp/webhook/",
        data=raw,
        content_type="application/json",
        **({"HTTP_X_HUB_SIGNATURE_256": signature} if signature is not None else {}),
    )


@pytest.fixture
def deliver(client, line, django_capture_on_commit_callbacks):
    """POST a signed delivery, as Meta does, and run what it queues (the immediate task
    backend). Takes messages (for the configured number), values (see standin.value) or raw
    bytes; returns the response."""

    def do(*items, raw=None):
        if raw is None:
            values = [
                item if "messaging_product" in item else wa.value(PHONE_NUMBER_ID, [item])
                for item in items
            ]
            raw = wa.encode(wa.envelope(*values))
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, raw, sign(raw, SECRET))
        assert response.status_code == 200
        return response

    return do


def sent_to(standin, to=REP_PHONE):
    return [m for m in standin.sent if m.get("to") == to or m.get("recipient") == to]


def body_of(message):
    """The text a person reads in a sent message, whatever its type."""
    kind = message["type"]
    if kind == "text":
        return message["text"]["body"]
    if kind == "interactive":
        return message["interactive"]["body"]["text"]
    return " ".join(
        p["text"] for c in message["template"]["components"] for p in c["parameters"] if "text" in p
    )


def reply_ids(message):
    action = message["interactive"]["action"]
    if "buttons" in action:
        return [b["reply"]["id"] for b in action["buttons"]]
    return [r["id"] for s in action["sections"] for r in s["rows"]]
