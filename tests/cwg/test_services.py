"""The CWG state changes and the two-seat guarantee, through the services."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import IntegrityError, transaction

from cwg import services
from cwg.models import CommunityWatchGroup, CWGStatusChange, Representative
from tests import factories
from watchline import permissions

pytestmark = pytest.mark.django_db
S = CommunityWatchGroup.Status
SITE = "https://watchline.example.org/"


def person(n):
    return services.Person(f"First{n}", f"Last{n}", f"person{n}@example.org", f"+2782555{n:04d}")


def register(**overrides):
    fields = {
        "name": "Sea Point Watch",
        "area_description": "Beach Road to Main Road",
        "wards": [factories.WardFactory(number=54)],
        "contact_email": "coord@example.org",
        "contact_phone": "+27821234567",
        "people": [person(1), person(2)],
        "site_url": SITE,
    }
    return services.register_cwg(**(fields | overrides))


def test_registration_creates_a_pending_cwg_with_inactive_representatives():
    cwg = register()
    assert cwg.status == S.PENDING and cwg.reference.startswith("CWG-")
    reps = list(cwg.representatives.active().select_related("user"))
    assert [r.seat for r in reps] == [1, 2]
    for rep in reps:
        assert not rep.user.is_active and not rep.user.has_usable_password()
        assert rep.user.username == rep.user.email
        assert rep.user.groups.filter(name=permissions.REPRESENTATIVE_GROUP).exists()
    assert cwg.history.get().to_status == S.PENDING


def test_approval_opens_the_accounts_and_emails_each_a_set_password_link(
    django_capture_on_commit_callbacks,
):
    cwg = register()
    admin = factories.AdminFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_cwg(cwg, admin, "Checked with the ward councillor", site_url=SITE)
    cwg.refresh_from_db()
    assert cwg.status == S.APPROVED
    assert not User.objects.filter(representative_seats__cwg=cwg, is_active=False).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]
    assert f"{SITE}accounts/reset/" in mail.outbox[0].body
    change = cwg.history.first()
    assert (change.actor, change.from_status, change.to_status) == (admin, S.PENDING, S.APPROVED)
    assert change.reason == "Checked with the ward councillor"


def approve(cwg, actor, reason):
    services.approve_cwg(cwg, actor, reason, site_url=SITE)


@pytest.mark.parametrize(
    "action, start, end",
    [
        (services.reject_cwg, S.PENDING, S.REJECTED),
        (services.suspend_cwg, S.APPROVED, S.SUSPENDED),
        (services.reinstate_cwg, S.SUSPENDED, S.APPROVED),
    ],
)
def test_every_status_change_records_who_when_from_to_and_why(action, start, end):
    cwg = factories.CWGFactory(status=start)
    admin = factories.AdminFactory()
    action(cwg, admin, "Because")
    cwg.refresh_from_db()
    assert cwg.status == end and cwg.status_reason == "Because" and cwg.status_changed_at
    change = CWGStatusChange.objects.get(cwg=cwg)
    assert (change.actor, change.from_status, change.to_status, change.reason) == (
        admin,
        start,
        end,
        "Because",
    )


@pytest.mark.parametrize(
    "action, start",
    [
        (services.suspend_cwg, S.PENDING),
        (services.reject_cwg, S.APPROVED),
        (services.reinstate_cwg, S.APPROVED),
        (approve, S.REJECTED),
    ],
)
def test_a_change_the_status_does_not_allow_is_refused_and_not_recorded(action, start):
    cwg = factories.CWGFactory(status=start)
    with pytest.raises(services.TransitionRefused):
        action(cwg, factories.AdminFactory(), "No")
    cwg.refresh_from_db()
    assert cwg.status == start and not cwg.history.exists()


def test_a_suspended_cwgs_representative_keeps_the_portal_but_cannot_report():
    rep = factories.RepresentativeFactory()
    services.suspend_cwg(rep.cwg, factories.AdminFactory(), "Reports not verified")
    user = User.objects.get(pk=rep.user.pk)
    assert permissions.is_representative(user)
    assert not permissions.can_report(user)


def test_a_second_representative_takes_the_free_seat_and_can_log_in_at_once(
    django_capture_on_commit_callbacks,
):
    first = factories.RepresentativeFactory(seat=1)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.add_representative(first.cwg, person(3), first.user, site_url=SITE)
    assert second.seat == 2 and second.user.is_active and second.added_by == first.user
    assert mail.outbox[0].to == ["person3@example.org"]


def test_a_third_representative_gets_a_clear_message():
    first = factories.RepresentativeFactory(seat=1)
    factories.RepresentativeFactory(cwg=first.cwg, seat=2)
    with pytest.raises(services.RepresentativeRefused, match="already has two active"):
        services.add_representative(first.cwg, person(4), first.user, site_url=SITE)
    assert first.cwg.representatives.active().count() == 2
    assert not User.objects.filter(email="person4@example.org").exists()


def test_the_database_itself_refuses_a_third_active_representative():
    first = factories.RepresentativeFactory(seat=1)
    factories.RepresentativeFactory(cwg=first.cwg, seat=2)
    for seat in (1, 2, 3):
        with pytest.raises(IntegrityError), transaction.atomic():
            Representative.objects.create(
                cwg=first.cwg, user=factories.UserFactory(), seat=seat, phone="+27825550000"
            )


def test_replacing_ends_the_old_seat_and_seats_the_new_person():
    first = factories.RepresentativeFactory(seat=1)
    old = factories.RepresentativeFactory(cwg=first.cwg, seat=2)
    new = services.replace_representative(first.cwg, 2, person(5), first.user, site_url=SITE)
    old.refresh_from_db()
    assert not old.active and old.ended_by == first.user and old.ended_at
    assert new.seat == 2 and new.active
    assert first.cwg.representatives.active().count() == 2


def test_a_pending_cwgs_new_representative_waits_for_approval():
    cwg = register(people=[person(1)])
    rep = services.add_representative(cwg, person(6), None, site_url=SITE)
    assert rep.seat == 2 and not rep.user.is_active


def test_ending_a_seat_frees_it():
    rep = factories.RepresentativeFactory(seat=1)
    services.end_representative(rep, factories.AdminFactory())
    assert not rep.cwg.representatives.active().exists()
    assert permissions.representative_of(User.objects.get(pk=rep.user.pk)) is None


def test_a_rejected_cwgs_people_are_invited_to_confirm_when_they_apply_again(
    django_capture_on_commit_callbacks,
):
    rejected = register()
    services.reject_cwg(rejected, factories.AdminFactory(), "Not a watch group")
    assert not rejected.representatives.active().exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = register(name="Sea Point Neighbourhood Watch")
    assert not again.representatives.exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["person1@example.org", "person2@example.org"]
    assert "/cwg/invitation/" in mail.outbox[0].body
    assert User.objects.filter(email="person1@example.org").count() == 1


def test_an_anonymous_application_never_takes_over_a_former_representatives_account(
    django_capture_on_commit_callbacks,
):
    former = factories.RepresentativeFactory(seat=1)
    services.end_representative(former, factories.AdminFactory())
    user = User.objects.get(pk=former.user_id)
    before = (user.username, user.first_name, user.last_name, user.is_active, user.password)
    evil = services.Person("Evil", "Twin", user.email.upper(), "+27825550999")
    with django_capture_on_commit_callbacks(execute=True):
        cwg = register(people=[evil])
    user.refresh_from_db()
    assert (user.username, user.first_name, user.last_name, user.is_active, user.password) == (
        before
    )
    assert not cwg.representatives.exists()
    assert permissions.representative_of(user) is None
    assert mail.outbox[-1].to == [user.email.lower()] and "not been changed" in mail.outbox[-1].body


def test_an_invited_account_takes_the_seat_once_it_confirms():
    former = factories.RepresentativeFactory(seat=1)
    services.end_representative(former, None)
    cwg = register(people=[person(1), services.Person("A", "B", former.user.email, "+27825550998")])
    token = services.invitation_token(cwg, former.user.email.lower(), 2, "+27825550998")
    found, email, seat, phone = services.read_invitation(token)
    assert (found, seat) == (cwg, 2)
    rep = services.accept_invitation(former.user, found, seat, phone, site_url=SITE)
    assert rep.cwg == cwg and rep.seat == 2 and rep.user == former.user
    with pytest.raises(services.RepresentativeRefused):
        services.accept_invitation(former.user, found, seat, phone, site_url=SITE)


def test_a_tampered_invitation_is_refused():
    cwg = register()
    token = services.invitation_token(cwg, "a@example.org", 1, "+27825550998")
    assert services.read_invitation(token[:-2] + "xx") is None


def test_a_seat_is_never_given_to_a_joc_account():
    factories.OperatorFactory(username="person1@example.org")
    assert services.account_refusal("Person1@example.org")
    with pytest.raises(services.RepresentativeRefused, match="already exists"):
        services.add_representative(factories.CWGFactory(), person(1), None, site_url=SITE)
    cwg = register()
    operator = User.objects.get(username="person1@example.org")
    assert not cwg.representatives.filter(user=operator).exists()
    with pytest.raises(services.RepresentativeRefused, match="another role"):
        services.accept_invitation(operator, cwg, 1, "+27825550001", site_url=SITE)
