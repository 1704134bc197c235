"""Browser journeys of the JOC floor: the live queue, filters, the map, and two operators on one
incident. Every change is made through the live server by a second browser context."""

import pytest
from playwright.sync_api import expect

from tests import factories


@pytest.fixture
def colleague(browser, live_url, login):
    """A second operator in their own browser."""
    factories.OperatorFactory(username="op-b", first_name="Busi", last_name="Nkosi")
    context = browser.new_context()
    page = context.new_page()
    login(page, "op-b")
    yield page
    context.close()


def test_a_colleagues_actions_reach_the_queue_and_the_map_live(page, live_url, login, colleague):
    factories.OperatorFactory(username="op-a")
    incident = factories.IncidentFactory(reference="I-2411-0001", location_text="Main Road")
    factories.IncidentFactory(reference="I-2411-0002", latitude=-33.95, longitude=18.47)
    login(page, "op-a")
    row = page.locator(f"#incident-{incident.pk}")
    expect(row).to_contain_text("New")
    expect(page.locator("#map .leaflet-interactive")).to_have_count(2)

    colleague.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    colleague.get_by_role("button", name="Acknowledge (take it)").click()
    expect(colleague.locator("#incident-panel")).to_contain_text("Handler: Busi Nkosi")

    expect(row).to_contain_text("Acknowledged")
    expect(row).to_contain_text("Busi Nkosi")
    # Still new for this operator: they have not opened it yet.
    expect(row).to_have_class("is-new")
    page.get_by_role("link", name="I-2411-0001").click()
    page.get_by_role("link", name="← Dashboard").click()
    expect(page.locator(f"#incident-{incident.pk}")).not_to_have_class("is-new")


def test_filters_survive_live_updates(page, live_url, login, colleague):
    factories.OperatorFactory(username="op-a")
    urgent = factories.IncidentFactory(reference="I-2411-0003", priority=3)
    factories.IncidentFactory(reference="I-2411-0004", priority=3)
    login(page, "op-a")
    expect(page.locator("#live-state")).to_have_text("Live")
    page.get_by_label("Priority").select_option("1")
    expect(page.locator("#queue")).to_contain_text("No open incidents match")
    expect(page).to_have_url(
        f"{live_url}/joc/?q=&status=&category=&ward=&priority=1&exercise=&sort="
    )

    colleague.goto(f"{live_url}/joc/incidents/{urgent.pk}/")
    colleague.locator("form:has(button:text('Set priority'))").get_by_label(
        "Priority"
    ).select_option("1")
    colleague.get_by_role("button", name="Set priority").click()

    expect(page.locator(f"#incident-{urgent.pk}")).to_contain_text("P1")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#map .leaflet-interactive")).to_have_count(1)


def test_two_operators_on_one_incident_never_overwrite_each_other(page, live_url, login, colleague):
    factories.OperatorFactory(username="op-a")
    incident = factories.IncidentFactory(status="verifying")
    login(page, "op-a")
    page.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    colleague.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    expect(page.locator("#live-state")).to_have_text("Live")

    colleague.locator("#id_confirm_evidence").fill("CCTV camera 4 shows the fire")
    colleague.get_by_role("button", name="Confirm").click()
    expect(colleague.locator("#incident-status")).to_have_text("Confirmed")

    # The first operator's page says who changed it, live...
    expect(page.locator(".notice")).to_contain_text("Changed by Busi Nkosi just now: Confirmed")
    # ...and acting on what they saw is refused with the fresh state, not a silent overwrite.
    page.locator("#id_mark_unfounded_evidence").fill("It was a braai")
    page.get_by_role("button", name="Unfounded (rumour debunked)").click()
    expect(page.locator("#incident-panel .error")).to_contain_text("Changed by Busi Nkosi just now")
    expect(page.locator("#incident-status")).to_have_text("Confirmed")


# The sound cue is WebAudio: count the tones the page starts.
COUNT_TONES = """
window.__tones = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () {
  window.__tones += 1;
  return original.call(this);
};
"""


@pytest.fixture
def phone(browser):
    # Reference data may have been flushed by an earlier transactional test: make sure of it.
    factories.CategoryFactory(slug="fire", name="Fire")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def send_report(page, live_url, description, urgency="Urgent"):
    """A representative fills in the real report form on their phone."""
    page.goto(f"{live_url}/reports/new/")
    page.get_by_label("Category").select_option(label="Fire")
    page.get_by_label("What is happening").fill(description)
    page.get_by_label("Where").fill("Corner of Main Road and Church Street")
    page.get_by_text("Enter coordinates by hand").click()
    page.get_by_label("Latitude").fill("-33.9249")
    page.get_by_label("Longitude").fill("18.4241")
    page.get_by_label("Saw it myself").check()
    page.get_by_label(urgency).check()
    page.get_by_role("button", name="Send to the JOC").click()
    expect(page.get_by_role("heading", name="Report R-")).to_be_visible()


