"""Fixed clocks and the real actions, in the words the exercise tests use."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import time_machine

from joc import services as joc
from joc.models import Incident
from reports.models import Category
from reports.services import submit_report

SAST = ZoneInfo("Africa/Johannesburg")


def at(hour, minute, second=0, day=2):
    return datetime.datetime(2026, 3, day, hour, minute, second, tzinfo=SAST)


def clock(moment):
    """Stop the clock at `moment` for what runs inside."""
    return time_machine.travel(moment, tick=False)


def send(rep, *, category="fire", latitude=-33.93, observed=None, exercise=None, text="Smoke"):
    """A report through the real intake, as `rep`."""
    data = {
        "category": Category.objects.get(slug=category),
        "description": text,
        "location_text": "Main Road",
        "ward": rep.cwg.wards.first(),
        "latitude": latitude,
        "longitude": 18.55,
        "observed_at": observed or datetime.datetime.now(tz=SAST),
        "source": "eyewitness",
        "urgency": "urgent",
        "people_count": None,
    }
    report, _ = submit_report(
        user=rep.user,
        cwg=rep.cwg,
        data=data,
        photos=[],
        client_token=uuid.uuid4(),
        exercise=exercise,
    )
    return report


def fresh(incident):
    return Incident.objects.get(pk=incident.pk)


def acknowledge(incident, who):
    incident = fresh(incident)
    return joc.acknowledge(incident, incident.version, who)


def verify(incident, who):
    incident = fresh(incident)
    return joc.verify(incident, incident.version, who, ["cctv"])


def confirm(incident, who):
    incident = fresh(incident)
    return joc.confirm(incident, incident.version, who, "Seen on CCTV.")


def debunk(incident, who):
    incident = fresh(incident)
    return joc.mark_unfounded(incident, incident.version, who, "Nothing there.")


def dispatch(incident, who, resource):
    incident = fresh(incident)
    return joc.dispatch(incident, incident.version, who, [resource])


def move_unit(incident, who):
    incident = fresh(incident)
    unit = incident.dispatches.exclude(status="cleared").first()
    return joc.move_dispatch(incident, incident.version, who, unit.pk)
