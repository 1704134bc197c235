"""What the line does with each delivery, in the background: every message once (by its id),
from a known representative, becomes a report, joins their report, answers a question of the
guided exchange or acknowledges an alert, always through the reports and alerts services.
Everyone else gets at most one polite reply a day. Statuses go to `outbound`."""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django_tasks import task

from alerts import services as alert_services
from alerts.models import AlertRecipient
from alerts.whatsapp import parse_ack_id
from cwg import geo
from cwg.models import CommunityWatchGroup, Representative, Ward
from joc.services import haversine_km
from reports import services as report_services
from reports.models import Category, Report
from reports.whatsapp import client, outbound, payloads
from reports.whatsapp.models import Chat, DailyReply, Delivery, InboundMessage
from watchline import ratelimit

logger = logging.getLogger(__name__)

# Client tokens of reports and follow-ups are derived from WhatsApp's message ids.
TOKENS = uuid.UUID("6f1d1c52-7a52-4f0e-9a4e-2f4b8f0c7d11")
REPORTABLE = {"text", "location", "image", "audio", "voice"}
MEDIA_ATTEMPTS = 4
MEDIA_FIRST_RETRY = timedelta(seconds=30)
AUDIO_SIGNATURES = (b"OggS", b"#!AMR", b"ID3", b"\xff\xf1", b"\xff\xf9", b"\xff\xfb")
Outcome = InboundMessage.Outcome

STRANGER = gettext_lazy(
    "Hello. This is the Joint Operations Centre's line for Community Watch Group "
    "representatives, and this number is not registered as one. To report through this line, "
    "ask your CWG's coordinator to register you as a representative with this phone number."
)
SUSPENDED = gettext_lazy(
    "Hello %(name)s. %(cwg)s is suspended, so the JOC cannot take its reports on this line. "
    "In an emergency call 10111 or 112. Your CWG's coordinator can ask the city to reinstate it."
)
SLOW_DOWN = gettext_lazy(
    "You have sent many messages in a short time: the JOC has paused this line for you for a "
    "few minutes. In an emergency call 10111 or 112."
)
UNSUPPORTED = gettext_lazy("This line takes text, locations, photos and voice notes.")


def token(*parts):
    return uuid.uuid5(TOKENS, ":".join(parts))


# --- Deliveries ------------------------------------------------------------------------------


@task()
def process_delivery(delivery_id):
    """Every message and status of one stored delivery, each on its own: one that fails is
    logged on the delivery and does not stop the others."""
    delivery = Delivery.objects.filter(pk=delivery_id, processed_at=None).first()
    if delivery is None:
        return "done"
    problems = []
    try:
        parsed = payloads.parse(bytes(delivery.body))
    except payloads.PayloadError as error:
        parsed, problems = payloads.Delivery(), [str(error)]
    ours = settings.WHATSAPP_PHONE_NUMBER_ID
    problems += [reason for reason, _ in parsed.skipped]
    for message in parsed.messages:
        if message.phone_number_id == ours:
            _each(problems, message.id, handle_message, message, delivery)
    for status in parsed.statuses:
        if status.phone_number_id == ours:
            _each(problems, status.id, outbound.record_status, status, delivery)
    for phone_number_id, error in parsed.errors:
        if phone_number_id == ours:
            problems.append(f"WhatsApp error: {error}")
    delivery.processed_at = timezone.now()
    delivery.error = "\n".join(problems)
    delivery.save(update_fields=["processed_at", "error"])
    if problems:
        logger.warning("WhatsApp delivery %s: %s", delivery.pk, delivery.error)
    return "processed"


def _each(problems, item_id, handle, item, delivery):
    try:
        handle(item, delivery)
    except Exception as error:
        logger.exception("WhatsApp item %s of delivery %s failed", item_id, delivery.pk)
        problems.append(f"{item_id}: {type(error).__name__}: {error}")


@transaction.atomic
def handle_message(message, delivery):
    """Handle one message unless its id was handled before (Meta redelivers, and one delivery
    may hold it twice). Returns the stored InboundMessage, or None for a repeat."""
    inbound = _record(message, delivery)
    if inbound is None:
        return None
    _route(inbound, message)
    inbound.save()
    return inbound


def _record(message, delivery):
    location = (message.location_name, message.location_address)
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                wamid=message.id,
                delivery=delivery,
                sender=message.sender[:32],
                user_id=message.user_id[:64],
                kind=message.type[:20],
                sent_at=message.timestamp or timezone.now(),
                text=message.text,
                reply_id=message.reply_id[:256],
                reply_title=message.reply_title[:256],
                context_id=message.context_id[:255],
                latitude=message.latitude,
                longitude=message.longitude,
                location_name=location[0][:255],
                location_address=location[1][:500],
                media_id=message.media_id[:255],
                media_type=message.media_type[:100],
                payload=message.raw,
            )
    except IntegrityError:
        return None


