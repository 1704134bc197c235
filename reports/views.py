import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exercises import services as exercise_services
from reports import forms, services
from reports.models import Report, ReportPhoto
from watchline import permissions, ratelimit

LIST_SIZE = 50
RATE_LIMITED = gettext_lazy(
    "You have sent a lot of reports in the last minute. Wait a minute and send again: "
    "what you typed is still here (add the photos again)."
)

INJECT_CLOSED = gettext_lazy(
    "This EXERCISE request is closed (the exercise ended, or the inject was already sent): "
    "nothing was sent. What you typed is still here."
)


@permissions.representative_required
@require_http_methods(["GET", "POST"])
def new(request):
    """The report form, on a representative's phone."""
    rep = permissions.representative_of(request.user)
    if not permissions.can_report(request.user):
        return render(request, "reports/cannot_report.html", {"cwg": rep.cwg}, status=403)
    if request.method == "GET":
        initial = {"client_token": uuid.uuid4()}
        inject = exercise_services.requested_inject(request.user, request.GET.get("inject"))
        if inject:
            initial |= exercise_services.report_data(inject) | {"inject": inject.pk}
        form = forms.ReportForm(cwg=rep.cwg, initial=initial)
        return _render_form(request, form, inject)
    form = _posted(forms.ReportForm(request.POST, request.FILES, cwg=rep.cwg))
    inject = None
    if form.is_valid() and form.cleaned_data["inject"] is not None:
        inject = exercise_services.requested_inject(request.user, form.cleaned_data["inject"])
        if inject is None:
            form.add_error(None, INJECT_CLOSED)
    if form.is_valid():
        try:
            report, created = services.submit_report(
                user=request.user,
                cwg=rep.cwg,
                data=form.report_data(),
                photos=form.cleaned_data["photos"],
                client_token=form.cleaned_data["client_token"],
                ward_chosen=form.ward_chosen(),
                exercise=inject.exercise if inject else None,
                admit=_rate_limit(request),
            )
        except services.RateLimited:
            form.add_error(None, RATE_LIMITED)
            return _too_many(_render_form(request, form, inject))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            if inject:
                exercise_services.sent_by_representative(inject, report)
            message = (
                _("Report %(reference)s sent to the JOC.")
                if created
                else _("Report %(reference)s had already reached the JOC.")
            ) % {"reference": report.reference}
            url = reverse("reports:detail", args=[report.reference])
            if _from_outbox(request):
                return JsonResponse({"reference": report.reference, "url": url})
            messages.success(request, message)
            return redirect(url)
    return _render_form(request, form, inject)


def _render_form(request, form, inject):
    """The form page opens no live socket (nothing on it changes live) and loads no ws
    extension: on a slow phone connection it carries only what it needs."""
    context = {"form": form, "inject": inject, "live_socket": ""}
    return render(request, "reports/new.html", context)


def _from_outbox(request):
    """The page's script (static/js/report.js, outbox.js) sent the report and wants its
    reference as JSON; a refused form still comes back as the page, with its messages."""
    return request.headers.get("Accept") == "application/json"


@permissions.representative_required
@require_GET
def report_list(request):
    """My CWG's reports, newest first, live on the CWG's socket."""
    cwg = permissions.representative_of(request.user).cwg
    reports = Report.objects.filter(cwg=cwg).for_cwg_pages()[:LIST_SIZE]
    template = "reports/_list.html" if request.htmx else "reports/list.html"
    context = {"cwg": cwg, "reports": reports, "list_size": LIST_SIZE}
    return render(request, template, context)


@login_required
@require_GET
def detail(request, reference):
    report = _viewable_report(request, reference)
    form = forms.FollowUpForm(initial={"client_token": uuid.uuid4()})
    return _render_detail(request, report, form)


@login_required
@require_POST
def follow_up(request, reference):
    report = _viewable_report(request, reference)
    if not permissions.can_follow_up(request.user, report):
        raise PermissionDenied
    form = _posted(forms.FollowUpForm(request.POST, request.FILES))
    if form.is_valid():
        try:
            services.add_follow_up(
                report,
                user=request.user,
                text=form.cleaned_data["text"],
                photos=form.cleaned_data["photos"],
                client_token=form.cleaned_data["client_token"],
                admit=_rate_limit(request),
            )
        except services.RateLimited:
            form.add_error(None, RATE_LIMITED)
            return _too_many(_render_detail(request, report, form))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            messages.success(request, _("Your follow-up reached the JOC."))
            return redirect("reports:detail", report.reference)
    return _render_detail(request, report, form)


@login_required
@require_GET
def photo(request, pk, variant):
    """A report's photo, only through this permission check: the original (with its EXIF
    location) for operators, the stripped copy and its thumbnail for the reporting CWG."""
    if variant not in ("public", "original", "thumbnail"):
        raise Http404
    found = get_object_or_404(ReportPhoto.objects.select_related("report"), pk=pk)
    if not permissions.can_view_photo(request.user, found, variant):
        raise PermissionDenied
    file = getattr(found, variant) or found.public  # photos older than their thumbnail
    response = FileResponse(file.open("rb"), content_type=found.content_type)
    # The original carries where it was taken: never kept by any cache, the browser's included.
    response["Cache-Control"] = (
        "private, no-store" if variant == "original" else "private, no-cache"
    )
    response["Content-Disposition"] = "inline"
    return response


def _rate_limit(request):
    """Counts one report of the user's limit; the service asks only for a new report."""
    return lambda: ratelimit.allow("report", request.user.pk, settings.REPORT_RATE_LIMIT)


def _too_many(response):
    response.status_code = 429
    response["Retry-After"] = str(ratelimit.retry_after(settings.REPORT_RATE_LIMIT))
    return response


def _posted(form):
    """The form, unless the POST lacks the hidden token every rendered form carries: that is
    not a person's typing mistake but a broken or forged request."""
    if "client_token" in form.errors:
        raise BadRequest("missing or malformed client token")
    return form


def _viewable_report(request, reference):
    report = get_object_or_404(Report.objects.for_cwg_pages(), reference=reference)
    if not permissions.can_view_report(request.user, report):
        raise PermissionDenied
    return report


def _render_detail(request, report, form, status=200):
    context = {
        "report": report,
        "form": form,
        "can_follow_up": permissions.can_follow_up(request.user, report),
    }
    template = "reports/_detail_live.html" if request.htmx else "reports/detail.html"
    return render(request, template, context, status=status)
