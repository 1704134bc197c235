from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery


class IncidentQuerySet(models.QuerySet):
    OPEN_STATUSES = ("new", "acknowledged", "verifying", "confirmed", "responding")

    def open(self):
        return self.filter(status__in=self.OPEN_STATUSES)

    QUEUE_ORDER = ("priority", "-last_report_at", "-pk")

    def first_in_queue(self, limit):
        """The keys of the first `limit` incidents in queue order: a subquery, so the counts of
        `for_dashboard` are taken for those rows only, not for every open incident."""
        return self.order_by(*self.QUEUE_ORDER).values("pk")[:limit]

    def for_dashboard(self, user):
        """Queue rows: counts of reports and CWGs, whether any is life-threatening, and when
        `user` last opened each incident, in one query whatever the number of rows."""
        seen = IncidentView.objects.filter(incident=OuterRef("pk"), user=user)
        return (
            self.select_related("category", "ward", "assigned_to")
            .annotate(
                report_count=Count("reports", distinct=True),
                cwg_count=Count("reports__cwg", distinct=True),
                life_threatening=Exists(
                    apps.get_model("reports", "Report").objects.filter(
                        incident=OuterRef("pk"), urgency="life_threatening"
                    )
                ),
                seen_at=Subquery(seen.values("seen_at")[:1]),
            )
            .order_by(*self.QUEUE_ORDER)
        )

    def for_detail(self):
        """One incident's page: its reports with CWG, reporter's phone and photos, its
        timeline and its dispatches, in a fixed number of queries."""
        Report = apps.get_model("reports", "Report")
        Representative = apps.get_model("cwg", "Representative")
        reports = Report.objects.select_related("cwg", "submitted_by").prefetch_related(
            "photos",
            Prefetch(
                "submitted_by__representative_seats",
                queryset=Representative.objects.active(),
                to_attr="active_seats",
            ),
        )
        return (
            self.select_related(
                "category", "ward", "assigned_to", "last_changed_by", "merged_into", "exercise"
            )
            .annotate(
                report_count=Count("reports", distinct=True),
                cwg_count=Count("reports__cwg", distinct=True),
            )
            .prefetch_related(
                Prefetch("reports", queryset=reports.order_by("created_at", "id")),
                Prefetch("events", queryset=IncidentEvent.objects.select_related("actor")),
                Prefetch("dispatches", queryset=Dispatch.objects.select_related("resource")),
                Prefetch(
                    "escalations",
                    queryset=apps.get_model("exercises", "Escalation").objects.filter(
                        cleared_at=None
                    ),
                ),
            )
        )


class Incident(models.Model):
    """What the JOC triages: one or more corroborating reports."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        VERIFYING = "verifying", "Verifying"
        CONFIRMED = "confirmed", "Confirmed"
        UNFOUNDED = "unfounded", "Unfounded (rumour debunked)"
        MERGED = "merged", "Merged"
        RESPONDING = "responding", "Responding"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    class Priority(models.IntegerChoices):
        P1 = 1, "P1"
        P2 = 2, "P2"
        P3 = 3, "P3"
        P4 = 4, "P4"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    category = models.ForeignKey(
        "reports.Category", on_delete=models.PROTECT, related_name="incidents"
    )
    title = models.CharField(max_length=200)
    location_text = models.CharField(max_length=255)
    ward = models.ForeignKey("cwg.Ward", on_delete=models.PROTECT, related_name="incidents")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.P3)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_incidents",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # Optimistic locking: every write says which version it saw; a stale write is refused.
    version = models.PositiveIntegerField(default=1)
    last_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)
    # Opened by an exercise's report: marked EXERCISE everywhere, triaged only among its own.
    exercise = models.ForeignKey(
        "exercises.Exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # Milestones, stamped when each transition is made.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_report_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    verifying_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    first_dispatched_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "-last_report_at"]
        indexes = [
            models.Index(fields=["status", "priority", "-last_report_at"]),
            # Triage matching: same category, open, recent, inside a bounding box or ward.
            models.Index(fields=["category", "status", "last_report_at"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_open(self):
        return self.status in IncidentQuerySet.OPEN_STATUSES

    @property
    def last_event_id(self):
        """The newest timeline event's id (from the prefetched timeline on the detail page)."""
        return max((event.pk for event in self.events.all()), default=None)

    @property
    def queue_key(self):
        """A string that sorts like `IncidentQuerySet.QUEUE_ORDER` (priority, newest report
        first, newest incident first): dashboard.js places live rows by comparing it alone."""
        newest_first = 10**16 - int(self.last_report_at.timestamp() * 1_000_000)
        return f"{self.priority}:{newest_first:017d}:{10**12 - self.pk:013d}"

    @property
    def is_new_for_viewer(self):
        """On a `for_dashboard` row: not opened by the viewing operator since its last report."""
        return self.new_for_viewer(self.seen_at, self.last_report_at)

    @staticmethod
    def new_for_viewer(seen_at, last_report_at):
        return seen_at is None or seen_at < last_report_at

    def corroboration(self):
        """E.g. "3 reports from 2 CWGs" (needs the `for_dashboard` counts)."""
        reports = f"{self.report_count} report{'s' if self.report_count != 1 else ''}"
        return f"{reports} from {self.cwg_count} CWG{'s' if self.cwg_count != 1 else ''}"


