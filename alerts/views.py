"""Alert pages: composing and following alerts (operators), receiving them (representatives)."""

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from alerts import cap, forms, services
from alerts.models import Alert, AlertRecipient
from cwg.models import Ward
from joc.models import Incident
from watchline import permissions

LIST_LENGTH = 100


@permissions.operator_required
@require_GET
def alert_list(request):
    """Every alert; htmx requests (live signal, resync) get the rows alone."""
    template = "alerts/_rows.html" if request.htmx else "alerts/list.html"
    alerts = services.alerts_for_operators()[:LIST_LENGTH]
    return render(request, template, {"alerts": alerts, "list_length": LIST_LENGTH})


@permissions.operator_required
@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "POST":
        form = forms.AlertForm(request.POST)
        if "incident" in form.errors:  # a hidden field: only a forged or garbage POST
            raise BadRequest("unknown incident")
        if form.is_valid():
            alert = services.compose(request.user, **form.cleaned_data)
            if alert.status == Alert.Status.AWAITING_APPROVAL:
                messages.warning(request, "An emergency to all wards waits for a supervisor.")
            else:
                messages.success(request, "Alert sent.")
            return redirect("alerts:detail", pk=alert.pk)
    elif "incident" in request.GET:
        try:
            pk = int(request.GET["incident"])
        except ValueError as error:
            raise BadRequest("incident must be a number") from error
        incident = get_object_or_404(Incident.objects.select_related("category", "ward"), pk=pk)
        form = forms.AlertForm.for_incident(incident, services.suggested_wards(incident))
    else:
        form = forms.AlertForm()
    uncovered = Ward.objects.without_approved_cwg()
    context = {
        "form": form,
        "reach": form.reach(),
        "uncovered": uncovered,
        "uncovered_numbers": [ward.number for ward in uncovered],
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_center": settings.MAP_CENTER,
    }
    return render(request, "alerts/new.html", context)


@permissions.operator_required
@require_GET
def reach(request):
    """How many CWGs and representatives the alert being composed would reach (htmx, live)."""
    form = forms.AlertForm(request.GET)
    if "incident" in form.errors:
        raise BadRequest("unknown incident")
    return render(request, "alerts/_reach.html", {"reach": form.reach()})


@permissions.operator_required
@require_GET
def detail(request, pk):
    """The alert's page; htmx requests (resync) get its live section alone."""
    return _render_detail(request, pk)


def _render_detail(request, pk, update_form=None):
    alert = get_object_or_404(services.alert_for_operators(), pk=pk)
    if request.htmx and request.method == "GET":
        return render(request, "alerts/_status.html", {"alert": alert})
    initial = {"title": alert.title, "message": alert.message, "severity": alert.severity}
    context = {
        "alert": alert,
        "update_form": update_form or forms.UpdateForm(initial=initial),
        "cancel_form": forms.CancelForm(),
    }
    return render(request, "alerts/detail.html", context)


@permissions.supervisor_required
@require_POST
def approve(request, pk):
    alert = get_object_or_404(Alert, pk=pk)
    _attempt(request, services.approve, alert, request.user, done="Approved and sent.")
    return redirect("alerts:detail", pk=pk)


@permissions.operator_required
@require_POST
def update(request, pk):
    alert = get_object_or_404(Alert, pk=pk)
    form = forms.UpdateForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, pk, update_form=form)
    data = form.cleaned_data
    _attempt(request, services.update, alert, request.user, **data, done="Update sent.")
    return redirect("alerts:detail", pk=pk)


@permissions.operator_required
@require_POST
def cancel(request, pk):
    alert = get_object_or_404(Alert, pk=pk)
    form = forms.CancelForm(request.POST)
    if not form.is_valid():
        raise BadRequest("invalid cancellation")
    message = form.cleaned_data["message"]
    _attempt(request, services.cancel, alert, request.user, message, done="Cancelled.")
    return redirect("alerts:detail", pk=pk)


