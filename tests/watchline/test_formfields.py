"""An id past the database's integer range in a multiple choice is a field error, not a 500."""

import pytest
from django.urls import reverse

from alerts.models import Alert
from tests import factories

pytestmark = pytest.mark.django_db
HUGE = str(2**63)


def test_an_out_of_range_ward_id_is_an_invalid_choice(operator_client):
    data = {"title": "t", "message": "m", "severity": "warning", "wards": [HUGE]}
    response = operator_client.post(reverse("alerts:new"), data)
    assert response.status_code in (200, 400)
    assert f"“{HUGE}” is not a valid value." in response.content.decode()
    assert not Alert.objects.exists()


def test_an_out_of_range_controller_id_is_an_invalid_choice(client):
    client.force_login(factories.SupervisorFactory())
    response = client.post(reverse("exercises:new"), {"name": "Drill", "controllers": [HUGE]})
    assert response.status_code in (200, 400)
    assert f"“{HUGE}” is not a valid value." in response.content.decode()
