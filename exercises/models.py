"""Exercises (drills): a scenario of injects sent through the real intake, its objectives and
the evaluator's after-action part. Every row an exercise causes carries it (reports, incidents,
dispatches, alerts, deliveries), so its figures come from the same columns as real operations."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ExerciseQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=(Exercise.Status.RUNNING, Exercise.Status.PAUSED))


class Exercise(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Not started"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    name = models.CharField(max_length=150)
    scenario = models.TextField(blank=True)
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    all_cwgs = models.BooleanField("every approved CWG takes part", default=False)
    cwgs = models.ManyToManyField(
        "cwg.CommunityWatchGroup", blank=True, related_name="exercises", verbose_name="CWGs"
    )
    controllers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="controlled_exercises"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Time spent paused so far: the exercise clock stands still while paused.
    paused_for = models.DurationField(default=timedelta)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Bumped at every start/resume: delivery tasks queued by an older run do nothing.
    run = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_start", "-id"]

    def __str__(self):
        return f"EXERCISE {self.name}"

    def participants(self):
        """The approved CWGs taking part: those named, or every approved CWG."""
        from cwg.models import CommunityWatchGroup

        cwgs = CommunityWatchGroup.objects.approved()
        return cwgs if self.all_cwgs else cwgs.filter(pk__in=self.cwgs.values("pk"))

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def due_at(self, inject):
        """The wall-clock time `inject` is due on the exercise clock (None before the start)."""
        if self.started_at is None:
            return None
        return self.started_at + self.paused_for + timedelta(seconds=inject.offset_seconds)

    def clock(self, now=None):
        """Exercise time elapsed (stands still while paused)."""
        if self.started_at is None:
            return timedelta(0)
        now = self.paused_at or self.ended_at or now or timezone.now()
        return now - self.started_at - self.paused_for


class Inject(models.Model):
    """One line of the master scenario events list: what a representative sends, when, and what
    the JOC is expected to do by when."""

    class Channel(models.TextChoices):
        WEB = "web", "Web form"
        WHATSAPP = "whatsapp", "WhatsApp"

    class Mode(models.TextChoices):
        AUTO = "auto", "Sent by Watchline as the representative"
        ASK = "ask", "Representative asked to send it"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="injects")
    number = models.PositiveIntegerField()
    offset_seconds = models.PositiveIntegerField("time offset (seconds from the start)")
    representative = models.ForeignKey(
        "cwg.Representative", on_delete=models.PROTECT, related_name="injects"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    mode = models.CharField(max_length=4, choices=Mode.choices, default=Mode.AUTO)
    category = models.ForeignKey("reports.Category", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    location_text = models.CharField(max_length=255)
    ward = models.ForeignKey("cwg.Ward", on_delete=models.PROTECT, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    urgency = models.CharField(max_length=20, default="urgent")
    photo = models.ImageField(upload_to="injects/", blank=True)
    expect_acknowledge_minutes = models.PositiveIntegerField(null=True, blank=True)
    expect_verify_minutes = models.PositiveIntegerField(null=True, blank=True)
    expect_alert_minutes = models.PositiveIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    report = models.OneToOneField(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="inject"
    )
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["exercise", "offset_seconds", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="one_inject_number")
        ]

    def __str__(self):
        return f"Inject {self.number} of {self.exercise.name}"

    @property
    def offset(self):
        return timedelta(seconds=self.offset_seconds)

    def expectations(self):
        """(label, milestone, minutes) for each action the JOC is expected to take."""
        wanted = [
            ("acknowledge", "acknowledged_at", self.expect_acknowledge_minutes),
            ("verify or debunk", "verified_at", self.expect_verify_minutes),
            ("alert the ward", "alerted_at", self.expect_alert_minutes),
        ]
        return [(label, field, minutes) for label, field, minutes in wanted if minutes is not None]


class Objective(models.Model):
    """An exercise objective and the evaluator's rating of it (HSEEP's P/S/M/U)."""

    class Rating(models.TextChoices):
        P = "P", "Performed without challenges"
        S = "S", "Performed with some challenges"
        M = "M", "Performed with major challenges"
        U = "U", "Unable to be performed"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(max_length=300)
    capability = models.CharField(max_length=120, blank=True)
    rating = models.CharField(max_length=1, choices=Rating.choices, blank=True)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["exercise", "id"]

    def __str__(self):
        return self.text


class Observation(models.Model):
    """A strength or an area for improvement the evaluator noted, under an objective."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", "Strength"
        IMPROVEMENT = "improvement", "Area for improvement"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="observations")
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()

    class Meta:
        ordering = ["exercise", "kind", "id"]

    def __str__(self):
        return self.text[:80]


class ImprovementAction(models.Model):
    """One line of the improvement plan, tracked after the exercise."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="actions")
    observation = models.ForeignKey(
        Observation, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    action = models.TextField()
    owner = models.CharField(max_length=150)
    due_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.action[:80]

    @property
    def is_overdue(self):
        return self.status != self.Status.DONE and self.due_date < timezone.localdate()


class StaleThreshold(models.Model):
    """How long an incident of a priority may wait before it is escalated: the city's defaults
    (no exercise) or an exercise's own."""

    exercise = models.ForeignKey(
        Exercise, null=True, blank=True, on_delete=models.CASCADE, related_name="thresholds"
    )
    priority = models.PositiveSmallIntegerField(choices=[(p, f"P{p}") for p in range(1, 5)])
    acknowledge_minutes = models.PositiveIntegerField("acknowledge within (minutes)")
    verify_minutes = models.PositiveIntegerField("verify or debunk within (minutes)")
    on_scene_minutes = models.PositiveIntegerField("a unit on scene at most (minutes)")

    class Meta:
        ordering = ["exercise", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(exercise__isnull=True),
                name="one_default_threshold_per_priority",
            ),
            models.UniqueConstraint(
                fields=["exercise", "priority"], name="one_exercise_threshold_per_priority"
            ),
        ]

    def __str__(self):
        owner = self.exercise.name if self.exercise_id else "default"
        return f"P{self.priority} ({owner})"


class Escalation(models.Model):
    """An incident left in a state too long: raised by the sweep, cleared when it moves on."""

    class Kind(models.TextChoices):
        NOT_ACKNOWLEDGED = "not_acknowledged", "Not acknowledged in time"
        NOT_VERIFIED = "not_verified", "Not verified in time"
        ON_SCENE = "on_scene", "Unit on scene too long"

    incident = models.ForeignKey(
        "joc.Incident", on_delete=models.CASCADE, related_name="escalations"
    )
    dispatch = models.ForeignKey(
        "joc.Dispatch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    limit_minutes = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"],
                condition=Q(cleared_at__isnull=True, dispatch__isnull=True),
                name="one_active_escalation_per_kind",
            ),
            models.UniqueConstraint(
                fields=["dispatch"],
                condition=Q(cleared_at__isnull=True, dispatch__isnull=False),
                name="one_active_escalation_per_dispatch",
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.kind}"
