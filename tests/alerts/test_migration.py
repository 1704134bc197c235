"""The alerts moved from the joc app to their own: a database of the old layout migrates to the
new one without losing an alert, a version, a recipient, an acknowledgement or a delivery."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories

OLD_LAYOUT = [("joc", "0004_incident_views"), ("alerts", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    return executor.migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_alerts_deliveries_and_acknowledgements_survive_the_move():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(OLD_LAYOUT)
    ward = factories.WardFactory(number=7)
    rep = factories.RepresentativeFactory()
    operator = factories.OperatorFactory()
    # The incident as that layout had it (later migrations add columns the factory fills).
    incident = old.get_model("joc", "Incident").objects.create(
        reference="I-0000-0001",
        category_id=factories.CategoryFactory().pk,
        title="Flooding",
        location_text="Main Road",
        ward_id=ward.pk,
        last_report_at=timezone.now(),
    )
    Alert = old.get_model("joc", "Alert")
    alert = Alert.objects.create(
        title="Flooding on Main Road",
        message="Avoid the low bridge.",
        severity="warning",
        incident_id=incident.pk,
        status="sent",
        version=2,
        created_by_id=operator.pk,
        sent_at=timezone.now(),
    )
    alert.wards.add(ward.pk)
    version = old.get_model("joc", "AlertVersion").objects.create(
        alert=alert,
        number=2,
        kind="update",
        title="Flooding",
        message="Worse",
        severity="warning",
        created_by_id=operator.pk,
    )
    recipient = old.get_model("joc", "AlertRecipient").objects.create(
        alert=alert,
        cwg_id=rep.cwg_id,
        acknowledged_version=2,
        acknowledged_by_id=rep.user_id,
        acknowledged_at=timezone.now(),
    )
    old.get_model("joc", "AlertDelivery").objects.create(
        version=version,
        recipient=recipient,
        representative_id=rep.pk,
        channel="email",
        status="sent",
        attempts=1,
    )

    new = migrate(latest)

    moved = new.get_model("alerts", "Alert").objects.get(pk=alert.pk)
    assert (moved.title, moved.incident_id, moved.version) == (alert.title, incident.pk, 2)
    assert list(moved.wards.values_list("pk", flat=True)) == [ward.pk]
    receipt = new.get_model("alerts", "AlertRecipient").objects.get(alert_id=moved.pk)
    assert (receipt.acknowledged_version, receipt.acknowledged_by_id) == (2, rep.user_id)
    delivery = new.get_model("alerts", "AlertDelivery").objects.get(recipient_id=receipt.pk)
    assert (delivery.version_id, delivery.status, delivery.channel) == (version.pk, "sent", "email")
    # and the models the product uses read the same rows
    from alerts.models import Alert as CurrentAlert

    assert CurrentAlert.objects.get(pk=alert.pk).versions.get().kind == "update"
