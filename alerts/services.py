"""Alerts: verified intelligence from the JOC to the CWGs of the target wards.

Every write is one function here (compose, approve, update, cancel, acknowledge): it writes the
alert and its AlertVersion, delivers the version to the recipient CWGs' portals (live, on commit)
and enqueues their notifications (alerts.notify). Reads are the query functions at the end.
"""

import hashlib
import secrets

from django.db import transaction
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from alerts import notify
from alerts.models import AgencyToken, Alert, AlertDelivery, AlertRecipient, AlertVersion
from cwg.models import CommunityWatchGroup, Representative, Ward
from joc import services as joc_services
from watchline import live, permissions

Kind = AlertVersion.Kind


class AlertRefused(Exception):
    """The action is not allowed in the alert's current state."""


def needs_approval(severity, all_wards, user):
    """An emergency to all wards waits for a supervisor, unless a supervisor sends it."""
    return (
        severity == Alert.Severity.EMERGENCY
        and all_wards
        and not permissions.can_approve_alert(user)
    )


def target_cwgs(alert):
    """The approved CWGs covering a target ward of `alert` (every approved CWG for all wards);
    an exercise alert reaches only the CWGs taking part in its exercise."""
    return cwgs_reached(alert.wards.all(), alert.all_wards, alert.exercise)


def cwgs_reached(wards, all_wards, exercise=None):
    """The approved CWGs an alert to `wards` (or all wards) would reach, within `exercise`'s
    participants for an exercise alert."""
    cwgs = CommunityWatchGroup.objects.approved()
    if exercise is not None:
        cwgs = cwgs.filter(pk__in=exercise.participants().values("pk"))
    return cwgs if all_wards else cwgs.covering(wards)


def reach(wards, all_wards, exercise=None):
    """(CWGs, active representatives) an alert would reach, before it is sent: two counts."""
    cwgs = cwgs_reached(wards, all_wards, exercise)
    people = Representative.objects.active().filter(cwg__in=cwgs.values("pk"))
    return cwgs.count(), people.count()


def suggested_wards(incident):
    """An incident's ward and its neighbours: the wards an alert about it targets by default."""
    return Ward.objects.filter(Q(pk=incident.ward_id) | Q(neighbours=incident.ward_id)).distinct()


@transaction.atomic
def compose(user, *, title, message, severity, wards, all_wards, expires_at, incident=None):
    """Create an alert and send it, or hold it for a supervisor's approval."""
    held = needs_approval(severity, all_wards, user)
    alert = Alert.objects.create(
        title=title,
        message=message,
        severity=severity,
        incident=incident,
        # An alert about an exercise incident belongs to that exercise.
        exercise_id=incident.exercise_id if incident else None,
        all_wards=all_wards,
        expires_at=expires_at,
        status=Alert.Status.AWAITING_APPROVAL if held else Alert.Status.SENT,
        created_by=user,
        approved_by=None if held else user,
    )
    if not all_wards:
        alert.wards.set(wards)
    version = _new_version(alert, Kind.ORIGINAL, user)
    if held:
        _publish_status(alert)
    else:
        _send(alert, version)
    return alert


@transaction.atomic
def approve(alert, supervisor):
    """A supervisor approves a held alert: it is sent as it stands."""
    if not permissions.can_approve_alert(supervisor):
        raise AlertRefused("Only a supervisor can approve an alert.")
    alert = _locked(alert)
    if alert.status != Alert.Status.AWAITING_APPROVAL:
        raise AlertRefused("This alert is not waiting for approval.")
    alert.approved_by = supervisor
    _send(alert, alert.versions.get(number=alert.version))
    return alert


