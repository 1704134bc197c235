"""Background work for the JOC's actions, run through Django's Tasks API."""

from django_tasks import task

from joc.models import IncidentEvent
from reports import feedback
from reports.models import Report, ReportUpdate


@task()
def tell_reporters(event_id, report_ids):
    """Fan a public follow-up (`event_id`) out to the reports that were on its incident when
    it was posted: each sender sees it on their report (and on WhatsApp). Safe to run again:
    a report that already has the message is skipped."""
    event = IncidentEvent.objects.select_related("actor").get(pk=event_id)
    told = set(
        ReportUpdate.objects.filter(
            report__in=report_ids,
            kind=ReportUpdate.Kind.JOC_MESSAGE,
            text=event.note,
            created_at__gte=event.created_at,
        ).values_list("report_id", flat=True)
    )
    for report in Report.objects.filter(pk__in=report_ids).exclude(pk__in=told):
        feedback.post_joc_message(report, event.note, actor=event.actor)
