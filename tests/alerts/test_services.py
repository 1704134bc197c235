"""Alert services: targeting, the approval rule, acknowledgements, redelivery of versions, and
notifications by email with retries that never hold up the other recipients."""

import logging

import pytest
from django.core import mail

from alerts import notify
from alerts import services as alert_services
from alerts.models import Alert, AlertDelivery, AlertRecipient, AlertVersion
from cwg.models import CommunityWatchGroup
from tests import factories

pytestmark = pytest.mark.django_db


def ward(number):
    return factories.WardFactory(number=number)


def send(user, wards=(), all_wards=False, severity="warning", **extra):
    fields = {"title": "Armed robbery suspects", "message": "Grey Polo seen near the station."}
    fields.update(extra)
    return alert_services.compose(
        user,
        severity=severity,
        wards=list(wards),
        all_wards=all_wards,
        expires_at=None,
        **fields,
    )


def recipients(alert):
    return set(AlertRecipient.objects.filter(alert=alert).values_list("cwg__name", flat=True))


# --- Targeting -------------------------------------------------------------------------------


def test_every_approved_cwg_covering_a_target_ward_receives_the_alert(operator):
    factories.CWGFactory(name="In ward 10", wards=[ward(10)])
    factories.CWGFactory(name="In wards 11 and 40", wards=[ward(11), ward(40)])
    factories.CWGFactory(name="In ward 12", wards=[ward(12)])
    alert = send(operator, wards=[ward(10), ward(11)])
    assert alert.status == Alert.Status.SENT
    assert recipients(alert) == {"In ward 10", "In wards 11 and 40"}


def test_all_wards_reaches_every_approved_cwg(operator):
    factories.CWGFactory(name="North", wards=[ward(3)])
    factories.CWGFactory(name="South", wards=[ward(90)])
    assert recipients(send(operator, all_wards=True)) == {"North", "South"}


def test_suspended_pending_and_rejected_cwgs_are_left_out(operator):
    target = ward(20)
    factories.CWGFactory(name="Approved", wards=[target])
    for status in ("suspended", "pending", "rejected"):
        factories.CWGFactory(name=status, wards=[target], status=status)
    assert recipients(send(operator, wards=[target])) == {"Approved"}
    assert recipients(send(operator, all_wards=True)) == {"Approved"}


def test_an_incident_suggests_its_ward_and_its_neighbours():
    incident = factories.IncidentFactory(ward=ward(60))
    expected = {60, *incident.ward.neighbours.values_list("number", flat=True)}
    assert len(expected) > 1
    assert {w.number for w in alert_services.suggested_wards(incident)} == expected


# --- Approval of emergencies to all wards ----------------------------------------------------


def test_an_operators_emergency_to_all_wards_waits_for_a_supervisor(operator, supervisor):
    factories.CWGFactory(wards=[ward(5)])
    alert = send(operator, all_wards=True, severity="emergency")
    assert alert.status == Alert.Status.AWAITING_APPROVAL
    assert not alert.recipients.exists()
    assert not mail.outbox

    with pytest.raises(alert_services.AlertRefused):
        alert_services.approve(alert, operator)
    alert_services.approve(alert, supervisor)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT
    assert alert.approved_by == supervisor
    assert alert.recipients.count() == 1
    with pytest.raises(alert_services.AlertRefused):
        alert_services.approve(alert, supervisor)


def test_a_supervisors_emergency_to_all_wards_goes_straight_out(supervisor):
    assert send(supervisor, all_wards=True, severity="emergency").status == Alert.Status.SENT


@pytest.mark.parametrize(
    ("severity", "all_wards"), [("emergency", False), ("warning", True), ("advisory", True)]
)
def test_other_alerts_need_no_approval(operator, severity, all_wards):
    alert = send(operator, wards=[ward(5)], all_wards=all_wards, severity=severity)
    assert alert.status == Alert.Status.SENT


# --- Acknowledgements ------------------------------------------------------------------------


