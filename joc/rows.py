"""The dashboard queue's rows, each rendered once per state of its incident and kept in the
cache (Redis when REDIS_URL is set, so every server process shares them): a dashboard of 200
rows renders only the rows that changed since any operator last saw them.

A thin layer around the row template, whatever it shows, on two conditions:
- a row's HTML depends only on its incident (the `for_dashboard` row), whether it is new for
  the viewer, the language, the time zone and the reference tables (wards, categories): the key
  holds every one of these (`STATE`, the catalogue generation of watchline.options), and the
  template source, so a changed template never serves old rows;
- ages are written with the `age` filter (joc_rows library) instead of `timesince`: in a
  cached row they are placeholders, filled in for each page.
tests/joc/test_rows.py checks that a page served from the cache is the page rendered without it.
"""

import contextvars
import hashlib
import logging
import re
import secrets
from datetime import datetime

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from watchline import options

logger = logging.getLogger(__name__)
ROW_TEMPLATE = "joc/_queue_row.html"
# What a row shows that may change without a new version (a report joining leaves the version).
STATE = (
    "version",
    "updated_at",
    "last_report_at",
    "status",
    "priority",
    "assigned_to_id",
    "latitude",
    "longitude",
    "report_count",
    "cwg_count",
    "life_threatening",
)
TIMEOUT = 24 * 3600

_deferring = contextvars.ContextVar("deferring_ages", default=False)
# A per-process secret in the placeholder: no user text can forge one.
_MARK = secrets.token_hex(8)
_AGE = re.compile(f"\x00{_MARK}:([0-9T:.+-]+)\x00")


def age(moment):
    """`timesince(moment)`, or its placeholder while a row is rendered for the cache."""
    if not moment:
        return ""
    if _deferring.get():
        return mark_safe(f"\x00{_MARK}:{moment.isoformat()}\x00")  # noqa: S308 (a date)
    return timesince(moment)


def render_rows(incidents):
    """The rows of `incidents` (an ordered `for_dashboard` queryset) as one piece of HTML.
    One query reads each row's state; the rows missing from the cache are read in full by a
    second one (only then) and rendered."""
    from joc.models import Incident

    template = get_template(ROW_TEMPLATE)
    revision = hashlib.sha256(template.template.source.encode()).hexdigest()[:12]
    prefix = f"row:{revision}:{translation.get_language()}"
    try:
        shared = f"{options.generation()}:{timezone.get_current_timezone_name()}"
    except Exception as failed:  # the cache down: every row rendered, nothing kept
        logger.warning("row cache unavailable: %r", failed)
        shared = None
    keys, news = {}, {}
    for pk, seen_at, *state in incidents.values_list("pk", "seen_at", *STATE):
        news[pk] = Incident.new_for_viewer(seen_at, state[STATE.index("last_report_at")])
        digest = hashlib.sha256(f"{state!r}:{news[pk]}:{shared}".encode()).hexdigest()[:24]
        keys[pk] = f"{prefix}:{pk}:{digest}"
    found = _cached(list(keys.values())) if shared else {}
    missing = [pk for pk, key in keys.items() if key not in found]
    if missing:
        fresh = {}
        token = _deferring.set(True)
        try:
            for incident in incidents.filter(pk__in=missing):
                context = {"incident": incident, "is_new": news[incident.pk]}
                fresh[keys[incident.pk]] = template.render(context)
        finally:
            _deferring.reset(token)
        if shared:
            _keep(fresh)
        found |= fresh
    # A row that left the queue between the two queries is left out.
    page = "".join(found[key] for key in keys.values() if key in found)
    return mark_safe(_fill_ages(page))  # noqa: S308 (rendered templates)


def _cached(keys):
    try:
        return cache.get_many(keys)
    except Exception as failed:
        logger.warning("row cache unavailable: %r", failed)
        return {}


def _keep(rows):
    try:
        cache.set_many(rows, TIMEOUT)
    except Exception as failed:
        logger.warning("row cache unavailable: %r", failed)


def _fill_ages(html):
    return _AGE.sub(lambda m: escape(timesince(datetime.fromisoformat(m[1]))), html)
