"""Every after-action figure, from incidents handled through the real actions at fixed clocks:
the expected values are worked out by hand from those times."""

from datetime import timedelta

import pytest

from alerts import services as alert_services
from alerts.models import AlertRecipient
from cwg.models import Ward
from exercises import figures, services
from exercises.figures import Scope, percentile
from tests import factories
from tests.exercises.helpers import (
    acknowledge,
    at,
    clock,
    confirm,
    debunk,
    dispatch,
    move_unit,
    send,
    verify,
)

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def test_percentiles_are_order_statistics():
    assert percentile([3, 1, 4, 2], 0.5) == 2.5  # an even count: the mean of the middle two
    assert percentile([5, 1, 3], 0.5) == 3
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None
    assert percentile(list(range(11)), 0.9) == 9
    assert percentile([2 * MIN, 4 * MIN, 6 * MIN, 8 * MIN], 0.9) == 7.4 * MIN


@pytest.fixture
def people():
    ward1, ward2 = Ward.objects.get(number=1), Ward.objects.get(number=2)
    return {
        "a": factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward1])),
        "b": factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward2])),
        "op1": factories.OperatorFactory(username="op1"),
        "op2": factories.OperatorFactory(username="op2"),
        "wards": [ward1, ward2],
    }


@pytest.fixture
def operations(people):
    """A morning of real operations, every step at a known time."""
    a, b, op1, op2 = people["a"], people["b"], people["op1"], people["op2"]
    unit = factories.ResourceFactory(call_sign="FIRE-1")
    with clock(at(10, 0)):
        i1 = send(a, observed=at(9, 58)).incident
    with clock(at(10, 2)):
        acknowledge(i1, op1)
    with clock(at(10, 5)):
        verify(i1, op1)
    with clock(at(10, 8)):
        confirm(i1, op1)
    with clock(at(10, 10)):
        i2 = send(b, category="flood", latitude=-33.80, observed=at(10, 9)).incident
    with clock(at(10, 11)):
        alert = alert_services.compose(
            op1,
            title="Fire on Main Road",
            message="Keep clear.",
            severity="warning",
            wards=people["wards"],
            all_wards=False,
            expires_at=None,
            incident=i1,
        )
    with clock(at(10, 12)):
        dispatch(i1, op1, unit)
    with clock(at(10, 13)):
        move_unit(i1, op1)  # en route
    with clock(at(10, 14)):
        alert_services.acknowledge(AlertRecipient.objects.get(alert=alert, cwg=a.cwg), a.user, 1)
    with clock(at(10, 15)):
        move_unit(i1, op1)  # on scene
    with clock(at(10, 16)):
        acknowledge(i2, op2)
    with clock(at(10, 20)):
        debunk(i2, op2)
    with clock(at(10, 21)):
        alert_services.acknowledge(AlertRecipient.objects.get(alert=alert, cwg=b.cwg), b.user, 1)
    with clock(at(10, 30)):
        i3 = send(a, category="protest", latitude=-33.70, observed=at(10, 29)).incident
    with clock(at(10, 34)):
        acknowledge(i3, op1)
    with clock(at(10, 40)):
        i4 = send(a, category="crime-in-progress", latitude=-33.60, observed=at(10, 40)).incident
    with clock(at(10, 48)):
        acknowledge(i4, op2)
    return {"incidents": [i1, i2, i3, i4], "alert": alert}


def rows(report, name):
    return report.table(name).rows


def test_times_between_milestones_with_medians_p90s_and_counts(operations):
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    summary = {row[0]: row[1:] for row in rows(report, "summary")}
    # Acknowledged after 2, 6, 4 and 8 minutes: an even count.
    assert summary["report → acknowledged"] == [4, 5 * MIN, 7.4 * MIN]
    assert summary["report → verifying"] == [1, 5 * MIN, 5 * MIN]
    # Verified after 8 (confirmed) and 10 (debunked) minutes.
    assert summary["report → verified or debunked"] == [2, 9 * MIN, 9.8 * MIN]
    assert summary["verified → first dispatch"] == [1, 4 * MIN, 4 * MIN]
    assert summary["first dispatch → on scene"] == [1, 3 * MIN, 3 * MIN]
    assert summary["report → resolved"] == [0, None, None]


def test_per_incident_milestones_and_intervals(operations):
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    first = rows(report, "incidents")[0]
    columns = report.table("incidents").columns
    row = dict(zip(columns, first, strict=True))
    assert row["reported"] == at(10, 0)
    assert row["acknowledged"] == at(10, 2)
    assert row["verifying"] == at(10, 5)
    assert row["verified or debunked"] == at(10, 8)
    assert row["first dispatch"] == at(10, 12)
    assert row["on scene"] == at(10, 15)
    assert row["resolved"] is None
    assert row["report → acknowledged"] == 2 * MIN
    assert len(rows(report, "incidents")) == 4


