"""Report actions: the one way in for a report (the web form, the WhatsApp line), the
representative's follow-ups and amendments. What the JOC tells the sender lives in
`reports.feedback`. Each writes in one transaction and publishes to the CWG's live group on
commit."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwg import geo
from joc import services as joc_services
from reports import feedback
from reports import photos as photo_checks
from reports.models import SENDER_FIELDS, Report, ReportPhoto, ReportUpdate
from watchline import live, permissions, references

CLOCK_SKEW = timedelta(minutes=10)
# Nothing a representative saw happened before this; earlier dates (year 1) are typing
# mistakes, and the earliest ones cannot even be stored in UTC.
EARLIEST_OBSERVED = datetime(2000, 1, 1, tzinfo=UTC)


class RateLimited(Exception):
    """`admit` refused a new report or follow-up (its sender's rate limit is used up)."""


def _admitted(admit):
    if admit is not None and not admit():
        raise RateLimited


def submit_report(
    *,
    user,
    cwg,
    data,
    photos,
    client_token,
    channel=Report.Channel.WEB,
    exercise=None,
    ward_chosen=False,
    admit=None,
):
    """Store a report and its photos in one transaction, hand it to the JOC's triage and tell
    the CWG's representatives on commit. Returns (report, created). A report with coordinates
    is in the ward containing them, unless the sender picked the ward (`ward_chosen`): they
    know better at a border. Idempotent on
    `client_token`: a resubmission (a double tap, a phone retrying) returns the report already
    stored, and of two concurrent ones the unique constraint lets one win and the other
    return the winner's report. `exercise`: the report is an exercise inject (triaged only among
    that exercise's incidents). `admit()` is asked only once the report is known to be new
    (a resent one never uses up its sender's rate limit); False raises RateLimited.
    Raises PermissionDenied or ValidationError (by field)."""
    _check_may_report(user, cwg)
    report = Report(
        cwg=cwg,
        submitted_by=user,
        client_token=client_token,
        channel=channel,
        exercise=exercise,
        **{name: data.get(name) for name in SENDER_FIELDS},
    )
    if not ward_chosen:
        _ward_from_location(report)
    try:
        _validate(report)
        checked = check_photos(photos)
    except ValidationError:
        # A resubmission of a report already stored stands, even if it would not pass now.
        existing = _by_token(Report, client_token, cwg_id=cwg.pk)
        if existing:
            return existing, False
        raise

    def write(stored):
        # The unique client token refuses a resubmission here: no lookup beforehand. Only a
        # report known to be new is put to `admit` (a resent one keeps its sender's allowance).
        references.insert_pending(report)
        _admitted(admit)
        report.reference = references.reference_for(report, "R")
        sent_photos = _store_photos(report, checked, stored)
        joc_services.triage_report(report, save=False)
        Report.objects.filter(pk=report.pk).update(
            reference=report.reference, incident=report.incident
        )
        live.publish(
            live.cwg_group(cwg.pk),
            "reports/live/report_new.html",
            {"report": report.just_sent(sent_photos)},
        )
        return report

    return _write_once(write, Report, client_token, cwg_id=cwg.pk)


def add_follow_up(report, *, user, text, photos, client_token, admit=None):
    """A representative's follow-up ("water still rising", a new photo) joining their CWG's
    report. Idempotent on `client_token` like a report, `admit` as for a report. Returns
    (update, created)."""
    if not permissions.can_follow_up(user, report):
        raise PermissionDenied("Only a representative of the reporting CWG may follow it up.")
    existing = _by_token(ReportUpdate, client_token, report_id=report.pk)
    if existing:
        return existing, False
    _admitted(admit)
    if not text.strip():
        raise ValidationError({"text": _("Say what is new.")})
    checked = check_photos(photos)

    def write(stored):
        update = ReportUpdate.objects.create(
            report=report,
            kind=ReportUpdate.Kind.FOLLOW_UP,
            author=user,
            text=text,
            client_token=client_token,
        )
        _store_photos(report, checked, stored, update=update)
        feedback.publish_changed(report)
        joc_services.report_followed_up(report, update)
        return update

    return _write_once(write, ReportUpdate, client_token, report_id=report.pk)


def amend_report(report, *, user, changes, note, client_token):
    """The sender completes their report after sending it (the WhatsApp line asks the category,
    the urgency, how they know, and takes a shared location): the fields in `changes` are set,
    and `note` says so on the report's timeline and the incident's, both pushed live.
    Idempotent on `client_token`. Returns (update, created)."""
    if not permissions.can_follow_up(user, report):
        raise PermissionDenied("Only a representative of the reporting CWG may amend it.")
    if set(changes) - set(SENDER_FIELDS):
        raise ValueError(f"not a sender's field: {set(changes) - set(SENDER_FIELDS)}")
    existing = _by_token(ReportUpdate, client_token, report_id=report.pk)
    if existing:
        return existing, False
    for name, value in changes.items():
        setattr(report, name, value)
    _validate(report)

    def write(stored):
        Report.objects.filter(pk=report.pk).update(updated_at=timezone.now(), **changes)
        update = ReportUpdate.objects.create(
            report=report,
            kind=ReportUpdate.Kind.FOLLOW_UP,
            author=user,
            text=note,
            client_token=client_token,
        )
        feedback.publish_changed(report)
        joc_services.report_followed_up(report, update)
        return update

    return _write_once(write, ReportUpdate, client_token, report_id=report.pk)


def check_photos(files):
    """Check every file (content, size, count); ValidationError listing each one refused."""
    if len(files) > photo_checks.MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(count)s photos.") % {"count": photo_checks.MAX_PHOTOS}}
        )
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(photo_checks.check(upload))
        except ValidationError as refused:
            errors.extend(refused.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return checked


def _check_may_report(user, cwg):
    if not permissions.speaks_for(user, cwg.pk):
        raise PermissionDenied("Only a representative of this CWG may report for it.")
    if not permissions.can_report(user):
        raise PermissionDenied(
            f"{cwg.name} is {cwg.get_status_display().lower()}: it cannot report."
        )


def _by_token(model, client_token, **owner):
    """The row already stored with this token, or None; a token someone else used is refused."""
    found = model.objects.filter(client_token=client_token).first()
    if found is not None and any(getattr(found, key) != value for key, value in owner.items()):
        raise PermissionDenied(_("This form was already used for another report."))
    return found


def _ward_from_location(report):
    """The ward containing the report's coordinates, when the city's boundaries are loaded and
    the point lies inside one; otherwise the report keeps the ward it was given."""
    lat, lng = report.latitude, report.longitude
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return
    ward_pk = geo.ward_at(lat, lng)
    if ward_pk is not None:
        report.ward_id = ward_pk


def _validate(report):
    errors = {}
    # Related rows already loaded (the sender's CWG and user, the form's category and ward)
    # exist: checking them again would only repeat their queries.
    loaded = {
        field.name
        for field in report._meta.concrete_fields
        if field.is_relation and field.is_cached(report)
    }
    try:
        report.full_clean(
            exclude={"reference", "client_token", "incident", "exercise"} | loaded,
            validate_unique=False,
        )
    except ValidationError as invalid:
        errors = invalid.message_dict
    if report.observed_at and report.observed_at > timezone.now() + CLOCK_SKEW:
        errors.setdefault("observed_at", []).append(_("This is in the future."))
    if report.observed_at and report.observed_at < EARLIEST_OBSERVED:
        errors.setdefault("observed_at", []).append(_("Give a date from the year 2000 on."))
    if (report.latitude is None) != (report.longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    if report.latitude is not None and not -90 <= report.latitude <= 90:
        errors.setdefault("latitude", []).append(_("A latitude lies between -90 and 90."))
    if report.longitude is not None and not -180 <= report.longitude <= 180:
        errors.setdefault("longitude", []).append(_("A longitude lies between -180 and 180."))
    if errors:
        raise ValidationError(errors)


def _write_once(write, model, client_token, **owner):
    """Run `write` in one transaction; returns (row, True). If the unique client token refuses
    it because a concurrent submission won, returns (the winner's row, False). Files written
    by a rolled-back attempt are deleted."""
    stored = []
    try:
        with transaction.atomic():
            return write(stored), True
    except Exception as failed:
        _delete_files(stored)
        winner = isinstance(failed, IntegrityError) and _by_token(model, client_token, **owner)
        if not winner:
            raise
        return winner, False


def _store_photos(report, checked, stored, update=None):
    """Write the files and their rows (returned); `stored` collects the files, to delete them
    again if the transaction rolls back (the loser of a race, a failure in triage)."""
    rows = []
    for photo in checked:
        row = ReportPhoto(
            report=report,
            update=update,
            content_type=photo.content_type,
            size=photo.size,
            exif_latitude=photo.latitude,
            exif_longitude=photo.longitude,
        )
        row.original.save(f"original.{photo.extension}", photo.upload, save=False)
        stored.append(row.original)
        row.public.save(f"public.{photo.extension}", photo.public, save=False)
        stored.append(row.public)
        row.thumbnail.save(f"thumbnail.{photo.extension}", photo.thumbnail, save=False)
        stored.append(row.thumbnail)
        row.save()
        rows.append(row)
    return rows


def _delete_files(files):
    for file in files:
        file.delete(save=False)
