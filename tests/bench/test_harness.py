"""The benchmark's own moving parts, against the real app: the form filler submits a report the
view accepts (exactly once per client token), and the seeded sessions are logged in."""

from argparse import Namespace

import pytest
from django.urls import reverse

from bench import load
from reports.models import Report


def test_report_form_is_filled_as_a_representative_would(rep_client):
    page = rep_client.get(reverse("reports:new"))
    action, data = load.report_form(page.content.decode(), "bench test 1")

    first = rep_client.post(reverse("reports:new"), data)
    again = rep_client.post(reverse("reports:new"), data)

    assert first.status_code == 302
    reference = load.REFERENCE.search(first["Location"]).group(0)
    assert load.REFERENCE.search(again["Location"]).group(0) == reference
    assert Report.objects.get().reference == reference


def test_percentiles_are_nearest_rank_in_milliseconds():
    figures = load.percentiles([i / 1000 for i in range(1, 101)])
    assert (figures["p50"], figures["p95"], figures["p99"]) == (50, 95, 99)
    assert load.percentiles([]) == {"n": 0}


@pytest.mark.django_db
def test_seeded_sessions_are_logged_in(client):
    from bench import seed

    state = seed.seed(Namespace(incidents=20, reports=60, cwgs=3, operators=2))

    assert Report.objects.count() == 60 and len(state["representatives"]) == 6
    client.cookies["sessionid"] = state["operators"][0]
    assert client.get(reverse("joc:dashboard")).status_code == 200
    client.cookies["sessionid"] = state["representatives"][0]
    assert client.get(reverse("reports:new")).status_code == 200
