"""The line in the admin, read-only: what arrived, what was sent, how far it got. Every page
says when the line is not configured."""

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from reports.whatsapp import config, webhook
from reports.whatsapp.models import Delivery, InboundMessage, MessageStatus, OutboundMessage


class LineAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        missing = config.missing()
        if missing:
            messages.warning(
                request,
                "The WhatsApp line is not configured: set "
                + ", ".join(missing)
                + " (see the README, “Connecting the WhatsApp line”).",
            )
        return super().changelist_view(request, extra_context)


@admin.register(Delivery)
class DeliveryAdmin(LineAdmin):
    list_display = ["pk", "received_at", "processed_at", "error"]
    readonly_fields = ["received_at", "processed_at", "error", "text"]
    fields = readonly_fields
    actions = ["process_again"]

    @admin.display(description="body")
    def text(self, obj):
        return bytes(obj.body).decode("utf-8", "replace")

    @admin.action(description="Process again (messages already handled are skipped)")
    def process_again(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(processed_at=None)
        for pk in ids:
            transaction.on_commit(lambda pk=pk: webhook.queue(pk))
        self.message_user(request, f"{len(ids)} deliveries queued.")


@admin.register(InboundMessage)
class InboundMessageAdmin(LineAdmin):
    list_display = ["sent_at", "sender", "user_id", "kind", "outcome", "report", "media_status"]
    list_filter = ["outcome", "kind", "media_status"]
    search_fields = ["wamid", "sender", "user_id", "report__reference"]
    readonly_fields = ["voice_note"]
    exclude = ["media_file"]

    @admin.display(description="voice note")
    def voice_note(self, obj):
        if not obj.media_file:
            return "-"
        return format_html(
            '<audio controls src="{}"></audio>', reverse("whatsapp:media", args=[obj.pk])
        )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(LineAdmin):
    list_display = ["created_at", "to", "purpose", "status", "sent_as_template", "error_code"]
    list_filter = ["status", "purpose", "sent_as_template"]
    search_fields = ["wamid", "to"]


@admin.register(MessageStatus)
class MessageStatusAdmin(LineAdmin):
    list_display = ["timestamp", "wamid", "status", "error_code"]
    list_filter = ["status"]
    search_fields = ["wamid"]