def _route(inbound, message):
    address = message.sender or message.user_id
    if not address or message.group:
        inbound.outcome = Outcome.IGNORED
        return
    if not ratelimit.allow("whatsapp", address, settings.WHATSAPP_RATE_LIMIT):
        inbound.outcome = Outcome.RATE_LIMITED
        _courtesy(address, "slow_down", SLOW_DOWN)
        return
    rep = representative_for(message.sender)
    # Replies are in the representative's language (notes for the JOC stay in the site's).
    with translation.override(rep.language if rep else settings.LANGUAGE_CODE):
        _route_sender(inbound, message, address, rep)


def _route_sender(inbound, message, address, rep):
    status = rep.cwg.status if rep else None
    if status == CommunityWatchGroup.Status.SUSPENDED:
        inbound.outcome = Outcome.SUSPENDED
        _courtesy(address, "suspended", SUSPENDED % {"name": rep.name, "cwg": rep.cwg.name})
        return
    if status != CommunityWatchGroup.Status.APPROVED:
        inbound.outcome = Outcome.STRANGER
        _courtesy(address, "stranger", STRANGER)
        return
    inbound.representative = rep
    chat, _ = Chat.objects.select_for_update().get_or_create(representative=rep)
    if chat.last_inbound_at is None or chat.last_inbound_at < inbound.sent_at:
        chat.last_inbound_at = inbound.sent_at
    ack = parse_ack_id(message.reply_id)
    question = message.reply_id.partition(":")[0] in QUESTIONS
    if ack:
        _acknowledge(inbound, rep, *ack)
    elif question:
        _answer(inbound, rep, chat)
    elif message.type in REPORTABLE:
        _report(inbound, message, rep, chat)
    else:
        inbound.outcome = Outcome.IGNORED
        _courtesy(address, "unsupported", UNSUPPORTED)
    chat.save()


def representative_for(sender):
    """The active representative with this phone number (WhatsApp gives it without the "+"),
    preferring one whose CWG is approved; None for anything that is not a phone number."""
    if not sender.isdigit():
        return None
    reps = Representative.objects.active().select_related("cwg", "user").filter(phone=f"+{sender}")
    return min(reps, key=lambda rep: not rep.cwg.is_approved, default=None)


def _courtesy(address, kind, body):
    """A reply sent to `address` at most once a day for each kind."""
    try:
        with transaction.atomic():
            DailyReply.objects.create(sender=address, kind=kind, day=timezone.localdate())
    except IntegrityError:
        return
    outbound.queue(to=address, message=outbound.text(str(body)), purpose=kind)


# --- Reports ---------------------------------------------------------------------------------


def _report(inbound, message, rep, chat):
    window = timedelta(minutes=settings.WHATSAPP_REPORT_WINDOW_MINUTES)
    joins = (
        chat.report_id is not None
        and chat.report_touched_at is not None
        and abs(inbound.sent_at - chat.report_touched_at) <= window
    )
    if joins:
        report = chat.report
        _follow_up(inbound, message, rep, report)
        inbound.outcome = Outcome.FOLLOW_UP
    else:
        report = _open_report(inbound, message, rep)
        inbound.outcome = Outcome.REPORT
        lead = gettext("Thank you. Your report %(reference)s is with the JOC.")
        _ask(rep, report, "cat", lead % {"reference": report.reference})
    chat.report = report
    _touch(chat, inbound)
    inbound.report = report
    if inbound.media_id and inbound.kind in ("image", "audio", "voice"):
        inbound.media_status = InboundMessage.Media.PENDING
        transaction.on_commit(lambda: _enqueue_media(inbound.pk))


def _touch(chat, inbound):
    if chat.report_touched_at is None or chat.report_touched_at < inbound.sent_at:
        chat.report_touched_at = inbound.sent_at


def _open_report(inbound, message, rep):
    latitude, longitude = _coordinates(message)
    what = {"location": "Location shared", "image": "Photo sent", "text": "Message"}.get(
        message.type, "Voice note sent" if message.voice else "Audio sent"
    )
    data = {
        "category": Category.objects.filter(slug="other").first() or Category.objects.first(),
        "description": message.text or f"{what} on WhatsApp.",
        "location_text": (_place(message) or "Not given yet (sent on WhatsApp)")[:255],
        "ward": _ward(latitude, longitude, rep.cwg),
        "latitude": latitude,
        "longitude": longitude,
        "observed_at": min(inbound.sent_at, timezone.now()),
        "source": Report.Source.OTHER,
        "urgency": Report.Urgency.ROUTINE,
    }
    report, _ = report_services.submit_report(
        user=rep.user,
        cwg=rep.cwg,
        data=data,
        photos=[],
        client_token=token(inbound.wamid),
        channel=Report.Channel.WHATSAPP,
    )
    return report


