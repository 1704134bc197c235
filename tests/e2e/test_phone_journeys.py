"""The representative's phone on a bad connection: a report typed offline waits on the phone and
is stored once when the connection returns; photos are made smaller before they are sent; a
refused form keeps its photo; an alert is seen on the report form; the language follows the
representative's choice."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from alerts import services as alert_services
from reports.models import Report
from tests import factories

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def rep(live_url):
    ward = factories.WardFactory(number=15)
    return factories.RepresentativeFactory(
        user__username="rep-p", cwg__name="Bo-Kaap Watch", cwg__wards=[ward]
    )


@pytest.fixture
def context(browser, live_url):
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


@pytest.fixture
def phone(context, rep, login):
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    login(page, "rep-p")
    return page


def fill_report(page, description="Water rising in Wale Street"):
    page.get_by_label("Category").select_option(label="Flood")
    page.get_by_label("What is happening").fill(description)
    page.get_by_label("Where").fill("Wale Street and Rose Street")
    page.get_by_label("Saw it myself").check()


def big_photo(path, size=(3000, 2000)):
    Image.new("RGB", size, (40, 120, 200)).save(path, "JPEG", quality=95)
    return path


def test_a_report_typed_offline_waits_and_is_stored_once_when_back_online(phone, context, live_url):
    phone.goto(f"{live_url}/reports/new/")
    token = phone.locator("input[name=client_token]").input_value()
    fill_report(phone)
    context.set_offline(True)
    phone.get_by_role("button", name="Send to the JOC").click()

    expect(phone.locator("#send-state")).to_contain_text("Waiting to send")
    expect(phone.locator("#outbox-status")).to_contain_text("Reports waiting to send: 1")
    assert not Report.objects.exists()

    context.set_offline(False)
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Report R-\d{4}-\d{4}"), timeout=15000
    )
    report = Report.objects.get()
    assert str(report.client_token) == token
    assert report.description == "Water rising in Wale Street"
    # The outbox is empty: reloading a page sends nothing again.
    phone.goto(f"{live_url}/cwg/portal/")
    phone.wait_for_timeout(1000)
    assert Report.objects.count() == 1
    expect(phone.locator("#outbox-status")).to_be_hidden()
    assert phone.console_errors == []


def test_a_waiting_report_the_server_refuses_comes_back_into_the_form(
    phone, context, live_url, tmp_path
):
    phone.goto(f"{live_url}/reports/new/")
    fill_report(phone, "Power lines down")
    phone.get_by_label("When it was observed").fill("2099-01-01T10:00")
    phone.get_by_label("Photos").set_input_files(big_photo(tmp_path / "lines.jpg", (800, 600)))
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    context.set_offline(True)
    phone.get_by_role("button", name="Send to the JOC").click()
    expect(phone.locator("#send-state")).to_contain_text("Waiting to send")
    context.set_offline(False)
    expect(phone.locator("#outbox-status")).to_contain_text("could not be accepted")

    phone.goto(f"{live_url}/reports/new/")
    expect(phone.get_by_text("This is in the future.")).to_be_visible()
    expect(phone.get_by_label("What is happening")).to_have_value("Power lines down")
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    phone.get_by_label("When it was observed").fill("2024-01-01T10:00")
    phone.get_by_role("button", name="Send to the JOC").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"Report R-"))
    assert Report.objects.get().photos.count() == 1


def test_a_photo_is_made_smaller_before_it_is_sent(phone, live_url, tmp_path):
    phone.goto(f"{live_url}/reports/new/")
    fill_report(phone)
    phone.get_by_label("Photos").set_input_files(big_photo(tmp_path / "flood.jpg"))
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    phone.get_by_role("button", name="Send to the JOC").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"Report R-"))
    photo = Report.objects.get().photos.get()
    assert photo.content_type == "image/jpeg"
    assert photo.size < (tmp_path / "flood.jpg").stat().st_size
    # The report page shows the small thumbnail; the copy (as the server received it, at most
    # 1600 px) is a tap away.
    thumb = phone.get_by_role("img", name=re.compile("Photo 1 of"))
    expect(thumb).to_be_visible()
    measure = (
        "src => fetch(src).then(r => r.blob())"
        ".then(b => createImageBitmap(b).then(i => [i.width, i.height, b.size]))"
    )
    thumb_size = phone.evaluate(measure, thumb.get_attribute("src"))
    copy_size = phone.evaluate(measure, phone.locator(".thumbs a").get_attribute("href"))
    assert copy_size[:2] == [1600, 1067]
    assert max(thumb_size[:2]) == 320 and thumb_size[2] < copy_size[2] / 4


def test_on_a_slow_connection_the_send_shows_progress_and_cannot_be_tapped_twice(
    phone, live_url, tmp_path
):
    phone.goto(f"{live_url}/reports/new/")
    fill_report(phone)
    noisy = Image.effect_noise((1600, 1200), 100).convert("RGB")  # does not compress away
    noisy.save(tmp_path / "noisy.jpg", "JPEG", quality=95)
    phone.get_by_label("Photos").set_input_files(tmp_path / "noisy.jpg")
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    # Chromium's slow 3G: 400 kbit/s, 400 ms round trips.
    cdp = phone.context.new_cdp_session(phone)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 400, "downloadThroughput": 50000, "uploadThroughput": 50000},
    )
    button = phone.get_by_role("button", name="Send to the JOC")
    button.click()
    expect(button).to_be_disabled()
    expect(phone.locator("#send-progress")).to_be_visible()
    expect(phone.locator("#send-state")).to_have_text("Sending…")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Report R-"), timeout=60000
    )
    assert Report.objects.count() == 1


def test_required_fields_are_checked_before_sending_and_a_refused_form_keeps_the_photo(
    phone, live_url, tmp_path
):
    phone.goto(f"{live_url}/reports/new/")
    phone.get_by_label("Photos").set_input_files(big_photo(tmp_path / "fire.jpg", (800, 600)))
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    phone.get_by_role("button", name="Send to the JOC").click()
    # Checked on the phone: nothing was sent.
    expect(phone.locator(".field.has-error").first).to_contain_text("This field is required.")
    assert not Report.objects.exists()

    fill_report(phone, "Fire in a flat")
    phone.get_by_label("When it was observed").fill("2099-01-01T10:00")
    phone.get_by_role("button", name="Send to the JOC").click()
    # Refused by the server: its message beside the field, the typing and the photo kept.
    expect(phone.get_by_text("This is in the future.")).to_be_visible()
    expect(phone.get_by_label("What is happening")).to_have_value("Fire in a flat")
    expect(phone.locator("#photos-kept")).to_contain_text("1 photo(s) ready")
    assert not Report.objects.exists()

    phone.get_by_label("When it was observed").fill("2024-01-01T10:00")
    phone.get_by_role("button", name="Send to the JOC").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(re.compile(r"Report R-"))
    assert Report.objects.get().photos.count() == 1


def test_an_alert_is_seen_and_acknowledged_on_the_report_form(phone, live_url, rep):
    operator = factories.OperatorFactory()
    alert = alert_services.compose(
        operator,
        title="Flooding on Buitengracht",
        message="Avoid the lower city.",
        severity="warning",
        wards=[rep.cwg.wards.get()],
        all_wards=False,
        expires_at=None,
    )
    phone.goto(f"{live_url}/reports/new/")
    banner = phone.locator(f"#portal-alert-{alert.pk}")
    expect(banner).to_contain_text("Flooding on Buitengracht")
    expect(banner).to_contain_text("sent ")
    expect(phone).to_have_title(re.compile(r"^\(1\) New alert · Send a report"))
    banner.get_by_role("button", name="Acknowledge").click()
    expect(banner).to_contain_text("Acknowledged by")
    expect(phone).to_have_title(re.compile(r"^Send a report"))
    # The form opened no live socket.
    assert phone.evaluate("document.body.hasAttribute('ws-connect')") is False


def test_a_representative_switches_to_afrikaans(phone, live_url, rep):
    phone.goto(f"{live_url}/cwg/portal/")
    phone.get_by_role("link", name="Language").click()
    phone.get_by_label("Afrikaans").check()
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Jou taal is nou Afrikaans.")).to_be_visible()
    expect(phone.get_by_role("link", name="Verslae", exact=True)).to_be_visible()
    phone.goto(f"{live_url}/reports/new/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Stuur 'n verslag")
    expect(phone.get_by_label("Wat gebeur")).to_be_visible()
    expect(phone.get_by_role("button", name="Stuur na die GOS")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "af")
    rep.refresh_from_db()
    assert rep.language == "af"
