"""Queue the worker's periodic run (stale-state sweep, due exercise injects) unless one is
already queued; each run queues the next. `make run` calls it before starting the worker."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from exercises import escalation_services as escalation


class Command(BaseCommand):
    help = "Queue the periodic stale-state sweep and exercise delivery for the task worker."

    def handle(self, *args, **options):
        escalation.schedule_next(delay=timedelta(seconds=1))
        self.stdout.write("Periodic sweep queued (or already queued) for the task worker.")