def test_per_cwg_reports_and_how_soon_after_the_event(operations, people):
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    by_cwg = {row[0]: row[1:] for row in rows(report, "cwgs")}
    # CWG a: 2, 1 and 0 minutes after the event was observed; CWG b: 1 minute.
    assert by_cwg[people["a"].cwg.name] == [3, 1 * MIN, 1.8 * MIN]
    assert by_cwg[people["b"].cwg.name] == [1, 1 * MIN, 1 * MIN]


def test_per_operator_incidents_handled_and_time_to_acknowledge(operations):
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    by_operator = {row[0]: row[1:] for row in rows(report, "operators")}
    assert by_operator["op1"] == [2, 2, 3 * MIN, 3.8 * MIN]  # 2 and 4 minutes
    assert by_operator["op2"] == [2, 2, 7 * MIN, 7.8 * MIN]  # 6 and 8 minutes


def test_per_alert_confirmation_to_alert_and_acknowledged_shares(operations):
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    [alert] = rows(report, "alerts")
    title, sent, to_alert, targeted, within5, within15 = alert
    assert (title, sent, to_alert, targeted) == ("Fire on Main Road", at(10, 11), 3 * MIN, 2)
    assert str(within5) == "1/2 (50 %)"  # acknowledged after 3 minutes
    assert str(within15) == "2/2 (100 %)"  # and after 10 minutes


def test_an_empty_period_has_counts_of_zero_and_no_medians(operations):
    report = figures.after_action(Scope.period(at(6, 0), at(7, 0)), now=at(11, 0))
    assert all(row[1:] == [0, None, None] for row in rows(report, "summary"))
    assert all(rows(report, name) == [] for name in ("incidents", "cwgs", "operators", "alerts"))


def test_a_period_of_real_operations_leaves_exercise_incidents_out(operations, people):
    exercise = factories.ExerciseFactory(cwgs=[people["a"].cwg])
    with clock(at(10, 50)):
        send(people["a"], category="other", latitude=-33.5, exercise=exercise)
    report = figures.after_action(Scope.period(at(9, 0), at(11, 0)), now=at(11, 0))
    assert len(rows(report, "incidents")) == 4
    drill = figures.after_action(Scope.for_exercise(exercise), now=at(11, 0))
    assert len(rows(drill, "incidents")) == 1


def test_each_inject_expected_against_actual_met_or_missed_by_how_much(people):
    a, op1 = people["a"], people["op1"]
    exercise = factories.ExerciseFactory(cwgs=[a.cwg])
    first = factories.InjectFactory(
        exercise=exercise,
        number=1,
        representative=a,
        category=factories.CategoryFactory(slug="fire"),
        expect_acknowledge_minutes=2,
        expect_verify_minutes=10,
        expect_alert_minutes=15,
    )
    factories.InjectFactory(
        exercise=exercise,
        number=2,
        offset_seconds=300,
        representative=a,
        latitude=-33.70,
        expect_acknowledge_minutes=1,
    )
    with clock(at(9, 0)):
        services.start(exercise, op1)
        assert services.deliver_due() == 1
    with clock(at(9, 3)):
        acknowledge(_incident(first), op1)
    with clock(at(9, 4, 59)):
        assert services.deliver_due() == 0  # the second is due at 09:05
    with clock(at(9, 5)):
        assert services.deliver_due() == 1
    second = exercise.injects.get(number=2)
    with clock(at(9, 5, 30)):
        acknowledge(_incident(second), op1)
    with clock(at(9, 9)):
        confirm(_incident(first), op1)
    with clock(at(9, 30)):
        services.end(exercise, op1)
    exercise.refresh_from_db()
    report = figures.after_action(Scope.for_exercise(exercise), now=at(9, 30))
    results = [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in rows(report, "injects")]
    assert results == [
        ("1", "acknowledge", 2 * MIN, 3 * MIN, "missed", 1 * MIN),
        ("1", "verify or debunk", 10 * MIN, 9 * MIN, "met", 1 * MIN),
        ("1", "alert the ward", 15 * MIN, None, "missed (not done)", 15 * MIN),
        ("2", "acknowledge", 1 * MIN, 30 * timedelta(seconds=1), "met", 30 * timedelta(seconds=1)),
    ]


def _incident(inject):
    inject.refresh_from_db()
    return inject.report.incident
