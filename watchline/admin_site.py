"""The city admin's site: branded Watchline, its index opening on what is waiting for them."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Count, Q
from django.urls import reverse


class WatchlineAdminConfig(AdminConfig):
    """Django's admin, with Watchline's site as the default one (in INSTALLED_APPS)."""

    default_site = "watchline.admin_site.WatchlineAdminSite"


class WatchlineAdminSite(admin.AdminSite):
    site_header = "Watchline administration"
    site_title = "Watchline admin"
    index_title = "City administration"

    def index(self, request, extra_context=None):
        return super().index(request, {"waiting": waiting(), **(extra_context or {})})


def waiting():
    """What needs a city admin: applications to vet, suspended CWGs, locked-out logins
    (rows: label, count, link), in three queries."""
    from axes.models import AccessAttempt

    from cwg.models import CommunityWatchGroup

    S = CommunityWatchGroup.Status
    counts = CommunityWatchGroup.objects.aggregate(
        pending=Count("pk", filter=Q(status=S.PENDING)),
        suspended=Count("pk", filter=Q(status=S.SUSPENDED)),
    )
    locked = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cwgs = reverse("admin:cwg_communitywatchgroup_changelist")
    return [
        ("Applications waiting for approval", counts["pending"], f"{cwgs}?status__exact=pending"),
        ("Suspended groups", counts["suspended"], f"{cwgs}?status__exact=suspended"),
        ("Locked-out logins", locked.count(), reverse("admin:axes_accessattempt_changelist")),
    ]
