"""Nothing doubled, on PostgreSQL with real concurrent transactions on their own connections:
the unique client token lets one submission win, and the others return the winner's report."""

import threading
import time
import uuid

import pytest
from django.db import connection, connections, transaction

from reports.models import Report
from tests.reports import images
from tests.reports.test_services import submit

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(action, results):
    def run():
        try:
            results.append(action())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_concurrent_submissions_of_one_token_store_one_report(postgres_only, representative):
    token = uuid.uuid4()
    barrier = threading.Barrier(4)
    results = []

    def tap():
        barrier.wait()
        return submit(representative, token=token)

    for thread in [in_thread(tap, results) for _ in range(4)]:
        thread.join()
    assert Report.objects.count() == 1
    assert {report.pk for report, _ in results} == {Report.objects.get().pk}
    assert sorted(created for _, created in results) == [False, False, False, True]


def test_the_loser_of_a_race_waits_for_the_winner_and_returns_its_report(
    postgres_only, representative, settings
):
    """The winner's transaction is still open when the retry arrives: the retry cannot see its
    row, inserts, waits on the unique index, and once the winner commits returns its report."""
    token = uuid.uuid4()
    inserted, release = threading.Event(), threading.Event()
    won, lost = [], []

    def winner():
        with transaction.atomic():
            result = submit(representative, photos=[images.png()], token=token)
            inserted.set()
            release.wait(timeout=30)
        return result

    first = in_thread(winner, won)
    assert inserted.wait(timeout=30)
    second = in_thread(lambda: submit(representative, photos=[images.png()], token=token), lost)
    assert wait_for_a_blocked_insert(), "the retry never waited on the winner's row"
    release.set()
    first.join()
    second.join()
    (report, created), (same, created_again) = won[0], lost[0]
    assert created and not created_again and same == report
    assert Report.objects.count() == 1
    # The loser's files went with its rolled-back transaction: only the winner's three remain
    # (the original, the stripped copy, the thumbnail).
    assert len(list((settings.MEDIA_ROOT / "reports").iterdir())) == 3


def wait_for_a_blocked_insert(timeout=20):
    with connections["default"].cursor() as cursor:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False
