"""Stale states: escalations fire when an incident waits past its priority's limit, clear when
it moves on, are marked on the dashboard and the incident, recorded on the timeline, and the
supervisors are emailed; an exercise's own limits apply to its incidents."""

import pytest
from django.core import mail
from django.urls import reverse

from exercises import escalation_services as escalation
from exercises import services
from exercises.models import Escalation, StaleThreshold
from joc.models import Incident
from tests import factories
from tests.exercises.helpers import acknowledge, at, clock, confirm, dispatch, move_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    with clock(at(10, 0)):
        return factories.IncidentFactory(priority=1)  # limits: 2 min, 10 min, 60 min on scene


def kinds(incident):
    return set(
        Escalation.objects.filter(incident=incident, cleared_at=None).values_list("kind", flat=True)
    )


def test_not_acknowledged_fires_after_the_limit_and_clears_when_acknowledged(
    incident, supervisor, django_capture_on_commit_callbacks
):
    with clock(at(10, 2)):
        assert escalation.sweep() == ([], [])  # at the limit, not past it
    with clock(at(10, 2, 1)), django_capture_on_commit_callbacks(execute=True):
        raised, _ = escalation.sweep()
    assert kinds(incident) == {"not_acknowledged"}
    assert [m.subject for m in mail.outbox] == [f"[Watchline] Overdue: {incident.reference}"]
    assert mail.outbox[0].to == [supervisor.email]
    assert "not acknowledged in time, limit 2 min" in mail.outbox[0].body
    assert incident.events.filter(kind="escalated").count() == 1
    with clock(at(10, 3)):
        assert escalation.sweep() == ([], [])  # raised once, not again
        acknowledge(incident, supervisor)
        _, cleared = escalation.sweep()
    assert [e.kind for e in cleared] == ["not_acknowledged"]
    assert kinds(incident) == set()
    assert incident.events.filter(kind="escalation_cleared").count() == 1


def test_not_verified_and_on_scene_too_long(incident, supervisor):
    with clock(at(10, 1)):
        acknowledge(incident, supervisor)
    with clock(at(10, 10, 1)):
        escalation.sweep()
    assert kinds(incident) == {"not_verified"}
    with clock(at(10, 11)):
        confirm(incident, supervisor)
        dispatch(incident, supervisor, factories.ResourceFactory())
        move_unit(incident, supervisor)
        move_unit(incident, supervisor)  # on scene at 10:11
        escalation.sweep()
    assert kinds(incident) == set()
    with clock(at(11, 11, 1)):
        escalation.sweep()
    assert kinds(incident) == {"on_scene"}
    with clock(at(11, 12)):
        move_unit(incident, supervisor)  # cleared
        escalation.sweep()
    assert kinds(incident) == set()


def test_an_exercise_sets_its_own_limits(supervisor):
    exercise = factories.ExerciseFactory()
    StaleThreshold.objects.create(
        exercise=exercise,
        priority=1,
        acknowledge_minutes=30,
        verify_minutes=60,
        on_scene_minutes=90,
    )
    with clock(at(10, 0)):
        drill = factories.IncidentFactory(priority=1, exercise=exercise)
        real = factories.IncidentFactory(priority=1)
    with clock(at(10, 5)):
        escalation.sweep()
    assert kinds(real) == {"not_acknowledged"} and kinds(drill) == set()
    with clock(at(10, 31)):
        escalation.sweep()
    assert kinds(drill) == {"not_acknowledged"}


def test_exercise_escalations_are_emailed_apart_and_say_exercise(
    supervisor, django_capture_on_commit_callbacks
):
    exercise = factories.ExerciseFactory(name="Storm drill")
    with clock(at(10, 0)):
        drill = factories.IncidentFactory(priority=1, exercise=exercise)
        real = factories.IncidentFactory(priority=1)
    with clock(at(10, 3)), django_capture_on_commit_callbacks(execute=True):
        escalation.sweep()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        f"EXERCISE [Watchline] Overdue: {drill.reference}",
        f"[Watchline] Overdue: {real.reference}",
    ]


def test_the_dashboard_and_the_incident_page_mark_what_is_overdue(incident, operator_client):
    with clock(at(10, 5)):
        escalation.sweep()
    dashboard = operator_client.get(reverse("joc:dashboard")).content.decode()
    assert 'id="escalations"' in dashboard and incident.reference in dashboard
    page = operator_client.get(reverse("joc:incident", args=[incident.pk])).content.decode()
    assert "Overdue:" in page and "Not acknowledged in time" in page
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    with clock(at(10, 6)):
        escalation.sweep()
    assert "Nothing overdue" in operator_client.get(reverse("joc:dashboard")).content.decode()


def test_the_periodic_task_sends_due_injects_and_sweeps(incident, supervisor):
    inject = factories.InjectFactory(offset_seconds=240)
    with clock(at(10, 0)):
        services.start(inject.exercise, supervisor)
    with clock(at(10, 5)):
        result = escalation.periodic.call()
    # The inject due at 10:04 is sent; the P1 incident of 10:00 is not acknowledged in time.
    assert result == {"delivered": 1, "raised": 1, "cleared": 0}
    assert kinds(incident) == {"not_acknowledged"}
