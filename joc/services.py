"""JOC domain actions. Every state change goes through one function here, which checks the
transition and the version the operator saw, writes the change and its IncidentEvent, lets the
outcome flow back to the linked reports, then publishes the live update on commit."""

import math
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cwg.models import Ward
from joc import tasks
from joc.models import Dispatch, Incident, IncidentEvent, IncidentQuerySet, IncidentView, Resource
from reports import feedback
from watchline import live, permissions, references

S = Incident.Status
Kind = IncidentEvent.Kind

# Which statuses each action may start from, and where it leads (None: the status stays).
TRANSITIONS = {
    "acknowledge": ({S.NEW}, S.ACKNOWLEDGED),
    "verify": ({S.NEW, S.ACKNOWLEDGED}, S.VERIFYING),
    "confirm": ({S.ACKNOWLEDGED, S.VERIFYING}, S.CONFIRMED),
    "mark_unfounded": ({S.ACKNOWLEDGED, S.VERIFYING}, S.UNFOUNDED),
    "reopen": ({S.UNFOUNDED, S.RESOLVED, S.CLOSED}, S.VERIFYING),
    "dispatch": ({S.CONFIRMED, S.RESPONDING}, S.RESPONDING),
    "move_dispatch": ({S.RESPONDING}, None),
    "resolve": ({S.CONFIRMED, S.RESPONDING}, S.RESOLVED),
    "close": ({S.RESOLVED, S.UNFOUNDED}, S.CLOSED),
    "set_priority": (set(IncidentQuerySet.OPEN_STATUSES), None),
    "assign": (set(IncidentQuerySet.OPEN_STATUSES), None),
    "merge": (set(IncidentQuerySet.OPEN_STATUSES), S.MERGED),
    "edit_details": (set(S), None),
    "end_exercise": (set(IncidentQuerySet.OPEN_STATUSES), S.CLOSED),
}

# The status a linked report's sender sees when its incident reaches a status.
REPORT_STATUS = {
    S.VERIFYING: "verifying",
    S.CONFIRMED: "confirmed",
    S.UNFOUNDED: "not_confirmed",
    S.RESPONDING: "action_taken",
    S.RESOLVED: "action_taken",
    S.CLOSED: "closed",
}

# The milestone each status stamps when it is first reached.
MILESTONES = {
    S.ACKNOWLEDGED: "acknowledged_at",
    S.VERIFYING: "verifying_at",
    S.CONFIRMED: "verified_at",
    S.UNFOUNDED: "verified_at",
    S.RESPONDING: "first_dispatched_at",
    S.RESOLVED: "resolved_at",
    S.CLOSED: "closed_at",
}

# A dispatch moves forward one step at a time; the resource's status follows.
DISPATCH_STEPS = {
    Dispatch.Status.DISPATCHED: Dispatch.Status.EN_ROUTE,
    Dispatch.Status.EN_ROUTE: Dispatch.Status.ON_SCENE,
    Dispatch.Status.ON_SCENE: Dispatch.Status.CLEARED,
}
RESOURCE_STATUS = {
    Dispatch.Status.DISPATCHED: Resource.Status.DISPATCHED,
    Dispatch.Status.EN_ROUTE: Resource.Status.EN_ROUTE,
    Dispatch.Status.ON_SCENE: Resource.Status.ON_SCENE,
    Dispatch.Status.CLEARED: Resource.Status.AVAILABLE,
}

PRIORITY_BY_URGENCY = {"life_threatening": 1, "urgent": 2, "routine": 3}

VERIFICATION_CHECKS = {
    "cctv": "CCTV",
    "agency": "SAPS or another agency",
    "field_unit": "a field unit",
    "reporters": "calling the reporters",
    "cwgs": "more CWGs",
}


class ActionRefused(Exception):
    """The action is not allowed from the incident's current state."""


class StaleIncident(Exception):
    """Someone changed the incident after the operator saw it. Carries the fresh incident."""

    def __init__(self, incident):
        self.incident = incident
        who = incident.last_changed_by
        name = (who.get_full_name() or who.username) if who else "someone"
        super().__init__(f"Changed by {name} just now: here is the latest state.")


