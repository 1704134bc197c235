"""The JOC desk: the dashboard, the resources panel, and each incident's page and actions."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from joc import forms, rows, services
from joc.models import Incident, Resource
from watchline import permissions


@permissions.operator_required
@require_GET
def dashboard(request):
    """The desk screen. htmx requests (a filter change, a resync after reconnecting) get the
    queue alone; live events bring single rows over the socket, never a queue reload."""
    filters = forms.QueueFilterForm(request.GET)
    matching = filters.filter(Incident.objects.open(), request.user)
    limit = settings.DASHBOARD_QUEUE_LIMIT
    incidents = Incident.objects.filter(pk__in=matching.first_in_queue(limit)).for_dashboard(
        request.user
    )
    context = {
        "incidents": incidents,  # not read by the templates: the rows come from the row cache
        "rows": rows.render_rows(incidents),
        "total": matching.count(),
        "limit": limit,
        "filters": filters,
    }
    if request.htmx:
        return render(request, "joc/_queue.html", context)
    context["resources"] = Resource.objects.all()
    context["map_tile_url"] = settings.MAP_TILE_URL
    context["map_tile_attribution"] = settings.MAP_TILE_ATTRIBUTION
    context["map_center"] = settings.MAP_CENTER
    return render(request, "joc/dashboard.html", context)


@permissions.operator_required
@require_GET
def resources(request):
    """The resources panel, reloaded on resync."""
    return render(request, "joc/_resources.html", {"resources": Resource.objects.all()})


@permissions.operator_required
@require_GET
def incident_detail(request, pk):
    incident = get_object_or_404(Incident.objects.for_detail(), pk=pk)
    services.mark_seen(incident, request.user)
    return _render_incident(request, incident)


@permissions.operator_required
@require_GET
def incident_notice(request, pk):
    """After a reconnect, an incident page asks whether what it shows is still the latest (its
    version, and its last timeline event, which new reports and notes add without a new
    version): it gets a notice of what changed, or its empty slot back. The operator's input
    stays."""
    incident = get_object_or_404(Incident.objects.select_related("last_changed_by"), pk=pk)
    seen = request.GET.get("seen", "")
    last_event_id = incident.events.order_by("-pk").values_list("pk", flat=True).first()
    if seen == str(incident.version):
        if request.GET.get("event", "") == str(last_event_id or ""):
            return render(
                request,
                "joc/_notice_slot.html",
                {"incident": incident, "last_event_id": last_event_id},
            )
        news = "New reports or notes arrived while this page was offline."
    else:
        news = ""
    context = {
        "incident": incident,
        "notice_version": seen if seen.isdigit() else incident.version,
        "changed_by": incident.last_changed_by,
        "news": news,
    }
    return render(request, "joc/_notice.html", context)


# Each action: its form, and how its cleaned data calls the service.
ACTIONS = {
    "acknowledge": (forms.VersionForm, lambda i, u, d: services.acknowledge(i, d["version"], u)),
    "set_priority": (
        forms.PriorityForm,
        lambda i, u, d: services.set_priority(i, d["version"], u, d["priority"]),
    ),
    "assign": (
        forms.AssignForm,
        lambda i, u, d: services.assign(i, d["version"], u, d["operator"]),
    ),
    "verify": (
        forms.VerifyForm,
        lambda i, u, d: services.verify(i, d["version"], u, d["checks"], d["note"]),
    ),
    "confirm": (
        forms.EvidenceForm,
        lambda i, u, d: services.confirm(i, d["version"], u, d["evidence"]),
    ),
    "mark_unfounded": (
        forms.EvidenceForm,
        lambda i, u, d: services.mark_unfounded(i, d["version"], u, d["evidence"]),
    ),
    "reopen": (forms.ReasonForm, lambda i, u, d: services.reopen(i, d["version"], u, d["reason"])),
    "dispatch": (
        forms.DispatchForm,
        lambda i, u, d: services.dispatch(i, d["version"], u, list(d["resources"])),
    ),
    "move_dispatch": (
        forms.DispatchMoveForm,
        lambda i, u, d: services.move_dispatch(i, d["version"], u, d["dispatch"]),
    ),
    "resolve": (
        forms.OutcomeForm,
        lambda i, u, d: services.resolve(i, d["version"], u, d["outcome"]),
    ),
    "close": (forms.OutcomeForm, lambda i, u, d: services.close(i, d["version"], u, d["outcome"])),
    "merge": (forms.MergeForm, lambda i, u, d: services.merge(i, d["version"], u, d["target"])),
    "add_note": (forms.TextForm, lambda i, u, d: services.add_note(i, u, d["text"])),
    "post_follow_up": (forms.TextForm, lambda i, u, d: services.post_follow_up(i, u, d["text"])),
    "move_report": (
        forms.ReportMoveForm,
        lambda i, u, d: (
            services.link_report(d["report"], d["target"], u)
            if d["target"]
            else services.split_report(d["report"], u)
        ),
    ),
}


@permissions.operator_required
@require_POST
def incident_action(request, pk, action):
    """One htmx POST per action; returns the fresh incident panel (the full page without JS)."""
    if action not in ACTIONS:
        raise Http404
    incident = get_object_or_404(Incident, pk=pk)
    form_class, perform = ACTIONS[action]
    form = form_class(request.POST, incident=incident, auto_id=_auto_id(action))
    if not form.is_valid():
        return _render_incident(request, pk, failed=(action, form))
    try:
        perform(incident, request.user, form.cleaned_data)
    except (services.StaleIncident, services.ActionRefused) as refused:
        return _render_incident(request, pk, error=str(refused))
    if not request.htmx:
        return redirect("joc:incident", pk=pk)
    return _render_incident(request, pk)


def _auto_id(action):
    """Field ids unique on the page: several action forms have a field of the same name."""
    return f"id_{action}_%s"


def _render_incident(request, incident_or_pk, error="", failed=None):
    """The incident page (or its panel for htmx), with a fresh form for every action except
    the one that `failed` validation, which keeps the operator's input and its errors."""
    incident = incident_or_pk
    if not isinstance(incident, Incident):
        incident = get_object_or_404(Incident.objects.for_detail(), pk=incident_or_pk)
    action_forms = {
        name: form_class(incident=incident, auto_id=_auto_id(name))
        for name, (form_class, _) in ACTIONS.items()
    }
    if failed:
        action_forms[failed[0]] = failed[1]
    context = {
        "incident": incident,
        "error": error,
        "forms": action_forms,
        "allowed": services.allowed_actions(incident),
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    template = "joc/_incident_panel.html" if request.htmx else "joc/incident.html"
    return render(request, template, context)
