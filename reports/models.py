import copy
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The categories the project ships (reports/migrations/0002), for the translation catalogue:
# pages show a category's name in the reader's language when the catalogue has it.
CATEGORY_NAMES = [
    gettext_noop("Protest / demonstration"),
    gettext_noop("Flood"),
    gettext_noop("Fire"),
    gettext_noop("Crime in progress"),
    gettext_noop("Suspicious activity"),
    gettext_noop("Infrastructure failure"),
    gettext_noop("Medical emergency"),
    gettext_noop("Severe weather"),
    gettext_noop("Other"),
]


class Category(models.Model):
    """What kind of incident: reference data shared by reports and incidents."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def display_name(self):
        """The name in the active language (a category added in the admin stays as typed)."""
        return gettext(self.name)


class ReportQuerySet(models.QuerySet):
    def for_cwg_pages(self):
        """With everything the CWG's list and detail pages show, in a constant number of
        queries: the timeline (with its photos) and the photos sent with the report."""
        return self.select_related("cwg", "category", "ward", "submitted_by").prefetch_related(
            models.Prefetch(
                "updates",
                queryset=ReportUpdate.objects.select_related("author").prefetch_related("photos"),
            ),
            models.Prefetch(
                "photos", queryset=ReportPhoto.objects.filter(update=None), to_attr="sent_photos"
            ),
        )


# What the sender of a report fills in (the web form now, the WhatsApp line later).
SENDER_FIELDS = (
    "category",
    "description",
    "location_text",
    "ward",
    "latitude",
    "longitude",
    "observed_at",
    "source",
    "urgency",
    "people_count",
)


class Report(models.Model):
    """What a representative sends. It links to the incident the JOC triages."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Source(models.TextChoices):
        EYEWITNESS = "eyewitness", _("Saw it myself")
        COMMUNITY = "community", _("Told by community members")
        SOCIAL_MEDIA = "social_media", _("Social media")
        CCTV = "cctv", _("CCTV")
        OTHER = "other", _("Other")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        URGENT = "urgent", _("Urgent")
        LIFE_THREATENING = "life_threatening", _("Life-threatening")

    class Status(models.TextChoices):
        """The status the sender sees."""

        RECEIVED = "received", _("Received")
        VERIFYING = "verifying", _("Being verified")
        CONFIRMED = "confirmed", _("Confirmed")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
        ACTION_TAKEN = "action_taken", _("Action taken")
        CLOSED = "closed", _("Closed")

    reference = models.CharField(max_length=20, unique=True, editable=False)
    client_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    cwg = models.ForeignKey(
        "cwg.CommunityWatchGroup", on_delete=models.PROTECT, related_name="reports"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    description = models.TextField("what is happening")
    location_text = models.CharField("where", max_length=255)
    ward = models.ForeignKey("cwg.Ward", on_delete=models.PROTECT, related_name="reports")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    observed_at = models.DateTimeField("when it was observed")
    source = models.CharField("how you know", max_length=20, choices=Source.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    people_count = models.PositiveIntegerField(
        "people involved or at risk (roughly)", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    incident = models.ForeignKey(
        "joc.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # Sent for an exercise (an inject): never corroborates, or is corroborated by, real reports.
    exercise = models.ForeignKey(
        "exercises.Exercise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cwg", "-created_at"])]

    def __str__(self):
        return self.reference

    def just_sent(self, photos):
        """A copy of this report as the CWG's pages show it (`for_cwg_pages`) right after it
        was stored with `photos`, without reading it back: its timeline is still empty."""
        sent = copy.copy(self)
        sent._prefetched_objects_cache = {"updates": ReportUpdate.objects.none()}
        sent.sent_photos = photos
        return sent

    def joc_messages(self):
        """The JOC's public messages, from the prefetched timeline."""
        return [u for u in self.updates.all() if u.kind == ReportUpdate.Kind.JOC_MESSAGE]


def photo_upload_to(instance, filename):
    return f"reports/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class ReportPhoto(models.Model):
    """A photo with a report. `original` keeps its EXIF (location) for the JOC; `public` is a
    stripped copy for everyone else; `thumbnail` a 320 px copy of the stripped one for pages
    that list photos (empty for photos stored before thumbnails existed). All are served only
    through permission-checking views."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    update = models.ForeignKey(
        "ReportUpdate", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    original = models.FileField(upload_to=photo_upload_to)
    public = models.FileField(upload_to=photo_upload_to)
    # A small copy of `public` (320 px) for pages that show many photos; empty on photos
    # stored before it existed, which are shown by their public copy.
    thumbnail = models.FileField(upload_to=photo_upload_to, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    exif_latitude = models.FloatField(null=True, blank=True)
    exif_longitude = models.FloatField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"Photo {self.pk} of {self.report}"


class ReportUpdate(models.Model):
    """The report's own timeline, as its sender sees it: the representative's follow-ups,
    the JOC's public messages and status changes."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up from the CWG"
        JOC_MESSAGE = "joc_message", "Message from the JOC"
        STATUS = "status", "Status change"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    text = models.TextField(blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    client_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.report} {self.kind}"

    def to_status_label(self):
        return Report.Status(self.to_status).label
