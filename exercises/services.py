"""Exercise actions: start, pause, resume and end an exercise; deliver its injects through the
real intake as the named representative; ask a real representative to send one themselves.

Delivery is a background task per inject, deferred to the inject's time on the exercise clock
and tagged with the exercise's `run`: a pause or an end makes queued tasks do nothing, a resume
queues the rest again. `deliver_due()` sends whatever is due and undelivered (the periodic sweep
calls it too, so a worker that was down catches up)."""

import csv
import io
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from alerts import services as alert_services
from alerts.models import Alert
from exercises import forms as inject_forms
from exercises.models import Exercise, Inject
from joc import services as joc_services
from joc.models import Incident
from reports import services as report_services
from watchline import live, permissions

Status = Exercise.Status
INJECT_TOKENS = uuid.UUID("8d0c7a52-2a36-4f5e-9d0b-6a3f1f0e5e11")


class ExerciseRefused(Exception):
    """The action is not allowed in the exercise's current state."""


@transaction.atomic
def start(exercise, actor):
    exercise = _locked(exercise, {Status.DRAFT}, "start")
    if not exercise.injects.exists():
        raise ExerciseRefused("Add at least one inject before starting.")
    exercise.status = Status.RUNNING
    exercise.started_at = timezone.now()
    exercise.run += 1
    exercise.save(update_fields=["status", "started_at", "run"])
    _schedule(exercise)
    _announce(exercise)
    return exercise


@transaction.atomic
def pause(exercise, actor):
    exercise = _locked(exercise, {Status.RUNNING}, "pause")
    exercise.status = Status.PAUSED
    exercise.paused_at = timezone.now()
    exercise.save(update_fields=["status", "paused_at"])
    _announce(exercise)
    return exercise


@transaction.atomic
def resume(exercise, actor):
    exercise = _locked(exercise, {Status.PAUSED}, "resume")
    exercise.paused_for += timezone.now() - exercise.paused_at
    exercise.paused_at = None
    exercise.status = Status.RUNNING
    exercise.run += 1
    exercise.save(update_fields=["status", "paused_at", "paused_for", "run"])
    _schedule(exercise)
    _announce(exercise)
    return exercise


@transaction.atomic
def end(exercise, actor):
    """End the exercise and close what it opened: its open incidents (units cleared) through
    the JOC's actions, its sent alerts cancelled, each on its own record."""
    exercise = _locked(exercise, {Status.RUNNING, Status.PAUSED}, "end")
    now = timezone.now()
    if exercise.paused_at:
        exercise.paused_for += now - exercise.paused_at
        exercise.paused_at = None
    exercise.status = Status.ENDED
    exercise.ended_at = now
    exercise.save(update_fields=["status", "ended_at", "paused_at", "paused_for"])
    for incident in Incident.objects.open().filter(exercise=exercise):
        joc_services.end_for_exercise(incident, actor, exercise.name)
    for alert in Alert.objects.filter(exercise=exercise).exclude(status=Alert.Status.CANCELLED):
        alert_services.cancel(alert, actor, f"EXERCISE {exercise.name} has ended.")
    _announce(exercise)
    return exercise


def _locked(exercise, allowed, action):
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.status not in allowed:
        raise ExerciseRefused(
            f"Cannot {action} an exercise that is {exercise.get_status_display().lower()}."
        )
    return exercise


def _announce(exercise):
    """Every dashboard shows which exercises are live (the banner)."""
    live.publish(
        live.OPERATORS,
        "exercises/live/banner.html",
        {"live_exercises": Exercise.objects.live(), "oob": True},
    )


# --- Delivery --------------------------------------------------------------------------------


def _schedule(exercise):
    """Queue one delivery per undelivered inject at its time on the exercise clock."""
    pending = list(exercise.injects.filter(report=None, requested_at=None))

    def enqueue_all():
        defer = deliver_inject.get_backend().supports_defer
        for inject in pending:
            runner = deliver_inject.using(run_after=exercise.due_at(inject)) if defer else None
            (runner or deliver_inject).enqueue(inject.pk, exercise.run)

    transaction.on_commit(enqueue_all)


@task()
def deliver_inject(inject_id, run):
    """Send one inject if its exercise is still on the run that queued it and it is due."""
    inject = Inject.objects.select_related("exercise").filter(pk=inject_id).first()
    if inject is None or inject.exercise.run != run:
        return "stale"
    exercise = inject.exercise
    if exercise.status != Status.RUNNING or inject.report_id or inject.requested_at:
        return "skipped"
    if exercise.due_at(inject) > timezone.now():
        return "not due"
    return send(inject)


