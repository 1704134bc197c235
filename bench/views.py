"""The baseline the intake is measured against: the least a report intake can do on this stack.
A logged-in representative GETs a form (CSRF and client tokens) and POSTs it: one INSERT with
the unique client token, and a fragment sent to the CWG's group on commit. No validation,
triage, photos or rendering beyond a line of HTML."""

import uuid

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html

from cwg.models import Ward
from reports.models import Category, Report
from watchline import live, permissions

_catalogue = {}


@login_required
def minimal_intake(request):
    rep = permissions.representative_of(request.user)
    if request.method == "GET":
        return HttpResponse(
            format_html(
                '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<input type="hidden" name="client_token" value="{}">'
                '<textarea name="description"></textarea></form>',
                get_token(request),
                uuid.uuid4(),
            )
        )
    if not _catalogue:  # once per process
        _catalogue.update(category=Category.objects.first().pk, ward=Ward.objects.first().pk)
    token = uuid.UUID(request.POST["client_token"])
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reference=token.hex[:20],
                client_token=token,
                cwg_id=rep.cwg_id,
                submitted_by=request.user,
                category_id=_catalogue["category"],
                ward_id=_catalogue["ward"],
                description=request.POST.get("description", ""),
                location_text="bench",
                source="eyewitness",
                observed_at=timezone.now(),
            )
            html = f"<p>R-0000-{report.pk:04d}</p>"
            transaction.on_commit(lambda: live.send_now(live.cwg_group(rep.cwg_id), html))
    except IntegrityError:
        report = Report.objects.get(client_token=token)
    return HttpResponseRedirect(f"/bench/minimal-intake/?sent=R-0000-{report.pk:04d}")
