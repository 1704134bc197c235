"""What exercises send over the live sockets: an exercise alert reaches only the sockets of the
CWGs taking part and says EXERCISE first; an escalation reaches every dashboard."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from alerts import services as alert_services
from cwg.models import Ward
from exercises import escalation_services as escalation
from joc.models import Incident
from tests import factories
from tests.alerts.test_consumers import cwg_socket
from tests.joc.test_consumers import headers
from watchline.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_exercise_alert_reaches_only_the_taking_part_cwgs_sockets():
    supervisor = factories.SupervisorFactory()
    ward = Ward.objects.get(number=1)
    inside = factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward]))
    outside = factories.RepresentativeFactory(cwg=factories.CWGFactory(wards=[ward]))
    exercise = factories.ExerciseFactory(cwgs=[inside.cwg])
    incident = factories.IncidentFactory(exercise=exercise, ward=ward, status="confirmed")
    sockets = cwg_socket(inside), cwg_socket(outside)

    def compose():
        return alert_services.compose(
            supervisor,
            title="Drill: flooding",
            message="Avoid Station Road.",
            severity="emergency",
            wards=[ward],
            all_wards=False,
            expires_at=None,
            incident=incident,
        )

    async def run():
        for communicator in sockets:
            assert (await communicator.connect())[0]
        await database_sync_to_async(compose)()
        html = await sockets[0].receive_from(timeout=5)
        assert '<span class="badge exercise">EXERCISE</span>' in html
        assert "EXERCISE: Drill: flooding" in html
        assert html.index("EXERCISE") < html.index("Emergency")
        assert await sockets[1].receive_nothing(timeout=0.5)
        for communicator in sockets:
            await communicator.disconnect()

    async_to_sync(run)()


def test_an_escalation_is_pushed_to_every_dashboard_when_raised_and_when_cleared():
    operator = factories.OperatorFactory()
    incident = factories.IncidentFactory(priority=1)
    Incident.objects.filter(pk=incident.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    socket = WebsocketCommunicator(application, "/ws/dashboard/", headers=headers(operator))

    async def run():
        assert (await socket.connect())[0]
        await database_sync_to_async(escalation.sweep)()
        html = await socket.receive_from(timeout=5)
        assert 'id="escalations"' in html and 'hx-swap-oob="outerHTML"' in html
        assert incident.reference in html and "not acknowledged in time" in html
        await database_sync_to_async(Incident.objects.filter(pk=incident.pk).update)(
            acknowledged_at=timezone.now(), status="acknowledged"
        )
        await database_sync_to_async(escalation.sweep)()
        html = await socket.receive_from(timeout=5)
        assert incident.reference not in html and "Nothing overdue" in html
        await socket.disconnect()

    async_to_sync(run)()
