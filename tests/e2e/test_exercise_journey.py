"""A supervisor runs an exercise end to end: its injects arrive on the operator's dashboard
marked EXERCISE, the operator handles them, the exercise ends, and the after-action page shows
the figures for exactly the times the database recorded, met and missed."""

from datetime import timedelta

from playwright.sync_api import expect

from cwg.models import Ward
from exercises.models import Inject
from exercises.templatetags.exercises import figure
from joc.models import Incident
from tests import factories

TIMEOUT = 20_000


def test_an_exercise_runs_end_to_end_and_its_after_action_shows_the_figures(
    page, browser, live_url, login
):
    ward = Ward.objects.get(number=1)
    rep = factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward]))
    outsider = factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward]))
    factories.OperatorFactory(username="op-a", first_name="Olwethu", last_name="Operator")
    supervisor = factories.SupervisorFactory(username="sup")
    exercise = factories.ExerciseFactory(name="Storm drill", cwgs=[rep.cwg], created_by=supervisor)
    generous = factories.InjectFactory(
        exercise=exercise,
        number=1,
        representative=rep,
        description="Water over Station Road",
        expect_acknowledge_minutes=5,
    )
    strict = factories.InjectFactory(
        exercise=exercise,
        number=2,
        representative=rep,
        category=factories.CategoryFactory(slug="fire"),
        description="Smoke at the depot",
        latitude=-33.80,
        expect_acknowledge_minutes=0,
    )

    # The operator's dashboard is open before the start.
    login(page, "op-a")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=TIMEOUT)

    control = browser.new_context().new_page()
    login(control, "sup")
    control.goto(f"{live_url}/exercises/{exercise.pk}/")
    control.get_by_role("button", name="Start the exercise").click()
    expect(control.locator("#exercise-status")).to_contain_text("Running")

    # Both injects arrive live, marked EXERCISE, and the banner says an exercise runs.
    rows = page.locator("#queue tr.is-exercise")
    expect(rows).to_have_count(2, timeout=TIMEOUT)
    expect(rows.first).to_contain_text("EXERCISE")
    page.reload()
    expect(page.locator("#exercise-banner")).to_contain_text("EXERCISE Storm drill is running")
    page.get_by_label("Real or exercise").select_option("real")
    expect(page.locator("#queue")).to_contain_text("No open incidents match", timeout=TIMEOUT)
    page.get_by_label("Real or exercise").select_option("exercise")
    expect(rows).to_have_count(2, timeout=TIMEOUT)

    # The operator handles them.
    for inject in (generous, strict):
        incident = Incident.objects.get(reports__inject=inject)
        page.goto(f"{live_url}/joc/incidents/{incident.pk}/")
        expect(page.locator("#incident-panel")).to_contain_text("EXERCISE Storm drill")
        page.get_by_role("button", name="Acknowledge (take it)").click()
        expect(page.locator("#incident-status")).to_have_text("Acknowledged")

    # Nothing of it reached the CWG that is not taking part.
    other = browser.new_context().new_page()
    login(other, outsider.user.username)
    other.goto(f"{live_url}/reports/")
    expect(other.locator("main")).not_to_contain_text("Station Road")

    control.get_by_role("button", name="End the exercise").click()
    expect(control.locator("#exercise-status")).to_contain_text("Ended")
    assert not Incident.objects.filter(exercise=exercise).open().exists()

    # The after-action page shows the figures of exactly the recorded times.
    took = {}
    for inject in Inject.objects.filter(exercise=exercise).select_related("report"):
        incident = Incident.objects.get(pk=inject.report.incident_id)
        took[inject.number] = incident.acknowledged_at - inject.report.created_at
    page.goto(f"{live_url}/exercises/{exercise.pk}/after-action/")
    expect(page.locator("h1")).to_contain_text("After-action report: EXERCISE Storm drill")
    injects = page.locator("#table-injects tbody tr")
    expect(injects).to_have_count(2)
    within = {1: timedelta(minutes=5), 2: timedelta(0)}
    for n, result in ((1, "met"), (2, "missed")):
        cells = injects.nth(n - 1).locator("td")
        expect(cells.nth(5)).to_have_text(figure(took[n]))
        expect(cells.nth(6)).to_have_text(result)
        expect(cells.nth(7)).to_have_text(figure(abs(within[n] - took[n])))
    summary = page.locator("#table-summary tbody tr").first.locator("td")
    expect(summary.nth(0)).to_have_text("report → acknowledged")
    expect(summary.nth(1)).to_have_text("2")
    expect(summary.nth(2)).to_have_text(figure((took[1] + took[2]) / 2))  # the mean of two
    expect(page.locator("svg[aria-label^='Timeline']")).to_be_visible()