def _follow_up(inbound, message, rep, report):
    latitude, longitude = _coordinates(message)
    if latitude is not None:
        place = _place(message) or "a shared location"
        report_services.amend_report(
            report,
            user=rep.user,
            changes={
                "latitude": latitude,
                "longitude": longitude,
                "ward": _ward(latitude, longitude, rep.cwg),
                "location_text": place[:255],
            },
            note=f"Location shared on WhatsApp: {place} ({latitude:.5f}, {longitude:.5f}).",
            client_token=token(inbound.wamid),
        )
    elif message.type == "text" and message.text.strip():
        report_services.add_follow_up(
            report, user=rep.user, text=message.text, photos=[], client_token=token(inbound.wamid)
        )
    # Photos and voice notes join when they are fetched (fetch_media).


def _coordinates(message):
    lat, lng = message.latitude, message.longitude
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lat, lng


def _place(message):
    return ", ".join(part for part in (message.location_name, message.location_address) if part)


def _ward(latitude, longitude, cwg):
    """The ward containing the coordinates (once the city's boundaries are imported), else the
    ward whose centre is nearest them; without coordinates, the CWG's first ward."""
    if latitude is not None:
        containing = geo.ward_at(latitude, longitude)
        if containing is not None:
            return Ward.objects.get(pk=containing)
        wards = Ward.objects.filter(latitude__isnull=False, longitude__isnull=False).only(
            "pk", "number", "latitude", "longitude"
        )
        nearest = min(
            wards,
            key=lambda w: haversine_km(latitude, longitude, w.latitude, w.longitude),
            default=None,
        )
        if nearest is not None:
            return nearest
    return cwg.wards.order_by("number").first() or Ward.objects.order_by("number").first()


# --- The guided exchange ---------------------------------------------------------------------


def _categories():
    return [(c.slug, c.display_name()) for c in Category.objects.all()[:10]]


QUESTIONS = {
    # key: (report field, question, choices, the next question)
    "cat": ("category", gettext_lazy("What kind of incident is it?"), _categories, "urg"),
    "urg": ("urgency", gettext_lazy("How urgent is it?"), lambda: Report.Urgency.choices, "src"),
    "src": ("source", gettext_lazy("How do you know?"), lambda: Report.Source.choices, None),
}
LABELS = {"category": "Category", "urgency": "Urgency", "source": "How they know"}


def _ask(rep, report, key, lead=""):
    field, question, choices, _ = QUESTIONS[key]
    options = [(f"{key}:{report.pk}:{value}", label) for value, label in choices()]
    body = f"{lead}\n\n{question}".strip()
    message = (
        outbound.buttons(body, options)
        if len(options) <= 3
        else outbound.choice_list(body, gettext("Choose"), options)
    )
    outbound.queue(
        to=outbound.phone_of(rep),
        message=message,
        purpose="question",
        representative=rep,
        report=report,
    )


def _answer(inbound, rep, chat):
    key, _, rest = inbound.reply_id.partition(":")
    report_id, _, value = rest.partition(":")
    field, _, choices, next_key = QUESTIONS[key]
    labels = dict(choices())
    report = Report.objects.filter(pk=report_id if report_id.isdigit() else 0, cwg=rep.cwg).first()
    if report is None or value not in labels:
        inbound.outcome = Outcome.IGNORED
        return
    changes = {field: Category.objects.get(slug=value) if field == "category" else value}
    with translation.override(settings.LANGUAGE_CODE):
        note = f"{LABELS[field]}: {dict(choices())[value]} (answered on WhatsApp)."
    report_services.amend_report(
        report, user=rep.user, changes=changes, note=note, client_token=token(inbound.wamid)
    )
    inbound.report, inbound.outcome = report, Outcome.ANSWER
    if chat.report_id == report.pk:
        _touch(chat, inbound)
    if next_key:
        _ask(rep, report, next_key)
    else:
        outbound.queue(
            to=outbound.phone_of(rep),
            message=outbound.text(
                gettext(
                    "Thank you. The JOC has your answers for %(reference)s. You will hear "
                    "here when its status changes. Send more messages to add to it."
                )
                % {"reference": report.reference}
            ),
            purpose="thanks",
            representative=rep,
            report=report,
        )


# --- Alerts ----------------------------------------------------------------------------------


