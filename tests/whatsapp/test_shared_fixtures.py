"""The parser and the line against third-party payloads kept beside the project (Meta's own
examples and the test data of open-source WhatsApp clients), in `../shared/fixtures/whatsapp`
relative to the repository (or WATCHLINE_SHARED). They are read from there, never copied in."""

import json
import os
from pathlib import Path

import pytest

from reports.whatsapp import payloads
from reports.whatsapp.models import Delivery, InboundMessage, MessageStatus
from reports.whatsapp.signature import sign, signature_valid
from tests.whatsapp.conftest import SECRET, post

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("WATCHLINE_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures" / "whatsapp"


def _fixtures_or_skip():
    if not (FIXTURES / "INDEX.generated.json").exists():
        if os.environ.get("CI"):
            pytest.fail(f"the shared WhatsApp fixtures are missing in CI ({FIXTURES})")
        pytest.skip(f"shared WhatsApp fixtures not found at {FIXTURES}")


def _index():
    if not (FIXTURES / "INDEX.generated.json").exists():
        return {}
    files = json.loads((FIXTURES / "INDEX.generated.json").read_text())["files"]
    return {name: facts for name, facts in files.items() if "entries" in facts}


WEBHOOKS = _index()


def test_the_fixtures_are_there():
    _fixtures_or_skip()
    assert len(WEBHOOKS) >= 50


@pytest.mark.parametrize("name", sorted(WEBHOOKS) or ["(none)"])
def test_every_webhook_payload_is_read_whole(name):
    _fixtures_or_skip()
    facts = WEBHOOKS[name]
    raw = (FIXTURES / name).read_bytes()
    parsed = payloads.parse(raw)
    read = [(m.id, m.type) for m in parsed.messages]
    expected = [(m.get("id"), m.get("type")) for m in facts["messages"]]
    skipped = [item for reason, item in parsed.skipped if reason.startswith("message")]
    assert len(read) + len(skipped) == len(expected)
    assert read == [(i, t) for i, t in expected if i] or skipped
    assert [(s.id, s.status) for s in parsed.statuses] == [
        (s["id"], s["status"]) for s in facts["statuses"]
    ]
    assert len(parsed.errors) == len(facts["value_errors"])
    for message, fact in zip(parsed.messages, facts["messages"], strict=False):
        if fact.get("from"):
            assert message.sender == fact["from"]
        if fact.get("context_id"):
            assert message.context_id == fact["context_id"]
        assert message.phone_number_id in facts["phone_number_ids"]


def test_what_matters_is_read_from_metas_own_examples():
    _fixtures_or_skip()
    location = payloads.parse((FIXTURES / "meta_docs/location.json").read_bytes()).messages[0]
    assert location.latitude is not None and location.location_name and location.location_address
    listed = payloads.parse((FIXTURES / "meta_docs/interactive_list_reply.json").read_bytes())
    assert listed.messages[0].reply_id and listed.messages[0].reply_title
    button = payloads.parse((FIXTURES / "meta_docs/button_quick_reply.json").read_bytes())
    assert button.messages[0].reply_id  # the template button's payload
    image = payloads.parse((FIXTURES / "meta_docs/image_caption.json").read_bytes()).messages[0]
    assert image.media_id and image.text and image.media_type.startswith("image/")
    voice = payloads.parse((FIXTURES / "pywa/audio_voice.json").read_bytes()).messages[0]
    assert voice.voice and voice.media_id
    failed = payloads.parse((FIXTURES / "other/status_failed_131047_captured.json").read_bytes())
    assert failed.statuses[0].status == "failed" and failed.statuses[0].error_code == 131047
    nobody = payloads.parse((FIXTURES / "courier/hello_from_bsuid.json").read_bytes()).messages[0]
    assert (nobody.sender, nobody.user_id) == ("", "US.1234")
    twice = payloads.parse((FIXTURES / "courier/duplicate.json").read_bytes())
    assert len({m.id for m in twice.messages}) == 1 < len(twice.messages)


def test_the_published_signature_vectors():
    _fixtures_or_skip()
    vectors = json.loads((FIXTURES / "signature/signature_vectors.json").read_text())["vectors"]
    for vector in vectors:
        if "body_file" in vector:
            body = (FIXTURES / "signature" / vector["body_file"]).read_bytes()
        else:
            body = vector["body_utf8"].encode()
        valid = signature_valid(body, vector["x_hub_signature_256"], vector["app_secret"])
        assert valid is vector["expect_valid"], vector["source"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WEBHOOKS) or ["(none)"])
def test_every_webhook_payload_goes_through_the_line_without_a_failure(
    name, client, line, settings, django_capture_on_commit_callbacks
):
    """Signed and posted as Meta would, for the fixture's own phone number id: 200, stored,
    every message and status handled (strangers, mostly) and nothing failing."""
    _fixtures_or_skip()
    facts = WEBHOOKS[name]
    settings.WHATSAPP_PHONE_NUMBER_ID = facts["phone_number_ids"][0]
    line.phone_number_id = facts["phone_number_ids"][0]
    raw = (FIXTURES / name).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, raw, sign(raw, SECRET)).status_code == 200
    delivery = Delivery.objects.get()
    problems = [p for p in delivery.error.splitlines() if p and not p.startswith("WhatsApp error")]
    assert all(p.startswith("message:") for p in problems), problems
    ids = {m["id"] for m in facts["messages"] if m.get("id")}
    assert set(InboundMessage.objects.values_list("wamid", flat=True)) == ids
    assert MessageStatus.objects.count() == len({(s["id"], s["status"]) for s in facts["statuses"]})
