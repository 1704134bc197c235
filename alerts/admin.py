from django.contrib import admin, messages
from django.urls import reverse

from alerts import services
from alerts.models import AgencyToken


@admin.register(AgencyToken)
class AgencyTokenAdmin(admin.ModelAdmin):
    """City admins issue other agencies' tokens to the alert feed (shown once) and revoke
    them. A token cannot be edited: revoke it and issue a new one."""

    list_display = ["agency", "hint", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["agency"]
    fields = ["agency"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        token, raw = services.issue_agency_token(form.cleaned_data["agency"], request.user)
        obj.pk, obj.hint = token.pk, token.hint
        feed_url = request.build_absolute_uri(reverse("alerts:feed"))
        self.message_user(
            request,
            f"Token for {token.agency}: {raw} — copy it now and give it to the agency; it is "
            f"not shown again. They read {feed_url} with the header "
            "'Authorization: Bearer <token>' (or by adding ?token=<token>).",
            messages.SUCCESS,
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = services.revoke_agency_tokens(queryset)
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
