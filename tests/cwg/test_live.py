"""A status change reaches the CWG's own portals, once committed, and no other CWG's."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from cwg import services
from tests import factories
from watchline.asgi import application


def socket(user, cwg_id):
    client = Client()
    client.force_login(user)
    headers = [
        (b"origin", b"http://testserver"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]
    return WebsocketCommunicator(application, f"/ws/cwg/{cwg_id}/", headers=headers)


@pytest.mark.django_db(transaction=True)
def test_a_suspension_reaches_the_portal_live_and_nowhere_else():
    rep = factories.RepresentativeFactory()
    bystander = factories.RepresentativeFactory()
    admin = factories.AdminFactory()
    own, other = socket(rep.user, rep.cwg_id), socket(bystander.user, bystander.cwg_id)

    async def run():
        assert (await own.connect())[0] and (await other.connect())[0]
        await database_sync_to_async(services.suspend_cwg)(rep.cwg, admin, "Reports <unverified>")
        html = await own.receive_from(timeout=5)
        assert 'id="cwg-status"' in html and 'hx-swap-oob="outerHTML"' in html
        assert "Suspended" in html and "Reports &lt;unverified&gt;" in html
        assert await other.receive_nothing(timeout=0.2)
        await own.disconnect()
        await other.disconnect()

    async_to_sync(run)()


@pytest.mark.django_db
def test_the_status_panel_reloads_over_http(client):
    rep = factories.RepresentativeFactory(cwg__status="suspended", cwg__status_reason="Audit")
    client.force_login(rep.user)
    body = client.get(reverse("cwg:portal_status")).content.decode()
    assert body.startswith('<section class="card" id="cwg-status"') and "Audit" in body
    assert "hx-swap-oob" not in body
