import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_operator_lands_on_dashboard(client):
    factories.OperatorFactory(username="op")
    response = client.post(
        reverse("login"), {"username": "op", "password": "watchline"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("joc:dashboard")
    assert b"JOC dashboard" in response.content