def test_an_acknowledgement_records_who_when_and_which_version(operator):
    rep = factories.RepresentativeFactory(cwg__wards=[ward(7)])
    alert = send(operator, wards=[ward(7)])
    receipt = AlertRecipient.objects.get(alert=alert)
    alert_services.acknowledge(receipt, rep.user, 1)
    receipt.refresh_from_db()
    assert (receipt.acknowledged_by, receipt.acknowledged_version) == (rep.user, 1)
    assert receipt.acknowledged_at is not None

    alert_services.update(
        alert,
        operator,
        kind="update",
        title="Correction",
        message="A white Polo.",
        severity="warning",
    )
    alert_services.acknowledge(receipt, rep.user, 1)  # an old page: still version 1
    receipt.refresh_from_db()
    assert receipt.acknowledged_version == 1
    alert_services.acknowledge(receipt, rep.user, 2)
    receipt.refresh_from_db()
    assert receipt.acknowledged_version == 2


def test_only_a_representative_of_a_recipient_cwg_can_acknowledge(operator):
    factories.CWGFactory(wards=[ward(7)])
    outsider = factories.RepresentativeFactory(cwg__wards=[ward(8)])
    alert = send(operator, wards=[ward(7)])
    receipt = AlertRecipient.objects.get(alert=alert)
    with pytest.raises(alert_services.AlertRefused):
        alert_services.acknowledge(receipt, outsider.user, 1)
    with pytest.raises(alert_services.AlertRefused):
        alert_services.acknowledge(receipt, operator, 1)


def test_a_cancelled_alert_cannot_be_acknowledged(operator):
    rep = factories.RepresentativeFactory(cwg__wards=[ward(7)])
    alert = send(operator, wards=[ward(7)])
    alert_services.cancel(alert, operator, "False alarm.")
    with pytest.raises(alert_services.AlertRefused):
        alert_services.acknowledge(AlertRecipient.objects.get(alert=alert), rep.user, 2)


# --- Versions, redelivery and notifications --------------------------------------------------


