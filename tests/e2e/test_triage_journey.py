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
    page.get_by_label("Priority").select_option("1")
    expect(page.locator("#queue")).to_contain_text("No open incidents match")
    expect(page).to_have_url(f"{live_url}/joc/?status=&category=&ward=&priority=1")

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
    page.locator("#id_unfounded_evidence").fill("It was a braai")
    page.get_by_role("button", name="Unfounded (rumour debunked)").click()
    expect(page.locator("#incident-panel .error")).to_contain_text("Changed by Busi Nkosi just now")
    expect(page.locator("#incident-status")).to_have_text("Confirmed")
