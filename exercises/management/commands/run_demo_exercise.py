"""A scripted exercise on the demo data, in real time (about three minutes): injects from three
CWGs go through the real intake, a scripted operator and supervisor handle them through the JOC's
actions (some in time, some late), an alert goes to the exercise's CWGs, the exercise ends, and
the after-action figures are printed. Needs `seed_demo` first."""

import time
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alerts import services as alert_services
from alerts.models import AlertRecipient
from cwg.models import Representative
from exercises import figures, services
from exercises.models import Exercise, ImprovementAction, Inject, Objective, Observation
from exercises.templatetags.exercises import figure
from joc import services as joc
from joc.models import Incident, Resource
from reports.models import Category

NAME = "Pilot dry run (scripted demo)"

# (offset in seconds, representative, category, what, where, latitude, longitude,
#  expected minutes to acknowledge, to verify or debunk, to alert)
INJECTS = [
    (
        0,
        "rep1",
        "flood",
        "Beach Road under water, cars stuck.",
        "Beach Road, Rocklands",
        -33.9155,
        18.3865,
        1,
        2,
        3,
    ),
    (
        5,
        "rep2",
        "flood",
        "Water still rising on Beach Road.",
        "Beach Road, Rocklands",
        -33.9157,
        18.3868,
        1,
        None,
        None,
    ),
    (
        15,
        "rep3",
        "fire",
        "Smoke from the timber yard on Victoria Road.",
        "Victoria Road",
        -33.9275,
        18.4480,
        1,
        2,
        None,
    ),
    (
        25,
        "rep5",
        "protest",
        "Crowd said to be blocking the N2.",
        "N2 at Site C",
        -34.0400,
        18.6600,
        1,
        2,
        None,
    ),
]


