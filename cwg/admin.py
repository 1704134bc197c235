from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from cwg import services
from cwg.forms import ReasonForm, RepresentativeAdminForm
from cwg.models import CommunityWatchGroup, CWGStatusChange, Representative, Ward


def _site_url(request):
    return request.build_absolute_uri("/")


# name: (label, reason required, how it calls its service)
STATUS_ACTIONS = {
    "approve": (
        "Approve",
        False,
        lambda request, cwg, reason: services.approve_cwg(
            cwg, request.user, reason, site_url=_site_url(request)
        ),
    ),
    "reject": ("Reject", True, lambda r, cwg, reason: services.reject_cwg(cwg, r.user, reason)),
    "suspend": ("Suspend", True, lambda r, cwg, reason: services.suspend_cwg(cwg, r.user, reason)),
    "reinstate": (
        "Reinstate",
        False,
        lambda r, cwg, reason: services.reinstate_cwg(cwg, r.user, reason),
    ),
}


def status_action(name):
    """An admin action that asks for a reason on an intermediate page, then calls the service
    for each selected CWG and reports those whose status did not allow it."""
    label, reason_required, perform = STATUS_ACTIONS[name]

    def action(modeladmin, request, queryset):
        confirmed = "confirm" in request.POST
        form = ReasonForm(request.POST if confirmed else None, required=reason_required)
        if confirmed and form.is_valid():
            done = 0
            for cwg in queryset:
                try:
                    perform(request, cwg, form.cleaned_data["reason"])
                    done += 1
                except services.TransitionRefused as refused:
                    modeladmin.message_user(request, str(refused), messages.ERROR)
            if done:
                past = label + ("d" if label.endswith("e") else "ed")
                modeladmin.message_user(request, f"{past}: {done} group(s).", messages.SUCCESS)
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label} community watch groups",
            "label": label,
            "action": name,
            "form": form,
            "cwgs": queryset,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cwg/status_action.html", context)

    action.__name__ = name
    return admin.action(description=f"{label} selected groups…")(action)


class RepresentativeInline(admin.TabularInline):
    model = Representative
    fields = ["seat", "user", "phone", "active", "created_at", "added_by", "ended_at", "ended_by"]
    readonly_fields = fields
    ordering = ["-active", "seat", "-created_at"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # through "Add representative", which keeps to the two seats


class StatusChangeInline(admin.TabularInline):
    model = CWGStatusChange
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "status history"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CommunityWatchGroup)
class CommunityWatchGroupAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "name",
        "status",
        "ward_list",
        "representative_list",
        "contact",
        "created_at",
    ]
    list_filter = ["status", "wards", "created_at"]
    search_fields = [
        "reference",
        "name",
        "registration_number",
        "contact_email",
        "representatives__user__email",
        "representatives__phone",
    ]
    readonly_fields = ["reference", "status", "status_reason", "status_changed_at", "created_at"]
    filter_horizontal = ["wards"]
    inlines = [RepresentativeInline, StatusChangeInline]
    actions = [status_action(name) for name in STATUS_ACTIONS]

    def has_add_permission(self, request):
        return False  # CWGs come from applications (cwg:apply)

    def get_queryset(self, request):
        return super().get_queryset(request).with_people()

    @admin.display(description="wards")
    def ward_list(self, cwg):
        return ", ".join(str(w.number) for w in cwg.wards.all())

    @admin.display(description="representatives")
    def representative_list(self, cwg):
        return format_html_join(
            mark_safe("<br>"), "{} ({})", ((r.name, r.phone.as_national) for r in cwg.active_reps)
        )

    @admin.display(description="contact")
    def contact(self, cwg):
        return format_html("{}<br>{}", cwg.contact_email, cwg.contact_phone.as_national)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The group's own page offers the status changes its status allows, as buttons that
        take the same road as the bulk actions (a reason, then the service)."""
        cwg = self.get_object(request, object_id)
        names = STATUS_BUTTONS.get(cwg.status, ()) if cwg else ()
        buttons = [(name, STATUS_ACTIONS[name][0]) for name in names]
        extra_context = {"status_buttons": buttons, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)


# The status changes each status allows, offered as buttons on a group's own page.
STATUS_BUTTONS = {
    CommunityWatchGroup.Status.PENDING: ("approve", "reject"),
    CommunityWatchGroup.Status.APPROVED: ("suspend",),
    CommunityWatchGroup.Status.SUSPENDED: ("reinstate",),
}


@admin.register(Representative)
class RepresentativeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "cwg", "seat", "phone", "active", "created_at", "ended_at"]
    list_filter = ["active", "seat"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "phone", "cwg__name"]
    list_select_related = ["cwg", "user"]
    readonly_fields = [
        "cwg",
        "user",
        "seat",
        "phone",
        "active",
        "created_at",
        "added_by",
        "ended_at",
        "ended_by",
    ]
    actions = ["end_seats"]

    @admin.action(description="End the selected representatives' seats")
    def end_seats(self, request, queryset):
        for rep in queryset.filter(active=True):
            services.end_representative(rep, request.user)
        self.message_user(request, "Seats ended.", messages.SUCCESS)

    def add_view(self, request, form_url="", extra_context=None):
        """Seats a person through the service, so the two-seat rule speaks here too."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RepresentativeAdminForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                cwg, person = form.cleaned_data["cwg"], form.person()
                rep = services.add_representative(
                    cwg, person, request.user, site_url=_site_url(request)
                )
            except services.RepresentativeRefused as refused:
                form.add_error(None, str(refused))
            else:
                self.message_user(request, f"{rep} added.", messages.SUCCESS)
                return redirect(reverse("admin:cwg_representative_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Add representative",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/cwg/representative_add.html", context)


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    """Boundaries come from `manage.py import_wards` (which also recomputes neighbours from
    them); names and neighbours can be corrected here."""

    list_display = ["number", "name", "has_boundary", "boundary_changed_at"]
    search_fields = ["=number", "name"]
    fields = ["number", "name", "neighbours", "latitude", "longitude", "bbox"]
    readonly_fields = ["bbox"]
    filter_horizontal = ["neighbours"]

    def get_queryset(self, request):
        # The polygons are large and not shown here.
        has_boundary = ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField())
        return super().get_queryset(request).defer("boundary").annotate(has_boundary=has_boundary)

    @admin.display(boolean=True, description="boundary", ordering="has_boundary")
    def has_boundary(self, ward):
        return ward.has_boundary
