from playwright.sync_api import expect

from tests import factories


def test_operator_logs_in_and_sees_the_dashboard(page, live_url, login):
    factories.OperatorFactory(username="op1")
    login(page, "op1")
    expect(page).to_have_url(f"{live_url}/joc/")
    expect(page.get_by_role("heading", name="JOC dashboard")).to_be_visible()


def test_representative_logs_in_and_sees_the_cwg_portal(page, live_url, login):
    rep = factories.RepresentativeFactory(cwg__name="Sea Point Watch")
    login(page, rep.user.username)
    expect(page).to_have_url(f"{live_url}/cwg/portal/")
    expect(page.get_by_role("heading", name="Sea Point Watch")).to_be_visible()


def test_pages_show_the_live_connection_state(page, live_url, login):
    factories.OperatorFactory(username="op2")
    login(page, "op2")
    expect(page.locator("#live-state")).to_have_text("Live")