def test_updates_all_clear_and_cancel_are_versions_redelivered_by_email(
    operator, django_capture_on_commit_callbacks
):
    rep = factories.RepresentativeFactory(cwg__wards=[ward(30)], user__email="thandi@example.org")
    factories.RepresentativeFactory(cwg=rep.cwg, seat=2, user__email="pieter@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        alert = send(operator, wards=[ward(30)], title="Flooding on Main Road")
    assert sorted(m.to[0] for m in mail.outbox) == ["pieter@example.org", "thandi@example.org"]
    assert "Flooding on Main Road" in mail.outbox[0].subject
    assert "Grey Polo" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_services.update(
            alert,
            operator,
            kind="all_clear",
            title="Road open",
            message="Water gone.",
            severity="advisory",
        )
    assert len(mail.outbox) == 2
    assert "All clear" in mail.outbox[0].subject and "Water gone." in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_services.cancel(alert, operator, "Sent in error.")
    assert len(mail.outbox) == 2 and "Cancellation" in mail.outbox[0].subject

    alert.refresh_from_db()
    assert alert.status == Alert.Status.CANCELLED and alert.version == 3
    kinds = list(AlertVersion.objects.filter(alert=alert).values_list("number", "kind", "title"))
    assert kinds == [
        (1, "original", "Flooding on Main Road"),
        (2, "all_clear", "Road open"),
        (3, "cancellation", "Road open"),
    ]
    deliveries = AlertDelivery.objects.filter(recipient__alert=alert)
    assert deliveries.count() == 6
    assert set(deliveries.values_list("status", "attempts", "channel")) == {("sent", 1, "email")}


def test_an_update_is_acknowledged_afresh(operator):
    rep = factories.RepresentativeFactory(cwg__wards=[ward(7)])
    alert = send(operator, wards=[ward(7)])
    receipt = AlertRecipient.objects.get(alert=alert)
    alert_services.acknowledge(receipt, rep.user, 1)
    alert_services.update(
        alert, operator, kind="update", title="Two suspects", message="Now two.", severity="warning"
    )
    page = alert_services.alert_for_operators().get(pk=alert.pk)
    assert page.acknowledged_count == 0 and page.version == 2


def test_updating_a_cancelled_alert_is_refused(operator):
    alert = send(operator, wards=[ward(7)])
    alert_services.cancel(alert, operator, "")
    with pytest.raises(alert_services.AlertRefused):
        alert_services.update(
            alert, operator, kind="update", title="t", message="m", severity="advisory"
        )
    with pytest.raises(alert_services.AlertRefused):
        alert_services.cancel(alert, operator, "")


class BrokenSMS(notify.NotificationBackend):
    """A second channel whose gateway is down: every send raises."""

    channel = "sms"

    def address(self, representative):
        return str(representative.phone)

    def send(self, version, representative, address):
        raise ConnectionError(f"gateway refused {address}")


@pytest.fixture
def broken_second_channel(settings):
    settings.ALERT_NOTIFICATION_BACKENDS = ["alerts.notify.EmailBackend", f"{__name__}.BrokenSMS"]


def test_a_failing_channel_is_retried_logged_and_blocks_nobody(
    operator, broken_second_channel, django_capture_on_commit_callbacks, caplog
):
    first = factories.RepresentativeFactory(cwg__wards=[ward(30)], user__email="a@example.org")
    second = factories.RepresentativeFactory(cwg__wards=[ward(30)], user__email="b@example.org")
    with (
        caplog.at_level(logging.WARNING, logger="alerts.notify"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        alert = send(operator, wards=[ward(30)])
    # Every email went out; the portal delivery (the recipients) is there.
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert alert.recipients.count() == 2
    sms = AlertDelivery.objects.filter(channel="sms")
    assert sms.count() == 2
    # The immediate backend cannot defer, so the retries run at once, up to the limit.
    for delivery in sms:
        assert delivery.status == AlertDelivery.Status.FAILED
        assert delivery.attempts == notify.MAX_ATTEMPTS
        assert "ConnectionError: gateway refused" in delivery.last_error
    page = alert_services.alert_for_operators().get(pk=alert.pk)
    shown = [d.status for r in page.recipients.all() for d in r.current_deliveries]
    assert sorted(shown) == ["failed", "failed", "sent", "sent"]
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2 * notify.MAX_ATTEMPTS
    assert any(first.cwg.name in m and "attempt 1:" in m for m in logged)
    assert any(second.cwg.name in m and "giving up" in m for m in logged)


def test_a_failed_attempt_is_retried_later_with_back_off(
    operator, broken_second_channel, settings, django_capture_on_commit_callbacks
):
    """With the database queue (which can defer), a failure schedules the next attempt."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    factories.RepresentativeFactory(cwg__wards=[ward(30)])
    with django_capture_on_commit_callbacks(execute=True):
        send(operator, wards=[ward(30)])
    sms = AlertDelivery.objects.get(channel="sms")
    queued = DBTaskResult.objects.filter(args_kwargs__args=[sms.pk])
    assert queued.count() == 1
    first = queued.get()

    assert notify.deliver.call(sms.pk) == "pending"
    sms.refresh_from_db()
    assert sms.attempts == 1 and sms.status == AlertDelivery.Status.PENDING
    retry = queued.exclude(pk=first.pk).get()
    assert retry.run_after >= sms.updated_at + notify.FIRST_RETRY * 0.99

    assert notify.deliver.call(sms.pk) == "pending"
    later = queued.exclude(pk__in=[first.pk, retry.pk]).get()
    assert later.run_after - retry.run_after >= notify.FIRST_RETRY

    email = AlertDelivery.objects.get(channel="email")
    assert notify.deliver.call(email.pk) == "sent"
    assert notify.deliver.call(email.pk) == "done"  # a repeated task sends nothing twice
    assert len(mail.outbox) == 1


def test_a_cwg_without_representatives_still_receives_the_alert_on_its_portal(operator):
    cwg = factories.CWGFactory(wards=[ward(44)])
    alert = send(operator, wards=[ward(44)])
    assert AlertRecipient.objects.filter(alert=alert, cwg=cwg).exists()
    assert not AlertDelivery.objects.exists()
    assert CommunityWatchGroup.objects.count() == 1


def test_an_alert_about_an_incident_is_on_its_timeline(operator):
    incident = factories.IncidentFactory(status="confirmed")
    send(operator, wards=[ward(1)], incident=incident, title="Fire: keep clear")
    event = incident.events.get(kind="alert_sent")
    assert (event.actor, event.to_value, event.note) == (operator, "Warning", "Fire: keep clear")
