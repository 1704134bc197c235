"""The line in the admin: read-only pages that say when the line is not configured, a
delivery processed again, and a voice note only operators can fetch."""

import pytest

from reports.whatsapp import standin as wa
from reports.whatsapp.models import Delivery, InboundMessage
from tests import factories
from tests.whatsapp.conftest import REP_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, city_admin):
    client.force_login(city_admin)
    return client


def test_the_admin_says_the_line_is_not_configured(admin_client, line, settings):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    settings.WHATSAPP_VERIFY_TOKEN = ""
    page = admin_client.get("/admin/whatsapp/inboundmessage/").content.decode()
    assert (
        "The WhatsApp line is not configured: set WHATSAPP_ACCESS_TOKEN, WHATSAPP_VERIFY_TOKEN"
        in page
    )


def test_a_configured_line_has_no_warning(admin_client, line):
    page = admin_client.get("/admin/whatsapp/delivery/").content.decode()
    assert "not configured" not in page


def test_a_delivery_can_be_processed_again_without_doubling(
    admin_client, deliver, rep, django_capture_on_commit_callbacks
):
    deliver(wa.text_message(REP_PHONE, "Fire"))
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/whatsapp/delivery/",
            {"action": "process_again", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.processed_at is not None
    assert InboundMessage.objects.count() == 1 and rep.user.reports.count() == 1


def test_a_voice_note_is_served_to_operators_only(deliver, rep, standin, client):
    standin.add_media("voice-9", b"OggS" + b"\x01" * 64, "audio/ogg")
    deliver(wa.voice_message(REP_PHONE, "voice-9"))
    message = InboundMessage.objects.get()
    url = f"/whatsapp/media/{message.pk}/"
    client.force_login(rep.user)
    assert client.get(url).status_code in (302, 403)
    client.force_login(factories.OperatorFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/ogg"
    assert b"".join(response.streaming_content).startswith(b"OggS")
