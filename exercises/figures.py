"""After-action figures, from the incidents' milestone columns and nothing else.

A drill and a period of real operations are two scopes of the same queries: `Scope.exercise()`
takes what the exercise carries, `Scope.period()` the real incidents reported between two times.
`after_action(scope)` runs a fixed number of queries whatever the number of incidents, and every
table it returns is what the page shows, what the CSV export writes and what is printed.

Medians and 90th percentiles are order statistics with linear interpolation between the two
nearest ranks (the median of an even count is the mean of the middle two), with the count of
values behind each; an empty set has no median, and says so."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from alerts.models import Alert, AlertRecipient
from joc.models import Incident, IncidentEvent
from reports.models import Report

ACK_WITHIN = (timedelta(minutes=5), timedelta(minutes=15))

# Each incident's milestones, in order: (column or derived key, label).
MILESTONES = [
    ("reported_at", "reported"),
    ("acknowledged_at", "acknowledged"),
    ("verifying_at", "verifying"),
    ("verified_at", "verified or debunked"),
    ("first_dispatched_at", "first dispatch"),
    ("on_scene_at", "on scene"),
    ("resolved_at", "resolved"),
]

# The times between milestones that are summarised: (key, label, from, to).
INTERVALS = [
    ("to_acknowledge", "report → acknowledged", "reported_at", "handled_at"),
    ("to_verifying", "report → verifying", "reported_at", "verifying_at"),
    ("to_verify", "report → verified or debunked", "reported_at", "verified_at"),
    ("to_dispatch", "verified → first dispatch", "verified_at", "first_dispatched_at"),
    ("to_scene", "first dispatch → on scene", "first_dispatched_at", "on_scene_at"),
    ("to_resolve", "report → resolved", "reported_at", "resolved_at"),
]


def percentile(values, fraction):
    """The `fraction` quantile of `values` (numbers or timedeltas), interpolating linearly
    between the two nearest ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Summary:
    label: str
    values: list

    @property
    def count(self):
        return len(self.values)

    @property
    def median(self):
        return percentile(self.values, 0.5)

    @property
    def p90(self):
        return percentile(self.values, 0.9)


@dataclass
class Scope:
    """What the figures are about: an exercise, or real operations between `start` and `end`."""

    start: datetime
    end: datetime
    exercise: object = None

    @classmethod
    def for_exercise(cls, exercise):
        start = exercise.started_at or exercise.planned_start
        end = exercise.ended_at or (timezone.now() if exercise.started_at else exercise.planned_end)
        return cls(start=start, end=max(end, start), exercise=exercise)

    @classmethod
    def period(cls, start, end):
        return cls(start=start, end=end)

    @property
    def title(self):
        if self.exercise:
            return f"EXERCISE {self.exercise.name}"
        return "Real operations"

    def incidents(self):
        if self.exercise:
            return Incident.objects.filter(exercise=self.exercise)
        return Incident.objects.filter(
            exercise=None, created_at__gte=self.start, created_at__lt=self.end
        )

    def reports(self):
        if self.exercise:
            return Report.objects.filter(exercise=self.exercise)
        return Report.objects.filter(
            exercise=None, created_at__gte=self.start, created_at__lt=self.end
        )

    def alerts(self):
        sent = Alert.objects.filter(sent_at__isnull=False)
        if self.exercise:
            return sent.filter(exercise=self.exercise)
        return sent.filter(exercise=None, sent_at__gte=self.start, sent_at__lt=self.end)


@dataclass
class Table:
    name: str
    title: str
    columns: list
    rows: list = field(default_factory=list)


@dataclass
class AfterAction:
    scope: Scope
    incidents: list
    summaries: list
    tables: list
    now: datetime

    def table(self, name):
        return next(t for t in self.tables if t.name == name)

    @property
    def summary_by_key(self):
        return {key: s for (key, *_), s in zip(INTERVALS, self.summaries, strict=True)}


