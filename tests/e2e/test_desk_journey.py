"""Browser journeys of the JOC desk at 1280 × 800: a dense queue that fits, search, sorting and
shortcuts, and failures that are never silent (a server that goes away and comes back)."""

import time
from functools import partial

import pytest
from channels.testing.live import make_application, set_database_connection
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from playwright.sync_api import expect

from joc.models import Incident
from tests import factories

DESK = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def desk(browser, login):
    """An operator's 1280 × 800 desk screen, logged in."""
    factories.OperatorFactory(username="op-desk", first_name="Thandi", last_name="Mokoena")
    context = browser.new_context(**DESK)
    page = context.new_page()
    login(page, "op-desk")
    yield page
    context.close()


def busy_queue(count=20):
    """`count` open incidents, each with a report, some with a handler."""
    handler = factories.OperatorFactory(first_name="Sipho", last_name="Dlamini")
    cwg = factories.CWGFactory(name="Bellville CBD Watch")
    incidents = []
    for n in range(count):
        incident = factories.IncidentFactory(
            reference=f"I-2611-{n + 1:04d}",
            location_text=f"Voortrekker Road and Durban Road, corner {n}",
            priority=1 + n % 4,
            assigned_to=handler if n % 3 == 0 else None,
        )
        factories.ReportFactory(
            incident=incident, cwg=cwg, description=f"Report number {n}: smoke and a crowd"
        )
        incidents.append(incident)
    return incidents


def test_the_queue_fits_a_1280_desk_with_the_handler_and_15_rows_in_view(desk, live_url):
    busy_queue(20)
    desk.goto(f"{live_url}/joc/")
    expect(desk.locator("#queue tbody tr[data-pin]")).to_have_count(20)
    expect(desk.locator("#live-state")).to_have_text("Live")
    layout = desk.evaluate(
        """() => {
        const queue = document.querySelector('#queue');
        const root = document.documentElement;
        const handler = [...queue.querySelectorAll('th')]
            .find(th => th.textContent.includes('Handler'));
        const side = document.querySelector('#desk-side').getBoundingClientRect();
        const rows = [...queue.querySelectorAll('tbody tr[data-pin]')]
            .map(r => r.getBoundingClientRect());
        const reports = [...queue.querySelectorAll('tbody tr[data-pin] td:nth-child(7)')];
        return {
            pageOverflow: root.scrollWidth - root.clientWidth,
            queueOverflow: queue.scrollWidth - queue.clientWidth,
            handlerRight: handler.getBoundingClientRect().right,
            sideLeft: side.left, sideRight: side.right,
            rowsInView: rows.filter(r => r.bottom <= window.innerHeight).length,
            tallest: Math.max(...rows.map(r => r.height)),
            reportsClipped: reports.filter(td => td.scrollWidth > td.clientWidth).length,
        };
    }"""
    )
    assert layout["pageOverflow"] <= 0 and layout["queueOverflow"] <= 0
    assert layout["handlerRight"] <= layout["sideLeft"]  # beside the side panel, not under it
    assert layout["sideRight"] <= 1280  # map and resources in view too
    assert layout["rowsInView"] >= 15
    assert layout["tallest"] < 40  # one line: "1 report from 1 CWG" does not wrap
    assert layout["reportsClipped"] == 0
    expect(desk.locator("#map")).to_be_in_viewport()
    expect(desk.locator("#queue tbody tr").first).to_contain_text("1 report from 1 CWG")
    expect(desk.locator("#queue tbody tr").first.locator(".age")).to_have_text(" · now")

    # The side panel folds away for a wider queue, and the choice survives a reload.
    desk.get_by_role("button", name="Hide map and resources").click()
    expect(desk.locator("#map")).to_be_hidden()
    desk.reload()
    expect(desk.locator("#map")).to_be_hidden()
    desk.get_by_role("button", name="Show map and resources").click()
    expect(desk.locator("#map")).to_be_visible()


