"""Browser journey of an alert: an operator sends it from a confirmed incident, a representative
of a CWG in the incident's ward sees it appear live on the portal and acknowledges it, the
operator sees the acknowledgement appear live; a CWG in another ward sees nothing."""

import re

import pytest
from playwright.sync_api import expect

from alerts import services as alert_services
from tests import factories

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture
def phone(browser, live_url, login):
    """A representative's phone, logged in on the CWG portal with its live socket open."""
    contexts = []

    def open_portal(rep):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        login(page, rep.user.username)
        expect(page).to_have_url(f"{live_url}/cwg/portal/")
        expect(page.locator("#live-state")).to_have_text("Live")
        return page

    yield open_portal
    for context in contexts:
        context.close()


def test_an_alert_reaches_the_wards_cwg_live_and_its_acknowledgement_reaches_the_operator(
    page, live_url, login, phone
):
    incident = factories.IncidentFactory(
        status="confirmed", title="Armed robbery at the Spar", ward=factories.WardFactory(number=60)
    )
    covered = {w.pk for w in alert_services.suggested_wards(incident)}
    far_ward = factories.WardFactory(number=1 if 1 not in covered else 116)
    inside = factories.RepresentativeFactory(
        cwg__name="Lansdowne Watch", cwg__wards=[incident.ward], user__first_name="Naledi"
    )
    outside = factories.RepresentativeFactory(cwg__name="Far Watch", cwg__wards=[far_ward])
    factories.OperatorFactory(username="op-alerts")
    inside_page, outside_page = phone(inside), phone(outside)
    # The representative asks for sound and vibration on new alerts (kept on the phone).
    inside_page.evaluate("navigator.vibrate = (p) => { window.vibrated = p; return true; }")
    inside_page.get_by_label("Sound and vibration for new alerts").check()
    assert inside_page.evaluate("localStorage.getItem('watchline.alertSound')") == "on"
    title = inside_page.title()

    login(page, "op-alerts")
    # From the confirmed incident to the prefilled form in one click.
    page.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    page.get_by_role("link", name="Send alert to the CWGs").click()
    expect(page).to_have_url(f"{live_url}/alerts/new/?incident={incident.pk}")
    expect(page.get_by_label("Title")).to_have_value("Armed robbery at the Spar")
    ticked = page.locator("#id_wards input:checked").evaluate_all(
        "boxes => boxes.map(box => Number(box.value))"
    )
    assert set(ticked) == covered
    reach = page.locator("#alert-reach")
    expect(reach).to_have_text("Will reach 1 CWG and 1 representative.")
    # The ward list is searchable checkboxes: one click adds a ward and keeps the others,
    # and the count of who will receive it follows live.
    page.get_by_label("Find a ward").fill(str(far_ward.number))
    far_box = page.locator(f"#id_wards input[value='{far_ward.pk}']")
    unmatched = factories.WardFactory(number=next(n for n in range(2, 117) if "1" not in str(n)))
    expect(far_box).to_be_visible()
    if unmatched.pk not in covered:  # ticked wards always stay in view
        expect(page.locator(f"#id_wards input[value='{unmatched.pk}']")).to_be_hidden()
    far_box.check()
    expect(reach).to_have_text("Will reach 2 CWGs and 2 representatives.")
    expect(page.locator("#id_wards input:checked")).to_have_count(len(covered) + 1)
    far_box.uncheck()
    expect(reach).to_have_text("Will reach 1 CWG and 1 representative.")
    page.get_by_label("Message").fill("Two suspects fled on foot towards the station.")
    page.get_by_label("Severity").select_option("emergency")
    page.get_by_role("button", name="Send alert").click()
    expect(page).to_have_url(re.compile(r"/alerts/\d+/$"))
    row = page.locator("tr", has_text="Lansdowne Watch")
    expect(row).to_contain_text("Not yet")
    expect(row).to_contain_text(str(inside.phone))
    expect(page.locator("#live-state")).to_have_text("Live")

    banner = inside_page.locator("#portal-alert-list article")
    expect(banner).to_have_count(1)
    expect(banner).to_have_class(re.compile(r"alert-banner emergency"))
    expect(banner).to_contain_text("Two suspects fled on foot")
    expect(inside_page).to_have_title(f"(1) New alert · {title}")
    assert inside_page.evaluate("window.vibrated") == [300, 150, 300]
    banner.get_by_role("button", name="Acknowledge").click()
    expect(banner).to_contain_text("Acknowledged by Naledi")
    expect(inside_page).to_have_title(title)

    expect(row).to_contain_text("Acknowledged")
    expect(row).to_contain_text("Naledi")
    expect(page.locator(".ack-count")).to_have_text("1 of 1 CWGs")

    # The other ward's portal got nothing, not even after a reload.
    expect(outside_page.locator("#portal-alert-list article")).to_have_count(0)
    outside_page.reload()
    expect(outside_page.locator(".no-alerts")).to_be_visible()
    expect(outside_page.locator("#portal-alert-list article")).to_have_count(0)


