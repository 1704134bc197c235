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


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trial", range(5))
def test_merging_a_into_b_and_b_into_a_at_once_leaves_one_open_incident(postgres_only, trial):
    """Both incidents are locked in a fixed order before either merge looks at its target: the
    second merge finds its target merged and is refused, so no two incidents point at each
    other and no report leaves the queue."""
    a, b = factories.IncidentFactory(), factories.IncidentFactory()
    factories.ReportFactory(incident=a)
    factories.ReportFactory(incident=b)
    operators = [factories.OperatorFactory(), factories.OperatorFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def act(operator, source_pk, target_pk):
        try:
            source = Incident.objects.get(pk=source_pk)
            target = Incident.objects.get(pk=target_pk)
            barrier.wait()
            services.merge(source, source.version, operator, target)
            outcomes.append("merged")
        except (services.ActionRefused, services.StaleIncident):
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(operators[0], a.pk, b.pk)),
        threading.Thread(target=act, args=(operators[1], b.pk, a.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["merged", "refused"]
    statuses = sorted(Incident.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True))
    assert statuses == ["merged", "new"]
    survivor = Incident.objects.get(pk__in=[a.pk, b.pk], status="new")
    assert survivor.merged_into is None
    assert survivor.reports.count() == 2


@pytest.mark.django_db(transaction=True)
def test_linking_one_report_to_two_incidents_at_once_moves_it_once(postgres_only):
    source = factories.IncidentFactory()
    report = factories.ReportFactory(incident=source)
    factories.ReportFactory(incident=source)
    targets = [factories.IncidentFactory(), factories.IncidentFactory()]
    barrier = threading.Barrier(2)
    outcomes = []

    def act(target_pk):
        try:
            seen = type(report).objects.select_related("incident").get(pk=report.pk)
            target = Incident.objects.get(pk=target_pk)
            barrier.wait()
            services.link_report(seen, target, factories.OperatorFactory())
            outcomes.append("linked")
        except services.ActionRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(t.pk,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["linked", "refused"]
    report.refresh_from_db()
    assert report.incident_id in {t.pk for t in targets}
    moved_events = source.events.filter(kind="report_moved").count()
    assert moved_events == 1
