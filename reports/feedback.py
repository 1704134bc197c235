"""What the JOC tells a report's sender: the status they see, the JOC's public messages, and
the live update of the report on their CWG's pages (and, for a report sent on WhatsApp, a
message back on WhatsApp). The JOC's services call these; they never
call back into the JOC."""

from django.db import transaction

from reports.models import Report, ReportUpdate
from reports.whatsapp import outbound as whatsapp
from watchline import live


@transaction.atomic
def set_report_status(report, status, *, actor=None, note=""):
    """Change the status the sender sees, record it on the report's timeline, tell the CWG."""
    status = Report.Status(status)
    before = report.status
    if status == before:
        return report
    Report.objects.filter(pk=report.pk).update(status=status)
    report.status = status
    update = ReportUpdate.objects.create(
        report=report,
        kind=ReportUpdate.Kind.STATUS,
        author=actor,
        text=note,
        from_status=before,
        to_status=status,
    )
    publish_changed(report)
    whatsapp.tell_sender(update)
    return report


@transaction.atomic
def post_joc_message(report, text, *, actor):
    """A public message from the JOC on the report, shown to its CWG."""
    update = ReportUpdate.objects.create(
        report=report, kind=ReportUpdate.Kind.JOC_MESSAGE, author=actor, text=text
    )
    publish_changed(report)
    whatsapp.tell_sender(update)
    return update


def publish_changed(report):
    """The list row, the detail page's status and timeline, for the CWG's representatives."""
    fresh = Report.objects.for_cwg_pages().get(pk=report.pk)
    live.publish(
        live.cwg_group(fresh.cwg_id), "reports/live/report_changed.html", {"report": fresh}
    )
