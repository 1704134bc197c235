"""Stale states, escalated: an incident not acknowledged or not verified within its priority's
limit, or a unit on scene too long, is marked on every dashboard and the supervisors are told
(live and by email). `sweep()` raises what is overdue and clears what has moved on; the worker
runs it periodically (`periodic`), with the exercise injects that fell due."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from exercises.models import Escalation, StaleThreshold
from joc.models import Dispatch, Incident, IncidentEvent
from watchline import live, permissions

logger = logging.getLogger(__name__)
Kind = Escalation.Kind


class Limits:
    """The thresholds in force: an exercise's own where it set them, else the city's."""

    def __init__(self):
        self.rows = {(t.exercise_id, t.priority): t for t in StaleThreshold.objects.all()}

    def get(self, exercise_id, priority):
        return self.rows.get((exercise_id, priority)) or self.rows.get((None, priority))


def overdue(now):
    """What is overdue now: {(incident_id, kind, dispatch_id): limit in minutes}."""
    limits = Limits()
    found = {}
    waiting = Incident.objects.open().filter(verified_at=None)
    for i in waiting.values(
        "pk", "priority", "exercise_id", "created_at", "acknowledged_at", "verifying_at"
    ):
        limit = limits.get(i["exercise_id"], i["priority"])
        if limit is None:
            continue
        age = now - i["created_at"]
        handled = i["acknowledged_at"] or i["verifying_at"]
        if not handled and age > timedelta(minutes=limit.acknowledge_minutes):
            found[(i["pk"], Kind.NOT_ACKNOWLEDGED, None)] = limit.acknowledge_minutes
        if age > timedelta(minutes=limit.verify_minutes):
            found[(i["pk"], Kind.NOT_VERIFIED, None)] = limit.verify_minutes
    on_scene = Dispatch.objects.filter(status=Dispatch.Status.ON_SCENE).values(
        "pk", "incident_id", "incident__priority", "incident__exercise_id", "on_scene_at"
    )
    for d in on_scene:
        limit = limits.get(d["incident__exercise_id"], d["incident__priority"])
        if limit and now - d["on_scene_at"] > timedelta(minutes=limit.on_scene_minutes):
            found[(d["incident_id"], Kind.ON_SCENE, d["pk"])] = limit.on_scene_minutes
    return found


@transaction.atomic
def sweep(now=None):
    """Raise the escalations that are due and clear those whose incident moved on; record
    both on the incidents' timelines, update every dashboard and email the supervisors about
    new ones. Returns (raised, cleared)."""
    now = now or timezone.now()
    due = overdue(now)
    active = {
        (e.incident_id, e.kind, e.dispatch_id): e
        for e in Escalation.objects.select_for_update().filter(cleared_at=None)
    }
    raised = [
        Escalation(
            incident_id=incident_id,
            kind=kind,
            dispatch_id=dispatch_id,
            limit_minutes=minutes,
            raised_at=now,
        )
        for (incident_id, kind, dispatch_id), minutes in due.items()
        if (incident_id, kind, dispatch_id) not in active
    ]
    cleared = [e for key, e in active.items() if key not in due]
    Escalation.objects.bulk_create(raised)
    Escalation.objects.filter(pk__in=[e.pk for e in cleared]).update(cleared_at=now)
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident_id=e.incident_id,
                kind=IncidentEvent.Kind.ESCALATED,
                to_value=e.get_kind_display(),
                note=f"Limit {e.limit_minutes} min.",
            )
            for e in raised
        ]
        + [
            IncidentEvent(
                incident_id=e.incident_id,
                kind=IncidentEvent.Kind.ESCALATION_CLEARED,
                note=e.get_kind_display(),
            )
            for e in cleared
        ]
    )
    if raised or cleared:
        live.publish(live.OPERATORS, "exercises/live/escalations.html", panel_context(oob=True))
    if raised:
        _email_supervisors(raised)
    return raised, cleared


def active_escalations():
    return (
        Escalation.objects.filter(cleared_at=None)
        .select_related("incident", "incident__exercise")
        .order_by("raised_at", "pk")
    )


def panel_context(oob=False):
    return {"escalations": active_escalations(), "oob": oob}


def _email_supervisors(raised):
    """One email per exercise (and one for real operations), so EXERCISE heads exactly the
    emails about exercise incidents."""
    addresses = [u.email for u in permissions.supervisors() if u.email]
    if not addresses:
        return
    groups = {}
    for e in active_escalations().filter(pk__in=[e.pk for e in raised]):
        groups.setdefault(e.incident.exercise_id, []).append(e)
    emails = []
    for escalations in groups.values():
        context = {"escalations": escalations}
        subject = render_to_string("exercises/escalation_subject.txt", context).strip()
        emails.append((subject, render_to_string("exercises/escalation_email.txt", context)))

    def send():
        for subject, body in emails:
            try:
                send_mail(subject, body, None, addresses)
            except Exception:
                logger.exception("could not email the supervisors about escalations")

    transaction.on_commit(send)


# --- The worker's periodic task ------------------------------------------------------------


@task()
def periodic():
    """Deliver the exercise injects that fell due and sweep for stale states, then queue the
    next run (when the task backend can defer, i.e. in the worker)."""
    from exercises import services

    delivered = services.deliver_due()
    raised, cleared = sweep()
    schedule_next()
    return {"delivered": delivered, "raised": len(raised), "cleared": len(cleared)}


def schedule_next(delay=None):
    """Queue the next periodic run unless one is already waiting."""
    backend = periodic.get_backend()
    if not backend.supports_defer or _pending():
        return
    delay = delay or timedelta(seconds=settings.ESCALATION_SWEEP_SECONDS)
    periodic.using(run_after=timezone.now() + delay).enqueue()


def _pending():
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    return waiting.filter(task_path=periodic.module_path).exists()