@transaction.atomic
def update(alert, user, *, kind, title, message, severity):
    """A correction (Kind.UPDATE) or the all-clear (Kind.ALL_CLEAR): a new version, redelivered
    to the same CWGs, who acknowledge it afresh."""
    if kind not in (Kind.UPDATE, Kind.ALL_CLEAR):
        raise ValueError(kind)
    alert = _locked(alert)
    if alert.status != Alert.Status.SENT:
        raise AlertRefused("Only a sent alert can be updated.")
    alert.title, alert.message, alert.severity = title, message, severity
    version = _new_version(alert, kind, user)
    alert.save(update_fields=["title", "message", "severity"])
    _deliver(alert, version, replace=True)
    return alert


@transaction.atomic
def cancel(alert, user, message):
    """Withdraw an alert: a cancellation version is delivered and it leaves the portals."""
    alert = _locked(alert)
    if alert.status == Alert.Status.CANCELLED:
        raise AlertRefused("This alert is already cancelled.")
    was_sent = alert.status == Alert.Status.SENT
    alert.message = message or "This alert has been withdrawn."
    alert.status = Alert.Status.CANCELLED
    alert.cancelled_at = timezone.now()
    version = _new_version(alert, Kind.CANCELLATION, user)
    alert.save(update_fields=["message", "status", "cancelled_at"])
    if was_sent:
        _deliver(alert, version, replace=True)
    else:
        _publish_status(alert)
    return alert


@transaction.atomic
def acknowledge(recipient, user, version_number):
    """A representative acknowledges, for their CWG, the version of the alert they saw."""
    if not permissions.can_acknowledge_alert(user, recipient):
        raise AlertRefused("This alert was not sent to your CWG.")
    recipient = (
        AlertRecipient.objects.select_for_update().select_related("alert").get(pk=recipient.pk)
    )
    alert = recipient.alert
    if alert.status != Alert.Status.SENT:
        raise AlertRefused("This alert is no longer active.")
    if not 1 <= version_number <= alert.version:
        raise AlertRefused("There is no such version of this alert.")
    if (recipient.acknowledged_version or 0) < version_number:
        recipient.acknowledged_version = version_number
        recipient.acknowledged_by = user
        recipient.acknowledged_at = timezone.now()
        recipient.save(update_fields=["acknowledged_version", "acknowledged_by", "acknowledged_at"])
    _publish_status(alert)
    kind = alert.versions.get(number=alert.version).kind
    live.publish(
        live.cwg_group(recipient.cwg_id),
        "alerts/_banner.html",
        {"alert": alert, "kind": kind, "receipt": recipient, "oob": "outerHTML"},
    )
    return recipient


def delivery_changed(delivery):
    """A notification moved on (delivered, read, failed): the operators' alert page shows it."""
    _publish_status(delivery.version.alert)


def _locked(alert):
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _new_version(alert, kind, user):
    if kind != Kind.ORIGINAL:
        alert.version += 1
        alert.save(update_fields=["version"])
    version = AlertVersion.objects.create(
        alert=alert,
        number=alert.version,
        kind=kind,
        title=alert.title,
        message=alert.message,
        severity=alert.severity,
        created_by=user,
    )
    return version


def _send(alert, version):
    """First delivery: one AlertRecipient per target CWG, then the version to each; the
    incident's timeline records it."""
    alert.status = Alert.Status.SENT
    alert.sent_at = timezone.now()
    alert.save(update_fields=["status", "sent_at", "approved_by"])
    if alert.incident_id:
        joc_services.alert_sent(alert.incident, alert, alert.approved_by or alert.created_by)
    AlertRecipient.objects.bulk_create(
        [AlertRecipient(alert=alert, cwg=cwg) for cwg in target_cwgs(alert)],
        ignore_conflicts=True,
    )
    _deliver(alert, version, replace=False)


