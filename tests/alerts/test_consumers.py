"""Live delivery of alerts: each recipient CWG's socket gets the banner, other CWGs get nothing,
and acknowledgements reach the operators' sockets."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from alerts import services as alert_services
from alerts.models import AlertRecipient
from tests import factories
from tests.joc.test_consumers import headers
from watchline.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def cwg_socket(rep):
    return WebsocketCommunicator(application, f"/ws/cwg/{rep.cwg_id}/", headers=headers(rep.user))


def compose(operator, number, **extra):
    fields = {"title": "Hijacking hotspot", "message": "Avoid Klipfontein Road after dark."}
    fields.update({"severity": "emergency", "all_wards": False, "expires_at": None, **extra})
    return alert_services.compose(operator, wards=[factories.WardFactory(number=number)], **fields)


def test_a_sent_alert_reaches_the_targeted_cwgs_portals_only():
    operator = factories.OperatorFactory()
    inside = factories.RepresentativeFactory(cwg__wards=[factories.WardFactory(number=33)])
    outside = factories.RepresentativeFactory(cwg__wards=[factories.WardFactory(number=34)])
    sockets = cwg_socket(inside), cwg_socket(outside)

    async def run():
        for communicator in sockets:
            assert (await communicator.connect())[0]
        alert = await database_sync_to_async(compose)(operator, 33)
        html = await sockets[0].receive_from(timeout=5)
        assert '<div hx-swap-oob="afterbegin:#portal-alert-list">' in html
        assert f'id="portal-alert-{alert.pk}" class="card alert-banner emergency"' in html
        assert "Klipfontein Road" in html and "Acknowledge" in html
        assert await sockets[1].receive_nothing(timeout=0.5)

        await database_sync_to_async(alert_services.update)(
            alert,
            operator,
            kind="update",
            title="Hijacking: update",
            message="Two cars.",
            severity="warning",
        )
        html = await sockets[0].receive_from(timeout=5)
        assert f'id="portal-alert-{alert.pk}" class="card alert-banner warning"' in html
        assert 'hx-swap-oob="outerHTML"' in html and "Updated" in html

        await database_sync_to_async(alert_services.cancel)(alert, operator, "")
        html = await sockets[0].receive_from(timeout=5)
        assert f'<article id="portal-alert-{alert.pk}" hx-swap-oob="delete">' in html
        assert await sockets[1].receive_nothing(timeout=0.5)
        for communicator in sockets:
            await communicator.disconnect()

    async_to_sync(run)()


def test_an_acknowledgement_reaches_the_operators_and_the_other_representative():
    operator = factories.OperatorFactory()
    first = factories.RepresentativeFactory(
        cwg__wards=[factories.WardFactory(number=33)], user__first_name="Sipho"
    )
    second = factories.RepresentativeFactory(cwg=first.cwg, seat=2)
    alert = compose(operator, 33)
    receipt = AlertRecipient.objects.get(alert=alert)
    desk = WebsocketCommunicator(application, "/ws/dashboard/", headers=headers(operator))
    portal = cwg_socket(second)

    async def run():
        assert (await desk.connect())[0] and (await portal.connect())[0]
        await database_sync_to_async(alert_services.acknowledge)(receipt, first.user, 1)
        html = await desk.receive_from(timeout=5)
        assert f'<section id="alert-{alert.pk}-status"' in html
        assert 'hx-swap-oob="outerHTML"' in html
        assert f'<tr id="alert-recipient-{receipt.pk}" class="acked">' in html
        assert "1 of 1 CWGs" in html and "Sipho" in html
        assert '<div id="alerts-signal" hx-swap-oob="outerHTML"' in html
        html = await portal.receive_from(timeout=5)
        assert "Acknowledged by Sipho" in html
        await desk.disconnect()
        await portal.disconnect()

    async_to_sync(run)()


def test_a_representative_cannot_listen_to_another_cwgs_alerts():
    rep = factories.RepresentativeFactory()
    other = factories.CWGFactory()
    communicator = WebsocketCommunicator(
        application, f"/ws/cwg/{other.pk}/", headers=headers(rep.user)
    )

    async def run():
        connected, _ = await communicator.connect()
        assert not connected

    async_to_sync(run)()
