"""A report's ward follows its location: with coordinates inside a ward, the report is in that
ward unless the representative picked another; without coordinates, the chosen ward stands."""

import uuid

import pytest

from reports.models import Report
from tests import factories

pytestmark = pytest.mark.django_db
NEW = "/reports/new/"


@pytest.fixture
def wards(representative):
    wards = factories.import_ward_grid()
    representative.cwg.wards.set([wards[1]])  # the form starts on ward 1
    return wards


def post(client, wards, point=None, ward=1, **extra):
    lat, lng = point or ("", "")
    data = {
        "category": factories.CategoryFactory(slug="fire").pk,
        "description": "Shack fire",
        "location_text": "Behind the clinic",
        "ward": wards[ward].pk,
        "latitude": lat,
        "longitude": lng,
        "observed_at": "2024-11-01T10:15",
        "source": "eyewitness",
        "urgency": "urgent",
        "client_token": str(uuid.uuid4()),
    }
    response = client.post(NEW, data | extra)
    assert response.status_code == 302, response.content.decode()
    return Report.objects.latest("pk")


def test_the_location_filled_by_the_page_decides_the_ward(rep_client, wards):
    report = post(rep_client, wards, factories.grid_point(5), ward=5, ward_source="location")
    assert report.ward == wards[5]
    assert report.incident.ward == wards[5]


def test_without_javascript_coordinates_move_the_untouched_ward(rep_client, wards):
    report = post(rep_client, wards, factories.grid_point(9), ward=1)
    assert report.ward == wards[9]
    # The form says which ward it offered (a form rendered before that field: the CWG's first).
    offered = {"ward_offered": wards[1].pk}
    assert post(rep_client, wards, factories.grid_point(9), ward=1, **offered).ward == wards[9]
    html = rep_client.get(NEW).content.decode()
    assert f'name="ward_offered" value="{wards[1].pk}"' in html


def test_the_representative_can_correct_the_locations_ward(rep_client, wards):
    # Standing on the border of 5, the phone placed them in 5; they know it is 2.
    report = post(rep_client, wards, factories.grid_point(5), ward=2, ward_source="sender")
    assert report.ward == wards[2]
    # Without JavaScript, a ward changed from the form's first choice counts as chosen.
    report = post(rep_client, wards, factories.grid_point(5), ward=3)
    assert report.ward == wards[3]
    offered = {"ward_offered": wards[1].pk}
    assert post(rep_client, wards, factories.grid_point(5), ward=3, **offered).ward == wards[3]


def test_a_report_without_coordinates_keeps_the_chosen_ward(rep_client, wards):
    assert post(rep_client, wards, ward=4).ward == wards[4]
    assert post(rep_client, wards, ward=1, ward_source="location").ward == wards[1]


def test_coordinates_outside_every_ward_keep_the_chosen_ward(rep_client, wards):
    report = post(rep_client, wards, (-34.5, 18.0), ward=1, ward_source="location")
    assert report.ward == wards[1]


def test_the_form_fills_the_ward_from_the_location_and_hides_raw_coordinates(rep_client, wards):
    html = rep_client.get(NEW).content.decode()
    assert 'name="ward_source"' in html
    assert 'data-ward-at="/cwg/wards/at/"' in html
    assert '<details class="coordinates"' in html  # latitude/longitude boxes only when asked
    assert '<details class="coordinates" open' not in html
    # A form sent back with a coordinate error shows them.
    data = {"latitude": "-33.9", "longitude": "", "client_token": str(uuid.uuid4())}
    again = rep_client.post(NEW, data).content.decode()
    assert '<details class="coordinates" open' in again
