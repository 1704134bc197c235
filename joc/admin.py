from django import forms
from django.contrib import admin, messages

from joc import services
from joc.models import Dispatch, Incident, IncidentEvent, Resource


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
            raise forms.ValidationError(str(services.StaleIncident(fresh)) + " Reload the page.")
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
    """Details only: the status and every milestone change through the operators' actions."""

    form = IncidentAdminForm
    list_display = ["reference", "category", "ward", "status", "priority", "assigned_to"]
    list_filter = ["status", "priority", "category"]
    search_fields = ["reference", "title", "location_text"]
    list_select_related = ["category", "ward", "assigned_to"]
    inlines = [IncidentEventInline]

    def has_add_permission(self, request):
        return False  # incidents come from reports (joc.services.triage_report)

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline is the audit trail

    def save_model(self, request, obj, form, change):
        """Through the service: version-checked, on the timeline, pushed live."""
        details = {name: form.cleaned_data[name] for name in IncidentAdminForm.Meta.fields}
        fresh = Incident.objects.get(pk=obj.pk)
        try:
            services.edit_details(fresh, form.cleaned_data["seen_version"], request.user, details)
        except services.StaleIncident as stale:
            self.message_user(request, f"Not saved: {stale}", level=messages.ERROR)


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """A unit's status follows its dispatches; the admin can only take it out of service or
    back, through the service, which tells every dashboard."""

    list_display = ["call_sign", "agency", "base", "status", "updated_at"]
    list_filter = ["agency", "status"]
    search_fields = ["call_sign", "description", "base"]
    actions = ["take_out_of_service", "return_to_service"]

    def get_readonly_fields(self, request, obj=None):
        return ["status"] if obj else []

    def get_exclude(self, request, obj=None):
        return None if obj else ["status"]

    @admin.action(description="Take the selected units out of service")
    def take_out_of_service(self, request, queryset):
        self._set_in_service(request, queryset, in_service=False)

    @admin.action(description="Return the selected units to service")
    def return_to_service(self, request, queryset):
        self._set_in_service(request, queryset, in_service=True)

    def _set_in_service(self, request, queryset, in_service):
        for resource in queryset:
            try:
                services.set_resource_in_service(resource, in_service, request.user)
            except services.ActionRefused as refused:
                self.message_user(request, str(refused), level=messages.WARNING)


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    """Read-only: dispatches are made and moved on from the incident page."""

    list_display = ["resource", "incident", "status", "dispatched_at", "cleared_at"]
    list_filter = ["status"]
    list_select_related = ["resource", "incident"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
