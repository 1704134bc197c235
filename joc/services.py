"""JOC domain actions. Every state change goes through one function here, which writes the change
and its IncidentEvent, then publishes the live update on commit."""

from django.db import transaction

from joc import references
from joc.models import Incident, IncidentEvent


@transaction.atomic
def triage_report(report):
    """Attach `report` to an incident. (First cut: every report opens its own incident; the
    triage issue replaces this with matching by category, place and time.)"""
    incident = Incident(
        category=report.category,
        title=report.description[:200],
        location_text=report.location_text,
        ward=report.ward,
        latitude=report.latitude,
        longitude=report.longitude,
        last_report_at=report.created_at,
    )
    references.save_with_reference(incident, "I")
    IncidentEvent.objects.create(
        incident=incident, kind="opened", to_value=incident.status, note=report.reference
    )
    report.incident = incident
    report.save(update_fields=["incident"])
    return incident
