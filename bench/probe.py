"""Measurements made inside Django, in a process of their own against the loaded bench database
(the servers stay free of benchmark hooks): the query count of the dashboard and of an incident
page, with the full volume and with 10 open incidents; a report's reference and its triage
matching, with their EXPLAIN; the after-action figures and page over every incident.

    python -m bench.probe --incident 123     (prints JSON; changes nothing it does not roll back)
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta
from urllib.parse import urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "watchline.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F, Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from exercises import figures as after_action  # noqa: E402
from joc import services  # noqa: E402
from joc.models import Incident  # noqa: E402
from reports.models import Report  # noqa: E402
from watchline import permissions, references  # noqa: E402

ROUNDS = 30


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
            queries(client, dashboard)  # these rows into the row cache too: compare warm to warm
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


def explain(statements):
    """PostgreSQL's plan of each statement, as it ran (EXPLAIN ANALYZE)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        plans = []
        for statement in statements:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + statement)
            plans.append({"sql": statement, "plan": [row[0] for row in cursor.fetchall()]})
        return plans


def summary(times, selects, **extra):
    ordered = sorted(times)
    return {
        "rounds": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": ordered[int(0.95 * len(ordered)) - 1] * 1000,
        "explain": explain(selects),
        **extra,
    }


def timed(action, times, selects, table):
    """Run `action()`, add its time to `times`; the first time, keep its SELECTs on `table`."""
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    if not selects:
        selects += [
            q["sql"]
            for q in captured
            if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"].split("WHERE")[0]
        ]
    return result


def report_writes(near):
    """Time giving a report its reference and `triage_report()` (each round rolled back), and
    EXPLAIN the queries each makes."""
    reference, triage = ([], []), ([], [])
    for _ in range(ROUNDS):
        try:
            with transaction.atomic():
                report = new_report(near)
                timed(
                    lambda r=report: references.save_with_reference(r, "R"),
                    *reference,
                    "reports_report",
                )
                incident = timed(
                    lambda r=report: services.triage_report(r), *triage, "joc_incident"
                )
                raise Rollback
        except Rollback:
            pass
    return {
        "reference": summary(*reference),
        "triage": summary(*triage, joined_the_nearby_incident=incident.pk == near.pk),
    }


def after_action_figures(client):
    """The after-action figures for a period holding every incident, and its page with that
    period and with a period of 10 incidents, each incident given milestones first (rolled
    back afterwards)."""
    figures = {}
    try:
        with transaction.atomic():
            Incident.objects.update(
                acknowledged_at=F("created_at") + timedelta(minutes=2),
                verifying_at=F("created_at") + timedelta(minutes=3),
                verified_at=F("created_at") + timedelta(minutes=9),
            )
            span = Incident.objects.aggregate(start=Min("created_at"), end=Max("created_at"))
            start = timezone.localtime(span["start"]).replace(second=0, microsecond=0)
            end = timezone.localtime(span["end"]).replace(second=0, microsecond=0)
            end += timedelta(minutes=1)
            scope = after_action.Scope.period(start, end)
            times = []
            for _ in range(5):
                began = time.perf_counter()
                report = after_action.after_action(scope)
                times.append(time.perf_counter() - began)
            figures["after_action_incidents"] = len(report.incidents)
            figures["after_action_figures_ms"] = statistics.median(times) * 1000
            page = reverse("exercises:period_after_action")
            for name, since in (("after_action", start), ("after_action_10", None)):
                if since is None:
                    newest = Incident.objects.order_by("-created_at")
                    ten = list(newest.values_list("created_at", flat=True)[:10])
                    since = timezone.localtime(ten[-1]).replace(second=0, microsecond=0)
                query = urlencode(
                    {"start": f"{since:%Y-%m-%dT%H:%M}", "end": f"{end:%Y-%m-%dT%H:%M}"}
                )
                figures[f"{name}_queries"] = queries(client, f"{page}?{query}", figures, name)
            raise Rollback
    except Rollback:
        pass
    return figures


def intake_queries():
    """The queries of a report form's GET and of its POST (all of them: BEGIN, COMMIT and the
    live fragments rendered after commit), the POST as the second of a representative's."""
    from bench.load import report_form

    rep = User.objects.filter(groups__name=permissions.REPRESENTATIVE_GROUP).first()
    client = Client()
    client.force_login(rep)
    counts = {}
    for n in range(2):
        with CaptureQueriesContext(connection) as get:
            page = client.get(reverse("reports:new"), HTTP_HOST="127.0.0.1")
        _, data = report_form(page.content.decode(), f"probe {n}")
        with CaptureQueriesContext(connection) as post:
            response = client.post(reverse("reports:new"), data, HTTP_HOST="127.0.0.1")
        assert response.status_code == 302, response.status_code
        counts = {"form_get_queries": len(get), "form_post_queries": len(post)}
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incident", type=int, required=True)
    args = parser.parse_args()
    operator = User.objects.filter(groups__name=permissions.OPERATOR_GROUP).first()
    client = Client()
    client.force_login(operator)
    figures = page_queries(client, args.incident)
    figures.update(report_writes(Incident.objects.get(pk=args.incident)))
    figures.update(after_action_figures(client))
    figures.update(intake_queries())
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
