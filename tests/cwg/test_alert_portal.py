"""Receiving alerts on the CWG portal: only their own CWG's, active ones at the top, and the
Acknowledge button; past alerts with their history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts import services as alert_services
from alerts.models import AlertRecipient
from tests import factories

pytestmark = pytest.mark.django_db


def ward(number):
    return factories.WardFactory(number=number)


def send(operator, number, title, **extra):
    fields = {"severity": "warning", "all_wards": False, "expires_at": None, **extra}
    return alert_services.compose(
        operator, title=title, message="Details.", wards=[ward(number)], **fields
    )


@pytest.fixture
def rep(db):
    return factories.RepresentativeFactory(cwg__wards=[ward(15)], user__first_name="Thandi")


def portal(client):
    return client.get(reverse("alerts:portal"), HTTP_HX_REQUEST="true").content.decode()


def test_the_portal_shows_only_active_alerts_sent_to_the_cwg(client, rep, operator):
    client.force_login(rep.user)
    send(operator, 15, "Ours, emergency", severity="emergency")
    send(operator, 16, "Another ward")
    expired = send(operator, 15, "Expired", expires_at=timezone.now() + datetime.timedelta(hours=1))
    expired.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    expired.save()
    cancelled = send(operator, 15, "Cancelled")
    alert_services.cancel(cancelled, operator, "")
    html = portal(client)
    assert "Ours, emergency" in html and 'class="card alert-banner emergency"' in html
    for hidden in ("Another ward", "Expired", "Cancelled"):
        assert hidden not in html
    assert "Acknowledge" in html


def test_acknowledging_records_and_returns_the_banner(client, rep, operator):
    client.force_login(rep.user)
    alert = send(operator, 15, "Suspicious vehicle")
    url = reverse("alerts:acknowledge", args=[alert.pk])
    html = client.post(url, {"version": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert html.strip().startswith(f'<article id="portal-alert-{alert.pk}"')
    assert "Acknowledged by Thandi" in html
    receipt = AlertRecipient.objects.get(alert=alert)
    assert receipt.acknowledged_by == rep.user and receipt.acknowledged_version == 1
    # Without JavaScript: back to the portal.
    assert client.post(url, {"version": 1}).url == reverse("cwg:portal")


def test_a_representative_cannot_see_or_acknowledge_another_cwgs_alert(client, rep, operator):
    other = send(operator, 99, "Not for you")
    client.force_login(rep.user)
    url = reverse("alerts:acknowledge", args=[other.pk])
    assert client.post(url, {"version": 1}).status_code == 404
    assert "Not for you" not in client.get(reverse("alerts:past")).content.decode()


@pytest.mark.parametrize("version", ["", "x", "0", "9" * 30])
def test_a_garbage_acknowledgement_is_a_400(client, rep, operator, version):
    alert = send(operator, 15, "A")
    client.force_login(rep.user)
    response = client.post(reverse("alerts:acknowledge", args=[alert.pk]), {"version": version})
    assert response.status_code == 400


def test_operators_cannot_use_the_representative_pages(operator_client):
    assert operator_client.get(reverse("alerts:portal")).status_code == 403
    assert operator_client.get(reverse("alerts:past")).status_code == 403


def test_past_alerts_show_every_version(client, rep, operator):
    alert = send(operator, 15, "Water outage")
    alert_services.update(
        alert,
        operator,
        kind="all_clear",
        title="Water back",
        message="Restored.",
        severity="advisory",
    )
    client.force_login(rep.user)
    page = client.get(reverse("alerts:past")).content.decode()
    for text in (
        "Water outage",
        "Water back",
        "v1 · Original",
        "v2 · All clear",
        "Not acknowledged",
    ):
        assert text in page


def test_the_portal_section_loads_itself(client, rep):
    client.force_login(rep.user)
    page = client.get(reverse("cwg:portal")).content.decode()
    assert f'hx-get="{reverse("alerts:portal")}"' in page
    assert 'id="portal-alert-list"' in page


def test_the_portal_alerts_page_works_without_javascript(client, rep, operator):
    send(operator, 15, "Road closed")
    client.force_login(rep.user)
    page = client.get(reverse("alerts:portal")).content.decode()
    assert "<html" in page and "Road closed" in page


def test_the_portal_query_count_does_not_grow_with_alerts(
    client, rep, operator, django_assert_max_num_queries
):
    for n in range(10):
        send(operator, 15, f"Alert {n}")
    client.force_login(rep.user)
    with django_assert_max_num_queries(8):
        html = portal(client)
    assert html.count("<article") == 10
