"""The whole CWG journey: a coordinator applies on a phone, a city admin approves in the Django
admin, the representative sets a password from the emailed link, logs in and sees the portal."""

import re

from playwright.sync_api import expect

from tests import factories


def test_apply_approve_set_password_and_see_the_portal(browser, page, live_url, login, sent_emails):
    factories.WardFactory(number=77)
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    applicant = phone.new_page()
    applicant.goto(f"{live_url}/cwg/apply/")
    applicant.get_by_label("Group name").fill("Bo-Kaap Watch")
    applicant.get_by_label("Area you cover").fill("Wale Street to Strand Street")
    applicant.get_by_label("Wards").select_option(label="Ward 77")
    applicant.get_by_label("Contact email").fill("bokaap@example.org")
    applicant.get_by_label("Contact phone").fill("021 555 0177")
    applicant.locator("#id_rep1-first_name").fill("Amina")
    applicant.locator("#id_rep1-last_name").fill("Jacobs")
    applicant.locator("#id_rep1-phone").fill("082 123 4567")
    applicant.locator("#id_rep1-email").fill("Amina@example.org")
    applicant.get_by_role("button", name="Send application").click()
    expect(applicant.get_by_role("heading", name="Application received")).to_be_visible()
    reference = applicant.locator(".reference").inner_text()
    assert re.fullmatch(r"CWG-\d{4}-\d{4}", reference)

    # A city admin approves it in the Django admin, giving a reason on the intermediate page.
    factories.AdminFactory(username="cityadmin")
    login(page, "cityadmin")
    page.goto(f"{live_url}/admin/cwg/communitywatchgroup/?status__exact=pending")
    page.get_by_role("row", name=reference).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").fill("Known to the ward councillor")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: 1 group(s).")).to_be_visible()

    # The representative's email holds a link to set a password.
    (message,) = sent_emails()
    assert message["To"] == "amina@example.org"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/accounts/reset/\S+/", body).group(0)
    applicant.goto(link)
    applicant.locator("#id_new_password1").fill("bo-kaap-watch-2026")
    applicant.locator("#id_new_password2").fill("bo-kaap-watch-2026")
    applicant.get_by_role("button", name="Set password").click()
    expect(applicant.get_by_role("heading", name="Password set")).to_be_visible()

    login(applicant, "amina@example.org", "bo-kaap-watch-2026")
    expect(applicant).to_have_url(f"{live_url}/cwg/portal/")
    expect(applicant.get_by_role("heading", name="Bo-Kaap Watch")).to_be_visible()
    expect(applicant.locator("#cwg-status")).to_contain_text("Approved")
    expect(applicant.locator("#cwg-seats")).to_contain_text("Amina Jacobs (you)")
    phone.close()


def test_a_suspension_in_the_admin_reaches_the_portal_live(browser, page, live_url, login):
    rep = factories.RepresentativeFactory(cwg__name="Hout Bay Watch")
    factories.AdminFactory(username="cityadmin")
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    portal = phone.new_page()
    login(portal, rep.user.username)
    expect(portal.locator("#live-state")).to_have_text("Live")
    expect(portal.locator("#cwg-status")).to_contain_text("Approved")
    expect(portal.get_by_role("link", name="Send a report")).to_be_visible()

    login(page, "cityadmin")
    page.goto(f"{live_url}/admin/cwg/communitywatchgroup/")
    page.get_by_role("row", name="Hout Bay Watch").get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("suspend")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Reason").fill("Reports could not be verified")
    page.get_by_role("button", name="Suspend").click()

    status = portal.locator("#cwg-status")
    expect(status).to_contain_text("Suspended")
    expect(status).to_contain_text("Reports could not be verified")
    expect(status.get_by_role("link", name="Send a report")).to_have_count(0)
    phone.close()


def test_a_representative_replaces_the_other_one_on_a_phone(browser, live_url, login, sent_emails):
    rep = factories.RepresentativeFactory(seat=1)
    other = factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    portal = phone.new_page()
    login(portal, rep.user.username)
    portal.get_by_text(f"Replace {other.name}…").click()
    portal.get_by_label("First name").fill("Nomsa")
    portal.get_by_label("Last name").fill("Khumalo")
    portal.get_by_label("Phone").fill("083 765 4321")
    portal.get_by_label("Email").fill("nomsa@example.org")
    portal.get_by_role("button", name=f"Replace {other.name}").click()
    # Not confirmed: nothing changes, what was typed stays.
    expect(portal.get_by_label("First name")).to_have_value("Nomsa")
    expect(portal.locator("#cwg-seats")).to_contain_text(other.name)
    portal.get_by_label(f"Yes: {other.name} will no longer speak for the group.").check()
    portal.get_by_role("button", name=f"Replace {other.name}").click()

    expect(portal.get_by_text("Nomsa Khumalo now holds seat 2.")).to_be_visible()
    seats = portal.locator("#cwg-seats")
    expect(seats).to_contain_text("Seat 2: Nomsa Khumalo · 083 765 4321")
    expect(seats).not_to_contain_text(other.name)
    assert [m["To"] for m in sent_emails()] == ["nomsa@example.org"]
    phone.close()


def test_an_operator_finds_the_people_to_call_in_the_directory(page, live_url, login):
    ward = factories.WardFactory(number=88)
    rep = factories.RepresentativeFactory(cwg__name="Langa Watch", cwg__wards=[ward])
    factories.RepresentativeFactory(cwg__name="Hout Bay Watch")
    factories.OperatorFactory(username="op-dir")
    login(page, "op-dir")
    page.get_by_role("link", name="CWG directory").click()
    rows = page.locator("#directory tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Name or reference").fill("lang")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"{rep.name} · {rep.phone.as_national}")
    expect(page).to_have_url(re.compile(r"q=lang"))
    page.get_by_label("Name or reference").fill("")
    expect(rows).to_have_count(2)
    page.get_by_label("Ward").select_option(label=str(ward))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Langa Watch")
