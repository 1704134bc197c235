"""Alerts as CAP 1.2 documents: every kind of version validates against the official schema
(from the reference files beside the project: skipped without them, failing in CI), with the
fields other agencies rely on."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from alerts import cap
from alerts import services as alert_services
from tests import factories
from tests.conftest import shared_file

pytestmark = pytest.mark.django_db

NS = {"cap": cap.CAP_NS}


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(shared_file("fixtures/cap/CAP-v1.2.xsd"))))


@pytest.fixture
def grid():
    return factories.import_ward_grid()


def compose(user, wards=(), all_wards=False, **extra):
    fields = {
        "title": "Armed robbery suspects",
        "message": "Grey Polo seen near the station. Do not approach.",
        "severity": "emergency",
        "wards": list(wards),
        "all_wards": all_wards,
        "expires_at": None,
    }
    return alert_services.compose(user, **(fields | extra))


def documents(alert):
    """Every version's CAP document, parsed, in version order."""
    alert = cap.alerts_with_versions().get(pk=alert.pk)
    return [etree.fromstring(cap.document(alert, v)) for v in alert.versions.all()]


def text(doc, path):
    return doc.findtext(path, namespaces=NS)


def assert_valid(schema, doc):
    assert schema.validate(doc), schema.error_log.filter_from_errors()


def test_every_kind_of_version_is_valid_cap_with_references_to_the_earlier_ones(
    schema, operator, grid
):
    alert = compose(operator, wards=[grid[5], grid[6]], incident=factories.IncidentFactory())
    alert_services.update(
        alert,
        operator,
        kind="update",
        title="Suspects arrested?",
        message="Unconfirmed.",
        severity="warning",
    )
    alert_services.update(
        alert,
        operator,
        kind="all_clear",
        title="Suspects arrested",
        message="All clear.",
        severity="advisory",
    )
    alert_services.cancel(alert, operator, "Sent to the wrong wards.")
    docs = documents(alert)
    for doc in docs:
        assert_valid(schema, doc)
    ids = [text(d, "cap:identifier") for d in docs]
    assert len(set(ids)) == 4
    assert [text(d, "cap:msgType") for d in docs] == ["Alert", "Update", "Update", "Cancel"]
    assert {text(d, "cap:sender") for d in docs} == {"joc@watchline.example"}
    assert {text(d, "cap:status") for d in docs} == {"Actual"}
    sent = [text(d, "cap:sent") for d in docs]
    for value in sent:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+02:00", value)
    assert text(docs[0], "cap:references") is None
    triples = [f"joc@watchline.example,{i},{s}" for i, s in zip(ids, sent, strict=True)]
    assert text(docs[3], "cap:references").split() == triples[:3]
    assert text(docs[1], "cap:references").split() == triples[:1]
    assert text(docs[0], "cap:incidents") == alert.incident.reference
    grades = [
        [text(d, f"cap:info/cap:{f}") for f in ("urgency", "severity", "certainty")] for d in docs
    ]
    assert grades[0] == ["Immediate", "Extreme", "Observed"]
    assert grades[1] == ["Expected", "Severe", "Observed"]
    assert grades[2] == grades[3] == ["Past", "Minor", "Observed"]
    assert text(docs[2], "cap:info/cap:responseType") == "AllClear"
    assert text(docs[3], "cap:info/cap:headline") == "Cancelled: Suspects arrested"
    assert text(docs[3], "cap:info/cap:description") == "Sent to the wrong wards."


def test_the_area_is_each_target_ward_with_its_polygon(schema, operator, grid):
    alert = compose(operator, wards=[grid[5], grid[6]])
    (doc,) = documents(alert)
    assert_valid(schema, doc)
    areas = doc.findall("cap:info/cap:area", NS)
    assert [a.findtext("cap:areaDesc", namespaces=NS) for a in areas] == [
        "Ward 5 (Test ward 5)",
        "Ward 6 (Test ward 6)",
    ]
    polygon = areas[0].findtext("cap:polygon", namespaces=NS).split()
    # lat,lon pairs, closed: ward 5 is the square 18.41-18.42 E, 33.94-33.93 S.
    assert polygon[0] == polygon[-1] == "-33.94000,18.41000"
    assert "-33.93000,18.42000" in polygon
    assert len(polygon) == 5


def test_an_alert_to_all_wards_covers_the_whole_city(schema, supervisor, grid):
    alert = compose(supervisor, all_wards=True)
    (doc,) = documents(alert)
    assert_valid(schema, doc)
    (area,) = doc.findall("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "All wards"
    (polygon,) = area.findall("cap:polygon", NS)
    corners = [tuple(map(float, p.split(","))) for p in polygon.text.split()]
    lats, lngs = [c[0] for c in corners], [c[1] for c in corners]
    assert min(lats) == pytest.approx(-33.95, abs=1e-4)
    assert max(lngs) == pytest.approx(18.43, abs=1e-4)


def test_without_imported_boundaries_the_area_names_the_wards(schema, operator):
    alert = compose(operator, wards=[factories.WardFactory(number=12)], expires_at=None)
    (doc,) = documents(alert)
    assert_valid(schema, doc)
    (area,) = doc.findall("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "Ward 12"
    assert area.find("cap:polygon", NS) is None


def test_an_exercise_alert_says_so_and_expiry_is_in_cap_time(schema, operator, grid):
    drill = factories.IncidentFactory(exercise=factories.ExerciseFactory(), ward=grid[5])
    expires = timezone.now() + datetime.timedelta(hours=3)
    alert = compose(operator, wards=[grid[5]], expires_at=expires, incident=drill)
    assert alert.is_exercise
    (doc,) = documents(alert)
    assert_valid(schema, doc)
    assert text(doc, "cap:status") == "Exercise"
    assert text(doc, "cap:info/cap:expires") == cap.cap_time(expires)


def test_cap_time_has_no_z_and_no_fractions(settings):
    moment = datetime.datetime(2026, 11, 25, 12, 32, 0, 123456, tzinfo=datetime.UTC)
    assert cap.cap_time(moment) == "2026-11-25T14:32:00+02:00"
    settings.TIME_ZONE = "UTC"
    assert cap.cap_time(moment) == "2026-11-25T12:32:00-00:00"


def test_the_city_wards_give_valid_polygons_of_at_most_100_points(schema, supervisor):
    call_command(
        "import_wards", str(shared_file("data/cape-town-wards.geojson")), stdout=StringIO()
    )
    from cwg.models import Ward

    alert = compose(supervisor, wards=list(Ward.objects.filter(number__in=[54, 105, 115])))
    everywhere = compose(supervisor, all_wards=True)
    for doc in documents(alert) + documents(everywhere):
        assert_valid(schema, doc)
        polygons = doc.findall("cap:info/cap:area/cap:polygon", NS)
        assert polygons
        for polygon in polygons:
            points = polygon.text.split()
            assert 4 <= len(points) <= cap.POLYGON_MAX_POINTS
            assert points[0] == points[-1]
    # Ward 54 is the Atlantic seaboard and Robben Island: two polygons.
    seaboard = documents(alert)[0].findall("cap:info/cap:area", NS)[0]
    assert seaboard.findtext("cap:areaDesc", namespaces=NS) == "Ward 54"
    assert len(seaboard.findall("cap:polygon", NS)) == 2
