"""What the line sends, and how: every message is an OutboundMessage row sent by a task (or by
the alert notification task), free-form inside WhatsApp's 24-hour customer service window and
as its approved template outside it; a send refused for the window (131047 / 470, at once or
later as a failed status) goes again as the template. Statuses move a message forward only."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import task

from alerts import services as alert_services
from alerts.models import AlertDelivery
from cwg.models import Representative
from reports.models import Report, ReportUpdate
from reports.whatsapp import client, config
from reports.whatsapp.models import Chat, MessageStatus, OutboundMessage

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)  # then 1, 2, 4 minutes
RANK = {"pending": 0, "sent": 1, "delivered": 2, "read": 3}
ALERT_STATUS = {
    "pending": AlertDelivery.Status.PENDING,
    "sent": AlertDelivery.Status.SENT,
    "delivered": AlertDelivery.Status.DELIVERED,
    "read": AlertDelivery.Status.READ,
    "failed": AlertDelivery.Status.FAILED,
}
BUTTON_TITLE_MAX = 20
LIST_ROW_TITLE_MAX = 24


# --- Message shapes (Graph API bodies, without the recipient) --------------------------------


def text(body):
    return {"type": "text", "text": {"body": body[:4096], "preview_url": False}}


def buttons(body, choices):
    """Up to three reply buttons: `choices` is [(id, title)]."""
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body[:1024]},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": id_, "title": title[:BUTTON_TITLE_MAX]}}
                    for id_, title in choices
                ]
            },
        },
    }


def choice_list(body, button, choices):
    """A list of up to ten rows: `choices` is [(id, title)]."""
    rows = [{"id": id_, "title": title[:LIST_ROW_TITLE_MAX]} for id_, title in choices]
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body[:4096]},
            "action": {"button": button[:BUTTON_TITLE_MAX], "sections": [{"rows": rows}]},
        },
    }


def template(name, parameters, quick_reply=None):
    # WhatsApp refuses template parameters with line breaks, tabs or runs of spaces.
    flat = [" ".join(str(p).split())[:1024] for p in parameters]
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in flat]}]
    if quick_reply:
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": "0",
                "parameters": [{"type": "payload", "payload": quick_reply}],
            }
        )
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"policy": "deterministic", "code": settings.WHATSAPP_TEMPLATE_LANGUAGE},
            "components": components,
        },
    }


def phone_of(representative):
    return str(representative.phone).lstrip("+")


# --- Telling a report's sender ---------------------------------------------------------------


def tell_sender(update):
    """A status change or public message from the JOC on a report sent on WhatsApp goes back
    to the representative who sent it (reports.feedback calls this)."""
    report = update.report
    if report.channel != Report.Channel.WHATSAPP or not config.is_configured():
        return None
    rep = (
        Representative.objects.active()
        .filter(user_id=report.submitted_by_id, cwg_id=report.cwg_id)
        .first()
    )
    if rep is None:
        return None
    with translation.override(rep.language):
        if update.kind == ReportUpdate.Kind.STATUS:
            body = gettext("Your report %(reference)s is now: %(status)s.") % {
                "reference": report.reference,
                "status": update.to_status_label(),
            }
        else:
            body = gettext("Message from the JOC about your report %(reference)s: %(text)s") % {
                "reference": report.reference,
                "text": update.text,
            }
        if report.exercise_id:
            body = gettext("EXERCISE: %(message)s") % {"message": body}
    return queue(
        to=phone_of(rep),
        message=text(body),
        template=template(settings.WHATSAPP_NOTICE_TEMPLATE, [report.reference, body]),
        purpose="feedback",
        representative=rep,
        report=report,
    )


# --- Sending ---------------------------------------------------------------------------------


def queue(*, to, message, purpose, template=None, representative=None, report=None):
    """Record a message to send and send it by a task after commit. `to` is a phone number
    (digits, as WhatsApp gives it) or a business-scoped user id."""
    out = OutboundMessage.objects.create(
        to=to,
        message=message,
        template=template,
        purpose=purpose,
        representative=representative,
        report=report,
    )
    transaction.on_commit(lambda: _enqueue(out.pk))
    return out


def _enqueue(pk, run_after=None):
    try:
        if run_after is not None and send_outbound.get_backend().supports_defer:
            send_outbound.using(run_after=run_after).enqueue(pk)
        else:
            send_outbound.enqueue(pk)
    except Exception:
        logger.exception("could not enqueue WhatsApp message %s", pk)


@task()
def send_outbound(pk):
    """One attempt at one queued message; throttling and server errors are retried with
    back-off, other errors fail with their code recorded."""
    out = OutboundMessage.objects.filter(pk=pk, status=OutboundMessage.Status.PENDING).first()
    if out is None:
        return "done"
    try:
        attempt(out)
    except client.GraphError as error:
        if error.retryable and out.attempts < MAX_ATTEMPTS:
            _enqueue(out.pk, timezone.now() + FIRST_RETRY * 2 ** (out.attempts - 1))
        else:
            fail(out, error)
    return out.status


def attempt(out, *, as_template=None):
    """Send `out` once (free-form or template by the window rule, unless `as_template` says);
    a refusal for the window is answered by sending the template at once. Raises GraphError."""
    if as_template is None:
        as_template = bool(out.template) and not in_window(out.representative)
    out.attempts += 1
    out.error_code, out.error = None, ""
    try:
        wamid = client.send({**_address(out.to), **(out.template if as_template else out.message)})
    except client.GraphError as error:
        out.error_code, out.error = error.code, str(error)[:2000]
        out.save(update_fields=["attempts", "error_code", "error", "updated_at"])
        if error.window_closed and out.template and not as_template:
            return attempt(out, as_template=True)
        raise
    out.wamid, out.sent_as_template = wamid, as_template
    out.status = OutboundMessage.Status.SENT
    out.save()
    _catch_up(out)
    return out


def in_window(representative):
    """Has this representative written to the line in the last 24 hours?"""
    if representative is None:
        return False
    last = (
        Chat.objects.filter(representative=representative)
        .values_list("last_inbound_at", flat=True)
        .first()
    )
    return last is not None and last > timezone.now() - WINDOW


def _address(to):
    return {"recipient": to} if to.startswith("US.") else {"recipient_type": "individual", "to": to}


def fail(out, error):
    out.status = OutboundMessage.Status.FAILED
    out.error_code, out.error = error.code, str(error)[:2000]
    out.save(update_fields=["status", "error_code", "error", "updated_at"])
    logger.warning("WhatsApp %s to %s failed: %s", out.purpose, out.to, error)


# --- Statuses --------------------------------------------------------------------------------


def record_status(status, delivery):
    """Store a status webhook once per (message, status) and apply it; a repeat is ignored."""
    try:
        with transaction.atomic():
            MessageStatus.objects.create(
                wamid=status.id,
                status=status.status,
                timestamp=status.timestamp or timezone.now(),
                error_code=status.error_code,
                error=status.error[:2000],
                delivery=delivery,
            )
    except IntegrityError:
        return False
    out = OutboundMessage.objects.filter(wamid=status.id).first()
    if out is not None:
        _apply(out, status.status, status.error_code, status.error)
    return True


def _catch_up(out):
    """Statuses that arrived before the send call returned the message's id."""
    for status in MessageStatus.objects.filter(wamid=out.wamid).order_by("timestamp", "pk"):
        _apply(out, status.status, status.error_code, status.error)


def _apply(out, status, error_code, error):
    if status == "failed":
        if error_code in client.WINDOW_CLOSED and out.template and not out.sent_as_template:
            try:
                attempt(out, as_template=True)
            except client.GraphError as refused:
                fail(out, refused)
        elif RANK.get(out.status, 0) < RANK["delivered"]:
            out.status = OutboundMessage.Status.FAILED
            out.error_code, out.error = error_code, error[:2000]
            out.save(update_fields=["status", "error_code", "error", "updated_at"])
    elif status in RANK and RANK[status] > RANK.get(out.status, 0):
        out.status = status
        out.save(update_fields=["status", "updated_at"])
    else:
        return
    if out.alert_delivery_id:
        _to_alert_delivery(out)


def _to_alert_delivery(out):
    """An alert's notification shows how far it got on the operators' alert page, live."""
    delivery = AlertDelivery.objects.select_related("version__alert").get(pk=out.alert_delivery_id)
    status = ALERT_STATUS[out.status]
    if delivery.status == status:
        return
    delivery.status = status
    if out.status == OutboundMessage.Status.FAILED:
        delivery.last_error = out.error
    delivery.save(update_fields=["status", "last_error", "updated_at"])
    alert_services.delivery_changed(delivery)
