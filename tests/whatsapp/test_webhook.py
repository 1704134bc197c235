"""The webhook: Meta's handshake, signatures on the raw bytes, store first, answer at once."""

import json

import pytest

from reports.whatsapp import standin as wa
from reports.whatsapp.models import Delivery, InboundMessage
from reports.whatsapp.signature import sign, signature_valid
from tests.whatsapp.conftest import PHONE_NUMBER_ID, REP_PHONE, SECRET, VERIFY, post

pytestmark = pytest.mark.django_db


def handshake(client, **params):
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    query.update(params)
    return client.get("/whatsapp/webhook/", {k: v for k, v in query.items() if v is not None})


def test_the_handshake_echoes_the_challenge(client, line):
    response = handshake(client)
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.verify_token": "wrong"},
        {"hub.verify_token": None},
        {"hub.mode": "unsubscribe"},
        {"hub.challenge": None},
    ],
)
def test_a_wrong_handshake_is_refused(client, line, params):
    assert handshake(client, **params).status_code == 403


def test_without_configuration_the_line_is_off(client, settings):
    settings.WHATSAPP_APP_SECRET = ""
    assert handshake(client).status_code == 404
    raw = wa.encode(wa.envelope(wa.value(PHONE_NUMBER_ID, [wa.text_message(REP_PHONE, "Hi")])))
    assert post(client, raw, sign(raw, SECRET)).status_code == 404
    assert not Delivery.objects.exists()


def signed_text(body="Flooding on Main Road"):
    raw = wa.encode(wa.envelope(wa.value(PHONE_NUMBER_ID, [wa.text_message(REP_PHONE, body)])))
    return raw, sign(raw, SECRET)


def test_a_valid_signature_is_stored_and_answered(client, line, rep):
    raw, signature = signed_text()
    response = post(client, raw, signature)
    assert response.status_code == 200
    assert bytes(Delivery.objects.get().body) == raw


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        "not a signature at all",
    ],
    ids=["missing", "empty", "prefix-only", "wrong-digest", "sha1", "garbage"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(client, line, signature):
    raw, _ = signed_text()
    assert post(client, raw, signature).status_code == 403
    assert not Delivery.objects.exists()


def test_one_byte_changed_breaks_the_signature(client, line):
    raw, signature = signed_text("Flooding on Main Road")
    tampered = raw.replace(b"Main", b"Main".replace(b"M", b"N"))
    assert len(tampered) == len(raw) and tampered != raw
    assert post(client, tampered, signature).status_code == 403
    assert not Delivery.objects.exists()


def test_the_signature_of_another_secret_is_refused(client, line):
    raw, _ = signed_text()
    assert post(client, raw, sign(raw, "another-secret")).status_code == 403


def test_an_escaped_non_ascii_body_is_checked_on_its_raw_bytes(
    client, line, rep, django_capture_on_commit_callbacks
):
    """Meta signs the body as sent: ASCII with \\uXXXX escapes. Re-encoding it as UTF-8 gives
    another digest; the check uses the bytes as they arrived."""
    raw, signature = signed_text("Wasser überall: äöå 💧")
    assert b"\\u00fc" in raw and "ü".encode() not in raw
    decoded = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not signature_valid(decoded, signature, SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, raw, signature).status_code == 200
    assert InboundMessage.objects.get().text == "Wasser überall: äöå 💧"
    assert rep.user.reports.get().description == "Wasser überall: äöå 💧"


def test_a_signed_delivery_that_cannot_be_read_is_kept_with_its_error(
    client, line, django_capture_on_commit_callbacks
):
    raw = b'{"object": "page", "entry": []}'
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, raw, sign(raw, SECRET)).status_code == 200
    delivery = Delivery.objects.get()
    assert delivery.processed_at is not None
    assert "not a whatsapp_business_account delivery" in delivery.error


def test_deliveries_for_another_phone_number_are_ignored(deliver, rep):
    other = wa.value("999999999", [wa.text_message(REP_PHONE, "Not for this line")])
    deliver(other)
    assert Delivery.objects.count() == 1
    assert not InboundMessage.objects.exists()
    assert not rep.user.reports.exists()


def test_only_get_and_post(client, line):
    assert client.put("/whatsapp/webhook/").status_code == 405


def test_the_answer_comes_before_the_processing(
    client, line, rep, settings, django_capture_on_commit_callbacks
):
    """With the database task queue, the POST stores the delivery and queues its processing;
    nothing is parsed in the request. The worker's run then handles it."""
    from django_tasks_db.models import DBTaskResult

    from reports.whatsapp import inbound

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    raw, signature = signed_text("Queued, not yet processed")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, raw, signature).status_code == 200
    delivery = Delivery.objects.get()
    assert delivery.processed_at is None and not InboundMessage.objects.exists()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "reports.whatsapp.inbound.process_delivery"
    assert queued.args_kwargs["args"] == [delivery.pk]
    inbound.process_delivery.call(delivery.pk)
    assert rep.user.reports.get().description == "Queued, not yet processed"
