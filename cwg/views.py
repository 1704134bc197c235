from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET, require_http_methods, require_POST

from cwg import forms, geo, services
from cwg.models import CommunityWatchGroup, Ward
from watchline import permissions, ratelimit

DIRECTORY_PAGE_SIZE = 50


@require_http_methods(["GET", "POST"])
def apply(request):
    """The public application form (anonymous, usually on a phone)."""
    application = forms.Application(request.POST if request.method == "POST" else None)
    if request.method == "POST" and application.is_valid():
        address = ratelimit.client_address(request)
        if not ratelimit.allow("cwg-apply", address, settings.REGISTRATION_RATE_LIMIT):
            return ratelimit.too_many_requests(
                request,
                "Too many applications came from this connection in a short time. "
                "Wait an hour and try again, or contact the JOC.",
            )
        cwg = application.register(site_url=request.build_absolute_uri("/"))
        request.session["cwg_applied"] = cwg.pk
        return redirect("cwg:applied")
    return render(request, "cwg/apply.html", {"application": application})


@require_GET
def applied(request):
    """The confirmation, with the reference: only for the browser that sent the application."""
    pk = request.session.get("cwg_applied")
    if pk is None:
        return redirect("cwg:apply")
    cwg = get_object_or_404(CommunityWatchGroup.objects.with_people(), pk=pk)
    return render(request, "cwg/applied.html", {"cwg": cwg})


@login_required
@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    """An existing account named by an application takes the seat: logged in as the account
    the invitation was sent to, it confirms with one POST."""
    invitation = services.read_invitation(token)
    if invitation is None:
        return render(request, "cwg/invitation.html", {"invalid": True}, status=400)
    cwg, email, seat, phone = invitation
    if email not in {request.user.username.lower(), request.user.email.lower()}:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            services.accept_invitation(
                request.user, cwg, seat, phone, site_url=request.build_absolute_uri("/")
            )
        except services.RepresentativeRefused as refused:
            error = str(refused)
        else:
            messages.success(request, f"You now represent {cwg.name} (seat {seat}).")
            return redirect("home")
    context = {"cwg": cwg, "seat": seat, "error": error}
    return render(request, "cwg/invitation.html", context, status=409 if error else 200)


@permissions.representative_required
@require_GET
def portal(request):
    return _render_portal(request)


@permissions.representative_required
@require_GET
def portal_status(request):
    """The portal's status panel, reloaded whenever its live socket (re)opens."""
    context = {
        "cwg": permissions.representative_of(request.user).cwg,
        "can_report": permissions.can_report(request.user),
    }
    return render(request, "cwg/_status.html", context)


@permissions.representative_required
@require_POST
def replace(request):
    """Seat someone in the other seat: the representative invites a second one, or replaces
    them. Never their own seat, and never a third representative."""
    cwg = permissions.representative_of(request.user).cwg
    seat = _other_seat(request.user)
    holder = cwg.representatives.active().filter(seat=seat).first()
    form = _person_form(cwg, holder, request.POST)
    if form.is_valid():
        try:
            new = services.replace_representative(
                cwg,
                seat,
                form.person(),
                request.user,
                site_url=request.build_absolute_uri("/"),
                actor_seat=3 - seat,
            )
        except services.RepresentativeRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{new.name} now holds seat {seat}.")
            return redirect("cwg:portal")
    return _render_portal(request, form)


@permissions.representative_required
@require_http_methods(["GET", "POST"])
def language(request):
    """The representative chooses the language of their pages, emails and WhatsApp messages."""
    rep = permissions.representative_of(request.user)
    form = forms.LanguageForm(request.POST or None, instance=rep)
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(rep.language)
        messages.success(
            request,
            _("Your language is now %(language)s.") % {"language": rep.get_language_display()},
        )
        return redirect("cwg:portal")
    return render(request, "cwg/language.html", {"form": form})


def _person_form(cwg, holder, data=None):
    return forms.PersonForm(data, cwg=cwg, replacing=holder.name if holder else None)


def _other_seat(user):
    return 3 - permissions.representative_of(user).seat


def _render_portal(request, form=None):
    rep = permissions.representative_of(request.user)
    cwg = CommunityWatchGroup.objects.with_people().get(pk=rep.cwg_id)
    holders = {r.seat: r for r in cwg.active_reps}
    other_seat = _other_seat(request.user)
    context = {
        "cwg": cwg,
        "rep": rep,
        "seats": [(seat, holders.get(seat)) for seat in (1, 2)],
        "other_seat": other_seat,
        "other": holders.get(other_seat),
        "form": form or _person_form(cwg, holders.get(other_seat)),
        "can_report": permissions.can_report(request.user),
    }
    return render(request, "cwg/portal.html", context)


@permissions.operator_required
@require_GET
def directory(request):
    """Operators' directory: every CWG with the people to call, filtered; constant queries."""
    filters = forms.DirectoryFilterForm(request.GET)
    cwgs = filters.filter(CommunityWatchGroup.objects.with_people())
    page = Paginator(cwgs, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page}
    if request.htmx:
        return render(request, "cwg/_directory.html", context)
    context["uncovered"] = Ward.objects.without_approved_cwg()
    return render(request, "cwg/directory.html", context)


# --- Wards: the maps' outlines and the report form's "which ward is this point in" -----------


def _outlines_etag(request):
    return '"wards-{}-{}"'.format(*geo.boundaries_version())


@permissions.role_required(permissions.can_see_wards)
@require_GET
@condition(etag_func=_outlines_etag)
def ward_outlines(request):
    """Every ward's simplified outline as a GeoJSON FeatureCollection (empty while the city's
    boundaries are not loaded), built once per process and revalidated by its ETag."""
    index = geo.ward_index()
    body = index.outlines_geojson() if index else EMPTY_COLLECTION
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, no-cache"
    return response


EMPTY_COLLECTION = '{"type":"FeatureCollection","features":[]}'


@permissions.role_required(permissions.can_see_wards)
@require_GET
def ward_at(request):
    """The ward containing ?lat=&lng=, as JSON: {"ward": {"id", "number", "label"}} or
    {"ward": null, "message": ...}."""
    form = forms.PointForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    ward_pk = geo.ward_at(form.cleaned_data["lat"], form.cleaned_data["lng"])
    if ward_pk is None:
        return JsonResponse({"ward": None, "message": "This place is not inside a known ward."})
    ward = Ward.objects.get(pk=ward_pk)
    return JsonResponse({"ward": {"id": ward.pk, "number": ward.number, "label": str(ward)}})
