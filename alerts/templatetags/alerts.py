"""The current alerts on every representative page (the base template includes them), so an
alert is seen on the report form as on the portal, in the page itself: no second fetch."""

from django import template

from alerts import services

register = template.Library()


@register.inclusion_tag("alerts/_current.html", takes_context=True)
def representative_alerts(context):
    rep = context["representative"]
    return {
        "receipts": services.active_receipts_for_cwg(rep.cwg_id),
        "live_socket": context.get("live_socket"),
        "csrf_token": context.get("csrf_token"),
    }