def test_a_report_appears_on_the_open_dashboard_without_a_reload(
    page, live_url, login, browser, phone
):
    factories.OperatorFactory(username="op-a")
    first = factories.RepresentativeFactory(cwg__name="Sea Point Watch")
    second = factories.RepresentativeFactory(cwg__name="Green Point Watch")
    page.add_init_script(COUNT_TONES)
    login(page, "op-a")
    page.get_by_label("Sound cue for life-threatening reports").check()
    expect(page.locator("#live-state")).to_have_text("Live")
    page.evaluate("window.__tones = 0")
    expect(page.locator("#queue")).to_contain_text("No open incidents")

    login(phone, first.user.username)
    send_report(phone, live_url, "Shop on fire, people inside", urgency="Life-threatening")

    row = page.locator("#queue tbody tr").first
    expect(row).to_contain_text("Corner of Main Road and Church Street")
    expect(row).to_contain_text("1 report from 1 CWG")
    expect(row).to_contain_text("Life-threatening")
    expect(row).to_contain_text("P1")
    expect(row).to_have_class("is-new")
    expect(page.locator("#map .leaflet-interactive")).to_have_count(1)
    page.wait_for_function("window.__tones > 0")

    # A second CWG reporting the same fire corroborates the same incident.
    other = browser.new_context(viewport={"width": 390, "height": 844})
    other_phone = other.new_page()
    login(other_phone, second.user.username)
    send_report(other_phone, live_url, "Smoke over Church Street")
    other.close()
    expect(row).to_contain_text("2 reports from 2 CWGs")
    expect(page.locator("#queue tbody tr")).to_have_count(1)


def test_verifying_and_dispatching_show_live_on_the_representatives_report(
    page, live_url, login, phone
):
    factories.OperatorFactory(username="op-a", first_name="Lindiwe", last_name="Khumalo")
    factories.ResourceFactory(call_sign="FIRE-1")
    rep = factories.RepresentativeFactory(cwg__name="Sea Point Watch")
    login(phone, rep.user.username)
    send_report(phone, live_url, "Shop on fire")
    status = phone.locator(".report-status")
    expect(status).to_contain_text("Received")
    expect(phone.locator("#live-state")).to_have_text("Live")

    refused = []  # anything the Content-Security-Policy refuses (inline script or style)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and refused.append(message.text),
    )
    login(page, "op-a")
    page.locator("#queue tbody tr a").first.click()
    expect(page.locator("#incident-panel")).to_contain_text("1 report from 1 CWG")
    expect(page.locator("#incident-panel")).to_contain_text("Sea Point Watch")
    page.get_by_label("CCTV").check()
    page.get_by_role("button", name="Start verifying").click()
    expect(page.locator("#incident-status")).to_have_text("Verifying")
    expect(status).to_contain_text("Being verified")

    page.locator("#id_confirm_evidence").fill("CCTV camera 12 shows flames")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#incident-status")).to_have_text("Confirmed")
    expect(status).to_contain_text("Confirmed")

    page.get_by_label("FIRE-1 · Fire & Rescue").check()
    page.get_by_role("button", name="Dispatch").click()
    expect(page.locator("#incident-status")).to_have_text("Responding")
    expect(page.locator("#resources")).to_have_count(0)  # the panel lives on the dashboard
    expect(status).to_contain_text("Action taken")

    page.get_by_label("Public follow-up (the reporting CWGs see it)").fill(
        "Fire & Rescue are on the way."
    )
    page.get_by_role("button", name="Send to the reporting CWGs").click()
    expect(phone.get_by_text("Fire & Rescue are on the way.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Fire & Rescue are on the way.")
    page.get_by_label("Internal note (JOC only)").fill("Caller's number goes to voicemail")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.locator(".timeline")).to_contain_text("Caller's number goes to voicemail")
    expect(phone.get_by_text("voicemail")).to_have_count(0)
    assert refused == []


def test_the_resources_panel_follows_a_dispatch_live(page, live_url, login, colleague):
    factories.OperatorFactory(username="op-a")
    incident = factories.IncidentFactory(status="confirmed")
    factories.ResourceFactory(call_sign="EMS-4", agency="ems")
    login(page, "op-a")
    unit = page.locator("#resources tr", has_text="EMS-4")
    expect(unit).to_contain_text("Available")

    colleague.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    colleague.get_by_label("EMS-4 · EMS").check()
    colleague.get_by_role("button", name="Dispatch").click()
    expect(unit).to_contain_text("Dispatched")
    colleague.get_by_role("button", name="En route: EMS-4").click()
    expect(unit).to_contain_text("En route")
    expect(page.locator(f"#incident-{incident.pk}")).to_contain_text("Responding")
