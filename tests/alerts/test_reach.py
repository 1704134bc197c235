"""From an incident to an alert in one click, and how many the alert reaches before sending."""

import re

import pytest
from django.urls import reverse

from cwg.models import CommunityWatchGroup
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def cwg_in(ward, representatives=1, status=CommunityWatchGroup.Status.APPROVED):
    cwg = factories.CWGFactory(status=status)
    cwg.wards.set([ward])
    for seat in range(1, representatives + 1):
        factories.RepresentativeFactory(cwg=cwg, seat=seat)
    return cwg


def test_a_confirmed_incident_has_a_send_alert_button_to_the_prefilled_form(operator_client):
    incident = factories.IncidentFactory(status="confirmed")
    html = operator_client.get(reverse("joc:incident", args=[incident.pk])).content.decode()
    assert f'id="send-alert" href="{reverse("alerts:new")}?incident={incident.pk}"' in html
    new = factories.IncidentFactory(status="new")
    html = operator_client.get(reverse("joc:incident", args=[new.pk])).content.decode()
    assert 'id="send-alert"' not in html  # nothing verified to alert about yet


def test_the_ward_picker_is_checkboxes_with_the_incidents_wards_ticked(operator_client):
    own = factories.WardFactory(number=60)
    incident = factories.IncidentFactory(status="confirmed", ward=own)
    html = operator_client.get(reverse("alerts:new"), {"incident": incident.pk}).content.decode()
    assert "<select" not in html.split('id="id_wards"')[0][-200:]
    assert f'type="checkbox" name="wards" value="{own.pk}"' in html
    box = re.compile(r'<input type="checkbox" name="wards" value="(\d+)"[^>]*>')
    ticked = {
        int(pk)
        for pk, tag in zip(box.findall(html), box.finditer(html))
        if "checked" in tag.group(0)
    }
    assert ticked == {own.pk, *own.neighbours.values_list("pk", flat=True)}
    assert len(box.findall(html)) > len(ticked)  # every ward, the others unticked
    assert "Ctrl" not in html


def test_the_form_says_how_many_cwgs_and_representatives_it_reaches(operator_client):
    north = factories.WardFactory(number=70)
    near = set(north.neighbours.values_list("number", flat=True)) | {70}
    south, empty = [factories.WardFactory(number=n) for n in range(1, 117) if n not in near][:2]
    cwg_in(north, representatives=2)
    cwg_in(north, representatives=1)
    cwg_in(south, representatives=1)
    cwg_in(south, representatives=2, status=CommunityWatchGroup.Status.PENDING)
    incident = factories.IncidentFactory(status="confirmed", ward=north)
    page = operator_client.get(reverse("alerts:new"), {"incident": incident.pk}).content.decode()
    assert "Will reach <strong>2 CWGs</strong> and <strong>3 representatives</strong>" in page
    url = reverse("alerts:reach")
    both = operator_client.get(url, {"wards": [north.pk, south.pk]}, **HTMX).content.decode()
    assert "Will reach <strong>3 CWGs</strong> and <strong>4 representatives</strong>" in both
    html = operator_client.get(url, {"wards": [empty.pk]}, **HTMX).content.decode()
    assert "Reaches nobody yet" in html
    everyone = operator_client.get(url, {"all_wards": "on"}, **HTMX).content.decode()
    assert "3 CWGs" in everyone
    assert operator_client.get(url, {"incident": "x"}).status_code == 400


def test_an_exercise_alert_counts_only_the_exercise_cwgs(operator_client):
    ward = factories.WardFactory(number=80)
    taking_part = cwg_in(ward, representatives=2)
    cwg_in(ward, representatives=1)
    exercise = factories.ExerciseFactory(all_cwgs=False)
    exercise.cwgs.set([taking_part])
    incident = factories.IncidentFactory(status="confirmed", ward=ward, exercise=exercise)
    html = operator_client.get(
        reverse("alerts:reach"), {"incident": incident.pk, "wards": [ward.pk]}, **HTMX
    ).content.decode()
    assert "Will reach <strong>1 CWG</strong> and <strong>2 representatives</strong>" in html


def test_only_operators_count_recipients(client, representative):
    client.force_login(representative.user)
    assert client.get(reverse("alerts:reach")).status_code == 403
