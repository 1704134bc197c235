"""Running an exercise: injects go through the real intake on the exercise clock, everything
they cause carries the exercise, real and exercise never mix, ending closes what it opened."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from alerts import services as alert_services
from alerts.models import Alert, AlertDelivery, AlertRecipient
from cwg.models import Ward
from exercises import services
from exercises.models import Exercise
from joc import services as joc
from joc.models import Dispatch, Incident, Resource
from reports.models import Report
from tests import factories
from tests.exercises.helpers import acknowledge, at, clock, confirm, dispatch, fresh, send
from tests.reports import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep():
    return factories.RepresentativeFactory(
        cwg=factories.CWGFactory(wards=[Ward.objects.get(number=1)])
    )


@pytest.fixture
def exercise(rep):
    exercise = factories.ExerciseFactory(cwgs=[rep.cwg])
    factories.InjectFactory(exercise=exercise, number=1, representative=rep, offset_seconds=0)
    factories.InjectFactory(
        exercise=exercise, number=2, representative=rep, offset_seconds=600, latitude=-33.70
    )
    return exercise


def start_now(exercise, supervisor):
    """Start, and send what is due at once (the worker's periodic run does this)."""
    services.start(exercise, supervisor)
    services.deliver_due()


def test_injects_are_sent_on_the_exercise_clock_as_the_representative(
    exercise, rep, supervisor, django_capture_on_commit_callbacks
):
    with clock(at(9, 0)), django_capture_on_commit_callbacks(execute=True):
        services.start(exercise, supervisor)  # the immediate task backend sends the first now
    first = exercise.injects.get(number=1)
    report = first.report
    assert report.submitted_by == rep.user and report.cwg == rep.cwg
    assert report.exercise == exercise and report.created_at == at(9, 0)
    assert report.incident.exercise == exercise
    assert report.incident.events.get().kind == "opened"
    with clock(at(9, 9, 59)):
        assert services.deliver_due() == 0
    with clock(at(9, 10)):
        assert services.deliver_due() == 1
        assert services.deliver_due() == 0  # never twice
    assert Report.objects.filter(exercise=exercise).count() == 2


def test_a_pause_stops_the_exercise_clock_and_a_resume_restarts_it(exercise, supervisor):
    with clock(at(9, 0)):
        start_now(exercise, supervisor)
    with clock(at(9, 4)):
        services.pause(exercise, supervisor)
    with clock(at(9, 20)):
        assert services.deliver_due() == 0  # paused: nothing is sent
        services.resume(exercise, supervisor)
    exercise.refresh_from_db()
    assert exercise.paused_for == timedelta(minutes=16)
    second = exercise.injects.get(number=2)
    assert exercise.due_at(second) == at(9, 26)
    with clock(at(9, 25)):
        assert services.deliver_due() == 0
    with clock(at(9, 26)):
        assert services.deliver_due() == 1


def test_a_delivery_queued_before_a_pause_does_nothing_after_it(exercise, supervisor):
    with clock(at(9, 0)):
        services.start(exercise, supervisor)
        run = Exercise.objects.get(pk=exercise.pk).run
        services.pause(exercise, supervisor)
    second = exercise.injects.get(number=2)
    with clock(at(9, 30)):
        assert services.deliver_inject.call(second.pk, run) == "skipped"
        services.resume(exercise, supervisor)
        assert services.deliver_inject.call(second.pk, run) == "stale"
    assert services.deliver_inject.call(second.pk, run + 1) == "sent"


def test_start_pause_resume_and_end_are_refused_out_of_turn(exercise, supervisor):
    with pytest.raises(services.ExerciseRefused):
        services.pause(exercise, supervisor)
    services.start(exercise, supervisor)
    with pytest.raises(services.ExerciseRefused):
        services.start(exercise, supervisor)
    services.end(exercise, supervisor)
    with pytest.raises(services.ExerciseRefused, match="ended"):
        services.resume(exercise, supervisor)


def test_exercise_and_real_reports_never_corroborate_each_other(exercise, rep, supervisor):
    start_now(exercise, supervisor)
    drill = exercise.injects.get(number=1).report.incident
    real = send(rep, category="flood")  # same category, same place, same time
    assert real.exercise is None
    assert real.incident != drill and real.incident.exercise is None
    again = send(rep, category="flood", exercise=exercise)
    assert again.incident == drill  # an exercise report joins the exercise's incident
    with pytest.raises(joc.ActionRefused, match="never mix"):
        joc.merge(fresh(real.incident), real.incident.version, supervisor, fresh(drill))
    with pytest.raises(joc.ActionRefused, match="never mix"):
        joc.link_report(real, fresh(drill), supervisor)


def test_dispatches_alerts_and_deliveries_carry_the_exercise(
    exercise, rep, supervisor, django_capture_on_commit_callbacks
):
    other = factories.RepresentativeFactory(
        cwg=factories.CWGFactory(wards=[Ward.objects.get(number=1)])
    )
    start_now(exercise, supervisor)
    incident = exercise.injects.get(number=1).report.incident
    acknowledge(incident, supervisor)
    confirm(incident, supervisor)
    dispatch(incident, supervisor, factories.ResourceFactory())
    assert Dispatch.objects.get(incident=incident).exercise == exercise
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_services.compose(
            supervisor,
            title="Flooding",
            message="Avoid Station Road.",
            severity="warning",
            wards=Ward.objects.filter(number=1),
            all_wards=False,
            expires_at=None,
            incident=fresh(incident),
        )
    assert alert.exercise == exercise
    # Both CWGs cover ward 1; only the one taking part in the exercise is told.
    assert list(AlertRecipient.objects.filter(alert=alert).values_list("cwg", flat=True)) == [
        rep.cwg_id
    ]
    assert AlertDelivery.objects.filter(representative=other).count() == 0
    assert {d.exercise_id for d in AlertDelivery.objects.filter(version__alert=alert)} == {
        exercise.pk
    }
    assert [m.to for m in mail.outbox] == [[rep.user.email]]
    assert mail.outbox[0].subject.startswith("EXERCISE ")
    assert mail.outbox[0].body.startswith("EXERCISE.")


def test_a_real_alert_during_an_exercise_is_real(
    exercise, rep, supervisor, django_capture_on_commit_callbacks
):
    start_now(exercise, supervisor)
    real = send(rep, category="fire", latitude=-33.5).incident
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_services.compose(
            supervisor,
            title="Fire",
            message="Real.",
            severity="warning",
            wards=Ward.objects.filter(number=1),
            all_wards=False,
            expires_at=None,
            incident=real,
        )
    assert alert.exercise is None
    assert not mail.outbox[-1].subject.startswith("EXERCISE")


def test_ending_closes_what_the_exercise_opened_and_nothing_else(exercise, rep, supervisor):
    start_now(exercise, supervisor)
    drill = exercise.injects.get(number=1).report.incident
    real = send(rep, category="fire", latitude=-33.5).incident
    acknowledge(drill, supervisor)
    confirm(drill, supervisor)
    unit = factories.ResourceFactory()
    dispatch(drill, supervisor, unit)
    alert = alert_services.compose(
        supervisor,
        title="Flooding",
        message="Drill.",
        severity="warning",
        wards=Ward.objects.filter(number=1),
        all_wards=False,
        expires_at=None,
        incident=fresh(drill),
    )
    services.end(exercise, supervisor)
    drill = fresh(drill)
    assert drill.status == Incident.Status.CLOSED and drill.closed_at is not None
    ended = drill.events.get(kind="end_exercise")
    assert (ended.actor, ended.from_value, ended.to_value) == (supervisor, "responding", "closed")
    assert Resource.objects.get(pk=unit.pk).status == Resource.Status.AVAILABLE
    assert Dispatch.objects.get(incident=drill).status == Dispatch.Status.CLEARED
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CANCELLED
    assert fresh(real).status == Incident.Status.NEW
    with clock(at(23, 0)):
        assert services.deliver_due() == 0  # the second inject is never sent now


def test_a_representative_asked_to_send_an_inject_sends_it_through_the_form(
    client, supervisor, django_capture_on_commit_callbacks
):
    rep = factories.RepresentativeFactory(
        cwg=factories.CWGFactory(wards=[Ward.objects.get(number=1)])
    )
    exercise = factories.ExerciseFactory(cwgs=[rep.cwg])
    inject = factories.InjectFactory(
        exercise=exercise, representative=rep, mode="ask", description="Smoke at the depot"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.start(exercise, supervisor)  # due now: the representative is asked
    inject.refresh_from_db()
    assert inject.requested_at is not None and inject.report is None
    client.force_login(rep.user)
    portal = client.get(reverse("cwg:portal")).content.decode()
    assert "EXERCISE" in portal and "Smoke at the depot" in portal
    form = client.get(reverse("reports:new") + f"?inject={inject.pk}")
    assert "EXERCISE" in form.content.decode()
    data = {
        **{k: v for k, v in form.context["form"].initial.items() if v is not None},
        "category": inject.category_id,
        "ward": inject.ward_id,
        "observed_at": "2026-03-02T09:00",
    }
    response = client.post(reverse("reports:new"), data)
    assert response.status_code == 302
    inject.refresh_from_db()
    assert inject.report.exercise == exercise
    assert inject.report.submitted_by == rep.user
    assert inject.report.incident.exercise == exercise
    # The request is closed: the same form sent again is refused, nothing is lost or sent.
    data["client_token"] = "6f1c1d1e-0000-4000-8000-000000000001"
    again = client.post(reverse("reports:new"), data)
    assert again.status_code == 200
    assert "request is closed" in again.content.decode()
    assert Report.objects.filter(exercise=exercise).count() == 1


def test_exercise_data_never_reaches_a_cwg_not_taking_part(
    exercise, rep, supervisor, client, django_capture_on_commit_callbacks
):
    outsider = factories.RepresentativeFactory(
        cwg=factories.CWGFactory(wards=[Ward.objects.get(number=1)])
    )
    start_now(exercise, supervisor)
    incident = exercise.injects.get(number=1).report.incident
    acknowledge(incident, supervisor)
    confirm(incident, supervisor)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_services.compose(
            supervisor,
            title="Drill flooding",
            message="Drill.",
            severity="emergency",
            wards=[],
            all_wards=True,
            expires_at=None,
            incident=fresh(incident),
        )
    assert [m.to for m in mail.outbox] == [[rep.user.email]]
    assert not AlertRecipient.objects.filter(cwg=outsider.cwg).exists()
    client.force_login(outsider.user)
    for page in ("cwg:portal", "reports:list", "alerts:portal"):
        assert "Drill" not in client.get(reverse(page)).content.decode()


def test_an_inject_with_a_photo_and_the_whatsapp_channel_sends_both(rep, supervisor):
    exercise = factories.ExerciseFactory(cwgs=[rep.cwg])
    inject = factories.InjectFactory(
        exercise=exercise, representative=rep, channel="whatsapp", photo=images.jpeg()
    )
    start_now(exercise, supervisor)
    inject.refresh_from_db()
    assert inject.report.channel == "whatsapp"
    [photo] = inject.report.photos.all()
    assert photo.content_type == "image/jpeg" and photo.exif_latitude is not None


def test_an_inject_the_intake_refuses_is_recorded_as_failed_not_retried(rep, supervisor):
    exercise = factories.ExerciseFactory(cwgs=[rep.cwg])
    inject = factories.InjectFactory(exercise=exercise, representative=rep)
    rep.cwg.status = "suspended"
    rep.cwg.save()
    start_now(exercise, supervisor)
    inject.refresh_from_db()
    assert inject.report is None and "suspended" in inject.failure
    assert services.deliver_due() == 0


def test_whatsapp_messages_about_exercise_data_say_exercise_first(exercise, rep, supervisor):
    from alerts.whatsapp import messages_for

    start_now(exercise, supervisor)
    incident = exercise.injects.get(number=1).report.incident
    alert = alert_services.compose(
        supervisor,
        title="Flooding",
        message="Avoid Station Road.",
        severity="warning",
        wards=Ward.objects.filter(number=1),
        all_wards=False,
        expires_at=None,
        incident=fresh(incident),
    )
    free, held = messages_for(alert.versions.get())
    assert free["interactive"]["body"]["text"].startswith("EXERCISE JOC Warning alert: Flooding")
    assert held["template"]["components"][0]["parameters"][0]["text"] == "EXERCISE Warning alert"