def test_a_correction_replaces_the_banner_live_and_a_cancellation_removes_it(
    page, live_url, login, phone
):
    ward = factories.WardFactory(number=12)
    rep = factories.RepresentativeFactory(cwg__wards=[ward])
    factories.OperatorFactory(username="op-update")
    portal = phone(rep)
    csp_errors = []
    portal.on("console", lambda m: csp_errors.append(m.text) if "Content Security" in m.text else 0)

    login(page, "op-update")
    page.goto(f"{live_url}/alerts/new/")
    page.get_by_label("Title").fill("Water outage")
    page.get_by_label("Message").fill("No water until 18:00.")
    page.get_by_label("Severity").select_option("advisory")
    page.get_by_role("group", name="Target wards").get_by_label(str(ward)).check()
    page.get_by_role("button", name="Send alert").click()

    banner = portal.locator("#portal-alert-list article")
    expect(banner).to_have_class(re.compile(r"alert-banner advisory"))
    banner.get_by_role("button", name="Acknowledge").click()
    expect(banner).to_contain_text("Acknowledged by")

    page.get_by_text("Send a correction or the all-clear").click()
    page.get_by_label("All clear").check()
    page.get_by_label("Title").fill("Water back on")
    page.get_by_label("Message").fill("Supply restored.")
    page.get_by_role("button", name="Send update").click()
    expect(page.locator(".alert-versions")).to_contain_text("v2 · All clear")

    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("Water back on")
    expect(banner).to_contain_text("All clear")
    expect(banner.get_by_role("button", name="Acknowledge")).to_be_visible()

    page.get_by_text("Cancel this alert").click()
    page.get_by_role("button", name="Cancel alert").click()
    expect(page.locator(".alert-versions")).to_contain_text("v3 · Cancellation")
    expect(banner).to_have_count(0)
    expect(portal.locator(".no-alerts")).to_be_visible()
    assert csp_errors == []


def test_a_supervisor_sees_an_emergency_to_all_wards_wait_live_and_approves_it(
    page, browser, live_url, login, phone
):
    rep = factories.RepresentativeFactory(cwg__wards=[factories.WardFactory(number=80)])
    factories.OperatorFactory(username="op-emergency")
    factories.SupervisorFactory(username="sup-emergency")
    portal = phone(rep)
    login(page, "sup-emergency")
    page.goto(f"{live_url}/alerts/")
    expect(page.locator("#live-state")).to_have_text("Live")

    context = browser.new_context()
    operator = context.new_page()
    login(operator, "op-emergency")
    operator.goto(f"{live_url}/alerts/new/")
    operator.get_by_label("Title").fill("Severe storm")
    operator.get_by_label("Message").fill("Stay indoors tonight.")
    operator.get_by_label("Severity").select_option("emergency")
    operator.get_by_label("All wards").check()
    operator.get_by_role("button", name="Send alert").click()
    expect(operator.get_by_text("waits for a supervisor")).to_be_visible()
    expect(operator.get_by_role("button", name="Approve and send")).to_have_count(0)
    context.close()

    row = page.locator("#alert-rows tr", has_text="Severe storm")
    expect(row).to_contain_text("Awaiting supervisor approval")
    expect(portal.locator("#portal-alert-list article")).to_have_count(0)
    row.get_by_role("link", name="Severe storm").click()
    page.get_by_role("button", name="Approve and send").click()
    expect(page.locator(".alert-status")).to_contain_text("0 of 1 CWGs")

    expect(portal.locator("#portal-alert-list article")).to_contain_text("Severe storm")
