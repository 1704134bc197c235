"""Bad input answers 4xx, never 500 (issue 19 item 8): NUL bytes in a URL, a year the
database cannot store, an unknown WebSocket path, admin list filters it cannot apply."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from reports.models import Report
from tests import factories
from tests.reports.test_views import NEW, form_data
from watchline.asgi import application

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/reports/%00/",
        "/reports/%00/follow-up/",
        "/reports/R-2611-0001%00/",
        "/joc/?q=%00",
        "/reports/?page=1%00",
        "/%00",
    ],
)
def test_a_nul_byte_in_the_path_or_query_is_a_400(client, operator, url):
    client.force_login(operator)
    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400


def test_a_nul_byte_in_a_posted_field_is_marked_beside_it(rep_client):
    response = rep_client.post(NEW, form_data(description="Fire\x00"))
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "observed_at", ["0001-01-01T00:00", "0001-01-01T01:30", "9999-12-31T23:59"]
)
def test_an_observed_time_the_database_cannot_hold_is_marked_beside_the_field(
    rep_client, observed_at
):
    response = rep_client.post(NEW, form_data(observed_at=observed_at, description="Kept text"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kept text" in html
    assert "Give a date" in html or "in the future" in html
    assert Report.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/nowhere/", "/ws/cwg/abc/", "/ws/", "/ws/dashboard/x"])
def test_an_unknown_websocket_path_is_closed_not_a_crash(path):
    anonymous = [(b"origin", b"http://testserver")]
    logged_in = anonymous + [session_cookie(factories.OperatorFactory())]

    async def run():
        for headers in (anonymous, logged_in):
            communicator = WebsocketCommunicator(application, path, headers=headers)
            connected, code = await communicator.connect()
            assert (connected, code) == (False, 4404)
            await communicator.disconnect()

    async_to_sync(run)()


def session_cookie(user):
    browser = Client()
    browser.force_login(user)
    return (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())


@pytest.mark.parametrize(
    "query",
    [
        "status__exact=%00",
        "created_at__year=99999999999",
        "created_at__gte=not-a-date",
        "priority__exact=99999999999999999999999",
        "pk=%00",
    ],
)
@pytest.mark.parametrize("changelist", ["/admin/joc/incident/", "/admin/reports/report/"])
def test_an_admin_list_filter_it_cannot_apply_is_a_4xx(client, query, changelist):
    client.force_login(factories.AdminFactory())
    factories.IncidentFactory()
    response = client.get(f"{changelist}?{query}")
    # 400 for a NUL byte; for a lookup it cannot apply Django's own answer, the list again
    # with ?e=1 (a 302), or the list filtered to nothing.
    assert response.status_code in (200, 302, 400)
    if "%00" in query:
        assert response.status_code == 400


def test_escalations_cannot_be_added_by_hand_in_the_admin(client):
    """Only the sweep raises them; the add form, every field read-only, stored nothing valid."""
    client.force_login(factories.AdminFactory())
    assert client.post("/admin/exercises/escalation/add/", {}).status_code == 403
    assert client.get("/admin/exercises/escalation/").status_code == 200
