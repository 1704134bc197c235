"""What the line stores: each signed delivery as it arrived, each inbound message once (by its
WhatsApp id), each message sent with its delivery status, and each status once."""

from django.db import models

from alerts.models import AlertDelivery


class Delivery(models.Model):
    """One signed POST from Meta, stored before anything is parsed: nothing is lost if the
    processing fails, and it can be processed again."""

    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"Delivery {self.pk} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class InboundMessage(models.Model):
    """One message a WhatsApp user sent to the line, once: Meta redelivers, the id is unique."""

    class Outcome(models.TextChoices):
        REPORT = "report", "Opened a report"
        FOLLOW_UP = "follow_up", "Joined a report"
        ANSWER = "answer", "Answered a question"
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledged an alert"
        STRANGER = "stranger", "Unknown sender"
        SUSPENDED = "suspended", "CWG suspended"
        RATE_LIMITED = "rate_limited", "Too many messages"
        IGNORED = "ignored", "Not a report (unsupported type)"

    class Media(models.TextChoices):
        NONE = "", "No media"
        PENDING = "pending", "Fetching"
        STORED = "stored", "Stored"
        FAILED = "failed", "Could not be fetched"
        REFUSED = "refused", "Refused by the checks"

    wamid = models.CharField("WhatsApp message id", max_length=255, unique=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="messages")
    sender = models.CharField("phone (wa_id)", max_length=32, blank=True)
    user_id = models.CharField("business-scoped user id", max_length=64, blank=True)
    kind = models.CharField("type", max_length=20)
    sent_at = models.DateTimeField()
    text = models.TextField(blank=True)
    reply_id = models.CharField(max_length=256, blank=True)
    reply_title = models.CharField(max_length=256, blank=True)
    context_id = models.CharField("in reply to", max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_name = models.CharField(max_length=255, blank=True)
    location_address = models.CharField(max_length=500, blank=True)
    media_id = models.CharField(max_length=255, blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    media_status = models.CharField(max_length=10, choices=Media.choices, blank=True)
    media_file = models.FileField(upload_to="whatsapp/", blank=True)
    media_attempts = models.PositiveSmallIntegerField(default=0)
    media_error = models.TextField(blank=True)
    payload = models.JSONField()
    representative = models.ForeignKey(
        "cwg.Representative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.ForeignKey(
        "reports.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="whatsapp_messages",
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self):
        return f"{self.kind} from {self.sender or self.user_id}"


class OutboundMessage(models.Model):
    """One message the line sends, and how far it got (from the status webhooks)."""

    # The states of an alert's delivery record, which a WhatsApp alert's message mirrors.
    Status = AlertDelivery.Status

    wamid = models.CharField(max_length=255, unique=True, null=True, blank=True)
    to = models.CharField(max_length=64)
    representative = models.ForeignKey(
        "cwg.Representative", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    alert_delivery = models.ForeignKey(
        "alerts.AlertDelivery",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="whatsapp_messages",
    )
    purpose = models.CharField(max_length=20)
    # The free-form message, and the approved template that replaces it outside the window.
    message = models.JSONField()
    template = models.JSONField(null=True, blank=True)
    sent_as_template = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.purpose} to {self.to}"


class MessageStatus(models.Model):
    """One status of one sent message, once: Meta may repeat it and send it out of order."""

    wamid = models.CharField(max_length=255)
    status = models.CharField(max_length=20)
    timestamp = models.DateTimeField()
    error_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="statuses")

    class Meta:
        verbose_name_plural = "message statuses"
        constraints = [
            models.UniqueConstraint(fields=["wamid", "status"], name="one_status_per_message")
        ]

    def __str__(self):
        return f"{self.wamid} {self.status}"


class Chat(models.Model):
    """A representative's conversation with the line: when they last wrote (WhatsApp's 24-hour
    window) and the report their next messages join."""

    representative = models.OneToOneField(
        "cwg.Representative", on_delete=models.CASCADE, related_name="whatsapp_chat"
    )
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_touched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Chat with {self.representative}"


class DailyReply(models.Model):
    """A courtesy reply (unknown sender, suspended CWG, slow down) sent at most once a day."""

    sender = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    day = models.DateField()

    class Meta:
        verbose_name_plural = "daily replies"
        constraints = [
            models.UniqueConstraint(fields=["sender", "kind", "day"], name="one_reply_a_day")
        ]

    def __str__(self):
        return f"{self.kind} to {self.sender} on {self.day}"
