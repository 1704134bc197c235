"""The dashboard, the incident page and the action views, as operators (and others) use them."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from joc import services
from joc.models import Incident, IncidentView
from reports.models import ReportPhoto
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def action_url(incident, action):
    return reverse("joc:incident_action", args=[incident.pk, action])


def test_the_dashboard_is_for_operators_only(client, representative):
    url = reverse("joc:dashboard")
    assert client.get(url).status_code == 302
    client.force_login(representative.user)
    assert client.get(url).status_code == 403
    client.force_login(factories.OperatorFactory())
    assert client.get(url).status_code == 200


def test_the_queue_lists_open_incidents_by_priority_then_newest(operator_client):
    factories.IncidentFactory(reference="I-1", priority=3, last_report_at=factories.minutes_ago(1))
    factories.IncidentFactory(reference="I-2", priority=1, last_report_at=factories.minutes_ago(9))
    factories.IncidentFactory(reference="I-3", priority=3, last_report_at=factories.minutes_ago(5))
    factories.IncidentFactory(reference="I-4", status="closed")
    incidents = operator_client.get(reverse("joc:dashboard")).context["incidents"]
    assert [i.reference for i in incidents] == ["I-2", "I-1", "I-3"]


def test_live_rows_are_placed_in_the_same_order_as_the_served_queue(operator_client):
    """dashboard.js places a live row by comparing data-order strings alone: sorting by them
    must give exactly the order the server serves, ties on time and priority included."""
    now = timezone.now()
    same_time = [factories.IncidentFactory(priority=2, last_report_at=now) for _ in range(3)]
    factories.IncidentFactory(priority=2, last_report_at=now + timedelta(microseconds=1))
    factories.IncidentFactory(priority=1, last_report_at=now - timedelta(days=1))
    factories.IncidentFactory(priority=4, last_report_at=now + timedelta(hours=1))
    html = operator_client.get(reverse("joc:dashboard")).content.decode()
    served = re.findall(r'id="incident-(\d+)"[^>]*?data-order="([^"]+)"', html, re.S)
    assert len(served) == 6 and len({key for _, key in served}) == 6
    assert sorted(served, key=lambda row: row[1]) == served
    ties = [pk for pk, _ in served if int(pk) in {i.pk for i in same_time}]
    assert ties == [str(i.pk) for i in reversed(same_time)]  # newest incident first


def test_htmx_gets_the_queue_alone_with_the_filters_applied(operator_client, operator):
    mine = factories.IncidentFactory(reference="I-MINE", assigned_to=operator, priority=1)
    factories.IncidentFactory(reference="I-OTHER", priority=1)
    factories.IncidentFactory(reference="I-P4", priority=4, assigned_to=operator)
    response = operator_client.get(reverse("joc:dashboard"), {"mine": "on", "priority": 1}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="queue"')
    assert "I-MINE" in html and "I-OTHER" not in html and "I-P4" not in html
    assert f'id="incident-{mine.pk}"' in html
    # Nonsense filters are ignored, never a 500.
    assert operator_client.get(reverse("joc:dashboard"), {"ward": "x"}).status_code == 200


def test_incidents_stay_marked_new_until_the_operator_opens_them(operator_client, operator):
    incident = factories.IncidentFactory()
    assert "is-new" in operator_client.get(reverse("joc:dashboard"), **HTMX).content.decode()
    assert operator_client.get(reverse("joc:incident", args=[incident.pk])).status_code == 200
    assert IncidentView.objects.filter(user=operator, incident=incident).exists()
    assert "is-new" not in operator_client.get(reverse("joc:dashboard"), **HTMX).content.decode()
    # A newer report makes it new again.
    Incident.objects.filter(pk=incident.pk).update(last_report_at=factories.minutes_ago(-1))
    assert "is-new" in operator_client.get(reverse("joc:dashboard"), **HTMX).content.decode()


@pytest.mark.parametrize("count", [5, 200])
def test_the_dashboard_query_count_does_not_grow(
    operator_client, count, django_assert_max_num_queries
):
    cwgs = [factories.CWGFactory() for _ in range(3)]
    factories.ResourceFactory.create_batch(5)
    for n in range(count):
        incident = factories.IncidentFactory(
            assigned_to=factories.OperatorFactory() if n < 3 else None
        )
        factories.ReportFactory(incident=incident, cwg=cwgs[n % 3])
    with django_assert_max_num_queries(10):
        response = operator_client.get(reverse("joc:dashboard"))
    assert len(response.context["incidents"]) == count


def test_the_queue_shows_the_first_rows_and_says_how_many_more(operator_client, settings):
    settings.DASHBOARD_QUEUE_LIMIT = 3
    factories.IncidentFactory(priority=1, reference="I-0000-0900", title="The urgent one")
    factories.IncidentFactory.create_batch(4, priority=4)
    response = operator_client.get(reverse("joc:dashboard"))
    assert len(response.context["incidents"]) == 3
    html = response.content.decode()
    assert "I-0000-0900" in html
    assert "Showing the first 3 of 5 open incidents" in html


def test_the_incident_page_shows_reports_with_cwg_phone_and_timeline(operator_client):
    rep = factories.RepresentativeFactory(phone="+27821234567", cwg__name="Sea Point Watch")
    incident = factories.IncidentFactory()
    factories.ReportFactory(incident=incident, cwg=rep.cwg, submitted_by=rep.user)
    factories.ReportFactory(incident=incident)
    photo = ReportPhoto.objects.create(
        report=incident.reports.first(),
        original="reports/a.jpg",
        public="reports/b.jpg",
        content_type="image/jpeg",
        size=1,
    )
    html = operator_client.get(reverse("joc:incident", args=[incident.pk])).content.decode()
    assert reverse("reports:photo", args=[photo.pk, "original"]) in html
    assert "Sea Point Watch" in html and "+27821234567" in html
    assert "2 reports from 2 CWGs" in html
    assert "Saw it myself" in html


def test_the_incident_page_query_count_does_not_grow(
    operator_client, django_assert_max_num_queries
):
    incident = factories.IncidentFactory()
    for _ in range(10):
        rep = factories.RepresentativeFactory()
        factories.ReportFactory(incident=incident, cwg=rep.cwg, submitted_by=rep.user)
    with django_assert_max_num_queries(20):
        operator_client.get(reverse("joc:incident", args=[incident.pk]))


def test_an_htmx_action_returns_the_fresh_panel(operator_client, operator):
    incident = factories.IncidentFactory()
    response = operator_client.post(action_url(incident, "acknowledge"), {"version": 1}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="incident-panel"')
    assert "Acknowledged" in html
    assert Incident.objects.get(pk=incident.pk).assigned_to == operator


def test_without_javascript_an_action_redirects_to_the_incident(operator_client):
    incident = factories.IncidentFactory()
    response = operator_client.post(
        action_url(incident, "set_priority"), {"version": 1, "priority": 1}
    )
    assert response.status_code == 302
    assert response.url == reverse("joc:incident", args=[incident.pk])


def test_a_stale_action_shows_who_changed_it_and_the_fresh_state(operator_client):
    other = factories.OperatorFactory(first_name="Sipho", last_name="Dlamini")
    incident = factories.IncidentFactory()
    services.set_priority(incident, 1, other, 1)
    response = operator_client.post(action_url(incident, "acknowledge"), {"version": 1}, **HTMX)
    html = response.content.decode()
    assert "Changed by Sipho Dlamini just now" in html
    assert 'name="version" value="2"' in html
    assert Incident.objects.get(pk=incident.pk).status == "new"


def test_bad_input_is_shown_beside_the_field_and_kept(operator_client):
    incident = factories.IncidentFactory(status="verifying")
    response = operator_client.post(
        action_url(incident, "confirm"), {"version": 1, "evidence": ""}, **HTMX
    )
    assert "This field is required" in response.content.decode()
    response = operator_client.post(action_url(incident, "add_note"), {"text": "x" * 5000})
    assert response.status_code == 200
    assert "x" * 5000 in response.content.decode()


def test_a_refused_transition_says_why(operator_client):
    incident = factories.IncidentFactory(status="new")
    response = operator_client.post(
        action_url(incident, "mark_unfounded"), {"version": 1, "evidence": "old photo"}, **HTMX
    )
    assert "Cannot mark unfounded an incident that is new" in response.content.decode()


@pytest.mark.parametrize("data", [{"version": "abc"}, {}, {"version": "1" * 400}])
def test_garbage_never_gives_a_500(operator_client, data):
    incident = factories.IncidentFactory()
    response = operator_client.post(action_url(incident, "acknowledge"), data)
    assert response.status_code == 200
    assert Incident.objects.get(pk=incident.pk).status == "new"


def test_unknown_actions_and_non_operators_are_refused(operator_client, representative):
    incident = factories.IncidentFactory()
    assert operator_client.post(action_url(incident, "explode"), {}).status_code == 404
    assert operator_client.get(action_url(incident, "acknowledge")).status_code == 405
    operator_client.force_login(representative.user)
    response = operator_client.post(action_url(incident, "acknowledge"), {"version": 1})
    assert response.status_code == 403


def test_the_resources_panel(operator_client):
    factories.ResourceFactory(call_sign="FIRE-7")
    assert "FIRE-7" in operator_client.get(reverse("joc:resources")).content.decode()


def test_map_tiles_only_when_a_tile_server_is_configured(operator_client, settings):
    assert 'data-tiles=""' in operator_client.get(reverse("joc:dashboard")).content.decode()
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = operator_client.get(reverse("joc:dashboard")).content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "leaflet/leaflet.js" in html and "leaflet/leaflet.css" in html


def test_after_a_reconnect_an_incident_page_learns_who_changed_it(operator_client):
    incident = factories.IncidentFactory()
    url = reverse("joc:incident_notice", args=[incident.pk])
    slot = operator_client.get(url, {"seen": 1, "event": ""}, **HTMX).content.decode()
    assert 'class="notice-slot"' in slot and "Changed by" not in slot
    services.set_priority(
        incident, 1, factories.OperatorFactory(first_name="Zola", last_name="Ndlovu"), 1
    )
    notice = operator_client.get(url, {"seen": 1}, **HTMX).content.decode()
    assert f'id="incident-{incident.pk}-v1"' in notice
    assert "Changed by Zola Ndlovu just now: New, P1." in notice
    assert operator_client.get(url, {"seen": "junk"}).status_code == 200


def test_after_a_reconnect_an_incident_page_learns_of_reports_that_kept_the_version(
    operator_client, operator
):
    incident = factories.IncidentFactory()
    page = operator_client.get(reverse("joc:incident", args=[incident.pk])).content.decode()
    slot_url = re.search(r'hx-get="([^"]*/notice/[^"]*)"', page).group(1).replace("&amp;", "&")
    assert 'class="notice-slot"' in operator_client.get(slot_url, **HTMX).content.decode()
    services.add_note(incident, operator, "Caller says the water is dropping")  # same version
    notice = operator_client.get(slot_url, **HTMX).content.decode()
    assert "arrived while this page was offline" in notice
