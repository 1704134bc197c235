"""A CWG's live fragments are rendered in each language: each representative's socket gets the
one in their own language, whoever's action caused it."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from reports import feedback
from reports.models import Report
from tests import factories
from tests.joc.test_consumers import headers
from tests.reports.test_consumers import cwg_socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_live_fragments_reach_each_representative_in_their_language():
    english = factories.RepresentativeFactory()
    afrikaans = factories.RepresentativeFactory(cwg=english.cwg, seat=2, language="af")
    report = factories.ReportFactory(cwg=english.cwg, submitted_by=english.user)
    operator = factories.OperatorFactory()

    sockets = [cwg_socket(r.cwg, headers(r.user)) for r in (english, afrikaans)]

    async def run():
        for socket in sockets:
            assert (await socket.connect())[0]
        await database_sync_to_async(feedback.set_report_status)(
            report, Report.Status.VERIFYING, actor=operator
        )
        received = [await s.receive_from(timeout=5) for s in sockets]
        for socket in sockets:
            await socket.disconnect()
        return received

    in_english, in_afrikaans = async_to_sync(run)()
    assert "Being verified" in in_english and "Status:" in in_english
    assert "Word geverifieer" in in_afrikaans and "Being verified" not in in_afrikaans
