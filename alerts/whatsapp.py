"""Alert notifications on WhatsApp: the alert with an "Acknowledge" reply button (free-form
inside the representative's 24-hour window, the approved alert template outside it). The reply
comes back through the line's webhook and records the acknowledgement like the portal's button
(reports.whatsapp.inbound)."""

from django.conf import settings
from django.utils.translation import gettext

from alerts.models import AlertDelivery, AlertVersion
from alerts.notify import DeliveryRefused, NotificationBackend
from reports.whatsapp import client, config, outbound
from reports.whatsapp.models import OutboundMessage

ACK_PREFIX = "ack"


def ack_id(version):
    return f"{ACK_PREFIX}:{version.alert_id}:{version.number}"


def parse_ack_id(reply_id):
    """(alert id, version number) from a button's reply id, or None."""
    prefix, _, rest = reply_id.partition(":")
    alert_id, _, number = rest.partition(":")
    if prefix != ACK_PREFIX or not alert_id.isdigit() or not number.isdigit():
        return None
    return int(alert_id), int(number)


def messages_for(version):
    """(free-form message, template) for one alert version."""
    alert = version.alert
    severity = alert.get_severity_display()
    # An exercise alert says EXERCISE before anything else, as every message about it does.
    exercise = gettext("EXERCISE") + " " if alert.exercise_id else ""
    if version.kind == AlertVersion.Kind.CANCELLATION:
        withdrawn = gettext("Withdrawn: %(title)s") % {"title": version.title}
        body = f"{exercise}{withdrawn}\n\n{version.message}"
        notice = outbound.template(settings.WHATSAPP_NOTICE_TEMPLATE, [version.title, body])
        return outbound.text(body), notice
    label = {"update": gettext("Update"), "all_clear": gettext("All clear")}.get(
        version.kind, gettext("%(severity)s alert") % {"severity": severity}
    )
    body = f"{exercise}JOC {label}: {version.title}\n\n{version.message}"
    free = outbound.buttons(body, [(ack_id(version), gettext("Acknowledge"))])
    held = outbound.template(
        settings.WHATSAPP_ALERT_TEMPLATE,
        [f"{exercise}{label}", version.title, version.message],
        quick_reply=ack_id(version),
    )
    return free, held


class WhatsAppBackend(NotificationBackend):
    channel = "whatsapp"

    def address(self, representative):
        if not config.is_configured() or not representative.phone:
            return None
        return outbound.phone_of(representative)

    def send(self, version, representative, address):
        delivery = AlertDelivery.objects.get(
            version=version, representative=representative, channel=self.channel
        )
        out = OutboundMessage.objects.filter(alert_delivery=delivery).first()
        if out is None:
            message, template = messages_for(version)
            out = OutboundMessage.objects.create(
                to=address,
                representative=representative,
                alert_delivery=delivery,
                purpose="alert",
                message=message,
                template=template,
            )
        elif out.status != OutboundMessage.Status.PENDING:
            return  # an earlier attempt reached WhatsApp
        try:
            outbound.attempt(out)
        except client.GraphError as error:
            if error.retryable:
                raise
            outbound.fail(out, error)
            raise DeliveryRefused(str(error)) from None
