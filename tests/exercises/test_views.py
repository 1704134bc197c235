"""Exercise pages: supervisors plan, import, run and evaluate; operators read the figures; the
after-action page's query count does not grow with the incidents; every table has its CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwg.models import Ward
from exercises.models import Exercise, ImprovementAction, Inject, Objective, Observation
from tests import factories
from tests.exercises.helpers import acknowledge, at, clock

pytestmark = pytest.mark.django_db

HEADER = (
    "offset_minutes,representative,channel,mode,category,description,location,ward,"
    "latitude,longitude,urgency,expect_acknowledge_minutes,expect_verify_minutes,"
    "expect_alert_minutes\n"
)


@pytest.fixture
def rep():
    return factories.RepresentativeFactory(
        cwg=factories.CWGFactory(wards=[Ward.objects.get(number=1)])
    )


@pytest.fixture
def exercise(rep, supervisor):
    return factories.ExerciseFactory(cwgs=[rep.cwg], created_by=supervisor)


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def upload(text):
    return SimpleUploadedFile("injects.csv", text.encode(), content_type="text/csv")


def test_a_supervisor_plans_an_exercise(supervisor_client, rep):
    response = supervisor_client.post(
        reverse("exercises:new"),
        {
            "name": "Winter storm",
            "scenario": "Flooding in ward 1.",
            "planned_start": "2026-03-02T09:00",
            "planned_end": "2026-03-02T11:00",
            "cwgs": [rep.cwg_id],
        },
    )
    exercise = Exercise.objects.get(name="Winter storm")
    assert response.status_code == 302
    assert list(exercise.cwgs.all()) == [rep.cwg]
    assert exercise.status == "draft"


def test_bad_exercise_input_is_said_beside_the_field_and_kept(supervisor_client):
    response = supervisor_client.post(
        reverse("exercises:new"),
        {
            "name": "Winter storm",
            "planned_start": "2026-03-02T09:00",
            "planned_end": "2026-03-02T08:00",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end comes after the start." in page
    assert "Choose the CWGs taking part" in page
    assert 'value="Winter storm"' in page


def test_operators_read_but_cannot_run_exercises(operator_client, exercise):
    assert operator_client.get(reverse("exercises:detail", args=[exercise.pk])).status_code == 200
    response = operator_client.post(reverse("exercises:control", args=[exercise.pk, "start"]))
    assert response.status_code == 403
    assert operator_client.get(reverse("exercises:new")).status_code == 403


def test_representatives_see_no_exercise_pages(rep_client, exercise):
    assert rep_client.get(reverse("exercises:list")).status_code == 403
    assert rep_client.get(reverse("exercises:after_action", args=[exercise.pk])).status_code == 403


def test_a_csv_of_good_rows_imports_every_inject(supervisor_client, exercise, rep):
    text = HEADER + (
        f"0,{rep.user.username},web,auto,flood,Water over the road,Station Road,1,-33.93,18.55,"
        "urgent,2,10,15\n"
        f"2.5,{rep.phone},whatsapp,ask,Fire,Smoke at the depot,Depot,1,,,life_threatening,1,,\n"
    )
    response = supervisor_client.post(
        reverse("exercises:inject_import", args=[exercise.pk]), {"file": upload(text)}
    )
    assert response.status_code == 302
    first, second = exercise.injects.order_by("number")
    assert (first.number, first.offset_seconds, first.representative) == (1, 0, rep)
    assert (first.expect_acknowledge_minutes, first.expect_alert_minutes) == (2, 15)
    assert (second.number, second.offset_seconds, second.channel, second.mode) == (
        2,
        150,
        "whatsapp",
        "ask",
    )
    assert second.category.slug == "fire" and second.latitude is None


def test_a_csv_with_bad_rows_imports_nothing_and_says_what_is_wrong_per_row(
    supervisor_client, exercise, rep
):
    outsider = factories.RepresentativeFactory()
    text = HEADER + (
        f"0,{rep.user.username},web,auto,flood,Water,Station Road,1,-33.93,18.55,urgent,2,,\n"
        "5,nobody,web,auto,flood,Water,Station Road,1,,,urgent,,,\n"
        f"-1,{rep.user.username},web,auto,volcano,Lava,Station Road,999,,,urgent,,,\n"
        f"1,{outsider.user.username},web,auto,flood,,Station Road,1,,,sometimes,,,\n"
    )
    response = supervisor_client.post(
        reverse("exercises:inject_import", args=[exercise.pk]), {"file": upload(text)}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert not Inject.objects.exists()
    assert "Nothing was imported" in page
    assert "Row 3: representative: no such representative “nobody”" in page
    assert "Row 4: category: no such category “volcano”; ward: no such ward “999”" in page
    assert "offset_minutes: Ensure this value is greater than or equal to 0." in page
    assert "Row 5: representative: Select a valid choice." in page  # not taking part
    assert "description: This field is required." in page
    assert "urgency: Select a valid choice. sometimes is not one of the available choices." in page
    assert "Row 2" not in page


def test_a_csv_without_the_columns_or_not_text_is_refused(supervisor_client, exercise):
    url = reverse("exercises:inject_import", args=[exercise.pk])
    page = supervisor_client.post(url, {"file": upload("a,b\n1,2\n")}).content.decode()
    assert "header: missing column category" in page
    bad = SimpleUploadedFile("x.csv", b"\xff\xfe\x00garbage", content_type="text/csv")
    assert "not a UTF-8 text" in supervisor_client.post(url, {"file": bad}).content.decode()
    assert not Inject.objects.exists()


def test_injects_are_edited_before_the_start_only(supervisor_client, exercise, rep, supervisor):
    inject = factories.InjectFactory(exercise=exercise, representative=rep)
    url = reverse("exercises:inject_edit", args=[exercise.pk, inject.pk])
    assert supervisor_client.get(url).status_code == 200
    supervisor_client.post(reverse("exercises:control", args=[exercise.pk, "start"]))
    assert supervisor_client.get(url).status_code == 403
    delete = reverse("exercises:inject_delete", args=[exercise.pk, inject.pk])
    assert supervisor_client.post(delete).status_code == 403


def test_the_controls_start_pause_resume_and_end(supervisor_client, exercise, rep):
    factories.InjectFactory(exercise=exercise, representative=rep)
    for action, status in [
        ("start", "running"),
        ("pause", "paused"),
        ("resume", "running"),
        ("end", "ended"),
    ]:
        response = supervisor_client.post(reverse("exercises:control", args=[exercise.pk, action]))
        assert response.status_code == 302
        exercise.refresh_from_db()
        assert exercise.status == status
    response = supervisor_client.post(
        reverse("exercises:control", args=[exercise.pk, "start"]), follow=True
    )
    assert "Cannot start an exercise that is ended." in response.content.decode()


def test_the_dashboard_filters_exercise_incidents_and_marks_them(operator_client, exercise):
    drill = factories.IncidentFactory(exercise=exercise, location_text="Drill flood")
    factories.IncidentFactory(location_text="Real fire")
    url = reverse("joc:dashboard")
    both = operator_client.get(url).content.decode()
    assert "Drill flood" in both and "Real fire" in both
    assert f'id="incident-{drill.pk}" class="is-new is-exercise"' in both
    real = operator_client.get(url, {"exercise": "real"}).content.decode()
    assert "Drill flood" not in real and "Real fire" in real
    only = operator_client.get(url, {"exercise": "exercise"}).content.decode()
    assert "Drill flood" in only and "Real fire" not in only
    page = operator_client.get(reverse("joc:incident", args=[drill.pk])).content.decode()
    assert f"<strong>EXERCISE</strong> {exercise.name}" in page


def incidents_for(exercise, count, operator):
    for n in range(count):
        with clock(at(9, n % 50)):
            incident = factories.IncidentFactory(exercise=exercise)
            factories.ReportFactory(incident=incident, exercise=exercise)
        with clock(at(10, n % 50)):
            acknowledge(incident, operator)


@pytest.mark.parametrize("count", [2, 40])
def test_the_after_action_page_runs_a_constant_number_of_queries(
    operator_client, operator, exercise, count, django_assert_max_num_queries
):
    incidents_for(exercise, count, operator)
    Objective.objects.create(exercise=exercise, text="Acknowledge within 2 minutes", rating="S")
    with django_assert_max_num_queries(15):
        response = operator_client.get(reverse("exercises:after_action", args=[exercise.pk]))
    assert len(response.context["report"].incidents) == count
    page = response.content.decode()
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]
    assert "Performed with some challenges" in page


def test_the_period_page_and_its_csv(operator_client, operator):
    with clock(at(9, 0)):
        incident = factories.IncidentFactory()
    with clock(at(9, 3)):
        acknowledge(incident, operator)
    params = {"start": "2026-03-02T08:00", "end": "2026-03-02T10:00"}
    page = operator_client.get(reverse("exercises:period_after_action"), params)
    assert page.status_code == 200
    assert "Real operations" in page.content.decode()
    assert "3 min 00 s" in page.content.decode()
    response = operator_client.get(reverse("exercises:period_csv", args=["summary"]), params)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["interval", "count", "median", "p90"]
    assert rows[2] == ["report → acknowledged", "1", "180", "180"]
    bad = operator_client.get(reverse("exercises:period_after_action"), {"start": "soon"})
    assert bad.status_code == 400
    assert (
        operator_client.get(reverse("exercises:period_csv", args=["nope"]), params).status_code
        == 404
    )


def test_every_table_of_an_exercise_has_its_csv(operator_client, operator, exercise):
    incidents_for(exercise, 3, operator)
    for table in ("summary", "incidents", "cwgs", "operators", "alerts", "injects"):
        response = operator_client.get(reverse("exercises:csv", args=[exercise.pk, table]))
        assert response.status_code == 200
        header = next(csv.reader(io.StringIO(response.content.decode())))
        assert header[0] == f"# EXERCISE {exercise.name}"


def test_the_evaluator_rates_objectives_and_tracks_the_improvement_plan(
    supervisor_client, exercise
):
    url = reverse("exercises:evaluation", args=[exercise.pk])
    supervisor_client.post(
        url,
        {
            "form": "objective",
            "objective-text": "Verify within 10 minutes",
            "objective-capability": "Situational assessment",
        },
    )
    objective = Objective.objects.get(exercise=exercise)
    supervisor_client.post(
        url,
        {
            "form": f"rating-{objective.pk}",
            f"rating-{objective.pk}-rating": "M",
            f"rating-{objective.pk}-rationale": "Verification took 14 minutes.",
        },
    )
    supervisor_client.post(
        url,
        {
            "form": "observation",
            "observation-kind": "improvement",
            "observation-objective": objective.pk,
            "observation-text": "CCTV access was slow.",
        },
    )
    area = Observation.objects.get(exercise=exercise)
    response = supervisor_client.post(
        url,
        {
            "form": "action",
            "action-observation": area.pk,
            "action-action": "Give the desk direct CCTV access",
            "action-owner": "JOC manager",
            "action-due_date": "2026-04-01",
            "action-status": "open",
        },
    )
    assert response.status_code == 302
    action = ImprovementAction.objects.get(exercise=exercise)
    supervisor_client.post(
        reverse("exercises:action_status", args=[exercise.pk, action.pk]), {"status": "done"}
    )
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None
    objective.refresh_from_db()
    assert objective.rating == "M"
    report = supervisor_client.get(reverse("exercises:after_action", args=[exercise.pk]))
    page = report.content.decode()
    assert "Performed with major challenges" in page and "CCTV access was slow." in page
    assert "Give the desk direct CCTV access" in page and "JOC manager" in page
    bad = supervisor_client.post(url, {"form": "action", "action-action": "Something"})
    assert bad.status_code == 400 and "This field is required." in bad.content.decode()