def allowed_actions(incident):
    """The actions the incident's current status allows (the panel shows only these)."""
    return {action for action, (allowed, _) in TRANSITIONS.items() if incident.status in allowed}


# --- Triage ----------------------------------------------------------------------------------


def haversine_km(lat1, lng1, lat2, lng2):
    lat1, lng1, lat2, lng2 = map(math.radians, (lat1, lng1, lat2, lng2))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def matching_incident(report):
    """The open incident `report` corroborates, or None: same category, last report inside the
    time window, and within the distance by coordinates when both have them, else in the same
    ward or, failing that, a neighbouring one (sharing a border). An exercise's report
    corroborates only that exercise's incidents, a real one only real ones. One query: the
    candidates near by coordinates and those without coordinates in the ward or next to it."""
    window = timedelta(minutes=settings.TRIAGE_WINDOW_MINUTES)
    neighbours = Ward.objects.filter(neighbours=report.ward_id).values("pk")
    in_or_next_to_ward = Q(ward=report.ward_id) | Q(ward__in=neighbours)
    if report.latitude is None or report.longitude is None:
        where = in_or_next_to_ward
    else:
        km = settings.TRIAGE_DISTANCE_KM
        dlat = km / 111.0
        dlng = km / (111.0 * max(math.cos(math.radians(report.latitude)), 0.01))
        # The bounding box uses the (latitude, longitude) index; haversine settles the few left.
        where = Q(
            latitude__range=(report.latitude - dlat, report.latitude + dlat),
            longitude__range=(report.longitude - dlng, report.longitude + dlng),
        ) | (Q(latitude__isnull=True) & in_or_next_to_ward)
    candidates = list(
        Incident.objects.open()
        .filter(
            where,
            category=report.category_id,
            last_report_at__gte=report.created_at - window,
            exercise=report.exercise_id,
        )
        .order_by("-last_report_at", "-pk")
    )
    if report.latitude is not None and report.longitude is not None:
        near = [
            (haversine_km(report.latitude, report.longitude, i.latitude, i.longitude), i)
            for i in candidates
            if i.latitude is not None and i.longitude is not None
        ]
        near = [(d, i) for d, i in near if d <= settings.TRIAGE_DISTANCE_KM]
        if near:
            return min(near, key=lambda pair: pair[0])[1]
        candidates = [i for i in candidates if i.latitude is None]
    # Newest first: the newest in the report's own ward, else the newest next to it.
    return next((i for i in candidates if i.ward_id == report.ward_id), None) or next(
        (i for i in candidates if i.ward_id != report.ward_id), None
    )


@transaction.atomic(savepoint=False)
def triage_report(report, save=True):
    """Link a new report to the open incident it corroborates, or open a new incident.
    `save=False`: the caller writes `report.incident` itself (with its other columns)."""
    incident = matching_incident(report)
    if incident is None:
        incident = _open_incident_for(report, priority=PRIORITY_BY_URGENCY.get(report.urgency, 3))
        _record(incident, None, Kind.OPENED, to_value=incident.status, note=_report_note(report))
    else:
        # A new report changes no operator decision, so it does not bump the version.
        changes = {"last_report_at": report.created_at}
        if incident.latitude is None and report.latitude is not None:
            changes.update(latitude=report.latitude, longitude=report.longitude)
        Incident.objects.filter(pk=incident.pk).update(**changes)
        for name, value in changes.items():
            setattr(incident, name, value)
        _record(incident, None, Kind.REPORT_ADDED, note=_report_note(report))
    report.incident = incident
    if save:
        report.save(update_fields=["incident"])
    _publish(
        incident,
        alarm=report.urgency == "life_threatening",
        news=f"New report {_report_note(report)} just now.",
        new_for_all=True,
    )
    return incident


