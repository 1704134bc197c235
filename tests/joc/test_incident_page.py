"""The incident page as the desk reads it: evidence beside the actions, messages that cannot
be confused, units with their bases, labels tied to their fields."""

import re

import pytest
from django.urls import reverse

from joc import services
from reports.models import ReportPhoto
from tests import factories

pytestmark = pytest.mark.django_db


def page(client, incident):
    return client.get(reverse("joc:incident", args=[incident.pk])).content.decode()


def test_photos_show_as_thumbnails_linking_to_the_original(operator_client):
    incident = factories.IncidentFactory()
    report = factories.ReportFactory(incident=incident)
    photo = ReportPhoto.objects.create(
        report=report, original="o.jpg", public="p.jpg", thumbnail="t.jpg", size=1
    )
    html = page(operator_client, incident)
    original = reverse("reports:photo", args=[photo.pk, "original"])
    thumbnail = reverse("reports:photo", args=[photo.pk, "thumbnail"])
    assert re.search(rf'<a href="{original}"[^>]*><img src="{thumbnail}"', html)
    # The reports come before the actions, so they are in view beside them.
    assert html.index('id="reports-title"') < html.index('id="act-title"')


def test_public_follow_up_and_internal_note_are_labelled_apart(operator_client):
    incident = factories.IncidentFactory()
    factories.ReportFactory(incident=incident, cwg__name="Sea <Point> Watch")
    html = page(operator_client, incident)
    assert (
        '<label for="id_post_follow_up_text">Public follow-up (the reporting CWGs see it)' in html
    )
    assert "Seen by the representatives of Sea &lt;Point&gt; Watch on their report pages" in html
    assert '<label for="id_add_note_text">Internal note (JOC only)' in html
    assert "never a CWG" in html
    assert ">Text<" not in html


def test_every_label_points_to_a_field_on_the_page(operator_client):
    incident = factories.IncidentFactory(status="confirmed")
    factories.ReportFactory(incident=incident)
    factories.ResourceFactory(base="Roeland Street")
    html = page(operator_client, incident)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    targets = re.findall(r'<label for="([^"]+)"', html)
    assert targets and set(targets) <= ids
    assert "<label>" not in html and '<label for="">' not in html


def test_dispatch_choices_and_units_show_each_units_base(operator_client, operator):
    incident = factories.IncidentFactory(status="confirmed")
    unit = factories.ResourceFactory(call_sign="FR-ENG-11", base="Roeland Street station")
    html = page(operator_client, incident)
    assert "FR-ENG-11 · Fire &amp; Rescue, Roeland Street station" in html
    services.dispatch(incident, incident.version, operator, [unit])
    html = page(operator_client, incident)
    units = html[html.index("<h2>Units</h2>") :]
    headers = re.findall(r"<th>([^<]*)</th>", units[: units.index("</thead>")])
    assert "Base" in headers and "" not in headers  # no empty header cell
    assert "<td>Roeland Street station</td>" in units


def test_the_map_is_not_an_image_around_its_controls(operator_client):
    incident = factories.IncidentFactory()
    assert 'role="img"' not in page(operator_client, incident)
    assert 'role="img"' not in operator_client.get(reverse("joc:dashboard")).content.decode()
