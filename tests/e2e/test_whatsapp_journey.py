"""Browser journeys of the WhatsApp line, against a live server configured for it and the
stand-in Graph API: a signed delivery makes an incident appear live on an operator's dashboard,
and an alert sent by an operator reaches the stand-in; the representative's button reply shows
as acknowledged on the alert's page, live."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from reports.models import Report
from reports.whatsapp import standin as wa
from tests import factories
from tests.e2e.servers import start_live_server

PHONE_NUMBER_ID = "1055500001"
SECRET = "journey-app-secret"
REP_PHONE = "27820005555"


@pytest.fixture(scope="module")
def line_server(live_server_process, django_db_blocker):
    """A second live server, forked with the line configured against a stand-in Graph API
    running in this process (the stand-in plays Meta: deliveries and statuses to its webhook)."""
    standin = wa.StandIn(
        token="journey-token", phone_number_id=PHONE_NUMBER_ID, app_secret=SECRET
    ).start()
    line = override_settings(
        WHATSAPP_API_URL=standin.url,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN="journey-token",
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_VERIFY_TOKEN="journey-verify",
    )
    line.enable()
    try:
        with django_db_blocker.unblock():
            process = start_live_server()
    finally:
        line.disable()
    url = f"http://localhost:{process.port.value}"
    standin.webhook_url = f"{url}/whatsapp/webhook/"
    yield url, standin
    process.terminate()
    process.join(timeout=10)
    standin.stop()


@pytest.fixture
def line(line_server, transactional_db):
    url, standin = line_server
    standin.reset()
    return url, standin


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_signed_delivery_makes_an_incident_appear_live_on_the_dashboard(page, line):
    url, standin = line
    rep = factories.RepresentativeFactory(phone=f"+{REP_PHONE}", cwg__name="Athlone Watch")
    factories.OperatorFactory(username="op-wa")
    log_in(page, url, "op-wa")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=15000)

    status = standin.deliver(wa.text_message(REP_PHONE, "Water rising fast on Klipfontein Road"))
    assert status == 200

    row = page.locator("#queue tbody tr", has_text="Not given yet (sent on WhatsApp)")
    expect(row).to_have_count(1, timeout=15000)
    report = Report.objects.select_related("incident").get()
    assert report.incident.title == "Water rising fast on Klipfontein Road"
    expect(row).to_contain_text(report.incident.reference)
    expect(row).to_contain_text("1 report from 1 CWG")
    assert report.channel == "whatsapp" and report.submitted_by == rep.user
    reply = standin.wait_for(lambda m: m.get("to") == REP_PHONE, timeout=15)
    assert report.reference in reply["interactive"]["body"]["text"]

    # The guided exchange's first answer reaches the incident's timeline.
    standin.deliver(wa.list_reply(REP_PHONE, f"cat:{report.pk}:flood", "Flood"))
    page.goto(f"{url}/joc/incidents/{report.incident_id}/")
    expect(page.locator("body")).to_contain_text("Category: Flood", timeout=15000)


def test_an_alert_reaches_whatsapp_and_the_button_reply_acknowledges_it_live(page, line):
    url, standin = line
    ward = factories.WardFactory(number=44)
    rep = factories.RepresentativeFactory(
        phone=f"+{REP_PHONE}",
        cwg__name="Mitchells Plain Watch",
        cwg__wards=[ward],
        user__first_name="Thandi",
    )
    factories.OperatorFactory(username="op-wa-alert")
    log_in(page, url, "op-wa-alert")
    expect(page).to_have_url(f"{url}/joc/")  # the dashboard
    page.get_by_role("link", name="Alerts", exact=True).click()
    page.get_by_role("link", name="New alert").click()
    page.get_by_label("Title").fill("Gas leak")
    page.get_by_label("Message").fill("Keep clear of AZ Berman Drive.")
    page.get_by_label("Severity").select_option("warning")
    page.get_by_role("group", name="Target wards").get_by_label(str(ward)).check()
    page.get_by_role("button", name="Send alert").click()
    expect(page).to_have_url(re.compile(r"/alerts/\d+/$"))
    expect(page.locator("#live-state")).to_have_text("Live", timeout=15000)
    row = page.locator("tr", has_text="Mitchells Plain Watch")
    expect(row).to_contain_text("Not yet")

    # The representative never wrote to the line: outside the window, the approved template.
    sent = standin.wait_for(lambda m: m.get("to") == REP_PHONE, timeout=15)
    assert sent["type"] == "template"
    payload = sent["template"]["components"][1]["parameters"][0]["payload"]
    # The stand-in reports it delivered, as Meta does, and the page shows it.
    expect(row).to_contain_text(f"whatsapp to {rep.name}: Delivered", timeout=15000)

    assert standin.deliver(wa.template_button(REP_PHONE, payload, "Acknowledge")) == 200
    expect(row).to_contain_text("Acknowledged", timeout=15000)
    expect(row).to_contain_text("Thandi")
    expect(page.locator(".ack-count")).to_have_text("1 of 1 CWGs")
    thanks = standin.wait_for(lambda m: m.get("type") == "text", timeout=15)
    assert "Acknowledged for Mitchells Plain Watch" in thanks["text"]["body"]