def _open_incident_for(report, **fields):
    """A new incident, in the report's category and place."""
    incident = Incident(
        category=report.category,
        title=report.description[:200],
        location_text=report.location_text,
        ward=report.ward,
        latitude=report.latitude,
        longitude=report.longitude,
        last_report_at=report.created_at,
        exercise_id=report.exercise_id,
        **fields,
    )
    return references.save_with_reference(incident, "I")


def _report_note(report):
    return f"{report.reference} from {report.cwg.name}"


# --- Operator actions ------------------------------------------------------------------------


def acknowledge(incident, seen_version, actor):
    """Take ownership of a new incident."""
    return _transition(incident, seen_version, actor, "acknowledge", assigned_to=actor)


def set_priority(incident, seen_version, actor, priority):
    return _transition(
        incident,
        seen_version,
        actor,
        "set_priority",
        values=(f"P{incident.priority}", f"P{priority}"),
        priority=priority,
    )


def assign(incident, seen_version, actor, operator):
    before = incident.assigned_to.username if incident.assigned_to else ""
    return _transition(
        incident,
        seen_version,
        actor,
        "assign",
        values=(before, operator.username if operator else ""),
        assigned_to=operator,
    )


def verify(incident, seen_version, actor, checks, note=""):
    checking = ", ".join(VERIFICATION_CHECKS[c] for c in checks)
    text = f"Checking: {checking}." + (f" {note}" if note else "")
    return _transition(incident, seen_version, actor, "verify", note=text)


def confirm(incident, seen_version, actor, evidence):
    return _transition(incident, seen_version, actor, "confirm", note=evidence)


def mark_unfounded(incident, seen_version, actor, evidence):
    return _transition(incident, seen_version, actor, "mark_unfounded", note=evidence)


def reopen(incident, seen_version, actor, reason):
    """A supervisor sends a debunked, resolved or closed incident back to verification."""
    if not permissions.is_supervisor(actor):
        raise ActionRefused("Only a supervisor may reopen an incident.")
    # The resolution it had no longer holds: a new one will be stamped when it comes.
    return _transition(
        incident, seen_version, actor, "reopen", note=reason, resolved_at=None, closed_at=None
    )


def resolve(incident, seen_version, actor, outcome):
    if incident.dispatches.exclude(status=Dispatch.Status.CLEARED).exists():
        raise ActionRefused("Clear every unit on this incident before resolving it.")
    return _transition(incident, seen_version, actor, "resolve", note=outcome, outcome=outcome)


def close(incident, seen_version, actor, outcome):
    return _transition(incident, seen_version, actor, "close", note=outcome, outcome=outcome)


@transaction.atomic
def dispatch(incident, seen_version, actor, resources):
    """Send available resources; the incident is `responding` while units are on it."""
    if not resources:
        raise ActionRefused("Choose at least one available resource.")
    incident = _transition(
        incident,
        seen_version,
        actor,
        "dispatch",
        note=", ".join(r.call_sign for r in resources),
        publish=False,
    )
    for resource in resources:
        taken = Resource.objects.filter(pk=resource.pk, status=Resource.Status.AVAILABLE).update(
            status=Resource.Status.DISPATCHED
        )
        if not taken:
            raise ActionRefused(f"{resource.call_sign} is no longer available.")
        try:
            with transaction.atomic():
                Dispatch.objects.create(
                    incident=incident,
                    resource=resource,
                    dispatched_by=actor,
                    exercise_id=incident.exercise_id,
                )
        except IntegrityError:
            raise ActionRefused(f"{resource.call_sign} is already on another incident.") from None
    _publish(incident, resources=True)
    return incident


