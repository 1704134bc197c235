"""The webhook Meta calls: the subscription handshake (GET) and signed deliveries (POST).
A delivery's signature is checked on the raw bytes before anything is parsed; a signed one is
stored as it came and answered 200 at once; a task processes it (reports.whatsapp.inbound)."""

import hmac
import logging

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from reports.whatsapp import config, inbound
from reports.whatsapp.models import Delivery
from reports.whatsapp.signature import signature_valid

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request):
    if not config.is_configured():
        raise Http404("The WhatsApp line is not configured.")
    if request.method == "GET":
        return _handshake(request)
    body = request.body
    if not signature_valid(
        body, request.headers.get("X-Hub-Signature-256", ""), settings.WHATSAPP_APP_SECRET
    ):
        return HttpResponseForbidden("bad signature")
    delivery = Delivery.objects.create(body=body)
    transaction.on_commit(lambda: queue(delivery.pk))
    return HttpResponse("ok", content_type="text/plain")


def queue(delivery_id):
    """Hand a stored delivery to the task worker; if the queue refuses, the row stays
    unprocessed (the admin's "process again" action takes it up)."""
    try:
        inbound.process_delivery.enqueue(delivery_id)
    except Exception:
        logger.exception("could not enqueue WhatsApp delivery %s", delivery_id)


def _handshake(request):
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and challenge
        and hmac.compare_digest(token.encode(), settings.WHATSAPP_VERIFY_TOKEN.encode())
    ):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponseForbidden("verification failed")
