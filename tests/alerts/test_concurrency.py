"""Two operators updating one alert at the same moment, each on its own connection: both
versions are kept, numbered one after the other, and each is delivered once."""

import threading

import pytest
from django.db import connection

from alerts import services as alert_services
from alerts.models import AlertDelivery, AlertVersion
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_become_consecutive_versions(postgres_only):
    ward = factories.WardFactory(number=21)
    factories.RepresentativeFactory(cwg__wards=[ward])
    operators = [factories.OperatorFactory(), factories.OperatorFactory()]
    alert = alert_services.compose(
        operators[0],
        title="Fire",
        message="Smoke.",
        severity="warning",
        wards=[ward],
        all_wards=False,
        expires_at=None,
    )
    barrier = threading.Barrier(len(operators))
    errors = []

    def act(operator, title):
        try:
            barrier.wait()
            alert_services.update(
                alert, operator, kind="update", title=title, message="m", severity="warning"
            )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(op, f"Update {n}")) for n, op in enumerate(operators)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    alert.refresh_from_db()
    assert alert.version == 3
    versions = list(AlertVersion.objects.filter(alert=alert).values_list("number", "title"))
    assert [number for number, _ in versions] == [1, 2, 3]
    assert {title for _, title in versions[1:]} == {"Update 0", "Update 1"}
    assert alert.title == versions[-1][1]
    assert AlertDelivery.objects.filter(status="sent").count() == 3