@transaction.atomic
def move_dispatch(incident, seen_version, actor, dispatch_id):
    """Move one dispatch a step on (dispatched → en route → on scene → cleared)."""
    unit = Dispatch.objects.select_related("resource").filter(incident=incident, pk=dispatch_id)
    unit = unit.first()
    if unit is None or unit.status not in DISPATCH_STEPS:
        raise ActionRefused("That unit has no further step.")
    step = DISPATCH_STEPS[unit.status]
    now = timezone.now()
    stamps = {}
    if step == Dispatch.Status.ON_SCENE and incident.on_scene_at is None:
        stamps["on_scene_at"] = now
    incident = _transition(
        incident,
        seen_version,
        actor,
        "move_dispatch",
        values=(unit.get_status_display(), Dispatch.Status(step).label),
        note=unit.resource.call_sign,
        publish=False,
        **stamps,
    )
    unit.status = step
    setattr(unit, f"{step}_at", now)
    unit.save(update_fields=["status", f"{step}_at"])
    Resource.objects.filter(pk=unit.resource_id).update(status=RESOURCE_STATUS[step])
    _publish(incident, resources=True)
    return incident


@transaction.atomic
def merge(incident, seen_version, actor, target):
    """Fold `incident` into `target`: its reports move over and it ends as `merged`. Both are
    locked first (in a fixed order), so two operators merging A into B and B into A at once
    cannot both win: the second finds its target merged and is refused."""
    if target.pk == incident.pk:
        raise ActionRefused("Merge into another open incident.")
    incident, target = _locked(incident, target, target_version=target.version)
    _same_world(incident, target)
    incident = _transition(
        incident,
        seen_version,
        actor,
        "merge",
        note=f"Merged into {target.reference}",
        merged_into=target,
        publish=False,
    )
    reports = list(incident.reports.select_related("cwg"))
    incident.reports.update(incident=target)
    _joined(target, reports, actor, f"Merged from {incident.reference}")
    _publish(incident)
    return incident


@transaction.atomic
def link_report(report, target, actor):
    """Move one report from its incident to another open incident; on both timelines."""
    source = report.incident
    if source is None or target.pk == source.pk:
        raise ActionRefused("Link the report to another open incident.")
    source, target = _locked(source, target, target_version=target.version)
    _still_on(report, source)
    _same_world(report, target)
    report.incident = target
    report.save(update_fields=["incident"])
    moved = f"{report.reference} moved to {target.reference}"
    _record(source, actor, Kind.REPORT_MOVED, note=moved)
    _joined(target, [report], actor, f"{report.reference} moved from {source.reference}")
    _publish(source, news=f"{moved} by {_name(actor)} just now.")
    return target


@transaction.atomic
def split_report(report, actor):
    """Take one report out of its incident into a new incident of its own."""
    if report.incident is None:
        raise ActionRefused("Only a report that shares its incident can be split out.")
    (source,) = _locked(report.incident)
    _still_on(report, source)
    if source.reports.count() < 2:
        raise ActionRefused("Only a report that shares its incident can be split out.")
    new = _open_incident_for(report, priority=source.priority, last_changed_by=actor)
    report.incident = new
    report.save(update_fields=["incident"])
    split = f"{report.reference} split out to {new.reference}"
    _record(source, actor, Kind.REPORT_MOVED, note=split)
    _record(new, actor, Kind.OPENED, to_value=new.status, note=f"Split out of {source.reference}")
    _publish(source, news=f"{split} by {_name(actor)} just now.")
    _publish(new)
    return new


def _locked(*incidents, target_version=None):
    """Lock `incidents` (SELECT ... FOR UPDATE, always in primary-key order, so two actions on
    the same pair cannot deadlock) and return their fresh rows in the order given. The last one
    is a target: it must still be open and, when `target_version` is given, unchanged since
    the operator named it."""
    pks = [incident.pk for incident in incidents]
    rows = Incident.objects.select_for_update(of=("self",)).select_related("last_changed_by")
    fresh = {row.pk: row for row in rows.filter(pk__in=pks).order_by("pk")}
    locked = [fresh[pk] for pk in pks]
    if target_version is not None:
        target = locked[-1]
        if not target.is_open:
            raise ActionRefused(f"{target.reference} is {target.get_status_display().lower()}.")
        if target.version != target_version:
            raise StaleIncident(target)
    return locked


def _still_on(report, source):
    """Refuse when another operator moved the report away while this action waited."""
    if not source.reports.filter(pk=report.pk).exists():
        raise ActionRefused(f"{report.reference} was moved by someone else just now.")


