"""Two requests racing for a CWG's last seat, each in its own transaction on its own connection
(PostgreSQL): the database's constraint lets one win; the other gets the clear message."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from cwg import services
from cwg.models import CommunityWatchGroup, Representative
from tests import factories


def race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("won")
        except services.RepresentativeRefused as refused:
            outcomes.append(str(refused))
        except Exception as error:
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def newcomer(n):
    return services.Person("New", f"Person{n}", f"new{n}@example.org", f"+2783555{n:04d}")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_adds_for_the_last_seat_end_with_two_representatives(postgres_only):
    first = factories.RepresentativeFactory(seat=1)
    cwg = first.cwg
    outcomes = race(
        [
            lambda n=n: services.add_representative(cwg, newcomer(n), None, site_url="http://x/")
            for n in (1, 2)
        ]
    )
    assert outcomes[1] == "won"
    assert "already has two active representatives" in outcomes[0]
    assert cwg.representatives.active().count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_replacements_of_one_seat_leave_one_holder(postgres_only):
    first = factories.RepresentativeFactory(seat=1)
    factories.RepresentativeFactory(cwg=first.cwg, seat=2)
    cwg = first.cwg
    outcomes = race(
        [
            lambda n=n: services.replace_representative(
                cwg, 2, newcomer(n), first.user, site_url="http://x/"
            )
            for n in (3, 4)
        ]
    )
    assert outcomes[1] == "won"
    assert "already has two active representatives" in outcomes[0]
    assert list(cwg.representatives.active().values_list("seat", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_four_applications_naming_one_new_email_at_once_make_one_account(postgres_only):
    ward = factories.WardFactory(number=54)
    same = services.Person("Same", "Person", "same@example.org", "+27835550001")

    def apply(n):
        services.register_cwg(
            name=f"Watch {n}",
            area_description="Main Road",
            wards=[ward],
            contact_email=f"c{n}@example.org",
            contact_phone="+27215550100",
            people=[same],
            site_url="http://x/",
        )

    outcomes = race([lambda n=n: apply(n) for n in range(4)])
    assert outcomes == ["won"] * 4  # no error for any applicant
    user = User.objects.get(username="same@example.org")
    assert Representative.objects.filter(user=user).count() == 1
    assert CommunityWatchGroup.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_representatives_replacing_each_other_at_once_keep_one_seat(postgres_only):
    for trial in range(3):
        first = factories.RepresentativeFactory(seat=1)
        second = factories.RepresentativeFactory(cwg=first.cwg, seat=2)
        cwg = first.cwg
        outcomes = race(
            [
                lambda t=trial: services.replace_representative(
                    cwg, 2, newcomer(10 + 2 * t), first.user, site_url="http://x/", actor_seat=1
                ),
                lambda t=trial: services.replace_representative(
                    cwg, 1, newcomer(11 + 2 * t), second.user, site_url="http://x/", actor_seat=2
                ),
            ]
        )
        assert outcomes[1] == "won"
        assert "You no longer hold a seat" in outcomes[0]
        holders = set(cwg.representatives.active().values_list("user_id", flat=True))
        assert len(holders) == 2
        assert len(holders & {first.user_id, second.user_id}) == 1
