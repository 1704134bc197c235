"""Outbound: alerts on WhatsApp with an Acknowledge button, the 24-hour window rule (free-form
inside, the approved template outside), retries, statuses in any order, acknowledgement by
button, and the JOC's words back to a report's sender."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import notify
from alerts import services as alert_services
from alerts.models import AlertDelivery, AlertRecipient
from alerts.whatsapp import ack_id
from reports import feedback
from reports.models import Report
from reports.whatsapp import standin as wa
from reports.whatsapp.models import Chat, MessageStatus, OutboundMessage
from tests import factories
from tests.whatsapp.conftest import PHONE_NUMBER_ID, REP_PHONE, body_of, sent_to

pytestmark = pytest.mark.django_db


def send_alert(operator, capture, **fields):
    with capture(execute=True):
        return alert_services.compose(
            operator,
            title=fields.get("title", "Armed robbery suspects"),
            message=fields.get("message", "Grey Polo seen near the station."),
            severity="warning",
            wards=[factories.WardFactory(number=1)],
            all_wards=False,
            expires_at=None,
        )


def in_window(rep, hours_ago=1):
    Chat.objects.update_or_create(
        representative=rep,
        defaults={"last_inbound_at": timezone.now() - timedelta(hours=hours_ago)},
    )


def whatsapp_delivery(alert):
    return AlertDelivery.objects.get(version__alert=alert, channel="whatsapp")


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_inside_the_window_an_alert_is_free_form_with_an_acknowledge_button(
    line, rep, operator, capture
):
    in_window(rep)
    alert = send_alert(operator, capture)
    (message,) = sent_to(line)
    assert message["type"] == "interactive"
    assert "Armed robbery suspects" in body_of(message)
    (button,) = message["interactive"]["action"]["buttons"]
    assert button["reply"] == {"id": f"ack:{alert.pk}:1", "title": "Acknowledge"}
    delivery = whatsapp_delivery(alert)
    assert delivery.status == "sent" and delivery.attempts == 1
    assert OutboundMessage.objects.get(alert_delivery=delivery).sent_as_template is False


def test_outside_the_window_an_alert_is_the_approved_template(line, rep, operator, capture):
    in_window(rep, hours_ago=25)
    # WhatsApp refuses line breaks in template parameters: they become spaces.
    alert = send_alert(operator, capture, message="Grey Polo\n\nseen near   the station.")
    (message,) = sent_to(line)
    assert message["type"] == "template"
    template = message["template"]
    assert template["name"] == "watchline_alert"
    assert template["language"] == {"policy": "deterministic", "code": "en"}
    body, button = template["components"]
    assert [p["text"] for p in body["parameters"]] == [
        "Warning alert",
        "Armed robbery suspects",
        "Grey Polo seen near the station.",
    ]
    assert button["sub_type"] == "quick_reply"
    assert button["parameters"] == [{"type": "payload", "payload": f"ack:{alert.pk}:1"}]


def test_a_representative_who_never_wrote_gets_the_template(line, rep, operator, capture):
    send_alert(operator, capture)
    assert sent_to(line)[0]["type"] == "template"


@pytest.mark.parametrize("code", [131047, 470])
def test_a_send_refused_for_the_window_goes_again_as_the_template(
    line, rep, operator, capture, code
):
    in_window(rep)  # Watchline thinks the window is open; WhatsApp disagrees
    line.fail_next(code)
    alert = send_alert(operator, capture)
    (message,) = sent_to(line)
    assert message["type"] == "template"
    out = OutboundMessage.objects.get(alert_delivery=whatsapp_delivery(alert))
    assert out.sent_as_template and out.status == "sent" and out.attempts == 2


def test_a_failed_status_for_the_window_resends_as_the_template(
    line, rep, operator, capture, deliver
):
    in_window(rep)
    alert = send_alert(operator, capture)
    first = sent_to(line)[0]
    deliver(
        wa.value(
            PHONE_NUMBER_ID,
            statuses=[wa.status_update(first["wamid"], "failed", REP_PHONE, error_code=131047)],
        )
    )
    assert [m["type"] for m in sent_to(line)] == ["interactive", "template"]
    out = OutboundMessage.objects.get(alert_delivery=whatsapp_delivery(alert))
    assert out.wamid == sent_to(line)[1]["wamid"] and out.status == "sent"


@pytest.mark.parametrize(
    "code,http_status", [(130429, 400), (131048, 400), (131056, 400), (80007, 400), (1, 500)]
)
def test_throttling_and_server_errors_are_retried(line, rep, operator, capture, code, http_status):
    in_window(rep)
    line.fail_next(code, http_status=http_status, times=2)
    alert = send_alert(operator, capture)
    delivery = whatsapp_delivery(alert)
    # The immediate task backend cannot defer: the retries run at once.
    assert delivery.status == "sent" and delivery.attempts == 3
    assert len(sent_to(line)) == 1


def test_retries_give_up_after_the_limit(line, rep, operator, capture):
    in_window(rep)
    line.fail_next(130429, times=notify.MAX_ATTEMPTS)
    delivery = whatsapp_delivery(send_alert(operator, capture))
    assert delivery.status == "failed" and delivery.attempts == notify.MAX_ATTEMPTS
    assert "#130429" in delivery.last_error


def test_other_errors_fail_at_once_with_their_code(line, rep, operator, capture):
    in_window(rep)
    line.fail_next(131026, message="Message undeliverable")
    delivery = whatsapp_delivery(send_alert(operator, capture))
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "#131026 (#131026) Message undeliverable" in delivery.last_error
    out = OutboundMessage.objects.get(alert_delivery=delivery)
    assert out.status == "failed" and out.error_code == 131026


def test_statuses_in_any_order_move_forward_only_and_show_on_the_alert_page(
    line, rep, operator, capture, deliver, operator_client
):
    in_window(rep)
    alert = send_alert(operator, capture)
    wamid = sent_to(line)[0]["wamid"]

    def status(name):
        deliver(wa.value(PHONE_NUMBER_ID, statuses=[wa.status_update(wamid, name, REP_PHONE)]))

    status("read")  # read came first: delivered was never sent
    status("delivered")
    status("sent")
    status("read")  # a redelivery
    delivery = whatsapp_delivery(alert)
    assert delivery.status == "read"
    assert sorted(MessageStatus.objects.values_list("status", flat=True)) == [
        "delivered",
        "read",
        "sent",
    ]
    page = operator_client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f"whatsapp to {rep.name}" in page and "Read" in page


def test_the_acknowledge_button_records_the_acknowledgement_like_the_portal(
    line, rep, operator, capture, deliver
):
    in_window(rep)
    alert = send_alert(operator, capture)
    sent = sent_to(line)[0]
    deliver(
        wa.button_reply(REP_PHONE, f"ack:{alert.pk}:1", "Acknowledge", context_id=sent["wamid"])
    )
    receipt = AlertRecipient.objects.get(alert=alert, cwg=rep.cwg)
    assert receipt.acknowledged_version == 1 and receipt.acknowledged_by == rep.user
    assert f"Acknowledged for {rep.cwg.name}" in body_of(sent_to(line)[-1])
    assert not Report.objects.exists()


def test_the_templates_quick_reply_acknowledges_too(line, rep, operator, capture, deliver):
    alert = send_alert(operator, capture)
    version = alert.versions.get()
    deliver(wa.template_button(REP_PHONE, ack_id(version), "Acknowledge"))
    assert AlertRecipient.objects.get(alert=alert).acknowledged_version == 1


def test_an_acknowledgement_of_a_cancelled_alert_is_refused_politely(
    line, rep, operator, capture, deliver
):
    alert = send_alert(operator, capture)
    with capture(execute=True):
        alert_services.cancel(alert, operator, "Suspects arrested.")
    deliver(wa.button_reply(REP_PHONE, f"ack:{alert.pk}:1", "Acknowledge"))
    assert AlertRecipient.objects.get(alert=alert).acknowledged_version is None
    assert "no longer active" in body_of(sent_to(line)[-1])


def test_another_cwgs_alert_cannot_be_acknowledged(line, rep, operator, capture, deliver):
    other = factories.RepresentativeFactory(cwg__wards=[factories.WardFactory(number=40)])
    with capture(execute=True):
        alert = alert_services.compose(
            operator,
            title="T",
            message="M",
            severity="advisory",
            wards=[other.cwg.wards.get()],
            all_wards=False,
            expires_at=None,
        )
    deliver(wa.button_reply(REP_PHONE, f"ack:{alert.pk}:1", "Acknowledge"))
    assert AlertRecipient.objects.get(alert=alert).acknowledged_version is None
    assert "not sent to your CWG" in body_of(sent_to(line)[-1])


def test_status_changes_and_public_messages_reach_the_sender(line, rep, operator, capture, deliver):
    deliver(wa.text_message(REP_PHONE, "Flooding"))
    report = Report.objects.get()
    with capture(execute=True):
        feedback.set_report_status(report, Report.Status.VERIFYING, actor=operator)
        feedback.post_joc_message(report, "Fire & Rescue are on their way.", actor=operator)
    status, message = sent_to(line)[-2:]
    # The sender wrote a moment ago: inside the window, free-form.
    assert body_of(status) == f"Your report {report.reference} is now: Being verified."
    assert "Fire & Rescue are on their way." in body_of(message)
    assert {m["type"] for m in (status, message)} == {"text"}


def test_feedback_outside_the_window_is_the_notice_template(line, rep, operator, capture, deliver):
    deliver(wa.text_message(REP_PHONE, "Flooding", timestamp=time.time() - 2 * 86400))
    report = Report.objects.get()
    with capture(execute=True):
        feedback.set_report_status(report, Report.Status.CONFIRMED, actor=operator)
    message = sent_to(line)[-1]
    assert message["type"] == "template"
    assert message["template"]["name"] == "watchline_notice"
    assert report.reference in body_of(message)


def test_web_reports_are_not_relayed(line, rep, operator, capture):
    report = factories.ReportFactory(cwg=rep.cwg, submitted_by=rep.user)
    with capture(execute=True):
        feedback.set_report_status(report, Report.Status.CONFIRMED, actor=operator)
    assert line.sent == []


def test_without_configuration_no_whatsapp_delivery_is_recorded(rep, operator, capture):
    send_alert(operator, capture)
    assert not AlertDelivery.objects.filter(channel="whatsapp").exists()