def deliver_due(now=None):
    """Send every due, undelivered inject of the running exercises; returns how many."""
    now = now or timezone.now()
    sent = 0
    for exercise in Exercise.objects.filter(status=Status.RUNNING):
        for inject in exercise.injects.filter(report=None, requested_at=None, failure=""):
            if exercise.due_at(inject) <= now:
                send(inject)
                sent += 1
    return sent


def send(inject):
    """Deliver one inject: the real intake as its representative (mode auto), or a request on
    their portal to send it themselves (mode ask)."""
    if inject.mode == Inject.Mode.ASK:
        ask_representative(inject)
        return "requested"
    rep = inject.representative
    photos = [File(inject.photo.open("rb"), name=inject.photo.name)] if inject.photo else []
    try:
        report, _ = report_services.submit_report(
            user=rep.user,
            cwg=rep.cwg,
            data=report_data(inject),
            photos=photos,
            client_token=uuid.uuid5(INJECT_TOKENS, str(inject.pk)),
            channel=inject.channel,
            exercise=inject.exercise,
        )
    except (PermissionDenied, ValidationError) as refused:
        text = "; ".join(getattr(refused, "messages", None) or [str(refused)])
        Inject.objects.filter(pk=inject.pk).update(failure=text[:2000])
        return "failed"
    finally:
        for photo in photos:
            photo.close()
    Inject.objects.filter(pk=inject.pk).update(report=report)
    return "sent"


def report_data(inject):
    """What the inject's representative 'fills in'."""
    return {
        "category": inject.category,
        "description": inject.description,
        "location_text": inject.location_text,
        "ward": inject.ward,
        "latitude": inject.latitude,
        "longitude": inject.longitude,
        "observed_at": timezone.now(),
        "source": "eyewitness",
        "urgency": inject.urgency,
        "people_count": None,
    }


@transaction.atomic
def ask_representative(inject):
    """Ask the inject's representative to send it themselves: a message on their CWG's portal
    (live), marked EXERCISE, with a link to the report form filled in."""
    updated = Inject.objects.filter(pk=inject.pk, report=None, requested_at=None).update(
        requested_at=timezone.now()
    )
    if not updated:
        return inject
    inject.refresh_from_db()
    live.publish(
        live.cwg_group(inject.representative.cwg_id),
        "exercises/live/request.html",
        {"inject": inject, "oob": True},
    )
    return inject


def requests_for(representative):
    """The injects a representative's CWG was asked to send and has not sent yet (either of
    its representatives may send one)."""
    return (
        Inject.objects.filter(
            representative__cwg=representative.cwg_id,
            report=None,
            requested_at__isnull=False,
            exercise__status=Status.RUNNING,
        )
        .select_related("exercise", "category", "ward")
        .order_by("requested_at")
    )


def requested_inject(user, inject_id):
    """The inject `user` was asked to send, by id from the report form, or None."""
    rep = permissions.representative_of(user)
    if rep is None or not str(inject_id or "").isdigit():
        return None
    return requests_for(rep).filter(pk=int(inject_id)).first()


def sent_by_representative(inject, report):
    """The representative sent the requested inject through the form: link it."""
    Inject.objects.filter(pk=inject.pk, report=None).update(report=report)


# --- Scenario -------------------------------------------------------------------------------

CSV_COLUMNS = {"offset_minutes", "representative", "category", "description", "location", "ward"}


@transaction.atomic
def import_injects(exercise, upload):
    """Add the injects of a CSV file to a draft exercise: all of them, or none when any row is
    bad. Returns (number added, [(row number, [errors])])."""
    if not exercise.is_editable:
        raise ExerciseRefused("Injects can only be changed before the start.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0, [(1, ["file: not a UTF-8 text (CSV) file"])]
    reader = csv.DictReader(io.StringIO(text))
    missing = CSV_COLUMNS - {name.strip().lower() for name in reader.fieldnames or ()}
    if missing:
        return 0, [(1, [f"header: missing column {name}" for name in sorted(missing)])]
    names = inject_forms.lookups()
    good, errors = [], []
    for line, row in enumerate(reader, start=2):
        form = inject_forms.InjectForm.from_row(row, exercise, names)
        if form.is_valid() and not form.unknown:
            good.append(form)
        else:
            errors.append((line, form.row_errors()))
    if errors:
        return 0, errors
    if not good:
        return 0, [(2, ["file: no injects in it"])]
    number = inject_forms.next_number(exercise)
    for n, form in enumerate(good):
        inject = form.save(commit=False)
        inject.number = number + n
        inject.save()
    return len(good), []


def set_action_status(action, status):
    """Track an improvement action; `completed_at` says when it was done."""
    action.status = status
    action.completed_at = timezone.now() if status == action.Status.DONE else None
    action.save(update_fields=["status", "completed_at", "updated_at"])
    return action
