"""Two requests racing for a CWG's last seat, each in its own transaction on its own connection
(PostgreSQL): the database's constraint lets one win; the other gets the clear message."""

import threading

import pytest
from django.db import connection

from cwg import services
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