def _attempt(request, action, *args, done, **kwargs):
    try:
        action(*args, **kwargs)
    except services.AlertRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)


# --- Representatives -------------------------------------------------------------------------


@permissions.representative_required
@require_GET
def portal(request):
    """The active alerts at the top of the CWG portal (htmx), or as a page of their own."""
    rep = permissions.representative_of(request.user)
    context = {"receipts": services.active_receipts_for_cwg(rep.cwg_id)}
    template = "alerts/_portal_list.html" if request.htmx else "alerts/portal.html"
    return render(request, template, context)


@permissions.representative_required
@require_GET
def past(request):
    """Every alert sent to the CWG, with the history of its versions."""
    rep = permissions.representative_of(request.user)
    receipts = services.receipts_for_cwg(rep.cwg_id).prefetch_related("alert__versions")
    return render(request, "alerts/past.html", {"receipts": receipts})


@permissions.representative_required
@require_POST
def acknowledge(request, pk):
    rep = permissions.representative_of(request.user)
    receipt = get_object_or_404(AlertRecipient, alert_id=pk, cwg_id=rep.cwg_id)
    form = forms.AcknowledgeForm(request.POST)
    if not form.is_valid():
        raise BadRequest("invalid acknowledgement")
    try:
        services.acknowledge(receipt, request.user, form.cleaned_data["version"])
    except services.AlertRefused as refused:
        messages.error(request, str(refused))
        return HttpResponseClientRefresh() if request.htmx else redirect("cwg:portal")
    if not request.htmx:
        messages.success(request, "Acknowledged.")
        return redirect("cwg:portal")
    receipt = services.receipts_for_cwg(rep.cwg_id).get(pk=receipt.pk)
    context = {"receipt": receipt, "alert": receipt.alert, "kind": receipt.current_kind}
    return render(request, "alerts/_banner.html", context)


# --- Other agencies: the Atom feed and CAP documents -----------------------------------------


def agency_access(view):
    """Operators logged in, or another agency with its token: `Authorization: Bearer <token>`,
    or `?token=` for feed readers that take only a URL. Others get a 401 or 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        in_query = not header.startswith("Bearer ")
        raw = request.GET.get("token", "") if in_query else header.removeprefix("Bearer ").strip()
        agency = services.agency_for_token(raw)
        if not permissions.can_read_alert_feed(request.user, agency):
            if raw or request.user.is_authenticated:
                return HttpResponse(FEED_FORBIDDEN, status=403, content_type="text/plain")
            response = HttpResponse(FEED_UNAUTHORIZED, status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="watchline-alerts"'
            return response
        request.token_in_query = raw if agency and in_query else ""
        return view(request, *args, **kwargs)

    return wrapped


FEED_UNAUTHORIZED = "Log in as a JOC operator, or give your agency's token."
FEED_FORBIDDEN = "This token is not valid (or was revoked), or this account may not read alerts."


@require_GET
@agency_access
def feed(request):
    """The Atom feed of current alerts, each linking to its current version's CAP document."""

    def cap_url(alert, version):
        url = request.build_absolute_uri(cap.cap_path(alert.pk, version.number))
        return (
            f"{url}?{urlencode({'token': request.token_in_query})}"
            if request.token_in_query
            else url
        )

    body = cap.feed(
        cap.current_alerts(),
        feed_url=request.build_absolute_uri(reverse("alerts:feed")),
        cap_url=cap_url,
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_GET
@agency_access
def cap_document(request, pk, number):
    """One version of a sent alert as a CAP 1.2 document."""
    alert = get_object_or_404(cap.alerts_with_versions(), pk=pk)
    version = next((v for v in alert.versions.all() if v.number == number), None)
    if version is None or not cap.published(alert):
        raise Http404("No such published version of this alert.")
    body = cap.document(alert, version)
    return HttpResponse(body, content_type=f"{cap.CAP_CONTENT_TYPE}; charset=utf-8")
