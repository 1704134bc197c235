"""The CWG's socket: a report's status change and JOC messages reach only that CWG's group, as
one fragment of oob swaps; anonymous and other-CWG sockets are refused."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from reports import feedback
from tests import factories
from tests.joc.test_consumers import headers
from tests.reports.test_services import submit

pytestmark = pytest.mark.django_db(transaction=True)


def cwg_socket(cwg, user_headers):
    from watchline.asgi import application

    return WebsocketCommunicator(application, f"/ws/cwg/{cwg.pk}/", headers=user_headers)


def test_anonymous_other_cwg_and_operator_sockets_are_refused():
    cwg = factories.CWGFactory()
    refused = [
        headers(),
        headers(factories.RepresentativeFactory().user),
        headers(factories.OperatorFactory()),
    ]

    async def run():
        for user_headers in refused:
            connected, _ = await cwg_socket(cwg, user_headers).connect()
            assert not connected

    async_to_sync(run)()


def test_a_status_change_reaches_only_that_cwgs_group():
    rep = factories.RepresentativeFactory()
    colleague = factories.RepresentativeFactory(cwg=rep.cwg, seat=2)
    stranger = factories.RepresentativeFactory()
    operator = factories.OperatorFactory()
    report, _ = submit(rep)
    sockets = [headers(rep.user), headers(colleague.user), headers(stranger.user)]

    async def run():
        mine, theirs = cwg_socket(rep.cwg, sockets[0]), cwg_socket(rep.cwg, sockets[1])
        other = cwg_socket(stranger.cwg, sockets[2])
        for communicator in (mine, theirs, other):
            assert (await communicator.connect())[0]
        await database_sync_to_async(feedback.set_report_status)(
            report, "confirmed", actor=operator, note="SAPS on scene confirm it"
        )
        for communicator in (mine, theirs):
            html = await communicator.receive_from(timeout=5)
            assert (
                f'<li id="report-{report.pk}" class="report-row" hx-swap-oob="outerHTML">' in html
            )
            assert f'id="report-{report.pk}-status"' in html
            assert f'id="report-{report.pk}-updates"' in html
            assert "Confirmed" in html and "SAPS on scene confirm it" in html
        assert await other.receive_nothing(timeout=0.3)
        for communicator in (mine, theirs, other):
            await communicator.disconnect()

    async_to_sync(run)()


def test_a_new_report_and_a_joc_message_reach_the_other_representative():
    rep = factories.RepresentativeFactory()
    colleague = factories.RepresentativeFactory(cwg=rep.cwg, seat=2)
    operator = factories.OperatorFactory()
    colleague_headers = headers(colleague.user)

    async def run():
        theirs = cwg_socket(rep.cwg, colleague_headers)
        assert (await theirs.connect())[0]
        report, _ = await database_sync_to_async(submit)(rep, description="Taxi <rank> fight")
        html = await theirs.receive_from(timeout=5)
        assert '<div hx-swap-oob="afterbegin:#my-reports">' in html
        assert report.reference in html and "Taxi &lt;rank&gt; fight" in html
        await database_sync_to_async(feedback.post_joc_message)(
            report, "Metro Police are on their way.", actor=operator
        )
        html = await theirs.receive_from(timeout=5)
        assert "Metro Police are on their way." in html
        await theirs.disconnect()

    async_to_sync(run)()
