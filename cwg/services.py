"""CWG domain actions: one function per action. Each writes its change and its record (a
CWGStatusChange for every status change) in one transaction; emails and the live status update
of the CWG's portals go out after commit."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cwg import geo
from cwg.models import CommunityWatchGroup, CWGStatusChange, Representative, Ward
from cwg.tasks import send_seat_invitation, send_set_password_email
from watchline import live, permissions, references

S = CommunityWatchGroup.Status

SEATS_FULL = (
    "{cwg} already has two active representatives. Replace one of them instead of adding a third."
)


class RepresentativeRefused(Exception):
    """A representative could not be added: both seats are taken, or the account exists."""


class TransitionRefused(Exception):
    """The CWG's current status does not allow this change."""


@dataclass
class Person:
    """Who is to speak for a CWG: becomes a user account and a seat."""

    first_name: str
    last_name: str
    email: str
    phone: str


def register_cwg(
    *,
    name,
    area_description,
    wards,
    contact_email,
    contact_phone,
    people,
    site_url,
    registration_number="",
):
    """A public application: the CWG as pending, with a new inactive account per representative.
    An anonymous form never reuses nor alters an existing account: a person whose email already
    has one is emailed an invitation to take the seat once logged in (`accept_invitation`), and
    the applicant is told nothing different."""
    with transaction.atomic():
        cwg = CommunityWatchGroup(
            name=name,
            area_description=area_description,
            registration_number=registration_number,
            contact_email=contact_email,
            contact_phone=contact_phone,
            status_changed_at=timezone.now(),
        )
        references.save_with_reference(cwg, "CWG")
        cwg.wards.set(wards)
        CWGStatusChange.objects.create(cwg=cwg, to_status=S.PENDING, reason="Applied online")
        # Accounts in one order (by email), so two applications naming the same two new people
        # in opposite orders wait for each other instead of deadlocking.
        accounts = {p.email: _new_account(p) for p in sorted(people, key=lambda p: p.email)}
        for seat, person in enumerate(people, start=1):
            user = accounts[person.email]
            if user is None:
                _invite(cwg, person, seat, site_url)
            else:
                _give_seat(cwg, user, seat, person.phone)
    return cwg


def _new_account(person):
    """A new inactive account for `person`, or None when their email has one already (as its
    username or its email), also when another request created it a moment ago: the database's
    unique username decides that race, never a check in Python alone."""
    email = person.email.strip().lower()
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        return None
    user = User(
        username=email,
        email=email,
        first_name=person.first_name,
        last_name=person.last_name,
        is_active=False,
    )
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        return None
    return user


def _invite(cwg, person, seat, site_url):
    email = person.email.strip().lower()
    token = invitation_token(cwg, email, seat, str(person.phone))
    transaction.on_commit(lambda: send_seat_invitation.enqueue(email, cwg.pk, token, site_url))


INVITATION_SALT = "cwg.seat-invitation"
INVITATION_MAX_AGE = 14 * 24 * 3600


def invitation_token(cwg, email, seat, phone):
    return signing.dumps({"c": cwg.pk, "e": email, "s": seat, "p": phone}, salt=INVITATION_SALT)


