from django import forms
from django.contrib import admin
from django.db.models import F

from joc.models import Dispatch, Incident, IncidentEvent, Resource
from joc.services import StaleIncident


class IncidentAdminForm(forms.ModelForm):
    """Admin edits respect optimistic locking too: the form carries the version it showed."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Incident
        fields = ["title", "location_text", "ward", "latitude", "longitude", "priority", "outcome"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        fresh = Incident.objects.filter(pk=self.instance.pk).select_related("last_changed_by")
        fresh = fresh.first()
        if fresh and fresh.version != cleaned.get("seen_version"):
            raise forms.ValidationError(str(StaleIncident(fresh)) + " Reload the page.")
        return cleaned


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    fields = ["created_at", "actor", "kind", "from_value", "to_value", "note", "public"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentAdminForm
    list_display = ["reference", "category", "ward", "status", "priority", "assigned_to"]
    list_filter = ["status", "priority", "category"]
    search_fields = ["reference", "title", "location_text"]
    list_select_related = ["category", "ward", "assigned_to"]
    inlines = [IncidentEventInline]

    def has_add_permission(self, request):
        return False  # incidents come from reports (joc.services.triage_report)

    def save_model(self, request, obj, form, change):
        """Write only if nobody changed it since the form was shown (UPDATE ... WHERE version)."""
        fields = {name: form.cleaned_data[name] for name in IncidentAdminForm.Meta.fields}
        written = Incident.objects.filter(
            pk=obj.pk, version=form.cleaned_data["seen_version"]
        ).update(version=F("version") + 1, last_changed_by=request.user, **fields)
        if written:
            IncidentEvent.objects.create(
                incident=obj,
                actor=request.user,
                kind="admin_edit",
                note=", ".join(form.changed_data),
            )
        else:
            self.message_user(request, "Not saved: someone changed it just now.", level="error")


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["call_sign", "agency", "status", "updated_at"]
    list_filter = ["agency", "status"]
    search_fields = ["call_sign", "description"]


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    list_display = ["resource", "incident", "status", "dispatched_at", "cleared_at"]
    list_filter = ["status"]
    list_select_related = ["resource", "incident"]
    readonly_fields = ["dispatched_at", "en_route_at", "on_scene_at", "cleared_at"]