class Command(BaseCommand):
    help = "Run a scripted exercise on the demo data (about 3 minutes) and print its figures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("run_demo_exercise is for demo data: run it with DEBUG on.")
        try:
            self.operator = User.objects.get(username="operator")
            self.supervisor = User.objects.get(username="supervisor")
        except User.DoesNotExist:
            raise CommandError("Load the demo data first: manage.py seed_demo") from None
        exercise = self.plan()
        self.started = time.monotonic()
        services.start(exercise, self.supervisor)
        self.say(f"EXERCISE {exercise.name} started at {timezone.localtime():%H:%M:%S}")
        # The injects' own times too, so each is sent when it is due.
        steps = self.script(exercise) + [(row[0], lambda: None) for row in INJECTS]
        for at, step in sorted(steps, key=lambda pair: pair[0]):
            self.wait_until(at)
            services.deliver_due()  # the worker's periodic run, here in the script's own loop
            step()
        services.end(exercise, self.supervisor)
        self.say("EXERCISE ended: what it opened is closed.")
        self.evaluate(exercise)
        exercise.refresh_from_db()
        self.print_figures(exercise)

    @transaction.atomic
    def plan(self):
        now = timezone.now()
        reps = {r.user.username: r for r in Representative.objects.active().select_related("user")}
        exercise = Exercise.objects.create(
            name=f"{NAME} {timezone.localtime(now):%Y-%m-%d %H:%M}",
            scenario="A winter storm: flooding in Sea Point, a fire in Woodstock, a rumour of a "
            "blockade on the N2. Three CWGs relay what they see to the JOC at once.",
            planned_start=now,
            planned_end=now + timedelta(minutes=5),
            created_by=self.supervisor,
        )
        exercise.cwgs.set({reps[row[1]].cwg for row in INJECTS})
        exercise.controllers.set([self.supervisor])
        for number, (offset, rep, category, text, where, lat, lng, ack, verify, alert) in enumerate(
            INJECTS, start=1
        ):
            Inject.objects.create(
                exercise=exercise,
                number=number,
                offset_seconds=offset,
                representative=reps[rep],
                category=Category.objects.get(slug=category),
                description=text,
                location_text=where,
                ward=reps[rep].cwg.wards.first(),
                latitude=lat,
                longitude=lng,
                expect_acknowledge_minutes=ack,
                expect_verify_minutes=verify,
                expect_alert_minutes=alert,
            )
        Objective.objects.create(
            exercise=exercise,
            text="Acknowledge every report within 1 minute",
            capability="Operational communications",
        )
        Objective.objects.create(
            exercise=exercise,
            text="Verify or debunk within 2 minutes; alert the ward within 3",
            capability="Situational assessment",
        )
        return exercise

    def script(self, exercise):
        """(seconds after the start, step): what the operator and supervisor do, and when."""

        def incident(number):
            inject = exercise.injects.select_related("report").get(number=number)
            return Incident.objects.get(pk=inject.report.incident_id)

        def act(action, number, who, *args):
            def step():
                current = incident(number)
                getattr(joc, action)(current, current.version, who, *args)
                self.say(f"{current.reference}: {action} by {who.username}")

            return step

        def alert():
            current = incident(1)
            alert_services.compose(
                self.operator,
                title="Flooding on Beach Road",
                message="Avoid Beach Road between Rocklands and Queens; units are on the way.",
                severity="warning",
                wards=[current.ward],
                all_wards=False,
                expires_at=None,
                incident=current,
            )
            self.say(f"{current.reference}: EXERCISE alert sent to the exercise's CWGs")

        def alert_acknowledged():
            receipt = AlertRecipient.objects.filter(alert__exercise=exercise).first()
            rep = Representative.objects.active().filter(cwg=receipt.cwg_id).first()
            alert_services.acknowledge(receipt, rep.user, 1)
            self.say(f"{receipt.cwg.name} acknowledged the alert")

        def unit(number, call_sign):
            def step():
                current = incident(number)
                joc.dispatch(
                    current,
                    current.version,
                    self.supervisor,
                    [Resource.objects.get(call_sign=call_sign)],
                )
                self.say(f"{current.reference}: {call_sign} dispatched")

            return step

        def move(number):
            def step():
                current = incident(number)
                live = current.dispatches.exclude(status="cleared").first()
                joc.move_dispatch(current, current.version, self.supervisor, live.pk)
                self.say(f"{current.reference}: unit moved on")

            return step

        return [
            (20, act("acknowledge", 1, self.operator)),
            (30, act("acknowledge", 3, self.supervisor)),
            (40, act("verify", 1, self.operator, ["cctv"])),
            (50, act("verify", 3, self.supervisor, ["field_unit"])),
            (60, act("confirm", 1, self.operator, "CCTV shows water over the road.")),
            (75, alert),
            (80, alert_acknowledged),
            (95, act("acknowledge", 4, self.operator)),
            (100, act("confirm", 3, self.supervisor, "Fire & Rescue confirm a fire.")),
            (110, unit(3, "FR-ENG-11")),
            (120, move(3)),
            (130, move(3)),
            (170, act("mark_unfounded", 4, self.operator, "SAPS: the N2 is open.")),
            (180, lambda: None),
        ]

    def evaluate(self, exercise):
        """The evaluator's scripted notes, so the printed report shows every part."""
        first, second = exercise.objectives.order_by("pk")
        first.rating, first.rationale = "S", "One report waited 95 s before anyone took it."
        second.rating, second.rationale = "M", "The rumour took almost 2.5 minutes to debunk."
        Objective.objects.bulk_update([first, second], ["rating", "rationale"])
        Observation.objects.create(
            exercise=exercise,
            objective=second,
            kind=Observation.Kind.STRENGTH,
            text="Corroborating reports from two representatives joined one incident at once.",
        )
        area = Observation.objects.create(
            exercise=exercise,
            objective=first,
            kind=Observation.Kind.IMPROVEMENT,
            text="A third incident waited while both desks were busy.",
        )
        ImprovementAction.objects.create(
            exercise=exercise,
            observation=area,
            action="Add a third desk during storm warnings.",
            owner="JOC manager",
            due_date=date.today() + timedelta(days=30),
        )

    def wait_until(self, seconds):
        delay = self.started + seconds - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def say(self, text):
        elapsed = time.monotonic() - getattr(self, "started", time.monotonic())
        self.stdout.write(f"[{elapsed:5.0f} s] {text}")

    def print_figures(self, exercise):
        report = figures.after_action(figures.Scope.for_exercise(exercise))
        self.stdout.write("")
        self.stdout.write(f"After-action report: {report.scope.title}")
        for name in ("summary", "injects", "alerts"):
            table = report.table(name)
            self.stdout.write(f"\n{table.title}")
            self.stdout.write(" | ".join(table.columns))
            for row in table.rows:
                self.stdout.write(" | ".join(str(figure(value)) for value in row))
        self.stdout.write(f"\nThe whole report: /exercises/{exercise.pk}/after-action/")