def _deliver(alert, version, *, replace):
    """Push `version` to every recipient CWG's portal and enqueue its notifications. A new
    alert is added at the top of the portal; an update replaces it; a cancellation removes it."""
    recipients = list(
        AlertRecipient.objects.filter(alert=alert)
        .select_related("cwg")
        .prefetch_related(
            Prefetch(
                "cwg__representatives",
                queryset=Representative.objects.active().select_related("user"),
                to_attr="active_representatives",
            )
        )
    )
    if alert.status == Alert.Status.CANCELLED:
        oob = "delete"
    else:
        oob = "outerHTML" if replace else "afterbegin:#portal-alert-list"
    live.publish(
        [live.cwg_group(r.cwg_id) for r in recipients],
        "alerts/_banner.html",
        {"alert": alert, "kind": version.kind, "receipt": None, "oob": oob},
    )
    _publish_status(alert)
    notify.notify(version, recipients)


def _publish_status(alert):
    """Tell the operators' pages: the alert's live section (versions, acknowledgements) and the
    alerts list."""
    alert = alert_for_operators().get(pk=alert.pk)
    live.publish(live.OPERATORS, "alerts/live/operators.html", {"alert": alert})


# --- Agency tokens: other agencies' access to the feed and CAP documents ------------------------


def _token_hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_agency_token(agency, admin):
    """A new token for `agency`: returns (AgencyToken, the raw token). The raw token is shown
    once; only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    token = AgencyToken.objects.create(
        agency=agency, token_hash=_token_hash(raw), hint=raw[:6], created_by=admin
    )
    return token, raw


def revoke_agency_tokens(tokens):
    """Revoke tokens (a queryset); returns how many were still active."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def agency_for_token(raw):
    """The active AgencyToken for a raw token, or None; its last use is stamped."""
    if not raw:
        return None
    token = AgencyToken.objects.active().filter(token_hash=_token_hash(raw)).first()
    if token is not None:
        AgencyToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


# --- Reads -----------------------------------------------------------------------------------


def _with_current_kind(alerts, alert_ref="pk", number_ref="version"):
    kind = AlertVersion.objects.filter(alert=OuterRef(alert_ref), number=OuterRef(number_ref))
    return alerts.annotate(current_kind=Subquery(kind.values("kind")[:1]))


def alerts_for_operators():
    """The operators' list: every alert with its author and counts of recipients."""
    return _with_current_kind(Alert.objects.select_related("created_by", "incident"))


def alert_for_operators():
    """One alert's page: its versions, target wards, and every recipient CWG with its active
    representatives (phones for follow-up calls) and its notifications' delivery log, in a
    fixed number of queries."""
    recipients = AlertRecipient.objects.select_related("cwg", "acknowledged_by").prefetch_related(
        Prefetch(
            "cwg__representatives",
            queryset=Representative.objects.active().select_related("user"),
            to_attr="active_representatives",
        ),
        Prefetch(
            "deliveries",
            queryset=AlertDelivery.objects.filter(version__number=F("recipient__alert__version"))
            .select_related("representative__user")
            .order_by("channel", "pk"),
            to_attr="current_deliveries",
        ),
    )
    acknowledged = Q(recipients__acknowledged_version=F("version"))
    alerts = Alert.objects.annotate(acknowledged_count=Count("recipients", filter=acknowledged))
    return _with_current_kind(
        alerts.select_related("created_by", "approved_by", "incident").prefetch_related(
            "wards",
            Prefetch("versions", queryset=AlertVersion.objects.select_related("created_by")),
            Prefetch("recipients", queryset=recipients.order_by("cwg__name")),
        )
    )


def receipts_for_cwg(cwg_id):
    """A CWG's receipts of alerts, newest first, with each alert's current kind."""
    receipts = AlertRecipient.objects.filter(cwg_id=cwg_id).select_related(
        "alert", "acknowledged_by"
    )
    return _with_current_kind(receipts, "alert_id", "alert__version").order_by(
        "-alert__sent_at", "-alert_id"
    )


def active_receipts_for_cwg(cwg_id, now=None):
    """What the portal shows at the top: sent, unexpired alerts for the CWG."""
    now = now or timezone.now()
    return receipts_for_cwg(cwg_id).filter(
        Q(alert__expires_at__isnull=True) | Q(alert__expires_at__gt=now),
        alert__status=Alert.Status.SENT,
    )
