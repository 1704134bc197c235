"""Browser journeys with real ward boundaries (the tests' own square wards): an operator composes
an alert by clicking wards on the map, the list and the map staying in step; the dashboard draws
the wards and names them; a representative's location fills the report's ward."""

import re

from playwright.sync_api import expect

from alerts.models import Alert
from reports.models import Report
from tests import factories

TIMEOUT = 20_000


def test_an_operator_targets_an_alert_by_clicking_wards_on_the_map(page, live_url, login):
    wards = factories.import_ward_grid()
    factories.CWGFactory(name="Middle Watch", wards=[wards[5]])
    factories.CWGFactory(name="East Watch", wards=[wards[6]])
    factories.OperatorFactory(username="op-map")
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security" in m.text else 0)
    login(page, "op-map")
    page.goto(f"{live_url}/alerts/new/")
    ward_list = page.get_by_role("group", name="Target wards")
    middle = page.locator("#map path.ward-5")
    east = page.locator("#map path.ward-6")
    expect(middle).to_be_visible(timeout=TIMEOUT)
    # Wards without an approved CWG are marked; 5 and 6 have one.
    expect(page.locator("#map path.ward-gap")).to_have_count(7)
    expect(middle).not_to_have_class(re.compile("ward-gap"))

    middle.click()
    expect(middle).to_have_class(re.compile(r"\btargeted\b"))
    east.click()
    expect(east).to_have_class(re.compile(r"\btargeted\b"))
    expect(page.locator("#map-targets")).to_have_text("Targeted: wards 5, 6.")

    def listed():
        return set(
            ward_list.evaluate(
                "field => Array.from(field.querySelectorAll('option:checked, input:checked'))"
                ".map(c => Number(c.value))"
            )
        )

    assert listed() == {wards[5].pk, wards[6].pk}
    # A second click removes the ward, from the map and from the list.
    east.click()
    expect(east).not_to_have_class(re.compile(r"\btargeted\b"))
    assert listed() == {wards[5].pk}
    # A change made in the list shows on the map.
    ward_list.locator(f"input[value='{wards[8].pk}']").check()
    expect(page.locator("#map path.ward-8")).to_have_class(re.compile(r"\btargeted\b"))
    page.locator("#map path.ward-8").click()
    expect(page.locator("#map-targets")).to_have_text("Targeted: wards 5.")

    page.get_by_label("Title").fill("Gas leak on Main Road")
    page.get_by_label("Message").fill("Keep windows closed.")
    page.get_by_label("Severity").select_option("warning")
    page.get_by_role("button", name="Send alert").click()
    expect(page).to_have_url(re.compile(r"/alerts/\d+/$"), timeout=TIMEOUT)
    alert = Alert.objects.get()
    assert list(alert.wards.values_list("number", flat=True)) == [5]
    assert list(alert.recipients.values_list("cwg__name", flat=True)) == ["Middle Watch"]
    assert csp_errors == []


def test_the_dashboard_draws_the_wards_and_names_the_ward_of_a_pin(page, live_url, login):
    wards = factories.import_ward_grid()
    lat, lng = factories.grid_point(5)
    incident = factories.IncidentFactory(
        ward=wards[5], latitude=lat, longitude=lng, priority=1, title="Gas leak"
    )
    factories.OperatorFactory(username="op-dash-map")
    login(page, "op-dash-map")
    expect(page.locator("#map path.ward")).to_have_count(9, timeout=TIMEOUT)
    # (The side panel's map is small: point past its zoom buttons.)
    page.locator("#map path.ward-7").hover(position={"x": 100, "y": 70})
    expect(page.get_by_role("tooltip", name="Ward 7 (Test ward 7)")).to_be_visible()
    pin = page.locator("#map path.leaflet-interactive[stroke='#b3261e']")
    expect(pin).to_have_count(1)
    pin.hover()
    expect(page.get_by_role("tooltip", name="P1 · Ward 5")).to_be_visible()
    # The incident's own page marks its ward.
    page.goto(f"{live_url}/joc/incidents/{incident.pk}/")
    expect(page.locator("#map path.ward-5")).to_have_attribute("stroke-width", "3", timeout=TIMEOUT)
    expect(page.locator("#map path.ward-4")).to_have_attribute("stroke-width", "1")


def test_use_my_location_fills_the_ward_and_the_representative_may_correct_it(
    browser, live_url, login
):
    wards = factories.import_ward_grid()
    rep = factories.RepresentativeFactory(user__username="rep-where", cwg__wards=[wards[1]])
    lat, lng = factories.grid_point(6)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": lat, "longitude": lng, "accuracy": 12},
        permissions=["geolocation"],
    )
    phone = context.new_page()
    login(phone, rep.user.username)
    phone.goto(f"{live_url}/reports/new/")
    ward = phone.get_by_label("Ward")
    expect(ward).to_have_value(str(wards[1].pk))
    expect(phone.get_by_label("Latitude")).to_be_hidden()  # raw coordinates only when asked

    phone.get_by_role("button", name="Use my location").click()
    expect(phone.locator("#location-status")).to_contain_text(
        "Ward 6 (Test ward 6)", timeout=TIMEOUT
    )
    expect(ward).to_have_value(str(wards[6].pk))

    # Standing on the line, they know better: the report goes to ward 3.
    ward.select_option(str(wards[3].pk))
    phone.get_by_label("Category").select_option(label="Fire")
    phone.get_by_label("What is happening").fill("Smoke behind the school")
    phone.get_by_label("Where").fill("School field")
    phone.get_by_label("Saw it myself").check()
    phone.get_by_label("Urgent").check()
    phone.get_by_role("button", name="Send to the JOC").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Report R-\d{4}-\d{4}"), timeout=TIMEOUT
    )
    report = Report.objects.get()
    assert report.ward == wards[3]
    assert (report.latitude, report.longitude) == (round(lat, 6), round(lng, 6))
    context.close()
