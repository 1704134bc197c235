import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from joc.models import Incident
from tests import factories
from watchline import references


@pytest.mark.django_db
def test_a_reference_names_the_month_and_the_row():
    incident = factories.IncidentFactory.build(category=factories.CategoryFactory())
    incident.ward = factories.WardFactory(number=3)
    references.save_with_reference(incident, "I")
    stem = f"I-{timezone.localtime():%y%m}-"
    assert incident.reference == f"{stem}{incident.pk:04d}"
    assert Incident.objects.get(pk=incident.pk).reference == incident.reference


@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_never_collide(postgres_only):
    """Eight transactions insert at once and stay open together: each gets its own reference."""
    category, ward = factories.CategoryFactory(), factories.WardFactory(number=4)
    barrier = threading.Barrier(8)
    made, errors = [], []

    def insert():
        try:
            with transaction.atomic():
                incident = factories.IncidentFactory.build(category=category, ward=ward)
                references.save_with_reference(incident, "I")
                barrier.wait(timeout=10)  # all eight are inside their transactions
                made.append(incident.reference)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=insert) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(made)) == 8
    assert connection.vendor == "postgresql"