def test_search_sort_and_shortcuts(desk, live_url):
    busy_queue(6)
    flood = factories.IncidentFactory(
        reference="I-2611-0099", location_text="Kuils River bridge", priority=4
    )
    factories.ReportFactory(incident=flood, description="Water is over the low-water bridge")
    desk.goto(f"{live_url}/joc/")
    rows = desk.locator("#queue tbody tr[data-pin]")
    expect(rows).to_have_count(7)
    expect(desk.locator("#live-state")).to_have_text("Live")

    # `/` focuses the search; what is typed there is text, not shortcuts. The search looks
    # into the reports' text on the server.
    desk.keyboard.press("/")
    search = desk.get_by_label("Search")
    expect(search).to_be_focused()
    desk.keyboard.type("low-water")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("I-2611-0099")
    expect(desk.locator("tr.is-selected")).to_have_count(0)
    search.fill("")
    search.press("Enter")
    expect(rows).to_have_count(7)

    # Sort by place, then the other way.
    desk.get_by_role("link", name="Place").click()
    expect(rows.first).to_contain_text("Kuils River bridge")
    desk.get_by_role("link", name="Place").click()
    expect(rows.last).to_contain_text("Kuils River bridge")
    expect(desk).to_have_url(
        f"{live_url}/joc/?q=&status=&category=&ward=&priority=&exercise=&sort=-place"
    )

    # j/k move through the queue; a acknowledges the selected incident; ? lists the keys.
    desk.locator("h1").click()
    desk.keyboard.press("j")
    desk.keyboard.press("j")
    desk.keyboard.press("k")
    selected = desk.locator("tr.is-selected")
    expect(selected).to_have_count(1)
    first_id = rows.first.get_attribute("id")
    expect(selected).to_have_attribute("id", first_id)
    desk.keyboard.press("a")
    expect(desk.locator(f"#{first_id} .badge.acknowledged")).to_have_text("Acknowledged")
    pk = int(first_id.removeprefix("incident-"))
    acknowledged = Incident.objects.get(pk=pk)
    assert acknowledged.status == "acknowledged"
    assert acknowledged.events.filter(kind="acknowledge", actor__username="op-desk").exists()
    desk.keyboard.press("?")
    expect(desk.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    desk.keyboard.press("Escape")
    expect(desk.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    desk.keyboard.press("j")
    expect(selected).not_to_have_attribute("id", first_id)
    chosen = selected.get_attribute("data-url")
    desk.keyboard.press("o")
    expect(desk).to_have_url(f"{live_url}{chosen}")
    # On the incident page, a acknowledges it.
    expect(desk.locator("#incident-status")).to_have_text("New")
    desk.keyboard.press("a")
    expect(desk.locator("#incident-status")).to_have_text("Acknowledged")


class RestartableServer:
    """A live Daphne server of its own (the session's server must stay up for other tests),
    that a test stops and starts again on the same port."""

    def __init__(self, django_db_blocker):
        self.blocker = django_db_blocker
        self.port = 0
        self.process = None

    def start(self):
        with self.blocker.unblock():
            self.process = DaphneProcess(
                "localhost",
                partial(make_application, static_wrapper=ASGIStaticFilesHandler),
                setup=set_database_connection,
                port=self.port,
            )
            self.process.start()
            if not self.process.ready.wait(timeout=30):
                self.process.terminate()
                raise RuntimeError("the live Daphne server did not start")
        self.port = self.process.port.value
        return f"http://localhost:{self.port}"

    def stop(self):
        self.process.terminate()
        self.process.join(timeout=10)


@pytest.fixture
def restartable(live_url, django_db_blocker):
    server = RestartableServer(django_db_blocker)
    yield server
    if server.process and server.process.is_alive():
        server.stop()


def test_a_failed_action_says_so_keeps_the_text_and_the_page_recovers_by_itself(
    browser, restartable
):
    url = restartable.start()
    incident = factories.IncidentFactory(reference="I-2611-0500", title="Burst water main")
    factories.ReportFactory(incident=incident)
    factories.OperatorFactory(username="op-down")
    context = browser.new_context(**DESK)
    dashboard, page = context.new_page(), context.new_page()
    dashboard.goto(f"{url}/accounts/login/")
    dashboard.get_by_label("Username").fill("op-down")
    dashboard.get_by_label("Password").fill(factories.PASSWORD)
    dashboard.get_by_role("button", name="Log in").click()
    expect(dashboard.locator("#live-state")).to_have_text("Live")
    page.goto(f"{url}/joc/incidents/{incident.pk}/")
    expect(page.locator("#live-state")).to_have_text("Live")
    stale = dashboard.get_by_text("Offline: this queue may be out of date")
    expect(stale).to_be_hidden()

    restartable.stop()
    expect(page.locator("#live-state")).to_have_text("Offline – reconnecting…")
    expect(stale).to_be_visible()  # the queue is marked stale while the server is away
    note = page.get_by_label("Internal note (JOC only)")
    note.fill("Pump crew phoned, on their way")
    page.get_by_role("button", name="Add internal note").click()
    failed = page.locator(".internal-message .request-failed")
    expect(failed).to_contain_text("Not saved: connection lost.")
    expect(note).to_have_value("Pump crew phoned, on their way")  # nothing typed is lost
    # A filter change on the dashboard fails as visibly.
    dashboard.get_by_label("Priority").select_option("1")
    expect(dashboard.locator("#queue-filters .request-failed")).to_contain_text(
        "Not updated: connection lost."
    )

    restartable.start()
    back = time.monotonic()
    expect(page.locator("#live-state")).to_have_text("Live", timeout=5000)
    expect(dashboard.locator("#live-state")).to_have_text("Live", timeout=5000)
    assert time.monotonic() - back < 5  # live again within 5 s of the server's return
    expect(stale).to_be_hidden()
    failed.get_by_role("button", name="Retry").click()
    expect(page.locator(".timeline")).to_contain_text("Pump crew phoned, on their way")
    expect(failed).to_have_count(0)
    assert incident.events.filter(kind="add_note").count() == 1

    # A server error is not silent either.
    page.route("**/set_priority/", lambda route: route.fulfill(status=500, body="boom"))
    page.get_by_label("Priority").select_option("1")
    page.get_by_role("button", name="Set priority").click()
    expect(page.locator(".request-failed")).to_contain_text("Not saved: the server failed (500).")
    context.close()


def test_live_fragments_for_other_pages_make_no_console_noise(browser, desk, live_url, login):
    watched, acted = factories.IncidentFactory(), factories.IncidentFactory()
    noise = []
    desk.on("console", lambda m: noise.append(m.text) if m.type == "error" else None)
    desk.goto(f"{live_url}/joc/incidents/{watched.pk}/")
    expect(desk.locator("#live-state")).to_have_text("Live")
    dashboard = desk.context.new_page()
    dashboard.on("console", lambda m: noise.append(m.text) if m.type == "error" else None)
    dashboard.goto(f"{live_url}/joc/")
    expect(dashboard.locator("#live-state")).to_have_text("Live")
    other = desk.context.new_page()
    other.goto(f"{live_url}/joc/incidents/{acted.pk}/")
    other.get_by_role("button", name="Acknowledge (take it)").click()
    expect(other.locator("#incident-status")).to_have_text("Acknowledged")
    # The event reached both pages: the queue row changed on the dashboard ...
    expect(dashboard.locator(f"#incident-{acted.pk} .badge.acknowledged")).to_be_visible()
    # ... and the incident page, which has no queue, ignored the queue's fragment quietly.
    other.get_by_label("Internal note (JOC only)").fill("Checked the cameras")
    other.get_by_role("button", name="Add internal note").click()
    expect(other.locator(".timeline")).to_contain_text("Checked the cameras")
    desk.wait_for_timeout(500)
    assert [text for text in noise if "oobErrorNoTarget" in text] == []


def test_ages_keep_counting_beside_the_clock_time(desk, live_url):
    incident = factories.IncidentFactory()
    desk.clock.install()
    desk.goto(f"{live_url}/joc/")
    row = desk.locator(f"#incident-{incident.pk}")
    local = incident.created_at.astimezone().strftime("%H:%M")
    expect(row.locator("time")).to_have_text(local)
    expect(row.locator(".age")).to_have_text(" · now")
    desk.clock.run_for("03:10")
    expect(row.locator(".age")).to_have_text(" · 3 min")
    desk.clock.run_for("02:00:00")
    expect(row.locator(".age")).to_have_text(" · 2 h 03")
