"""The operators' alert pages: compose (prefilled from an incident), follow, update, cancel."""

import pytest
from django.urls import reverse

from alerts import services as alert_services
from alerts.models import Alert, AlertRecipient
from tests import factories

pytestmark = pytest.mark.django_db


def ward(number):
    return factories.WardFactory(number=number)


def compose_data(**extra):
    data = {"title": "Protest on the N2", "message": "Avoid the N2 near Borcherds Quarry."}
    data.update({"severity": "warning", "wards": [ward(44).pk], **extra})
    return data


def test_only_operators_reach_the_alert_pages(client, representative):
    pages = [reverse("alerts:list"), reverse("alerts:new")]
    for url in pages:
        assert client.get(url).status_code == 302  # to the login page
    client.force_login(representative.user)
    for url in pages:
        assert client.get(url).status_code == 403


def test_the_link_from_a_confirmed_incident_prefills_title_and_wards(operator_client):
    incident = factories.IncidentFactory(status="confirmed", ward=ward(60), title="Shack fire")
    page = operator_client.get(reverse("alerts:new") + f"?incident={incident.pk}")
    form = page.context["form"]
    assert form.initial["title"] == "Shack fire"
    expected = {60, *incident.ward.neighbours.values_list("number", flat=True)}
    assert {w.number for w in form.initial["wards"]} == expected
    html = page.content.decode()
    assert f'name="incident" value="{incident.pk}"' in html
    assert f"wards {', '.join(str(n) for n in sorted(expected))}." in html


@pytest.mark.parametrize("value", ["abc", "1e9"])
def test_a_garbage_incident_is_a_400(operator_client, value):
    assert operator_client.get(reverse("alerts:new"), {"incident": value}).status_code == 400


def test_composing_sends_and_lands_on_the_alert_page(operator_client):
    factories.CWGFactory(name="Nyanga Watch", wards=[ward(44)])
    incident = factories.IncidentFactory(status="confirmed")
    response = operator_client.post(reverse("alerts:new"), compose_data(incident=incident.pk))
    alert = Alert.objects.get()
    assert response.status_code == 302 and response.url == reverse("alerts:detail", args=[alert.pk])
    assert alert.incident == incident and alert.status == "sent"
    page = operator_client.get(response.url).content.decode()
    assert "Nyanga Watch" in page and "Not yet" in page
    assert "none" in page  # Nyanga Watch has no representatives: nobody to notify


def test_bad_input_is_shown_beside_the_field_and_kept(operator_client):
    response = operator_client.post(
        reverse("alerts:new"), {"title": "Keep me", "message": "", "severity": "warning"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the target wards, or All wards." in page
    assert 'value="Keep me"' in page
    assert not Alert.objects.exists()


def test_an_expiry_in_the_past_is_refused(operator_client):
    response = operator_client.post(
        reverse("alerts:new"), compose_data(expires_at="2001-01-01T10:00")
    )
    assert "The expiry must be in the future." in response.content.decode()


def test_an_operators_emergency_to_all_wards_shows_the_supervisor_approve_button(
    operator_client, client, supervisor
):
    data = compose_data(severity="emergency", all_wards="on", wards=[])
    response = operator_client.post(reverse("alerts:new"), data, follow=True)
    alert = Alert.objects.get()
    assert alert.status == "awaiting_approval"
    assert "Approve and send" not in response.content.decode()
    assert operator_client.post(reverse("alerts:approve", args=[alert.pk])).status_code == 403

    client.force_login(supervisor)
    page = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "Approve and send" in page
    client.post(reverse("alerts:approve", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.approved_by == supervisor


def test_update_and_cancel_from_the_alert_page(operator_client, operator):
    alert = alert_services.compose(
        operator,
        title="Gas leak",
        message="Stay indoors.",
        severity="warning",
        wards=[ward(9)],
        all_wards=False,
        expires_at=None,
    )
    url = reverse("alerts:update", args=[alert.pk])
    response = operator_client.post(
        url, {"kind": "all_clear", "title": "Gas leak fixed", "message": "", "severity": "advisory"}
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    operator_client.post(
        url,
        {
            "kind": "all_clear",
            "title": "Gas leak fixed",
            "message": "Safe.",
            "severity": "advisory",
        },
    )
    operator_client.post(reverse("alerts:cancel", args=[alert.pk]), {"message": "Test."})
    page = operator_client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    for text in ("v1 · Original", "v2 · All clear", "v3 · Cancellation", "Gas leak fixed"):
        assert text in page


def test_the_alert_page_query_count_does_not_grow_with_recipients(
    operator_client, operator, django_assert_max_num_queries
):
    for n in range(12):
        cwg = factories.CWGFactory(wards=[ward(70)])
        factories.RepresentativeFactory(cwg=cwg)
        factories.RepresentativeFactory(cwg=cwg, seat=2)
    alert = alert_services.compose(
        operator,
        title="t",
        message="m",
        severity="advisory",
        wards=[ward(70)],
        all_wards=False,
        expires_at=None,
    )
    assert AlertRecipient.objects.filter(alert=alert).count() == 12
    with django_assert_max_num_queries(12):
        page = operator_client.get(reverse("alerts:detail", args=[alert.pk]))
    assert page.content.decode().count("tel:+27") == 24
    with django_assert_max_num_queries(8):
        operator_client.get(reverse("alerts:list"))


def test_the_resync_request_returns_the_live_section_alone(operator_client, operator):
    alert = alert_services.compose(
        operator,
        title="t",
        message="m",
        severity="advisory",
        wards=[ward(70)],
        all_wards=False,
        expires_at=None,
    )
    page = operator_client.get(reverse("alerts:detail", args=[alert.pk]), HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert html.strip().startswith(f'<section id="alert-{alert.pk}-status"') and "<html" not in html


@pytest.mark.parametrize("incident", ["x", "999999"])
def test_a_garbage_incident_in_the_post_is_a_400(operator_client, incident):
    response = operator_client.post(reverse("alerts:new"), compose_data(incident=incident))
    assert response.status_code == 400
    assert not Alert.objects.exists()
