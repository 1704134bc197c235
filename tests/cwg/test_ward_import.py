"""Importing ward boundaries (`manage.py import_wards`), neighbours from shared borders, and the
point-in-ward lookup, on small square wards of the tests' own."""

import json

import pytest
from django.core.management import CommandError, call_command

from cwg import geo
from cwg.models import Ward
from tests import factories

pytestmark = pytest.mark.django_db


def write(tmp_path, collection, name="wards.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(collection) if not isinstance(collection, str) else collection)
    return path


def run(path, *args):
    from io import StringIO

    out = StringIO()
    call_command("import_wards", str(path), *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Everything the import writes, to show a refused file changed nothing."""
    return [
        (
            w.number,
            w.name,
            w.boundary,
            w.latitude,
            w.longitude,
            sorted(n.number for n in w.neighbours.all()),
        )
        for w in Ward.objects.prefetch_related("neighbours")
    ]


def test_a_good_file_updates_the_wards_in_place_and_creates_missing_ones(tmp_path):
    # Wards 1-116 exist as placeholders; 117 and 118 are new.
    numbers = [1, 2, 3, 4, 5, 6, 7, 117, 118]
    output = run(write(tmp_path, factories.ward_grid(numbers)))
    assert "Imported 9 wards from wards.geojson: 2 created, 7 changed, 0 unchanged." in output
    assert "Created: wards 117, 118." in output
    assert "Not in the file, left in place: wards 8, 9, 10," in output
    assert "boundaries were removed" not in output  # placeholders had none
    ward = Ward.objects.get(number=117)
    assert ward.name == "Test ward 117"
    assert ward.boundary == factories.square(18.40 + 0.01, -33.95 + 0.02)
    assert ward.bbox == pytest.approx([18.41, -33.93, 18.42, -33.92])
    assert (ward.latitude, ward.longitude) == pytest.approx(factories.grid_point(117, numbers))
    assert Ward.objects.get(number=8).boundary is None  # not in the file: left alone


def test_importing_the_same_file_again_changes_nothing(tmp_path):
    path = write(tmp_path, factories.ward_grid())
    run(path)
    before = snapshot()
    stamps = list(Ward.objects.values_list("boundary_changed_at", flat=True))
    output = run(path)
    assert "Imported 9 wards from wards.geojson: 0 created, 0 changed, 9 unchanged." in output
    assert "Changed:" not in output
    assert snapshot() == before
    assert list(Ward.objects.values_list("boundary_changed_at", flat=True)) == stamps


def test_a_moved_boundary_or_a_new_name_is_a_change(tmp_path):
    run(write(tmp_path, factories.ward_grid()))
    collection = factories.ward_grid()
    collection["features"][0]["properties"]["ward_name"] = "Harbour"
    output = run(write(tmp_path, collection))
    assert "0 created, 1 changed, 8 unchanged" in output
    assert "Changed: wards 1." in output
    assert str(Ward.objects.get(number=1)) == "Ward 1 (Harbour)"


def test_neighbours_are_the_wards_sharing_a_border_not_a_corner(tmp_path):
    run(write(tmp_path, factories.ward_grid()))
    middle = Ward.objects.get(number=5)
    assert sorted(w.number for w in middle.neighbours.all()) == [2, 4, 6, 8]
    corner = Ward.objects.get(number=1)
    assert sorted(w.number for w in corner.neighbours.all()) == [2, 4]
    # The placeholders' neighbours-by-number are gone for imported wards (1 is not next to 10).
    assert not Ward.objects.get(number=9).neighbours.filter(number=10).exists()


def test_wards_split_by_a_small_gap_of_float_noise_are_still_neighbours(tmp_path):
    collection = factories.ward_grid([1, 2], columns=2)
    # Ward 2's west edge sits 0.5 m east of ward 1's east edge, as GIS exports do.
    ring = collection["features"][1]["geometry"]["coordinates"][0]
    for point in ring:
        if point[0] == pytest.approx(18.41):
            point[0] += 0.000005
    run(write(tmp_path, collection))
    assert [w.number for w in Ward.objects.get(number=1).neighbours.all()] == [2]


def test_a_file_with_a_broken_polygon_is_refused_whole(tmp_path):
    run(write(tmp_path, factories.ward_grid()))
    before = snapshot()
    collection = factories.ward_grid()
    collection["features"][0]["properties"]["ward_name"] = "Renamed"  # a valid change...
    # ...and a bow-tie: the ring crosses itself.
    collection["features"][4]["geometry"]["coordinates"] = [
        [[18.41, -33.94], [18.42, -33.93], [18.42, -33.94], [18.41, -33.93], [18.41, -33.94]]
    ]
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path, collection, "broken.geojson"))
    message = str(refused.value)
    assert "broken.geojson: The ward boundary file was not imported" in message
    assert "feature 5 (ward 5): the polygon is invalid: Self-intersection" in message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda f: f["properties"].pop("ward"),
            "feature 2: no ward number property 'ward' (it has: ward_name)",
        ),
        (
            lambda f: f["properties"].pop("ward_name"),
            "feature 2 (ward 2): no ward name property 'ward_name' (it has: ward)",
        ),
        (
            lambda f: f["properties"].update(ward="two"),
            "feature 2: the ward number 'two' is not a number",
        ),
        (
            lambda f: f.update(geometry={"type": "Point", "coordinates": [18.4, -33.9]}),
            "feature 2 (ward 2): the geometry must be a Polygon or MultiPolygon, not 'Point'",
        ),
        (
            lambda f: f["properties"].update(ward=1),
            "feature 2: ward 1 again (first in feature 1)",
        ),
        (
            lambda f: f["geometry"].update(coordinates=[[[18.4, -33.9], [18.5]]]),
            "feature 2 (ward 2): the polygon's coordinates cannot be read",
        ),
    ],
)
def test_a_file_with_missing_or_wrong_properties_is_refused(tmp_path, change, expected):
    before = snapshot()
    collection = factories.ward_grid()
    change(collection["features"][1])
    with pytest.raises(CommandError, match="was not imported") as refused:
        run(write(tmp_path, collection))
    assert expected in str(refused.value)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "Feature"}), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "has no features"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path, content, expected):
    with pytest.raises(CommandError, match=expected):
        run(write(tmp_path, content))


def test_a_missing_file_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nowhere.geojson"):
        run(tmp_path / "nowhere.geojson")


def test_property_names_are_configurable(tmp_path):
    collection = factories.ward_grid([1, 2], columns=2)
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {"WARD_NO": str(props["ward"]), "WARD_LABEL": "Sea Point"}
    output = run(
        write(tmp_path, collection), "--number-property", "WARD_NO", "--name-property", "WARD_LABEL"
    )
    assert "0 created, 2 changed" in output
    assert Ward.objects.get(number=2).name == "Sea Point"
    output = run(write(tmp_path, collection), "--number-property", "WARD_NO", "--name-property", "")
    assert "0 created, 2 changed" in output  # names cleared
    assert Ward.objects.get(number=2).name == ""


def test_the_point_in_ward_lookup_follows_a_new_import(tmp_path):
    assert geo.ward_at(*factories.grid_point(5)) is None  # placeholders: no boundaries
    run(write(tmp_path, factories.ward_grid()))
    for number in (1, 5, 9):
        assert geo.ward_at(*factories.grid_point(number)) == Ward.objects.get(number=number).pk
    assert geo.ward_at(-33.80, 18.40) is None  # north of the grid
    # Renumber the grid: the old wards lose their boundaries (the rows stay), and this
    # process's index sees the new boundaries at once.
    output = run(write(tmp_path, factories.ward_grid(range(11, 20))))
    assert "Their old boundaries were removed: wards 1, 2, 3, 4, 5, 6, 7, 8, 9." in output
    assert geo.ward_at(*factories.grid_point(5)) == Ward.objects.get(number=15).pk
    assert Ward.objects.get(number=5).boundary is None
    assert not Ward.objects.get(number=5).neighbours.exists()


def test_a_point_on_a_shared_border_belongs_to_the_lower_numbered_ward(tmp_path):
    run(write(tmp_path, factories.ward_grid()))
    lat, lng = factories.grid_point(5)
    on_border = (lat, 18.42)  # between 5 and 6
    assert geo.ward_at(*on_border) == Ward.objects.get(number=5).pk
