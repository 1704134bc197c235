"""An open socket stops receiving the moment its user's access ends: logout, an account made
inactive, taken out of the operators' group, a seat ended, the CWG suspended; and, whatever
changed it, at the next periodic re-check."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.urls import reverse

from cwg import services
from joc import services as joc_services
from tests import factories
from tests.watchline.sockets import browser, closed_with, socket
from watchline import permissions

pytestmark = pytest.mark.django_db(transaction=True)

FORBIDDEN = 4403


def dashboard(client):
    return socket("/ws/dashboard/", client)


def portal(client, rep):
    return socket(f"/ws/cwg/{rep.cwg_id}/", client)


def run(coroutine):
    async_to_sync(coroutine)()


def test_logout_closes_that_browsers_sockets_and_no_other():
    operator = factories.OperatorFactory()
    leaving, staying = browser(operator), browser(operator)
    closing, open_one = dashboard(leaving), dashboard(staying)
    incident, acting = factories.IncidentFactory(), factories.OperatorFactory()

    async def scenario():
        assert (await closing.connect())[0] and (await open_one.connect())[0]
        await database_sync_to_async(leaving.post)(reverse("logout"))
        assert await closed_with(closing) == FORBIDDEN
        assert await open_one.receive_nothing(timeout=0.3)
        await database_sync_to_async(joc_services.acknowledge)(incident, 1, acting)
        assert "queue-signal" in await open_one.receive_from(timeout=5)
        await open_one.disconnect()

    run(scenario)


def test_deactivating_a_user_closes_their_sockets():
    operator = factories.OperatorFactory()
    communicator = dashboard(browser(operator))

    def deactivate():
        operator.is_active = False
        operator.save()

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(deactivate)()
        assert await closed_with(communicator) == FORBIDDEN

    run(scenario)


@pytest.mark.parametrize("how", ["user.groups.remove", "group.user_set.clear"])
def test_leaving_the_operators_group_closes_the_dashboard(how):
    operator = factories.OperatorFactory()
    communicator = dashboard(browser(operator))

    def remove():
        group = Group.objects.get(name=permissions.OPERATOR_GROUP)
        if how == "user.groups.remove":
            operator.groups.remove(group)
        else:
            group.user_set.clear()

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(remove)()
        assert await closed_with(communicator) == FORBIDDEN

    run(scenario)


def test_a_seat_ended_closes_the_former_representatives_portal_but_not_the_others():
    rep = factories.RepresentativeFactory()
    other = factories.RepresentativeFactory(cwg=rep.cwg, seat=2)
    ended, kept = portal(browser(rep.user), rep), portal(browser(other.user), other)

    async def scenario():
        assert (await ended.connect())[0] and (await kept.connect())[0]
        await database_sync_to_async(services.end_representative)(rep, other.user)
        assert await closed_with(ended) == FORBIDDEN
        assert await kept.receive_nothing(timeout=0.3)
        await kept.disconnect()

    run(scenario)


def test_a_replaced_representatives_portal_closes():
    rep = factories.RepresentativeFactory()
    other = factories.RepresentativeFactory(cwg=rep.cwg, seat=2)
    communicator = portal(browser(other.user), other)
    person = services.Person("New", "Person", "new.person@example.org", "+27825550101")

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(services.replace_representative)(
            rep.cwg, 2, person, rep.user, site_url="http://testserver/"
        )
        assert await closed_with(communicator) == FORBIDDEN

    run(scenario)


def test_a_suspension_shows_the_new_status_then_closes_and_a_new_socket_is_refused():
    rep = factories.RepresentativeFactory()
    client = browser(rep.user)
    communicator = portal(client, rep)

    async def scenario():
        assert (await communicator.connect())[0]
        await database_sync_to_async(services.suspend_cwg)(rep.cwg, rep.user, "Audit")
        assert "Suspended" in await communicator.receive_from(timeout=5)
        assert await closed_with(communicator) == FORBIDDEN
        again, _ = await portal(client, rep).connect()
        assert not again

    run(scenario)


def test_the_periodic_recheck_closes_a_socket_whose_access_ended_silently(settings):
    settings.WEBSOCKET_RECHECK_SECONDS = 0.2
    operator = factories.OperatorFactory()
    communicator = dashboard(browser(operator))
    untouched = factories.OperatorFactory()
    stays = dashboard(browser(untouched))

    def deactivate_without_signals():
        type(operator).objects.filter(pk=operator.pk).update(is_active=False)

    async def scenario():
        assert (await communicator.connect())[0] and (await stays.connect())[0]
        await database_sync_to_async(deactivate_without_signals)()
        assert await closed_with(communicator, timeout=3) == FORBIDDEN
        assert await stays.receive_nothing(timeout=0.5)
        await stays.disconnect()

    run(scenario)


def test_the_dashboard_socket_waits_for_the_second_factor():
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    operator = factories.OperatorFactory()
    device = TOTPDevice.objects.create(user=operator, name="phone")
    client = browser(operator)
    refused, accepted = dashboard(client), dashboard(client)
    code = {"token": f"{totp(device.bin_key):06d}"}

    async def scenario():
        assert not (await refused.connect(timeout=5))[0]
        await database_sync_to_async(client.post)(reverse("two_factor_verify"), code)
        assert (await accepted.connect(timeout=5))[0]
        await accepted.disconnect()

    run(scenario)
