"""The wards' outlines for the maps, "which ward is this point in" for the report form, and the
coverage gaps (wards without an approved CWG) on the directory and the alert form."""

import json

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

OUTLINES = "/cwg/wards.geojson"
WARD_AT = "/cwg/wards/at/"


def test_the_outlines_are_the_imported_wards_simplified_for_the_map(operator_client):
    assert json.loads(operator_client.get(OUTLINES).content) == {
        "type": "FeatureCollection",
        "features": [],
    }  # placeholders only: nothing to draw
    wards = factories.import_ward_grid()
    response = operator_client.get(OUTLINES)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert len(data["features"]) == 9
    first = data["features"][0]
    assert first["id"] == wards[1].pk
    assert first["properties"] == {"number": 1, "name": "Test ward 1"}
    assert first["geometry"]["type"] == "Polygon"
    # Unchanged boundaries: the browser's copy is still good.
    again = operator_client.get(OUTLINES, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_a_new_import_changes_the_outlines_etag(operator_client):
    factories.import_ward_grid()
    etag = operator_client.get(OUTLINES)["ETag"]
    factories.import_ward_grid(range(11, 20))
    response = operator_client.get(OUTLINES, headers={"If-None-Match": etag})
    assert response.status_code == 200
    numbers = [f["properties"]["number"] for f in json.loads(response.content)["features"]]
    assert numbers == list(range(11, 20))


def test_the_ward_of_a_point(rep_client):
    wards = factories.import_ward_grid()
    lat, lng = factories.grid_point(6)
    response = rep_client.get(WARD_AT, {"lat": lat, "lng": lng})
    assert response.json() == {
        "ward": {"id": wards[6].pk, "number": 6, "label": "Ward 6 (Test ward 6)"}
    }
    outside = rep_client.get(WARD_AT, {"lat": -34.5, "lng": 18.4}).json()
    assert outside == {"ward": None, "message": "This place is not inside a known ward."}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"lat": "north", "lng": "18.4"},
        {"lat": "-95", "lng": "18.4"},
        {"lat": "nan", "lng": "1"},
    ],
)
def test_a_bad_point_is_a_clear_400(rep_client, query):
    response = rep_client.get(WARD_AT, query)
    assert response.status_code == 400
    assert "lat" in response.json()["errors"]


def test_wards_are_for_signed_in_users_of_a_role(client):
    assert client.get(OUTLINES).status_code == 302
    assert client.get(WARD_AT, {"lat": 1, "lng": 1}).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(OUTLINES).status_code == 403


def test_the_directory_and_the_alert_form_show_the_wards_without_an_approved_cwg(
    operator_client,
):
    from cwg.models import Ward

    covered = [factories.WardFactory(number=n) for n in (1, 2)]
    factories.CWGFactory(wards=covered)
    factories.CWGFactory(wards=[factories.WardFactory(number=3)], status="pending")
    gaps = Ward.objects.without_approved_cwg()
    assert 3 in {w.number for w in gaps}
    assert not {1, 2} & {w.number for w in gaps}
    directory = operator_client.get("/cwg/directory/").content.decode()
    assert f"{gaps.count()} wards without an approved CWG" in directory
    assert 'data-ward-number="3"' in directory
    assert 'data-ward-number="1"' not in directory
    form = operator_client.get("/alerts/new/").content.decode()
    assert f"{gaps.count()} wards without an approved CWG" in form
    numbers = json.loads(
        form.split('id="uncovered-wards" type="application/json">')[1].split("<")[0]
    )
    assert 3 in numbers
    assert 1 not in numbers


def test_an_alert_about_an_incident_targets_its_ward_and_the_wards_sharing_a_border(
    operator_client,
):
    wards = factories.import_ward_grid()
    incident = factories.IncidentFactory(ward=wards[5], status="confirmed")
    form = operator_client.get("/alerts/new/", {"incident": incident.pk}).content.decode()
    assert "Preselected: the incident's ward and its neighbours, wards 2, 4, 5, 6, 8." in form
    for number in (2, 4, 5, 6, 8):
        assert (
            f'name="wards" value="{wards[number].pk}" id="id_wards_{number - 1}" checked>' in form
        )
    assert f'value="{wards[1].pk}" id="id_wards_0">' in form  # only a corner: not ticked
