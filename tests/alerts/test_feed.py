"""The Atom feed of current alerts and the CAP documents for other agencies: who may read them
(operators logged in, agencies with an active token), what the feed lists, and the admin that
issues and revokes tokens."""

import re

import pytest
from django.urls import reverse
from lxml import etree

from alerts import cap
from alerts import services as alert_services
from alerts.models import AgencyToken
from tests import factories

pytestmark = pytest.mark.django_db

ATOM = {"atom": cap.ATOM_NS}
FEED = "/alerts/feed.atom"


def send(user, title="Flood on Beach Road", **extra):
    fields = {
        "title": title,
        "message": "Avoid Beach Road.",
        "severity": "warning",
        "wards": [factories.WardFactory(number=54)],
        "all_wards": False,
        "expires_at": None,
    }
    return alert_services.compose(user, **(fields | extra))


def entries(response):
    feed = etree.fromstring(response.content)
    return feed.findall("atom:entry", ATOM)


@pytest.fixture
def agency(city_admin):
    return alert_services.issue_agency_token("Provincial Disaster Management", city_admin)


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_callers_are_asked_to_authenticate(client, operator):
    alert = send(operator)
    for url in (FEED, cap.cap_path(alert.pk, 1)):
        response = client.get(url)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"Flood" not in response.content


def test_an_operator_logged_in_reads_the_feed(operator_client, operator):
    send(operator)
    response = operator_client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert [e.findtext("atom:title", namespaces=ATOM) for e in entries(response)] == [
        "Flood on Beach Road"
    ]


def test_a_representative_may_not_read_the_feed(rep_client, operator):
    send(operator)
    assert rep_client.get(FEED).status_code == 403


def test_an_agency_reads_with_its_token_in_the_header(client, operator, agency):
    token, raw = agency
    alert = send(operator)
    response = client.get(FEED, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    (entry,) = entries(response)
    link = entry.find("atom:link[@type='application/cap+xml']", ATOM).get("href")
    assert link == f"http://testserver{cap.cap_path(alert.pk, 1)}"
    document = client.get(link, headers={"Authorization": f"Bearer {raw}"})
    assert document.status_code == 200
    assert document["Content-Type"].startswith("application/cap+xml")
    assert b"<identifier>watchline-alert-" in document.content
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_feed_read_with_the_token_in_the_url_links_documents_the_same_way(
    client, operator, agency
):
    _, raw = agency
    send(operator)
    response = client.get(FEED, {"token": raw})
    (entry,) = entries(response)
    link = entry.find("atom:link[@type='application/cap+xml']", ATOM).get("href")
    assert link.endswith(f"?token={raw}")
    assert client.get(link).status_code == 200


def test_a_revoked_or_unknown_token_is_refused(client, operator, agency):
    token, raw = agency
    send(operator)
    assert client.get(FEED, {"token": "not-a-token"}).status_code == 403
    alert_services.revoke_agency_tokens(AgencyToken.objects.filter(pk=token.pk))
    assert client.get(FEED, headers={"Authorization": f"Bearer {raw}"}).status_code == 403
    assert client.get(FEED, {"token": raw}).status_code == 403


def test_only_the_tokens_hash_is_stored(agency):
    token, raw = agency
    stored = AgencyToken.objects.get(pk=token.pk)
    assert raw not in {stored.token_hash, stored.hint, stored.agency}
    assert re.fullmatch(r"[0-9a-f]{64}", stored.token_hash)
    assert raw.startswith(stored.hint)
    assert len(raw) >= 40


# --- What the feed lists ---------------------------------------------------------------------


def test_the_feed_lists_current_alerts_with_their_latest_version(operator_client, operator):
    kept = send(operator, title="Water outage")
    alert_services.update(
        kept,
        operator,
        kind="update",
        title="Water outage until 20:00",
        message="Later.",
        severity="advisory",
    )
    cancelled = send(operator, title="Sent by mistake")
    alert_services.cancel(cancelled, operator, "Wrong ward.")
    held = send(operator, title="Storm", severity="emergency", all_wards=True)
    assert held.status == "awaiting_approval"
    feed = entries(operator_client.get(FEED))
    listed = {
        e.findtext("atom:title", namespaces=ATOM): (
            e.find("atom:category", ATOM).get("term"),
            e.find("atom:link", ATOM).get("href").rsplit("/", 1)[-1],
        )
        for e in feed
    }
    # The held alert was never sent: not in the feed, and it has no CAP document.
    assert listed == {
        "Water outage until 20:00": ("Update", "2.xml"),
        "Sent by mistake": ("Cancel", "2.xml"),
    }
    assert operator_client.get(cap.cap_path(held.pk, 1)).status_code == 404
    assert operator_client.get(cap.cap_path(kept.pk, 3)).status_code == 404


def test_expired_alerts_leave_the_feed(operator_client, operator):
    from django.utils import timezone

    alert = send(operator)
    alert.__class__.objects.filter(pk=alert.pk).update(expires_at=timezone.now())
    assert entries(operator_client.get(FEED)) == []


# --- The admin issues and revokes tokens -----------------------------------------------------


def test_a_city_admin_issues_a_token_shown_once_and_revokes_it(client, city_admin):
    client.force_login(city_admin)
    response = client.post(
        reverse("admin:alerts_agencytoken_add"), {"agency": "Metro EMS"}, follow=True
    )
    assert response.status_code == 200
    shown = re.search(r"Token for Metro EMS: (\S+) ", response.content.decode())
    raw = shown.group(1)
    token = AgencyToken.objects.get(agency="Metro EMS")
    assert token.created_by == city_admin
    client.logout()
    assert client.get(FEED, {"token": raw}).status_code == 200
    client.force_login(city_admin)
    listing = client.get(reverse("admin:alerts_agencytoken_changelist"))
    assert raw not in listing.content.decode()
    client.post(
        reverse("admin:alerts_agencytoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    client.logout()
    assert client.get(FEED, {"token": raw}).status_code == 403


def test_an_operator_cannot_issue_tokens(operator_client):
    response = operator_client.get(reverse("admin:alerts_agencytoken_add"))
    assert response.status_code == 302  # to the admin's login: operators are not staff


def test_operators_find_the_feed_and_each_versions_cap_document_on_the_alert_pages(
    operator_client, operator
):
    alert = send(operator)
    assert 'href="/alerts/feed.atom"' in operator_client.get("/alerts/").content.decode()
    page = operator_client.get(f"/alerts/{alert.pk}/").content.decode()
    assert f'href="{cap.cap_path(alert.pk, 1)}"' in page
    held = send(operator, severity="emergency", all_wards=True)
    assert "/cap/" not in operator_client.get(f"/alerts/{held.pk}/").content.decode()
