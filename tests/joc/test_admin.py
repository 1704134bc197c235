"""The admin respects the incident's version like every other write path."""

import pytest
from django.urls import reverse

from joc import services
from joc.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_admin_edit_of_a_version_someone_changed_since_is_refused(client, city_admin):
    incident = factories.IncidentFactory(title="Fire")
    client.force_login(city_admin)
    url = reverse("admin:joc_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {**{k: v for k, v in form.initial.items() if v is not None}, "ward": incident.ward_id}
    data.update(
        {
            "title": "Fire at the market",
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
        }
    )
    operator = factories.OperatorFactory(first_name="Ayanda", last_name="Zulu")
    services.set_priority(incident, 1, operator, 1)

    response = client.post(url, data)
    assert "Changed by Ayanda Zulu just now" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).title == "Fire"

    data["seen_version"] = 2
    data["priority"] = 1
    assert client.post(url, data).status_code == 302
    saved = Incident.objects.get(pk=incident.pk)
    assert (saved.title, saved.version, saved.last_changed_by) == (
        "Fire at the market",
        3,
        city_admin,
    )
    assert saved.events.last().kind == "admin_edit"
