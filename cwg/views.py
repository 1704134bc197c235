from django.shortcuts import render

from joc import permissions


@permissions.representative_required
def portal(request):
    rep = permissions.representative_of(request.user)
    return render(request, "cwg/portal.html", {"cwg": rep.cwg, "rep": rep})