def _acknowledge(inbound, rep, alert_id, number):
    inbound.outcome = Outcome.ACKNOWLEDGEMENT
    recipient = AlertRecipient.objects.filter(alert_id=alert_id, cwg=rep.cwg).first()
    try:
        if recipient is None:
            raise alert_services.AlertRefused(gettext("This alert was not sent to your CWG."))
        alert_services.acknowledge(recipient, rep.user, number)
        reply = gettext("Acknowledged for %(cwg)s. Thank you.") % {"cwg": rep.cwg.name}
    except alert_services.AlertRefused as refused:
        reply = str(refused)
    outbound.queue(
        to=outbound.phone_of(rep), message=outbound.text(reply), purpose="ack", representative=rep
    )


# --- Media -----------------------------------------------------------------------------------


def _enqueue_media(pk, run_after=None):
    try:
        if run_after is not None and fetch_media.get_backend().supports_defer:
            fetch_media.using(run_after=run_after).enqueue(pk)
        else:
            fetch_media.enqueue(pk)
    except Exception:
        logger.exception("could not enqueue WhatsApp media %s", pk)


@task()
def fetch_media(inbound_id):
    """Fetch a photo or voice note through the Graph API's media endpoint and add it to its
    report: a photo through the same checks as a web upload, a voice note kept for the JOC.
    Retried with back-off; a media item that cannot be fetched says so on the report."""
    inbound = (
        InboundMessage.objects.select_related("report", "representative__user")
        .filter(pk=inbound_id, media_status=InboundMessage.Media.PENDING)
        .first()
    )
    if inbound is None:
        return "done"
    inbound.media_attempts += 1
    what = "photo" if inbound.kind == "image" else "voice note"
    sent = timezone.localtime(inbound.sent_at).strftime("%H:%M")
    try:
        data, mime = client.fetch_media(inbound.media_id)
    except client.GraphError as error:
        if error.retryable and inbound.media_attempts < MEDIA_ATTEMPTS:
            inbound.save(update_fields=["media_attempts"])
            delay = MEDIA_FIRST_RETRY * 2 ** (inbound.media_attempts - 1)
            _enqueue_media(inbound.pk, timezone.now() + delay)
            return "retry"
        return _media_problem(
            inbound,
            InboundMessage.Media.FAILED,
            f"A {what} sent on WhatsApp at {sent} could not be fetched ({error}).",
        )
    if inbound.kind == "image":
        return _attach_photo(inbound, data, sent)
    return _keep_voice_note(inbound, data, mime, sent)


def _attach_photo(inbound, data, sent):
    upload = ContentFile(data, name=f"whatsapp-{inbound.pk}")
    try:
        _add(inbound, inbound.text or f"Photo sent on WhatsApp at {sent}.", [upload], "media")
    except (ValidationError, PermissionDenied) as refused:
        reasons = " ".join(getattr(refused, "messages", [str(refused)]))
        return _media_problem(
            inbound,
            InboundMessage.Media.REFUSED,
            f"A photo sent on WhatsApp at {sent} was refused: {reasons}",
        )
    inbound.media_status = InboundMessage.Media.STORED
    inbound.save(update_fields=["media_status", "media_attempts"])
    return "stored"


def _keep_voice_note(inbound, data, mime, sent):
    if not data.startswith(AUDIO_SIGNATURES) and data[4:8] != b"ftyp":
        return _media_problem(
            inbound,
            InboundMessage.Media.REFUSED,
            f"A voice note sent on WhatsApp at {sent} was refused: not an audio file.",
        )
    inbound.media_file.save(f"voice-{inbound.pk}.audio", ContentFile(data), save=False)
    inbound.media_type = mime[:100] if mime.startswith("audio/") else "application/octet-stream"
    inbound.media_status = InboundMessage.Media.STORED
    inbound.save(update_fields=["media_file", "media_type", "media_status", "media_attempts"])
    _add(
        inbound,
        f"Voice note sent on WhatsApp at {sent} ({len(data) // 1024 + 1} KB): operators can play "
        f"it from the report's WhatsApp messages.",
        [],
        "media",
    )
    return "stored"


def _media_problem(inbound, status, text):
    inbound.media_status, inbound.media_error = status, text
    inbound.save(update_fields=["media_status", "media_error", "media_attempts"])
    try:
        _add(inbound, text, [], "media-problem")
    except (PermissionDenied, ValidationError):
        logger.warning("could not tell report %s: %s", inbound.report_id, text)
    return status


def _add(inbound, text, photos, purpose):
    report_services.add_follow_up(
        inbound.report,
        user=inbound.representative.user,
        text=text,
        photos=photos,
        client_token=token(inbound.wamid, purpose),
    )