@transaction.atomic
def add_note(incident, actor, text):
    """An internal note: on the timeline, never shown to the CWGs."""
    _record(incident, actor, Kind.ADD_NOTE, note=text)
    _publish(incident, news=f"Internal note by {_name(actor)} just now.")
    return incident


@transaction.atomic
def report_followed_up(report, update):
    """A representative added to their report: the incident's timeline and every dashboard hear
    of it (the version stays, as for a new report)."""
    if report.incident_id is None:
        return
    incident = Incident.objects.select_related("last_changed_by").get(pk=report.incident_id)
    note = f"{report.reference} ({report.cwg.name}): {update.text}"
    _record(incident, update.author, Kind.REPORT_FOLLOW_UP, note=note)
    _publish(incident, news=f"Follow-up on {report.reference} from {report.cwg.name} just now.")


@transaction.atomic
def post_follow_up(incident, actor, text):
    """A public message every reporting CWG sees on its report page. The incident's timeline
    has it at once; telling each report's sender is background work (`tasks.tell_reporters`),
    so posting costs the same whether the incident has one report or a hundred."""
    event = _record(incident, actor, Kind.POST_FOLLOW_UP, note=text, public=True)
    report_ids = list(incident.reports.values_list("pk", flat=True))
    transaction.on_commit(lambda: tasks.tell_reporters.enqueue(event.pk, report_ids))
    _publish(incident, news=f"Public follow-up by {_name(actor)} just now.")
    return incident


def edit_details(incident, seen_version, actor, details):
    """A city admin corrects an incident's details (title, place, priority, outcome) in the
    admin: version-checked, on the timeline, live, like an operator's action."""
    changed = sorted(name for name, value in details.items() if getattr(incident, name) != value)
    return _transition(
        incident, seen_version, actor, "edit_details", note=", ".join(changed), **details
    )


@transaction.atomic
def alert_sent(incident, alert, actor):
    """An alert about this incident went out: on its timeline, and every dashboard hears."""
    _record(
        incident, actor, Kind.ALERT_SENT, to_value=alert.get_severity_display(), note=alert.title
    )
    _publish(incident, news=f"Alert sent: {alert.title}.")


@transaction.atomic
def set_resource_in_service(resource, in_service, actor):
    """A city admin takes a unit out of service or back: only while it is on no dispatch."""
    want = Resource.Status.AVAILABLE if in_service else Resource.Status.OUT_OF_SERVICE
    idle = (Resource.Status.AVAILABLE, Resource.Status.OUT_OF_SERVICE)
    if not Resource.objects.filter(pk=resource.pk, status__in=idle).update(status=want):
        raise ActionRefused(f"{resource.call_sign} is on a dispatch: clear it first.")
    resource.status = want
    live.publish(
        live.OPERATORS, "joc/_resources.html", {"resources": Resource.objects.all(), "oob": True}
    )
    return resource


@transaction.atomic
def end_for_exercise(incident, actor, exercise_name):
    """The exercise that opened `incident` ended: its units are cleared and it is closed, on
    its timeline like any action, whatever state it was in."""
    incident = _fresh(incident)
    for unit in incident.dispatches.exclude(status=Dispatch.Status.CLEARED).select_related(
        "resource"
    ):
        unit.status = Dispatch.Status.CLEARED
        unit.cleared_at = timezone.now()
        unit.save(update_fields=["status", "cleared_at"])
        Resource.objects.filter(pk=unit.resource_id).update(status=Resource.Status.AVAILABLE)
        _record(
            incident, actor, Kind.MOVE_DISPATCH, to_value="Cleared", note=unit.resource.call_sign
        )
    return _transition(
        incident,
        incident.version,
        actor,
        "end_exercise",
        note=f"EXERCISE {exercise_name} ended: closed by its controller.",
        outcome=incident.outcome or "Exercise ended.",
    )


