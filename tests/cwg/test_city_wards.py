"""The City of Cape Town's 2021 wards, imported from the reference file beside the project:
known places fall in their wards, neighbours are real, and a second import changes nothing.
Skips where the file is absent; fails in CI."""

from io import StringIO

import pytest
from django.core.management import call_command

from cwg import geo
from cwg.models import Ward
from tests.conftest import shared_file

pytestmark = pytest.mark.django_db

# (place, latitude, longitude, ward)
KNOWN_PLACES = [
    ("Cape Town CBD", -33.9249, 18.4241, 115),
    ("Beach Road, Sea Point", -33.9155, 18.3893, 54),
    ("Robben Island (ward 54's second polygon)", -33.8067, 18.3667, 54),
    ("Muizenberg", -34.1050, 18.4700, 64),
    ("Somerset West, by the mountains", -34.0833, 18.8500, 84),
]


@pytest.fixture
def city_wards():
    out = StringIO()
    call_command("import_wards", str(shared_file("data/cape-town-wards.geojson")), stdout=out)
    return out.getvalue()


def test_the_city_file_imports_116_wards_where_known_places_lie_in_their_wards(city_wards):
    assert "Imported 116 wards from cape-town-wards.geojson: 0 created, 116 changed" in city_wards
    assert Ward.objects.with_boundary().count() == 116
    assert Ward.objects.get(number=54).boundary["type"] == "MultiPolygon"
    numbers = dict(Ward.objects.values_list("pk", "number"))
    found = [(place, numbers.get(geo.ward_at(lat, lng))) for place, lat, lng, _ in KNOWN_PLACES]
    assert found == [(place, number) for place, _, _, number in KNOWN_PLACES]
    assert geo.ward_at(-33.95, 18.20) is None  # the Atlantic


def test_neighbours_come_from_the_real_borders_and_a_second_import_changes_nothing(city_wards):
    cbd = Ward.objects.get(number=115)
    neighbours = {w.number for w in cbd.neighbours.all()}
    # The CBD borders the Atlantic seaboard (54) and the City Bowl (77); ward 116 is not next
    # to it although its number is.
    assert {54, 77} <= neighbours
    assert 116 not in neighbours
    counts = [w.neighbours.count() for w in Ward.objects.all()]
    assert min(counts) >= 1
    assert max(counts) <= 12
    out = StringIO()
    call_command("import_wards", str(shared_file("data/cape-town-wards.geojson")), stdout=out)
    assert "0 created, 0 changed, 116 unchanged" in out.getvalue()


def test_the_demo_on_the_city_wards_files_reports_in_the_wards_of_their_coordinates(
    city_wards, settings
):
    from reports.models import Report

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    wards = dict(Report.objects.values_list("location_text", "ward__number"))
    # The Woodstock watch's representative reported the Sea Point flood: ward 54, not theirs.
    assert wards == {
        "Beach Road at the Rocklands pavilion": 54,
        "Beach Road, Sea Point": 54,
        "N2 bridge at Site C": 94,
    }