class IncidentView(models.Model):
    """When an operator last opened an incident: the queue marks it new until then."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="views")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="one_view_per_operator")
        ]

    def __str__(self):
        return f"{self.user_id} saw {self.incident_id} at {self.seen_at}"


class IncidentEvent(models.Model):
    """The append-only timeline and audit trail of an incident. An operator's action records
    the kind named like its service function, its URL and its button."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        REPORT_ADDED = "report_added", "Report added"
        REPORT_MOVED = "report_moved", "Report moved"
        REPORT_FOLLOW_UP = "report_follow_up", "Follow-up from the CWG"
        ACKNOWLEDGE = "acknowledge", "Acknowledged"
        SET_PRIORITY = "set_priority", "Priority set"
        ASSIGN = "assign", "Assigned"
        VERIFY = "verify", "Verifying"
        CONFIRM = "confirm", "Confirmed"
        MARK_UNFOUNDED = "mark_unfounded", "Unfounded (rumour debunked)"
        REOPEN = "reopen", "Reopened"
        DISPATCH = "dispatch", "Dispatched"
        MOVE_DISPATCH = "move_dispatch", "Unit moved on"
        RESOLVE = "resolve", "Resolved"
        CLOSE = "close", "Closed"
        MERGE = "merge", "Merged"
        ADD_NOTE = "add_note", "Internal note"
        POST_FOLLOW_UP = "post_follow_up", "Public follow-up"
        EDIT_DETAILS = "edit_details", "Details edited"
        ALERT_SENT = "alert_sent", "Alert sent"
        END_EXERCISE = "end_exercise", "Closed: exercise ended"
        ESCALATED = "escalated", "Overdue"
        ESCALATION_CLEARED = "escalation_cleared", "No longer overdue"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"


class Resource(models.Model):
    """A deployable unit."""

    class Agency(models.TextChoices):
        SAPS = "saps", "SAPS"
        METRO_POLICE = "metro_police", "Metro Police"
        LAW_ENFORCEMENT = "law_enforcement", "Law Enforcement"
        FIRE_RESCUE = "fire_rescue", "Fire & Rescue"
        EMS = "ems", "EMS"
        DISASTER_RISK = "disaster_risk", "Disaster Risk Management"
        TRAFFIC = "traffic", "Traffic"

    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        DISPATCHED = "dispatched", "Dispatched"
        EN_ROUTE = "en_route", "En route"
        ON_SCENE = "on_scene", "On scene"
        OUT_OF_SERVICE = "out_of_service", "Out of service"

    call_sign = models.CharField(max_length=40, unique=True)
    agency = models.CharField(max_length=20, choices=Agency.choices)
    description = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency", "call_sign"]

    def __str__(self):
        return f"{self.call_sign} ({self.get_agency_display()})"


class Dispatch(models.Model):
    """A resource sent to an incident, with the time of each status change."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", "Dispatched"
        EN_ROUTE = "en_route", "En route"
        ON_SCENE = "on_scene", "On scene"
        CLEARED = "cleared", "Cleared"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="dispatches")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="dispatches")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DISPATCHED)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dispatched_at = models.DateTimeField(auto_now_add=True)
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    exercise = models.ForeignKey(
        "exercises.Exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatches",
    )

    class Meta:
        ordering = ["dispatched_at", "id"]
        verbose_name_plural = "dispatches"
        constraints = [
            # A resource is on at most one live dispatch at a time.
            models.UniqueConstraint(
                fields=["resource"], condition=~Q(status="cleared"), name="one_live_dispatch"
            )
        ]

    def __str__(self):
        return f"{self.resource} → {self.incident}"
