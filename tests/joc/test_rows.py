"""The queue's row cache: a page served from it is the page rendered without it, ages are those
of the moment the page is served, and a changed incident never shows its old row."""

import datetime

import pytest
import time_machine
from django.template import engines
from django.urls import reverse

from joc import rows, services
from joc.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
PLAIN = engines["django"].from_string(
    "{% for incident in incidents %}"
    '{% include "joc/_queue_row.html" with is_new=incident.is_new_for_viewer %}'
    "{% endfor %}"
)


@pytest.fixture
def queue(operator):
    cwgs = [factories.CWGFactory() for _ in range(2)]
    for n in range(6):
        incident = factories.IncidentFactory(
            title=f"Incident <b>{n}</b>",
            priority=1 + n % 4,
            assigned_to=operator if n == 0 else None,
            latitude=None if n == 1 else -33.93,
        )
        Incident.objects.filter(pk=incident.pk).update(created_at=factories.minutes_ago(5 + 70 * n))
        factories.ReportFactory(incident=incident, cwg=cwgs[n % 2])
    services.mark_seen(Incident.objects.order_by("pk").last(), operator)


def dashboard_rows(operator):
    return Incident.objects.filter(
        pk__in=Incident.objects.open().first_in_queue(200)
    ).for_dashboard(operator)


def test_cached_rows_are_the_rows_rendered_without_the_cache(queue, operator):
    plain = PLAIN.render({"incidents": dashboard_rows(operator)})
    cold = rows.render_rows(dashboard_rows(operator))
    warm = rows.render_rows(dashboard_rows(operator))
    assert cold == plain and warm == plain
    assert "5\xa0minutes" in plain and "is-new" in plain and "&lt;b&gt;" not in plain


def test_a_page_from_the_cache_is_the_page_without_it(queue, operator_client, settings):
    cold = operator_client.get(reverse("joc:dashboard"), **HTMX).content
    warm = operator_client.get(reverse("joc:dashboard"), **HTMX).content
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    uncached = operator_client.get(reverse("joc:dashboard"), **HTMX).content
    assert cold == warm == uncached
    assert uncached.count(b'<tr id="incident-') == 6


def test_ages_are_those_of_the_moment_the_page_is_served(queue, operator):
    rows.render_rows(dashboard_rows(operator))
    with time_machine.travel(datetime.timedelta(hours=3)):
        later = rows.render_rows(dashboard_rows(operator))
        assert later == PLAIN.render({"incidents": dashboard_rows(operator)})
    assert "3\xa0hours, 5\xa0minutes" in later


def test_a_changed_incident_never_shows_its_old_row(queue, operator, supervisor):
    incident = Incident.objects.get(latitude=None)
    rows.render_rows(dashboard_rows(operator))
    services.acknowledge(incident, incident.version, supervisor)  # a new version
    factories.ReportFactory(incident=Incident.objects.order_by("pk").first())  # same version
    after = rows.render_rows(dashboard_rows(operator))
    assert after == PLAIN.render({"incidents": dashboard_rows(operator)})
    assert "Acknowledged" in after and "2 reports from 2 CWGs" in after