def after_action(scope, now=None):
    """Every figure for `scope`."""
    now = now or timezone.now()
    incidents = _incidents(scope)
    counted = [i for i in incidents.values() if i["status"] != Incident.Status.MERGED]
    summaries = [
        Summary(label, [i[b] - i[a] for i in counted if i[a] and i[b]])
        for _, label, a, b in INTERVALS
    ]
    alerts = _alerts(scope)
    tables = [
        _summary_table(summaries),
        _incident_table(counted),
        _cwg_table(scope),
        _operator_table(scope, counted),
        _alert_table(alerts),
    ]
    if scope.exercise:
        tables.append(_inject_table(scope.exercise, incidents, alerts, now))
    return AfterAction(scope=scope, incidents=counted, summaries=summaries, tables=tables, now=now)


def _incidents(scope):
    """Every incident in scope with its milestones, by id, and who took each in hand: the
    actor of its first event with one (two queries; a join and a group, never a lookup per
    incident)."""
    first_action = Min("events__pk", filter=Q(events__actor__isnull=False))
    firsts = scope.incidents().annotate(first_action=first_action).values("first_action")
    handlers = dict(
        IncidentEvent.objects.filter(pk__in=firsts).values_list("incident_id", "actor__username")
    )
    rows = scope.incidents().values(
        "pk",
        "reference",
        "title",
        "priority",
        "status",
        "merged_into_id",
        "created_at",
        "acknowledged_at",
        "verifying_at",
        "verified_at",
        "first_dispatched_at",
        "on_scene_at",
        "resolved_at",
    )
    incidents = {}
    for row in rows.order_by("created_at", "pk"):
        row["reported_at"] = row["created_at"]
        # Verifying straight away also takes the incident in hand.
        row["handled_at"] = row["acknowledged_at"] or row["verifying_at"] or row["verified_at"]
        row["handled_by"] = handlers.get(row["pk"])
        incidents[row["pk"]] = row
    return incidents


def _summary_table(summaries):
    table = Table("summary", "Times between milestones", ["interval", "count", "median", "p90"])
    table.rows = [[s.label, s.count, s.median, s.p90] for s in summaries]
    return table


def _incident_table(incidents):
    columns = ["incident", "priority", "status"] + [label for _, label in MILESTONES]
    columns += [label for _, label, _, _ in INTERVALS]
    table = Table("incidents", "Per incident", columns)
    for i in incidents:
        table.rows.append(
            [i["reference"], f"P{i['priority']}", i["status"]]
            + [i[key] for key, _ in MILESTONES]
            + [i[b] - i[a] if i[a] and i[b] else None for _, _, a, b in INTERVALS]
        )
    return table


def _cwg_table(scope):
    """Reports per CWG and how soon they came: after the request for a requested inject, else
    after the event was observed (one query)."""
    rows = scope.reports().values("cwg__name", "created_at", "observed_at", "inject__requested_at")
    delays = {}
    for r in rows:
        since = r["inject__requested_at"] or r["observed_at"]
        delays.setdefault(r["cwg__name"], []).append(max(r["created_at"] - since, timedelta(0)))
    table = Table(
        "cwgs",
        "Per CWG",
        ["CWG", "reports", "median delay (after event or request)", "p90 delay"],
    )
    for name in sorted(delays):
        s = Summary(name, delays[name])
        table.rows.append([name, s.count, s.median, s.p90])
    return table


