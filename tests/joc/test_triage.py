"""Triage: a new report corroborates a matching open incident or opens a new one."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from joc.models import Incident
from joc.services import haversine_km, triage_report
from reports.models import Report
from tests import factories
from watchline import live

pytestmark = pytest.mark.django_db

MAIN_ROAD = (-33.9249, 18.4241)


def offset(point, km_north):
    return (point[0] + km_north / 111.2, point[1])


def report(lat_lng=MAIN_ROAD, minutes_ago=0, **kwargs):
    lat, lng = lat_lng if lat_lng else (None, None)
    made = factories.ReportFactory(latitude=lat, longitude=lng, **kwargs)
    if minutes_ago:
        Report.objects.filter(pk=made.pk).update(created_at=factories.minutes_ago(minutes_ago))
        made.refresh_from_db()
    return made


def test_a_first_report_opens_an_incident_with_its_priority_and_timeline():
    first = report(urgency=Report.Urgency.LIFE_THREATENING)
    incident = triage_report(first)
    first.refresh_from_db()
    assert first.incident == incident
    assert incident.reference.startswith("I-")
    assert incident.status == Incident.Status.NEW
    assert incident.priority == 1
    assert (incident.latitude, incident.longitude) == MAIN_ROAD
    assert [(e.kind, e.to_value) for e in incident.events.all()] == [("opened", "new")]


def test_reports_within_the_distance_corroborate_one_incident():
    incident = triage_report(report())
    second = report(offset(MAIN_ROAD, 0.6))
    assert triage_report(second) == incident
    triage_report(report(offset(MAIN_ROAD, 0.3), cwg=second.cwg))
    row = Incident.objects.for_dashboard(factories.OperatorFactory()).get()
    assert row.corroboration() == "3 reports from 2 CWGs"
    assert [e.kind for e in incident.events.all()] == ["opened", "report_added", "report_added"]


def test_a_report_beyond_the_distance_opens_its_own_incident(settings):
    settings.TRIAGE_DISTANCE_KM = 1.0
    incident = triage_report(report())
    far = offset(MAIN_ROAD, 1.3)
    assert haversine_km(*MAIN_ROAD, *far) > 1.0
    assert triage_report(report(far)) != incident


def test_the_nearest_of_several_candidates_is_joined():
    near = triage_report(report(offset(MAIN_ROAD, 0.2)))
    triage_report(report(offset(MAIN_ROAD, -0.9)))
    assert triage_report(report(MAIN_ROAD)) == near


def test_another_category_never_joins():
    incident = triage_report(report())
    other = report(category=factories.CategoryFactory(slug="flooding"))
    assert triage_report(other) != incident


def test_without_coordinates_the_same_ward_decides():
    ward_1 = triage_report(report(None))
    assert triage_report(report(None)) == ward_1
    # A report with coordinates joins a ward-only incident of its ward...
    assert triage_report(report(MAIN_ROAD)) == ward_1
    # ...and one in another ward does not.
    elsewhere = report(None, ward=factories.WardFactory(number=77))
    assert triage_report(elsewhere) != ward_1


def test_without_coordinates_a_neighbouring_wards_incident_is_joined_when_none_is_in_the_ward():
    wards = factories.import_ward_grid()
    middle = triage_report(report(None, ward=wards[5]))
    # Ward 2 shares a border with 5; ward 1 touches it only at a corner.
    assert triage_report(report(None, ward=wards[2])) == middle
    corner = triage_report(report(None, ward=wards[1]))
    assert corner != middle
    # The report's own ward comes before its neighbours.
    assert triage_report(report(None, ward=wards[1])) == corner


def test_only_incidents_inside_the_time_window_are_joined(settings):
    settings.TRIAGE_WINDOW_MINUTES = 120
    old = triage_report(report(minutes_ago=180))
    assert triage_report(report()) != old
    recent = triage_report(report(offset(MAIN_ROAD, 5), minutes_ago=100))
    assert triage_report(report(offset(MAIN_ROAD, 5))) == recent


@pytest.mark.parametrize("status", ["unfounded", "merged", "resolved", "closed"])
def test_finished_incidents_are_never_joined(status):
    incident = triage_report(report())
    Incident.objects.filter(pk=incident.pk).update(status=status)
    assert triage_report(report()) != incident


def test_joining_moves_the_incident_up_in_time():
    incident = triage_report(report(minutes_ago=30))
    later = report()
    triage_report(later)
    incident.refresh_from_db()
    assert incident.last_report_at == later.created_at
    assert incident.version == 1  # a new report overrides no operator decision


def test_triage_publishes_to_the_operators_only_after_commit(
    django_capture_on_commit_callbacks, settings
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.OPERATORS, channel)
    with django_capture_on_commit_callbacks() as callbacks:
        incident = triage_report(report(urgency=Report.Urgency.LIFE_THREATENING))
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    message = async_to_sync(layer.receive)(channel)
    assert 'id="queue-signal"' in message["html"]
    assert f'data-incident="{incident.pk}"' in message["html"]
    assert 'data-alarm="true"' in message["html"]
    # A new report leaves the version alone, so pages showing the current version hear of it.
    assert f'id="incident-{incident.pk}-v1"' in message["html"]
    assert "New report R-" in message["html"]
    # The queue row itself travels with the event, marked new for every dashboard: nothing is
    # fetched per dashboard.
    assert f'<tr id="incident-{incident.pk}" class="is-new"' in message["html"]
    assert 'hx-trigger="load"' not in message["html"]


def test_triage_takes_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(30):
        factories.IncidentFactory(latitude=-33.0 - n, longitude=18.0)
    fresh = report()
    with django_assert_max_num_queries(12):
        triage_report(fresh)
