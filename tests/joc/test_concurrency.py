"""Two operators acting on the same incident at the same moment, each in its own transaction
on its own connection: exactly one wins, the other is told who changed it."""

import threading

import pytest
from django.db import connection

from joc import services
from joc.models import Incident
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_version_never_overwrite_each_other(postgres_only):
    incident = factories.IncidentFactory()
    operators = [factories.OperatorFactory(), factories.OperatorFactory()]
    barrier = threading.Barrier(len(operators))
    outcomes = []

    def act(operator, priority):
        try:
            seen = Incident.objects.get(pk=incident.pk)
            barrier.wait()
            services.set_priority(seen, 1, operator, priority)
            outcomes.append("won")
        except services.StaleIncident as stale:
            outcomes.append(str(stale))
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(op, n + 1)) for n, op in enumerate(operators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    final = Incident.objects.get(pk=incident.pk)
    assert sorted(outcomes)[1] == "won" and sorted(outcomes)[0].startswith("Changed by ")
    assert final.version == 2
    assert final.events.filter(kind="set_priority").count() == 1