def _operator_table(scope, incidents):
    """Incidents each operator acted on, and their time to acknowledge (one query)."""
    handled = (
        IncidentEvent.objects.filter(
            incident__in=scope.incidents().exclude(status=Incident.Status.MERGED),
            actor__isnull=False,
        )
        .values("actor__username")
        .annotate(incidents=Count("incident", distinct=True))
    )
    acks = {}
    for i in incidents:
        if i["handled_by"] and i["handled_at"]:
            acks.setdefault(i["handled_by"], []).append(i["handled_at"] - i["reported_at"])
    table = Table(
        "operators",
        "Per operator",
        ["operator", "incidents handled", "acknowledged", "median to acknowledge", "p90"],
    )
    for row in sorted(handled, key=lambda r: r["actor__username"]):
        s = Summary(row["actor__username"], acks.get(row["actor__username"], []))
        table.rows.append([row["actor__username"], row["incidents"], s.count, s.median, s.p90])
    return table


def _alerts(scope):
    """Sent alerts in scope with their confirmation time and recipients' acknowledgement
    delays (two queries)."""
    alerts = {
        a["pk"]: a | {"acks": [], "recipients": 0}
        for a in scope.alerts()
        .values("pk", "title", "incident_id", "incident__verified_at", "sent_at")
        .order_by("sent_at", "pk")
    }
    recipients = AlertRecipient.objects.filter(alert__in=scope.alerts()).values(
        "alert_id", "acknowledged_at"
    )
    for r in recipients:
        alert = alerts[r["alert_id"]]
        alert["recipients"] += 1
        if r["acknowledged_at"]:
            alert["acks"].append(r["acknowledged_at"] - alert["sent_at"])
    return alerts


def _alert_table(alerts):
    table = Table(
        "alerts",
        "Per alert",
        [
            "alert",
            "sent",
            "confirmation → alert",
            "CWGs targeted",
            "acknowledged within 5 min",
            "acknowledged within 15 min",
        ],
    )
    for a in alerts.values():
        verified = a["incident__verified_at"]
        table.rows.append(
            [
                a["title"],
                a["sent_at"],
                a["sent_at"] - verified if verified else None,
                a["recipients"],
                *(_share(a["acks"], a["recipients"], limit) for limit in ACK_WITHIN),
            ]
        )
    return table


def _share(delays, total, limit):
    if not total:
        return None
    return Share(sum(1 for d in delays if d <= limit), total)


@dataclass
class Share:
    part: int
    whole: int

    def __str__(self):
        return f"{self.part}/{self.whole} ({round(100 * self.part / self.whole)} %)"


def _inject_table(exercise, incidents, alerts, now):
    """Each inject's expected actions against what happened (one query)."""
    first_alert = {}
    for a in alerts.values():
        if a["incident_id"] and a["incident_id"] not in first_alert:
            first_alert[a["incident_id"]] = a["sent_at"]
    table = Table(
        "injects",
        "Injects: expected against actual",
        [
            "inject",
            "report",
            "incident",
            "expected",
            "within",
            "took",
            "result",
            "early or late by",
        ],
    )
    injects = exercise.injects.select_related("report", "representative__cwg").order_by(
        "offset_seconds", "number"
    )
    for inject in injects:
        report = inject.report
        incident = incidents.get(report.incident_id) if report else None
        while incident and incident["merged_into_id"] in incidents:
            incident = incidents[incident["merged_into_id"]]
        for label, milestone, minutes in inject.expectations():
            limit = timedelta(minutes=minutes)
            row = [f"{inject.number}", report.reference if report else "not sent"]
            row += [incident["reference"] if incident else "", label, limit]
            if report is None:
                table.rows.append([*row, None, "not sent", None])
                continue
            if milestone == "alerted_at":
                done = first_alert.get(incident["pk"]) if incident else None
            elif milestone == "acknowledged_at":
                done = incident["handled_at"] if incident else None
            else:
                done = incident[milestone] if incident else None
            if done is None:
                late = (exercise.ended_at or now) - report.created_at - limit
                result = ("missed", late) if late > timedelta(0) else ("pending", None)
                table.rows.append([*row, None, f"{result[0]} (not done)", result[1]])
                continue
            took = done - report.created_at
            met = took <= limit
            table.rows.append([*row, took, "met" if met else "missed", abs(limit - took)])
    return table
