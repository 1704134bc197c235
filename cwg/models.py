from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from phonenumber_field.modelfields import PhoneNumberField


class WardQuerySet(models.QuerySet):
    def with_boundary(self):
        return self.filter(boundary__isnull=False)

    def without_approved_cwg(self):
        """Wards no approved CWG covers: the city's coverage gaps."""
        return self.exclude(cwgs__status=CommunityWatchGroup.Status.APPROVED)


class Ward(models.Model):
    """One of the city's electoral wards: the unit that routes reports and targets alerts. Its
    boundary comes from the city's GIS export (`manage.py import_wards`); neighbours are the
    wards sharing a border with it."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    neighbours = models.ManyToManyField("self", blank=True, symmetrical=True)
    # A point inside the ward, for the map when a report has no coordinates.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS 84 lon/lat) and its [west, south, east,
    # north] box; empty until boundaries are imported.
    boundary = models.JSONField(null=True, blank=True, editable=False)
    bbox = models.JSONField(null=True, blank=True, editable=False)
    # Indexed: each process's ward index asks for the latest change (cwg.geo) on every use.
    boundary_changed_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = WardQuerySet.as_manager()

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.label + (f" ({self.name})" if self.name and self.name != self.label else "")

    @property
    def label(self):
        return f"Ward {self.number}"


class CWGQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=CommunityWatchGroup.Status.APPROVED)

    def covering(self, wards):
        return self.filter(wards__in=wards).distinct()

    def with_people(self):
        """Each CWG with its wards and `active_reps` (users loaded): a constant query count."""
        active_reps = Prefetch(
            "representatives",
            queryset=Representative.objects.active().select_related("user"),
            to_attr="active_reps",
        )
        return self.prefetch_related("wards", active_reps)


class CommunityWatchGroup(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    name = models.CharField(max_length=150)
    area_description = models.TextField()
    wards = models.ManyToManyField(Ward, related_name="cwgs")
    registration_number = models.CharField(
        "registration / accreditation number", max_length=60, blank=True
    )
    contact_email = models.EmailField()
    contact_phone = PhoneNumberField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = CWGQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "community watch group"
        indexes = [models.Index(fields=["status", "name"])]

    def __str__(self):
        return self.name

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class CWGStatusChange(models.Model):
    """The audit trail of a CWG's status: who changed it, when, from what to what, and why."""

    cwg = models.ForeignKey(CommunityWatchGroup, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.cwg}: {self.from_status or 'new'} → {self.to_status}"


class RepresentativeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Representative(models.Model):
    """A user who speaks for a CWG on the JOC's line. A CWG has two seats; the database itself
    refuses a second active holder of a seat, so there are never more than two."""

    class Seat(models.IntegerChoices):
        FIRST = 1, "Seat 1"
        SECOND = 2, "Seat 2"

    cwg = models.ForeignKey(
        CommunityWatchGroup, on_delete=models.CASCADE, related_name="representatives"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representative_seats"
    )
    seat = models.PositiveSmallIntegerField(choices=Seat.choices)
    phone = PhoneNumberField()
    # Their pages, emails and WhatsApp messages are in this language.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who seated them: a city admin or the other representative; empty for an application.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        ordering = ["cwg", "seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["cwg", "seat"], condition=Q(active=True), name="one_active_rep_per_seat"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(active=True), name="one_active_seat_per_user"
            ),
            models.CheckConstraint(condition=Q(seat__in=[1, 2]), name="seat_is_1_or_2"),
        ]

    def __str__(self):
        return f"{self.user.get_full_name() or self.user.username} ({self.cwg}, seat {self.seat})"

    @property
    def name(self):
        return self.user.get_full_name() or self.user.username
