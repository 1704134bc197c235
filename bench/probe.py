"""Measurements made inside Django, in a process of their own against the loaded bench database
(the servers stay free of benchmark hooks): the query count of the dashboard and of an incident
page, with the full volume and with 10 open incidents, and triage matching with its EXPLAIN.

    python -m bench.probe --incident 123     (prints JSON; changes nothing it does not roll back)
"""

import argparse
import json
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joc.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from joc import permissions, references, services  # noqa: E402
from joc.models import Incident  # noqa: E402
from reports.models import Report  # noqa: E402

ROUNDS = 50


class Rollback(Exception):
    pass


def queries(client, url, figures=None, name=""):
    """The number of queries a GET of `url` makes; with `figures`, also its SQL and total time."""
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    if figures is not None:
        figures[f"{name}_sql_ms"] = sum(float(q["time"]) for q in captured) * 1000
        figures[f"{name}_total_ms"] = elapsed * 1000
        figures[f"{name}_kb"] = len(response.content) // 1024
    return len(captured)


def page_queries(client, incident_pk):
    dashboard, detail = reverse("joc:dashboard"), reverse("joc:incident", args=[incident_pk])
    queries(client, dashboard)  # warm the per-process caches (content types, groups)
    figures = {"open_incidents": Incident.objects.open().count()}
    figures["dashboard_queries"] = queries(client, dashboard, figures, "dashboard")
    figures["incident_queries"] = queries(client, detail, figures, "incident")
    try:
        with transaction.atomic():
            keep = Incident.objects.open().order_by("pk").values_list("pk", flat=True)[:10]
            Incident.objects.open().exclude(pk__in=list(keep)).update(status="closed")
            figures["dashboard_queries_10_open"] = queries(client, dashboard)
            raise Rollback
    except Rollback:
        pass
    return figures


def new_report(near):
    """An unsaved report corroborating `near` (same category, a few metres away, just now)."""
    template = near.reports.select_related("cwg").first()
    return Report(
        cwg=template.cwg,
        submitted_by_id=template.submitted_by_id,
        category_id=near.category_id,
        description="Probe report",
        location_text=near.location_text,
        ward_id=near.ward_id,
        latitude=near.latitude + 0.0005,
        longitude=near.longitude + 0.0005,
        observed_at=timezone.now(),
        source="eyewitness",
        created_at=timezone.now(),
    )


def triage(near):
    """Time `triage_report()` (each round rolled back) and EXPLAIN the queries it makes."""
    times, sql = [], []
    for round_ in range(ROUNDS):
        try:
            with transaction.atomic():
                report = new_report(near)
                references.save_with_reference(report, "R")
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    incident = services.triage_report(report)
                    times.append(time.perf_counter() - start)
                if round_ == 0:
                    sql = [q["sql"] for q in captured if q["sql"].startswith("SELECT")]
                    joined = incident.pk == near.pk
                raise Rollback
        except Rollback:
            pass
    plans = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in sql:
                if "joc_incident" in statement.split("WHERE")[0]:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement)
                    plans.append({"sql": statement, "plan": [r[0] for r in cursor.fetchall()]})
    ordered = sorted(times)
    return {
        "rounds": ROUNDS,
        "joined_the_nearby_incident": joined,
        "queries": len(sql),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": ordered[int(0.95 * len(ordered)) - 1] * 1000,
        "explain": plans,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incident", type=int, required=True)
    args = parser.parse_args()
    operator = User.objects.filter(groups__name=permissions.OPERATOR_GROUP).first()
    client = Client()
    client.force_login(operator)
    figures = page_queries(client, args.incident)
    figures["triage"] = triage(Incident.objects.get(pk=args.incident))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
