"""A voice note sent on the line, for the JOC's operators only."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from reports.whatsapp.models import InboundMessage
from watchline import permissions


@permissions.operator_required
@require_GET
def media(request, pk):
    message = get_object_or_404(InboundMessage, pk=pk)
    if not message.media_file:
        raise Http404("no stored media")
    response = FileResponse(message.media_file.open("rb"), content_type=message.media_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="whatsapp-{pk}"'
    return response
