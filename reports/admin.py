"""Reports in the admin: categories are edited here; reports are read-only (they change only
through reports.services, which record the timeline and tell the CWG live)."""

from django.contrib import admin

from reports.models import Category, Report, ReportPhoto, ReportUpdate


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name"]}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhotoInline(ReadOnlyInline):
    model = ReportPhoto
    fields = ["update", "content_type", "size", "exif_latitude", "exif_longitude", "uploaded_at"]
    readonly_fields = fields


class UpdateInline(ReadOnlyInline):
    model = ReportUpdate
    fields = ["created_at", "kind", "author", "from_status", "to_status", "text"]
    readonly_fields = fields


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["reference", "cwg", "category", "urgency", "status", "incident", "created_at"]
    list_filter = ["status", "urgency", "category", "channel"]
    search_fields = ["reference", "description", "location_text", "cwg__name"]
    list_select_related = ["cwg", "category", "incident"]
    date_hierarchy = "created_at"
    inlines = [PhotoInline, UpdateInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
