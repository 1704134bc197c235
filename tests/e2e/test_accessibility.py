"""axe-core (from the axe-playwright-python package, run in the page) on every main page:
no serious or critical violation, for each role's pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from alerts import services as alert_services
from tests import factories

SERIOUS = {"serious", "critical"}


@pytest.fixture
def scene(db):
    """One of everything the main pages show: an incident with two reports and a unit on it,
    an alert, an exercise, a CWG with a representative."""
    ward = factories.WardFactory(number=54)
    rep = factories.RepresentativeFactory(
        user__username="rep-axe", cwg__name="Sea Point Watch", cwg__wards=[ward]
    )
    operator = factories.OperatorFactory(username="op-axe")
    factories.AdminFactory(username="admin-axe")
    incident = factories.IncidentFactory(status="confirmed", ward=ward, priority=2)
    factories.IncidentFactory(status="acknowledged", ward=ward, priority=2, assigned_to=operator)
    own_report = factories.ReportFactory(incident=incident, cwg=rep.cwg, submitted_by=rep.user)
    factories.ReportFactory(incident=incident)
    factories.ResourceFactory(base="Roeland Street")
    alert = alert_services.compose(
        operator,
        title="Flooding on Beach Road",
        message="Avoid Beach Road.",
        severity="warning",
        wards=[ward],
        all_wards=False,
        expires_at=None,
        incident=incident,
    )
    exercise = factories.ExerciseFactory()
    return {"incident": incident, "alert": alert, "exercise": exercise, "own_report": own_report}


def pages(scene):
    incident, alert, exercise = scene["incident"], scene["alert"], scene["exercise"]
    report = scene["own_report"]
    return {
        None: ["/accounts/login/", "/cwg/apply/"],
        "op-axe": [
            "/joc/",
            f"/joc/incidents/{incident.pk}/",
            "/alerts/",
            "/alerts/new/",
            f"/alerts/new/?incident={incident.pk}",
            f"/alerts/{alert.pk}/",
            "/exercises/",
            f"/exercises/{exercise.pk}/",
            "/cwg/directory/",
        ],
        "rep-axe": ["/cwg/portal/", "/reports/new/", "/reports/", f"/reports/{report.reference}/"],
        "admin-axe": ["/admin/"],
    }


def serious_violations(page):
    results = Axe().run(page)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_every_main_page_has_no_serious_accessibility_violation(browser, live_url, login, scene):
    found = []
    for username, urls in pages(scene).items():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        if username:
            login(page, username)
        for url in urls:
            page.goto(f"{live_url}{url}")
            page.wait_for_load_state("networkidle")
            found += serious_violations(page)
        context.close()
    assert found == []
