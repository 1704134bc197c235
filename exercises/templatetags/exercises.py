"""How after-action figures are written: durations as minutes and seconds, times as local
clock times, shares as "3/4 (75 %)", nothing as a dash. CSV gets seconds and ISO times."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def figure(value, csv=False):
    if value is None:
        return "" if csv else "—"
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        if csv:
            return seconds
        return duration(seconds)
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return local.isoformat() if csv else local.strftime("%Y-%m-%d %H:%M:%S")
    return str(value) if not isinstance(value, (int, float)) else value


def duration(seconds):
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min {secs:02d} s"
    return f"{sign}{secs} s"


@register.inclusion_tag("exercises/live/banner.html")
def live_exercises_banner():
    """Which exercises are running: on every dashboard, so their incidents never mix silently."""
    from exercises.models import Exercise

    return {"live_exercises": Exercise.objects.live()}


@register.inclusion_tag("exercises/live/escalations.html")
def escalations_panel():
    """Incidents overdue for their priority's limits, on every dashboard."""
    from exercises import escalation_services as escalation

    return escalation.panel_context()


@register.inclusion_tag("exercises/_requests.html")
def exercise_requests(representative):
    """The injects a representative was asked to send, on their CWG's portal."""
    from exercises import services

    return {"requests": services.requests_for(representative) if representative else []}
