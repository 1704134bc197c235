"""Notifications of alert versions through the channels a CWG has (email, WhatsApp).

A channel is a small backend class: `channel` (the name stored on each AlertDelivery), `address()`
(where to reach a representative, or None) and `send()` (raises on failure). The backends in use
are listed in settings.ALERT_NOTIFICATION_BACKENDS (dotted paths), EmailBackend by default.

Each delivery (one version, one representative, one channel) is an AlertDelivery row and its own
background task, enqueued on commit: a failing channel is retried with back-off and logged per
recipient, and never holds up the other recipients, the other channels or the live portal.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import task

from alerts.models import AlertDelivery

logger = logging.getLogger(__name__)

DEFAULT_BACKENDS = ["alerts.notify.EmailBackend"]
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)  # then 2, 4, 8 minutes


class DeliveryRefused(Exception):
    """A failure that retrying cannot fix (the channel refused this recipient or message): the
    delivery fails at once, with the reason recorded."""


class NotificationBackend:
    """An exercise alert (`version.alert.exercise_id`, also on each AlertDelivery) must say
    EXERCISE before anything else in every message a backend sends, as the email templates do;
    the recipients are already only the exercise's CWGs."""

    channel = ""

    def address(self, representative):
        """Where this channel reaches `representative`, or None if it cannot."""
        raise NotImplementedError

    def send(self, version, representative, address):
        """Send one alert version; raise on failure (the delivery is then retried, unless the
        exception is DeliveryRefused)."""
        raise NotImplementedError


class EmailBackend(NotificationBackend):
    """Django's email (console by default, SMTP with EMAIL_URL)."""

    channel = "email"

    def address(self, representative):
        return representative.user.email or None

    def send(self, version, representative, address):
        context = {"version": version, "alert": version.alert, "representative": representative}
        subject = render_to_string("alerts/email_subject.txt", context).strip()
        body = render_to_string("alerts/email.txt", context)
        send_mail(subject, body, None, [address])


def backends():
    """The configured backends by channel name."""
    paths = getattr(settings, "ALERT_NOTIFICATION_BACKENDS", DEFAULT_BACKENDS)
    instances = [import_string(path)() for path in paths]
    return {backend.channel: backend for backend in instances}


def notify(version, recipients):
    """Record a pending delivery of `version` per active representative of each recipient CWG
    and channel that reaches them, and enqueue each one after commit. `recipients` must have
    their CWG's active representatives (with users) prefetched as `active_representatives`."""
    channels = backends()
    rows = [
        AlertDelivery(
            version=version,
            recipient=recipient,
            representative=representative,
            channel=channel,
            exercise_id=version.alert.exercise_id,
        )
        for recipient in recipients
        for representative in recipient.cwg.active_representatives
        for channel, backend in channels.items()
        if backend.address(representative)
    ]
    AlertDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        AlertDelivery.objects.filter(version=version, status=AlertDelivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def enqueue_all():
        for pk in ids:
            _enqueue(pk)

    transaction.on_commit(enqueue_all)


def _enqueue(delivery_id, run_after=None):
    """Queue one delivery attempt, `run_after` a time when the task backend can defer (the
    immediate backend of tests and development cannot: its retries run at once)."""
    try:
        if run_after is not None and deliver.get_backend().supports_defer:
            deliver.using(run_after=run_after).enqueue(delivery_id)
        else:
            deliver.enqueue(delivery_id)
    except Exception:
        # The row stays pending: the web delivery already happened, nothing else waits on it.
        logger.exception("could not enqueue alert delivery %s", delivery_id)


@task()
def deliver(delivery_id):
    """One attempt at one delivery; on failure, schedule the next one with back-off."""
    delivery = (
        AlertDelivery.objects.select_related(
            "version__alert", "representative__user", "representative__cwg"
        )
        .filter(pk=delivery_id, status=AlertDelivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return "done"
    backend = backends().get(delivery.channel)
    delivery.attempts += 1
    try:
        if backend is None:
            raise LookupError(f"no notification backend for channel {delivery.channel!r}")
        rep = delivery.representative
        with translation.override(rep.language):  # the message in the representative's own
            backend.send(delivery.version, rep, backend.address(rep))
    except Exception as error:
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        final = delivery.attempts >= MAX_ATTEMPTS or isinstance(error, DeliveryRefused)
        if final:
            delivery.status = AlertDelivery.Status.FAILED
        delivery.save(update_fields=["attempts", "last_error", "status", "updated_at"])
        logger.warning(
            "alert %s v%s to %s (%s) by %s failed, attempt %s%s: %s",
            delivery.version.alert_id,
            delivery.version.number,
            delivery.representative,
            delivery.representative.cwg,
            delivery.channel,
            delivery.attempts,
            ", giving up" if final else "",
            delivery.last_error,
        )
        if not final:
            _enqueue(delivery.pk, timezone.now() + FIRST_RETRY * 2 ** (delivery.attempts - 1))
        return delivery.status
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "sent_at", "updated_at"])
    # A channel that reports delivery (WhatsApp) may have moved the row on already.
    AlertDelivery.objects.filter(pk=delivery.pk, status=AlertDelivery.Status.PENDING).update(
        status=AlertDelivery.Status.SENT
    )
    return AlertDelivery.Status.SENT
