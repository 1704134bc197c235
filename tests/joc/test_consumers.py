"""The operators' socket: only operators join, and every action reaches it as one fragment."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from joc import services
from tests import factories
from watchline.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def headers(user=None):
    """Headers of a browser logged in as `user` (built before the event loop starts)."""
    result = [(b"origin", b"http://testserver")]
    if user is not None:
        client = Client()
        client.force_login(user)
        result.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return result


def socket(user_headers):
    return WebsocketCommunicator(application, "/ws/dashboard/", headers=user_headers)


def test_anonymous_and_representatives_are_refused():
    refused = [headers(), headers(factories.RepresentativeFactory().user)]

    async def run():
        for user_headers in refused:
            connected, _ = await socket(user_headers).connect()
            assert not connected

    async_to_sync(run)()


def test_an_action_reaches_every_operator_socket_once_committed():
    watching, acting = factories.OperatorFactory(), factories.SupervisorFactory()
    incident = factories.IncidentFactory()
    sockets = [headers(watching), headers(acting)]

    async def run():
        first, second = socket(sockets[0]), socket(sockets[1])
        assert (await first.connect())[0] and (await second.connect())[0]
        await database_sync_to_async(services.acknowledge)(incident, 1, acting)
        for communicator in (first, second):
            html = await communicator.receive_from(timeout=5)
            assert 'id="queue-signal" hx-swap-oob="outerHTML"' in html
            assert f'id="incident-{incident.pk}-v1" hx-swap-oob="outerHTML"' in html
            await communicator.disconnect()

    async_to_sync(run)()


def test_a_dispatch_sends_the_resources_panel():
    operator = factories.OperatorFactory()
    incident = factories.IncidentFactory(status="confirmed")
    unit = factories.ResourceFactory(call_sign="FIRE-9")
    operator_headers = headers(operator)

    async def run():
        communicator = socket(operator_headers)
        assert (await communicator.connect())[0]
        await database_sync_to_async(services.dispatch)(incident, 1, operator, [unit])
        html = await communicator.receive_from(timeout=5)
        assert 'id="resources"' in html and "FIRE-9" in html and "Dispatched" in html
        await communicator.disconnect()

    async_to_sync(run)()


def test_a_refused_action_publishes_nothing():
    operator = factories.OperatorFactory()
    incident = factories.IncidentFactory(status="closed")
    operator_headers = headers(operator)

    async def run():
        communicator = socket(operator_headers)
        assert (await communicator.connect())[0]
        with pytest.raises(services.ActionRefused):
            await database_sync_to_async(services.acknowledge)(incident, 1, operator)
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    async_to_sync(run)()
