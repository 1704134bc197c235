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


def render_rows(incidents, is_new=lambda incident: incident.is_new_for_viewer):
    """The rows of `incidents` (for_dashboard rows), in order, as one piece of HTML."""
    template = get_template(ROW_TEMPLATE)
    revision = hashlib.sha256(template.template.source.encode()).hexdigest()[:12]
    prefix = f"row:{revision}:{translation.get_language()}"
    shared = f"{options.generation()}:{timezone.get_current_timezone_name()}"
    keys = [f"{prefix}:{i.pk}:{_digest(i, bool(is_new(i)), shared)}" for i in incidents]
    found = cache.get_many(keys)
    missing = {}
    token = _deferring.set(True)
    try:
        for key, incident in zip(keys, incidents, strict=True):
            if key not in found:
                html = template.render({"incident": incident, "is_new": is_new(incident)})
                missing[key] = found[key] = html
    finally:
        _deferring.reset(token)
    if missing:
        cache.set_many(missing, TIMEOUT)
    return mark_safe("".join(_fill_ages(found[key]) for key in keys))  # noqa: S308 (rendered)


def _digest(incident, new, shared):
    state = repr([getattr(incident, name, None) for name in STATE])
    return hashlib.sha256(f"{state}:{new}:{shared}".encode()).hexdigest()[:24]


def _fill_ages(html):
    return _AGE.sub(lambda m: escape(timesince(datetime.fromisoformat(m[1]))), html)
