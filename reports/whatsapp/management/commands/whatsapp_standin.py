"""Run the stand-in Graph API (reports.whatsapp.standin) to try the WhatsApp line locally."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.whatsapp.standin import StandIn


class Command(BaseCommand):
    help = (
        "Serve a stand-in for Meta's Graph API on 127.0.0.1. Point WHATSAPP_API_URL at it; "
        "POST {'from': '27820000001', 'text': '...'} to /_standin/inbound to play an inbound "
        "message, GET /_standin/messages to see what Watchline sent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument(
            "--webhook",
            default="http://127.0.0.1:8000/whatsapp/webhook/",
            help="Watchline's webhook URL, for inbound messages and statuses",
        )

    def handle(self, *args, port, webhook, **options):
        standin = StandIn(
            token=settings.WHATSAPP_ACCESS_TOKEN,
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            app_secret=settings.WHATSAPP_APP_SECRET,
            webhook_url=webhook,
            port=port,
        ).start()
        self.stdout.write(f"Stand-in Graph API at {standin.url} (webhook: {webhook})")
        self.stdout.write(f"Set WHATSAPP_API_URL={standin.url} for Watchline. Ctrl-C stops it.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            standin.stop()
