"""A representative on a phone sends a report with a photo and their location, sees its
reference, and watches its status change live when an operator starts verifying it; the CWG's
other representative sees the report arrive in the group's list, and its status change, live."""

import re

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests import factories
from tests.reports import images

HERE = {"latitude": -33.9249, "longitude": 18.4241}


@pytest.fixture
def phone(browser, live_url):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, geolocation=HERE, permissions=["geolocation"]
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.fixture
def operator_page(browser, live_url, login):
    factories.OperatorFactory(username="op-v", first_name="Vusi", last_name="Dlamini")
    context = browser.new_context()
    page = context.new_page()
    login(page, "op-v")
    yield page
    context.close()


@pytest.fixture
def colleague_page(browser, live_url):
    """The CWG's other representative, watching the group's list of reports."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def test_a_report_from_a_phone_and_its_status_changing_live(
    phone, operator_page, colleague_page, live_url, login, tmp_path
):
    rep = factories.RepresentativeFactory(user__username="rep-t", cwg__name="Harfield Watch")
    factories.RepresentativeFactory(user__username="rep-u", cwg=rep.cwg, seat=2)
    photo = tmp_path / "smoke.png"
    photo.write_bytes(images.png_bytes())
    login(colleague_page, "rep-u")
    colleague_page.goto(f"{live_url}/reports/")
    expect(colleague_page.locator("#live-state")).to_have_text("Live")

    login(phone, "rep-t")
    phone.get_by_role("link", name="Send a report").click()
    phone.get_by_label("Category").select_option(label="Fire")
    phone.get_by_label("What is happening").fill("Smoke from the roof of the community hall")
    phone.get_by_label("Where").fill("Community hall, 3rd Avenue")
    phone.get_by_role("button", name="Use my location").click()
    expect(phone.locator("#location-status")).to_contain_text("Location added")
    expect(phone.get_by_label("Latitude")).to_have_value("-33.924900")
    phone.get_by_label("Saw it myself").check()
    phone.get_by_label("Urgent").check()
    phone.get_by_label("People involved or at risk (roughly)").fill("15")
    phone.get_by_label("Photos").set_input_files(photo)
    phone.get_by_role("button", name="Send to the JOC").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"Report R-\d{4}-\d{4}"))
    report = Report.objects.get()
    assert (report.latitude, report.longitude) == (HERE["latitude"], HERE["longitude"])
    assert report.photos.count() == 1
    status = phone.locator(f"#report-{report.pk}-status")
    expect(status).to_contain_text("Received")
    expect(phone.get_by_role("img", name=f"Photo 1 of {report.reference}")).to_be_visible()
    expect(phone.locator("#live-state")).to_have_text("Live")
    row = colleague_page.locator(f"#report-{report.pk}")
    expect(row).to_contain_text(report.reference)
    expect(row).to_contain_text("Received")

    operator_page.goto(f"{live_url}/joc/incidents/{report.incident_id}/")
    # The panel reloads itself once its socket opens: act on the reloaded one.
    expect(operator_page.locator("#live-state")).to_have_text("Live")
    operator_page.wait_for_load_state("networkidle")
    operator_page.get_by_label("CCTV").check()
    operator_page.get_by_role("button", name="Start verifying").click()
    expect(operator_page.locator("#incident-status")).to_have_text("Verifying", timeout=15000)

    # The machine is shared by several test runs: give the live push a little slack.
    expect(status).to_contain_text("Being verified", timeout=15000)
    updates = phone.locator(f"#report-{report.pk}-updates")
    expect(updates).to_contain_text("Being verified")
    # What the JOC checks is internal: the CWG sees the status, not the operator's note.
    expect(updates).not_to_contain_text("CCTV")
    expect(row).to_contain_text("Being verified")
    # Nothing the Content-Security-Policy refused, no script errors. (htmx notes live fragments
    # meant for another page, e.g. the list row while the phone shows the detail: by design.)
    assert [e for e in phone.console_errors if "oobErrorNoTarget" not in e] == []
