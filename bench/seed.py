"""Bulk-load the benchmark database: CWGs, representatives, operators, open incidents with their
reports and timelines, resources, and a logged-in session for every user.

Run by bench/run.py in the benchmark's environment (DATABASE_URL points at the bench database):
    python -m bench.seed --incidents 10000 --reports 50000 --cwgs 300 --operators 100 --out s.json
It prints nothing but writes the sessions the load clients use to `--out`.
"""

import argparse
import json
import os
import random
import uuid
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "watchline.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cwg.models import CommunityWatchGroup, Representative, Ward  # noqa: E402
from joc.models import Incident, IncidentEvent, IncidentQuerySet, Resource  # noqa: E402
from reports.models import Category, Report  # noqa: E402
from watchline import permissions  # noqa: E402

BATCH = 2000
rng = random.Random(8)


def stem(prefix):
    return f"{prefix}-{timezone.localtime():%y%m}-"


def users(prefix, count, group, password):
    made = User.objects.bulk_create(
        User(
            username=f"{prefix}{n}", first_name=prefix.title(), last_name=str(n), password=password
        )
        for n in range(1, count + 1)
    )
    group = Group.objects.get(name=group)
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=group.pk) for u in made
    )
    return made


def cwgs_with_representatives(count, wards, password):
    cwgs = CommunityWatchGroup.objects.bulk_create(
        CommunityWatchGroup(
            reference=f"{stem('C')}{n:04d}",
            name=f"Bench Watch {n}",
            area_description="Streets around the bench",
            contact_email=f"cwg{n}@example.org",
            contact_phone=f"+2721{n:07d}",
            status=CommunityWatchGroup.Status.APPROVED,
            status_changed_at=timezone.now(),
        )
        for n in range(1, count + 1)
    )
    CommunityWatchGroup.wards.through.objects.bulk_create(
        CommunityWatchGroup.wards.through(communitywatchgroup_id=c.pk, ward_id=rng.choice(wards).pk)
        for c in cwgs
    )
    reps = users("rep", 2 * count, permissions.REPRESENTATIVE_GROUP, password)
    seats = Representative.objects.bulk_create(
        Representative(cwg=cwgs[i // 2], user=u, seat=1 + i % 2, phone=f"+2782{i + 1:07d}")
        for i, u in enumerate(reps)
    )
    return seats


def incidents_with_reports(count, report_count, wards, categories, seats):
    now = timezone.now()
    window = settings.TRIAGE_WINDOW_MINUTES * 60
    incidents = []
    for n in range(1, count + 1):
        ward = rng.choice(wards)
        incidents.append(
            Incident(
                reference=f"{stem('I')}{n:04d}",
                category=rng.choice(categories),
                title=f"Bench incident {n}",
                location_text=f"{n} Bench Street",
                ward=ward,
                latitude=ward.latitude + rng.uniform(-0.02, 0.02),
                longitude=ward.longitude + rng.uniform(-0.02, 0.02),
                status=rng.choice(IncidentQuerySet.OPEN_STATUSES),
                priority=rng.randint(1, 4),
                # Every incident is open and inside the triage window: the worst case for matching.
                last_report_at=now - timedelta(seconds=rng.uniform(0, window * 0.9)),
            )
        )
    incidents = Incident.objects.bulk_create(incidents, batch_size=BATCH)
    reports = []
    for n in range(1, report_count + 1):
        incident = incidents[n % count]
        seat = rng.choice(seats)
        reports.append(
            Report(
                reference=f"{stem('R')}{n:04d}",
                client_token=uuid.uuid4(),
                cwg_id=seat.cwg_id,
                submitted_by_id=seat.user_id,
                category_id=incident.category_id,
                description=f"Bench report {n}: what was seen",
                location_text=incident.location_text,
                ward_id=incident.ward_id,
                latitude=incident.latitude,
                longitude=incident.longitude,
                observed_at=incident.last_report_at,
                source=Report.Source.EYEWITNESS,
                urgency=rng.choice(Report.Urgency.values),
                incident=incident,
            )
        )
    Report.objects.bulk_create(reports, batch_size=BATCH)
    events = [IncidentEvent(incident=i, kind="opened", to_value="new") for i in incidents]
    events += [
        IncidentEvent(incident=r.incident, kind="report_added", note=r.reference) for r in reports
    ]
    IncidentEvent.objects.bulk_create(events, batch_size=BATCH)
    return incidents


def sessions(users_):
    """One logged-in session per user, as `login()` would store it."""
    store = SessionStore()
    expiry = timezone.now() + timedelta(days=1)
    rows, keys = [], []
    for user in users_:
        key = uuid.uuid4().hex
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        keys.append(key)
    Session.objects.bulk_create(rows, batch_size=BATCH)
    return keys


@transaction.atomic
def seed(args):
    password = make_password("watchline-demo")  # hashed once, shared: seeding stays fast
    wards = list(Ward.objects.all())
    categories = list(Category.objects.all())
    seats = cwgs_with_representatives(args.cwgs, wards, password)
    operators = users("operator", args.operators, permissions.OPERATOR_GROUP, password)
    incidents = incidents_with_reports(args.incidents, args.reports, wards, categories, seats)
    Resource.objects.bulk_create(
        Resource(call_sign=f"BENCH-{n}", agency=rng.choice(Resource.Agency.values))
        for n in range(1, 51)
    )
    rep_users = [s.user for s in seats]
    return {
        "operators": sessions(operators),
        "representatives": sessions(rep_users),
        "incident": max(incidents, key=lambda i: i.pk).pk,
    }


def main():
    parser = argparse.ArgumentParser()
    for name in ("incidents", "reports", "cwgs", "operators"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    state = seed(args)
    with open(args.out, "w") as f:
        json.dump(state, f)


if __name__ == "__main__":
    main()
