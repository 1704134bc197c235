"""The admin goes through the services like every other write path: version-checked, on the
timeline, and pushed live to the dashboards."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from joc import services
from joc.models import Dispatch, Incident, Resource
from tests import factories
from tests.joc.test_consumers import headers
from watchline.asgi import application

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
    event = saved.events.last()
    assert (event.kind, event.actor, event.note) == ("edit_details", city_admin, "title")


def admin_edit_data(client, incident, **changes):
    url = reverse("admin:joc_incident_change", args=[incident.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(seen_version=incident.version, ward=incident.ward_id)
    data.update({"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, **changes})
    return url, data


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_reaches_every_dashboard_live():
    admin_user = factories.AdminFactory()
    operator_headers = headers(factories.OperatorFactory())
    incident = factories.IncidentFactory(title="Fire")
    client = Client()
    client.force_login(admin_user)
    url, data = admin_edit_data(client, incident, location_text="Main Road bridge")

    async def run():
        communicator = WebsocketCommunicator(
            application, "/ws/dashboard/", headers=operator_headers
        )
        assert (await communicator.connect())[0]
        response = await database_sync_to_async(client.post)(url, data)
        assert response.status_code == 302
        html = await communicator.receive_from(timeout=5)
        await communicator.disconnect()
        return html

    html = async_to_sync(run)()
    assert f'id="incident-{incident.pk}"' in html and "Main Road bridge" in html


def test_the_admin_takes_a_unit_out_of_service_through_the_service(
    client, city_admin, django_capture_on_commit_callbacks
):
    idle = factories.ResourceFactory(call_sign="EMS-1")
    busy = factories.ResourceFactory(call_sign="EMS-2")
    services.dispatch(factories.IncidentFactory(status="confirmed"), 1, city_admin, [busy])
    client.force_login(city_admin)
    changelist = reverse("admin:joc_resource_changelist")
    with django_capture_on_commit_callbacks() as published:
        response = client.post(
            changelist,
            {"action": "take_out_of_service", "_selected_action": [idle.pk, busy.pk]},
            follow=True,
        )
    assert "EMS-2 is on a dispatch: clear it first." in response.content.decode()
    assert Resource.objects.get(pk=idle.pk).status == "out_of_service"
    assert Resource.objects.get(pk=busy.pk).status == "dispatched"
    assert published, "the resources panel is pushed to the dashboards"


def test_dispatches_and_resource_statuses_cannot_be_edited_in_the_admin(client, city_admin):
    unit = factories.ResourceFactory()
    services.dispatch(factories.IncidentFactory(status="confirmed"), 1, city_admin, [unit])
    dispatch = Dispatch.objects.get()
    client.force_login(city_admin)
    assert client.get(reverse("admin:joc_dispatch_add")).status_code == 403
    response = client.post(
        reverse("admin:joc_dispatch_change", args=[dispatch.pk]), {"status": "cleared"}
    )
    assert response.status_code == 403
    assert Dispatch.objects.get().status == "dispatched"
    response = client.get(reverse("admin:joc_resource_change", args=[unit.pk]))
    assert "status" not in response.context["adminform"].form.fields