def read_invitation(token):
    """The invitation's (cwg, email, seat, phone), or None if the link is bad or too old."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
        cwg = CommunityWatchGroup.objects.get(pk=data["c"])
    except (signing.BadSignature, CommunityWatchGroup.DoesNotExist, KeyError, TypeError):
        return None
    return cwg, data["e"], data["s"], data["p"]


def accept_invitation(user, cwg, seat, phone, *, site_url):
    """The invited person, logged in, takes the seat an application named them for: only if
    their account may hold a seat, the CWG still stands, and the seat is free."""
    with transaction.atomic():
        locked = CommunityWatchGroup.objects.select_for_update().get(pk=cwg.pk)
        refusal = account_refusal(user.username)
        if refusal:
            raise RepresentativeRefused(
                "This account cannot represent a community watch group (it has another role "
                "or already holds a seat)."
            )
        if locked.status == S.REJECTED:
            raise RepresentativeRefused(f"{locked} was not approved.")
        try:
            with transaction.atomic():
                rep = _give_seat(locked, user, seat, phone)
        except IntegrityError:
            raise RepresentativeRefused(
                f"Seat {seat} of {locked} is taken. Ask its representatives or the JOC."
            ) from None
        _welcome(rep, site_url)
        return rep


def approve_cwg(cwg, actor, reason="", *, site_url):
    """Approve an application: its representatives' accounts open and each is emailed a link
    to set a password. `site_url` (e.g. https://watchline.example.org/) roots that link."""
    with transaction.atomic():
        _change_status(cwg, actor, {S.PENDING}, S.APPROVED, reason)
        users = User.objects.filter(representative_seats__in=cwg.representatives.active())
        for user in users:
            _open_account(user, site_url)


def reject_cwg(cwg, actor, reason):
    """A rejected CWG holds no seats: its people may apply again, with another group."""
    with transaction.atomic():
        _change_status(cwg, actor, {S.PENDING}, S.REJECTED, reason)
        for rep in cwg.representatives.active():
            _end(rep, actor)


def suspend_cwg(cwg, actor, reason):
    """A suspended CWG's representatives can still log in and see why, but cannot report, and
    its portals' live sockets close once they have shown the new status."""
    with transaction.atomic():
        _change_status(cwg, actor, {S.APPROVED}, S.SUSPENDED, reason)
        live.access_changed(live.cwg_group(cwg.pk))


def reinstate_cwg(cwg, actor, reason=""):
    _change_status(cwg, actor, {S.SUSPENDED}, S.APPROVED, reason)


def add_representative(cwg, person, actor, *, site_url):
    """Seat `person` in a free seat. Two seats at most, held by the database's constraint: the
    loser of a race for the last seat, or a third representative, gets RepresentativeRefused."""
    with transaction.atomic():
        taken = set(cwg.representatives.active().values_list("seat", flat=True))
        for seat in sorted(set(Representative.Seat.values) - taken):
            rep = _claim_seat(cwg, person, seat, actor)
            if rep is not None:
                _welcome(rep, site_url)
                return rep
            # someone took this seat just now: try the other one
    raise RepresentativeRefused(SEATS_FULL.format(cwg=cwg))


def replace_representative(cwg, seat, person, actor, *, site_url, actor_seat=None):
    """End whoever holds `seat` and seat `person` there, in one transaction. With `actor_seat`
    (a representative replacing the other one) the actor must still hold that seat once the
    CWG is locked, so two representatives replacing each other at once cannot both lose."""
    with transaction.atomic():
        if actor_seat is not None:
            CommunityWatchGroup.objects.select_for_update().get(pk=cwg.pk)
            if not cwg.representatives.active().filter(user=actor, seat=actor_seat).exists():
                raise RepresentativeRefused(f"You no longer hold a seat of {cwg}.")
        for rep in cwg.representatives.active().filter(seat=seat).select_for_update():
            _end(rep, actor)
        rep = _claim_seat(cwg, person, seat, actor)
        if rep is None:
            raise RepresentativeRefused(SEATS_FULL.format(cwg=cwg))
        _welcome(rep, site_url)
        return rep


def _claim_seat(cwg, person, seat, actor):
    """Seat `person` in `seat` on `actor`'s word, or None when the database says another holds
    it already (the loser of a race); any other integrity error is raised."""
    try:
        with transaction.atomic():
            return _seat(cwg, person, seat, active_user=cwg.status != S.PENDING, added_by=actor)
    except IntegrityError:
        if not cwg.representatives.active().filter(seat=seat).exists():
            raise
        return None


def end_representative(rep, actor):
    """Free a seat. The user keeps their account but no longer speaks for the CWG."""
    with transaction.atomic():
        _end(rep, actor)


def account_refusal(email):
    """Why `email` cannot be given a seat, or "" if it can. An account is reused only if it
    belongs to a former representative (seat ended, or CWG rejected): never a JOC user's."""
    user = User.objects.filter(username__iexact=email.strip()).first()
    if user is None:
        return ""
    roles = set(user.groups.values_list("name", flat=True)) - {permissions.REPRESENTATIVE_GROUP}
    if roles or user.is_staff or user.representative_seats.filter(active=True).exists():
        return "An account with this email address already exists."
    return ""


def _seat(cwg, person, seat, *, active_user, added_by=None):
    """Give the person an account (inactive until their CWG is approved) and the seat: on a
    city admin's or a representative's word, a former representative's account is reused."""
    email = person.email.strip().lower()
    refusal = account_refusal(email)
    if refusal:
        raise RepresentativeRefused(refusal)
    user = User.objects.filter(username__iexact=email).first() or User(username=email)
    user.email = email
    user.first_name = person.first_name
    user.last_name = person.last_name
    if user.pk is None:
        user.is_active = active_user
        user.set_unusable_password()
    else:
        user.is_active = user.is_active or active_user  # never locks a former representative out
    user.save()
    return _give_seat(cwg, user, seat, person.phone, added_by=added_by)


def _give_seat(cwg, user, seat, phone, *, added_by=None):
    user.groups.add(Group.objects.get_or_create(name=permissions.REPRESENTATIVE_GROUP)[0])
    return Representative.objects.create(
        cwg=cwg, user=user, seat=seat, phone=phone, added_by=added_by
    )


def _welcome(rep, site_url):
    """A representative seated in a CWG that is already approved (or suspended) can log in."""
    if rep.user.is_active:
        _open_account(rep.user, site_url)


def _open_account(user, site_url):
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    transaction.on_commit(lambda: send_set_password_email.enqueue(user.pk, site_url))


def _end(rep, actor):
    rep.active = False
    rep.ended_at = timezone.now()
    rep.ended_by = actor
    rep.save(update_fields=["active", "ended_at", "ended_by"])
    live.access_changed(live.user_group(rep.user_id))


def _change_status(cwg, actor, allowed_from, to_status, reason):
    with transaction.atomic():
        locked = CommunityWatchGroup.objects.select_for_update().get(pk=cwg.pk)
        if locked.status not in allowed_from:
            raise TransitionRefused(
                f"{cwg} is {locked.get_status_display().lower()}: "
                f"it cannot become {S(to_status).label.lower()}."
            )
        CWGStatusChange.objects.create(
            cwg=cwg, actor=actor, from_status=locked.status, to_status=to_status, reason=reason
        )
        cwg.status = to_status
        cwg.status_reason = reason
        cwg.status_changed_at = timezone.now()
        cwg.save(update_fields=["status", "status_reason", "status_changed_at"])
        context = {"cwg": cwg, "can_report": cwg.is_approved}
        live.publish(live.cwg_group(cwg.pk), "cwg/live/status.html", context)


# --- Ward boundaries -------------------------------------------------------------------------


@dataclass
class WardImport:
    """What an import did, by ward number: created, changed, unchanged; the wards the file does
    not have are left in the database (reports refer to them), and those that had a boundary
    lose it (`unbounded`), so no point falls in a ward the city no longer has."""

    created: list
    changed: list
    unchanged: list
    left: list
    unbounded: list


@transaction.atomic
def import_ward_boundaries(shapes):
    """Store the wards read from a boundary file (`geo.read_boundaries`): create missing wards,
    update names, boundaries and centres in place, and set every imported ward's neighbours to
    the wards sharing a border with it. Running it again with the same file changes nothing."""
    stored = {w.number: w for w in Ward.objects.select_for_update().order_by("number")}
    now = timezone.now()
    result = WardImport([], [], [], [], [])
    for shape in shapes:
        ward = stored.get(shape.number)
        latitude, longitude = shape.centre
        values = {
            "name": shape.name,
            "boundary": shape.geojson,
            "bbox": shape.bbox,
            "latitude": latitude,
            "longitude": longitude,
        }
        if ward is None:
            stored[shape.number] = Ward.objects.create(
                number=shape.number, boundary_changed_at=now, **values
            )
            result.created.append(shape.number)
        elif any(getattr(ward, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(ward, name, value)
            ward.boundary_changed_at = now
            ward.save()
            result.changed.append(shape.number)
    imported = {s.number for s in shapes}
    result.left = sorted(set(stored) - imported)
    for number in result.left:
        ward = stored[number]
        if ward.boundary is not None:
            ward.boundary = ward.bbox = None
            ward.boundary_changed_at = now
            ward.save(update_fields=["boundary", "bbox", "boundary_changed_at"])
            ward.neighbours.clear()
            result.unbounded.append(number)
    _set_neighbours(shapes, stored, result)
    changed = set(result.created) | set(result.changed)
    result.unchanged = sorted(imported - changed)
    transaction.on_commit(geo.invalidate)
    return result


def _set_neighbours(shapes, stored, result):
    wanted = {s.number: set() for s in shapes}
    for a, b in geo.neighbour_pairs(shapes):
        wanted[a].add(b)
        wanted[b].add(a)
    by_pk = {w.pk: number for number, w in stored.items()}
    current = {number: set() for number in wanted}
    through = Ward.neighbours.through.objects.values_list("from_ward_id", "to_ward_id")
    for from_pk, to_pk in through:
        if by_pk.get(from_pk) in current:
            current[by_pk[from_pk]].add(by_pk[to_pk])
    for number, neighbours in wanted.items():
        if current[number] != neighbours:
            stored[number].neighbours.set([stored[n] for n in neighbours])
            if number not in result.created and number not in result.changed:
                result.changed.append(number)
    result.changed.sort()
