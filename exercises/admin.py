"""City admins see every exercise, its injects and evaluation, and set the stale-state limits
per priority (the city's defaults, and an exercise's own)."""

from django.contrib import admin

from exercises.models import (
    Escalation,
    Exercise,
    ImprovementAction,
    Inject,
    Objective,
    Observation,
    StaleThreshold,
)


class InjectInline(admin.TabularInline):
    model = Inject
    extra = 0
    fields = ["number", "offset_seconds", "representative", "mode", "category", "description"]
    raw_id_fields = ["representative"]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


class ThresholdInline(admin.TabularInline):
    model = StaleThreshold
    extra = 0
    verbose_name_plural = "stale-state limits of this exercise (else the city's)"


@admin.register(Exercise)
class ExerciseAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "planned_start", "planned_end", "started_at", "ended_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "started_at", "paused_at", "paused_for", "ended_at", "run"]
    filter_horizontal = ["cwgs", "controllers"]
    inlines = [ObjectiveInline, InjectInline, ThresholdInline]


@admin.register(StaleThreshold)
class StaleThresholdAdmin(admin.ModelAdmin):
    list_display = [
        "priority",
        "exercise",
        "acknowledge_minutes",
        "verify_minutes",
        "on_scene_minutes",
    ]
    list_filter = ["exercise"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ["incident", "kind", "limit_minutes", "raised_at", "cleared_at"]
    list_filter = ["kind"]
    readonly_fields = ["incident", "dispatch", "kind", "limit_minutes", "raised_at", "cleared_at"]

    def has_add_permission(self, request):
        """Escalations are raised by the sweep only: an empty one cannot be stored (a 500)."""
        return False


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ["action", "exercise", "owner", "due_date", "status", "completed_at"]
    list_filter = ["status", "exercise"]


admin.site.register(Observation)