def mark_seen(incident, user):
    """The operator opened the incident: the queue stops marking it new for them. One upsert
    (INSERT ... ON CONFLICT DO UPDATE) on the (incident, user) constraint."""
    IncidentView.objects.bulk_create(
        [IncidentView(incident=incident, user=user, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["incident", "user"],
        update_fields=["seen_at"],
    )


# --- The machinery every action shares -------------------------------------------------------


@transaction.atomic
def _transition(
    incident, seen_version, actor, action, note="", values=None, publish=True, **changes
):
    """Check the action is allowed from the current status and that nobody changed the incident
    since `seen_version`, then write it with UPDATE ... WHERE version = seen, so a concurrent
    writer can never be overwritten silently."""
    allowed_from, to_status = TRANSITIONS[action]
    if incident.version != seen_version:
        raise StaleIncident(_fresh(incident))
    if incident.status not in allowed_from:
        raise ActionRefused(
            f"Cannot {action.replace('_', ' ')} an incident "
            f"that is {incident.get_status_display().lower()}."
        )
    now = timezone.now()
    if to_status and to_status != incident.status:
        changes["status"] = to_status
        milestone = MILESTONES.get(to_status)
        if milestone and getattr(incident, milestone) is None:
            changes[milestone] = now
    written = Incident.objects.filter(pk=incident.pk, version=seen_version).update(
        version=F("version") + 1, last_changed_by=actor, updated_at=now, **changes
    )
    if not written:
        raise StaleIncident(_fresh(incident))
    before = incident.status
    incident.refresh_from_db()
    from_value, to_value = values or (before, incident.status)
    _record(incident, actor, action, from_value=from_value, to_value=to_value, note=note)
    if incident.status != before:
        _flow_to_reports(incident.reports.all(), incident.status, actor)
    if publish:
        _publish(incident)
    return incident


def _same_world(item, target):
    """Exercise and real operations never mix: no link or merge across them."""
    if item.exercise_id != target.exercise_id:
        raise ActionRefused("An exercise incident and a real one never mix.")


def _fresh(incident):
    return Incident.objects.select_related("last_changed_by").get(pk=incident.pk)


def _record(incident, actor, kind, from_value="", to_value="", note="", public=False):
    return IncidentEvent.objects.create(
        incident=incident,
        actor=actor,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        note=note,
        public=public,
    )


def _joined(target, reports, actor, note):
    """Reports arrived on `target` by a link or a merge: its timeline and their status."""
    Incident.objects.filter(pk=target.pk).update(
        last_report_at=max([target.last_report_at, *(r.created_at for r in reports)])
    )
    _record(target, actor, Kind.REPORT_ADDED, note=note)
    _flow_to_reports(reports, target.status, actor)
    _publish(target, news=f"{note} by {_name(actor)} just now.")


def _flow_to_reports(reports, incident_status, actor):
    """The incident's outcome reaches every linked report as a status alone: operators' notes and
    evidence stay internal (public words go through `post_follow_up`)."""
    status = REPORT_STATUS.get(incident_status)
    if status is None:
        return
    for report in reports:
        if report.status != status:
            feedback.set_report_status(report, status, actor=actor)


def _name(user):
    return user.get_full_name() or user.username


def _publish(incident, alarm=False, resources=False, news="", new_for_all=False):
    """Tell every dashboard after commit, with one fragment rendered once: the incident's queue
    row (each dashboard places it by its own filters and order, dashboard.js; no row once it has
    left the open queue), a notice for incident pages showing an older version (`news` is for
    what leaves the version alone: a new report, a note), and the resources panel when asked.
    `new_for_all` marks the row new on every dashboard (a new incident or report)."""
    version = incident.version

    def context():
        # Called after commit: the row is read from the committed state, outside the lock.
        context = {
            "incident": incident,
            "row": Incident.objects.open().for_dashboard(None).filter(pk=incident.pk).first(),
            "row_is_new": new_for_all,
            "alarm": alarm,
            "news": news,
            "changed_by": None if news else incident.last_changed_by,
            "notice_version": version if news else version - 1,
        }
        if resources:
            context["resources"] = Resource.objects.all()
        return context

    live.publish(live.OPERATORS, "joc/live/incident_changed.html", context)
