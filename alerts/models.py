from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    """Verified intelligence the JOC sends out to the CWGs of the target wards."""

    class Severity(models.TextChoices):
        ADVISORY = "advisory", _("Advisory")
        WARNING = "warning", _("Warning")
        EMERGENCY = "emergency", _("Emergency")

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting supervisor approval")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(max_length=150)
    message = models.TextField()
    severity = models.CharField(max_length=12, choices=Severity.choices)
    incident = models.ForeignKey(
        "joc.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    # An exercise alert goes only to the exercise's CWGs and says EXERCISE first.
    exercise = models.ForeignKey(
        "exercises.Exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    all_wards = models.BooleanField(default=False)
    wards = models.ManyToManyField("cwg.Ward", blank=True, related_name="alerts")
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts_created"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts_approved",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def is_exercise(self):
        """Whether the alert belongs to an exercise (drill): its CAP status is then Exercise."""
        return self.exercise_id is not None


class AlertVersion(models.Model):
    """Every version of an alert as it was sent: the original, corrections, the all-clear."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        UPDATE = "update", _("Update")
        ALL_CLEAR = "all_clear", _("All clear")
        CANCELLATION = "cancellation", _("Cancellation")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=150)
    message = models.TextField()
    severity = models.CharField(max_length=12, choices=Alert.Severity.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["alert", "number"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "number"], name="one_alert_version_number")
        ]

    def __str__(self):
        return f"{self.alert} v{self.number}"


class AlertRecipient(models.Model):
    """One CWG targeted by an alert, and its acknowledgement."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    cwg = models.ForeignKey(
        "cwg.CommunityWatchGroup", on_delete=models.CASCADE, related_name="alert_receipts"
    )
    delivered_at = models.DateTimeField(auto_now_add=True)
    acknowledged_version = models.PositiveIntegerField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "cwg"], name="one_recipient_per_cwg")
        ]

    def __str__(self):
        return f"{self.alert} → {self.cwg}"


class AlertDelivery(models.Model):
    """One notification of one alert version to one person through one channel (email,
    WhatsApp), with its attempts: the per-recipient delivery log. Delivered and read come from
    channels that report them (WhatsApp's status webhooks)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"

    version = models.ForeignKey(AlertVersion, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        AlertRecipient, on_delete=models.CASCADE, related_name="deliveries"
    )
    representative = models.ForeignKey("cwg.Representative", on_delete=models.CASCADE)
    channel = models.CharField(max_length=20)
    exercise = models.ForeignKey(
        "exercises.Exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_deliveries",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "representative", "channel"], name="one_delivery_per_channel"
            )
        ]

    def __str__(self):
        return f"{self.version} → {self.representative} by {self.channel}"


class AgencyTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class AgencyToken(models.Model):
    """Another agency's key to the alert feed and CAP documents. A city admin issues it (the
    token is shown once) and revokes it; only its SHA-256 is stored."""

    agency = models.CharField(max_length=150)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=8, editable=False, help_text="The token's first characters, to recognise it."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AgencyTokenQuerySet.as_manager()

    class Meta:
        ordering = ["agency", "-created_at"]

    def __str__(self):
        return f"{self.agency} ({self.hint}…)"

    @property
    def is_active(self):
        return self.revoked_at is None
