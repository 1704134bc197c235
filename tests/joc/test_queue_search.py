"""The desk's queue: free-text search (reference, place, report text) and sortable columns,
on the server, in a fixed number of queries."""

import re

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def queue(client, **params):
    response = client.get(reverse("joc:dashboard"), params, **HTMX)
    assert response.status_code == 200
    return [i.reference for i in response.context["incidents"]]


def test_search_finds_by_reference_place_and_report_text(operator_client):
    bridge = factories.IncidentFactory(reference="I-2611-0001", location_text="Victoria Bridge")
    factories.ReportFactory(incident=bridge, description="Water over the road")
    shops = factories.IncidentFactory(reference="I-2611-0002", location_text="Main Road shops")
    factories.ReportFactory(incident=shops, description="Crowd throwing stones at the depot")
    factories.ReportFactory(incident=shops, description="Second report, same crowd")
    assert queue(operator_client, q="i-2611-0001") == ["I-2611-0001"]
    assert queue(operator_client, q="victoria") == ["I-2611-0001"]
    assert queue(operator_client, q="STONES") == ["I-2611-0002"]  # a report's text
    assert queue(operator_client, q="crowd depot") == ["I-2611-0002"]  # every word, once
    assert queue(operator_client, q="crowd victoria") == []
    assert sorted(queue(operator_client, q="")) == ["I-2611-0001", "I-2611-0002"]


def test_the_search_box_keeps_its_text_and_says_when_nothing_matches(operator_client):
    factories.IncidentFactory(location_text="Main Road shops")
    html = operator_client.get(reverse("joc:dashboard"), {"q": "<b>harbour"}).content.decode()
    assert 'value="&lt;b&gt;harbour"' in html
    assert "No open incidents match these filters." in html


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("ward", ["I-B", "I-C", "I-A"]),
        ("-ward", ["I-A", "I-C", "I-B"]),
        ("place", ["I-C", "I-A", "I-B"]),
        ("status", ["I-B", "I-A", "I-C"]),
        ("handler", ["I-A", "I-B", "I-C"]),
        ("-handler", ["I-B", "I-A", "I-C"]),
        ("", ["I-C", "I-A", "I-B"]),  # the queue order: priority first
        ("nonsense", ["I-C", "I-A", "I-B"]),
    ],
)
def test_columns_sort_the_queue(operator_client, sort, expected):
    wards = {n: factories.WardFactory(number=n) for n in (2, 5, 40)}
    factories.IncidentFactory(
        reference="I-A",
        ward=wards[40],
        location_text="Bree Street",
        status="acknowledged",
        priority=2,
        assigned_to=factories.OperatorFactory(username="anna"),
    )
    factories.IncidentFactory(
        reference="I-B",
        ward=wards[2],
        location_text="Long Street",
        priority=3,
        assigned_to=factories.OperatorFactory(username="ben"),
    )
    factories.IncidentFactory(
        reference="I-C", ward=wards[5], location_text="Adderley", status="verifying", priority=1
    )
    assert queue(operator_client, sort=sort) == expected


def test_the_sorted_column_is_marked_and_its_link_reverses_it(operator_client):
    factories.IncidentFactory()
    html = operator_client.get(reverse("joc:dashboard"), {"sort": "ward", "q": "x"}).content
    html = html.decode()
    header = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', html).group(1)
    assert "Ward" in header and "sort=-ward" in header and "q=x" in header
    # Rows carry what the browser needs to place live rows in the same order.
    factories.IncidentFactory(reference="I-W", ward=factories.WardFactory(number=7))
    html = operator_client.get(reverse("joc:dashboard"), {"sort": "ward"}).content.decode()
    assert 'data-sort-ward="00007"' in html


@pytest.mark.parametrize("count", [5, 60])
def test_searching_and_sorting_keep_the_query_count_fixed(
    operator_client, count, django_assert_max_num_queries
):
    cwgs = [factories.CWGFactory() for _ in range(3)]
    for n in range(count):
        incident = factories.IncidentFactory(location_text=f"Main Road {n}")
        factories.ReportFactory(incident=incident, cwg=cwgs[n % 3], description="Smoke")
        factories.ReportFactory(incident=incident, cwg=cwgs[(n + 1) % 3], description="Fire")
    with django_assert_max_num_queries(12):
        response = operator_client.get(
            reverse("joc:dashboard"), {"q": "main smoke", "sort": "-status"}
        )
    assert len(response.context["incidents"]) == count


def test_rows_show_the_clock_time_and_leave_the_age_to_the_browser(operator_client):
    incident = factories.IncidentFactory()
    html = operator_client.get(reverse("joc:dashboard"), **HTMX).content.decode()
    local = incident.created_at.astimezone().strftime("%H:%M")
    assert f">{local}</time>" in html
    assert f'class="age" data-since="{incident.created_at.isoformat()}"' in html
