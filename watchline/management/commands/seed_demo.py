"""Demo data for trying Watchline: approved CWGs with representatives, resources, and one
account per role. Idempotent: a second run changes nothing."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cwg.models import CommunityWatchGroup, Representative, Ward
from joc.models import Resource
from reports.models import Category
from reports.services import submit_report
from watchline import permissions, references

PASSWORD = "watchline-demo"

# (CWG name, area, ward numbers, number of representatives). The numbers are the City of Cape
# Town's 2021 wards (`manage.py import_wards`, which `make run` does when the file is there).
CWGS = [
    ("Sea Point Neighbourhood Watch", "Sea Point, from Fresnaye to Three Anchor Bay", [54], 2),
    (
        "Woodstock Community Watch",
        "Woodstock and Salt River, Victoria Road to the station",
        [57, 115],
        2,
    ),
    ("Khayelitsha Site C Safety Forum", "Site C and the N2 approach", [93, 94], 2),
    ("Bellville CBD Watch", "Bellville CBD and the taxi rank", [10], 1),
    ("Muizenberg Coastal Watch", "Muizenberg village and the beachfront", [64], 1),
]

STAFF = [
    ("admin", "City", "Administrator", None),
    ("supervisor", "Sam", "Supervisor", permissions.SUPERVISOR_GROUP),
    ("operator", "Olwethu", "Operator", permissions.OPERATOR_GROUP),
]

RESOURCES = [
    ("SAPS-SP-01", Resource.Agency.SAPS, "Sea Point SAPS patrol van"),
    ("MP-CBD-03", Resource.Agency.METRO_POLICE, "Metro Police CBD unit"),
    ("LE-WS-02", Resource.Agency.LAW_ENFORCEMENT, "Law Enforcement Woodstock"),
    ("FR-ENG-11", Resource.Agency.FIRE_RESCUE, "Fire engine, Roeland Street station"),
    ("EMS-AMB-07", Resource.Agency.EMS, "Ambulance, Khayelitsha"),
    ("DRM-TEAM-1", Resource.Agency.DISASTER_RISK, "Disaster Risk Management field team"),
    ("TRF-BV-04", Resource.Agency.TRAFFIC, "Traffic, Bellville"),
]


# (representative, category slug, what, where, latitude, longitude, source, urgency): the first
# two corroborate one flood from two CWGs.
REPORTS = [
    (
        "rep1",
        "flood",
        "Water over Beach Road after the storm drain burst, cars are stuck.",
        "Beach Road at the Rocklands pavilion",
        -33.9155,
        18.3893,
        "eyewitness",
        "urgent",
    ),
    (
        "rep3",
        "flood",
        "People say Beach Road is flooded near the pavilion.",
        "Beach Road, Sea Point",
        -33.9160,
        18.3900,
        "social_media",
        "routine",
    ),
    (
        "rep5",
        "protest",
        "About 200 people gathering at the N2 bridge, tyres being stacked.",
        "N2 bridge at Site C",
        -34.0300,
        18.6700,
        "eyewitness",
        "life_threatening",
    ),
]


def rep_phone(n):
    return f"+2782000{n:04d}"


class Command(BaseCommand):
    help = "Load the demo accounts, CWGs and resources (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo makes accounts with a known password: it runs only "
                "with DEBUG on, or with --force."
            )
        with transaction.atomic():
            self.seed_staff()
            self.seed_cwgs()
            self.seed_resources()
            self.seed_reports()
        self.print_logins()

    def user(self, username, first, last, group=None, **extra):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@watchline.example",
                **extra,
            },
        )
        if created or not user.check_password(PASSWORD):  # also renews an older demo's password
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        if group:
            user.groups.add(Group.objects.get(name=group))
        return user

    def seed_staff(self):
        for username, first, last, group in STAFF:
            extra = {"is_staff": True, "is_superuser": True} if group is None else {}
            self.user(username, first, last, group, **extra)

    def seed_cwgs(self):
        n = 0
        for index, (name, area, ward_numbers, rep_count) in enumerate(CWGS, start=1):
            cwg = CommunityWatchGroup.objects.filter(name=name).first()
            if cwg is None:
                cwg = CommunityWatchGroup(
                    name=name,
                    area_description=area,
                    contact_email=f"{slugify(name)}@watchline.example",
                    contact_phone=f"+2721000{index:04d}",
                    status=CommunityWatchGroup.Status.APPROVED,
                )
                references.save_with_reference(cwg, "CWG")
                cwg.wards.set(Ward.objects.filter(number__in=ward_numbers))
            for seat in range(1, rep_count + 1):
                n += 1
                user = self.user(f"rep{n}", "Rep", str(n), permissions.REPRESENTATIVE_GROUP)
                Representative.objects.get_or_create(
                    user=user,
                    active=True,
                    defaults={"cwg": cwg, "seat": seat, "phone": rep_phone(n)},
                )
        self.rep_count = n

    def seed_resources(self):
        for call_sign, agency, description in RESOURCES:
            Resource.objects.get_or_create(
                call_sign=call_sign, defaults={"agency": agency, "description": description}
            )

    def seed_reports(self):
        """Sent through the real intake, so triage and corroboration happen as in production
        (with the city's boundaries imported, each report lands in the ward of its coordinates).
        Fixed client tokens make a second run return the same reports."""
        for username, slug, what, where, lat, lng, source, urgency in REPORTS:
            rep = (
                Representative.objects.active()
                .select_related("cwg", "user")
                .get(user__username=username)
            )
            submit_report(
                user=rep.user,
                cwg=rep.cwg,
                data={
                    "category": Category.objects.get(slug=slug),
                    "description": what,
                    "location_text": where,
                    "ward": rep.cwg.wards.first(),
                    "latitude": lat,
                    "longitude": lng,
                    "observed_at": timezone.now(),
                    "source": source,
                    "urgency": urgency,
                },
                photos=[],
                client_token=uuid.uuid5(uuid.NAMESPACE_URL, f"watchline-demo/{username}/{slug}"),
            )

    def print_logins(self):
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data ready. Log in with password '{PASSWORD}' as:"))
        out.write("  admin       city admin (Django admin)")
        out.write("  supervisor  JOC supervisor (dashboard)")
        out.write("  operator    JOC operator (dashboard)")
        for rep in Representative.objects.active().select_related("user", "cwg").order_by("pk"):
            out.write(f"  {rep.user.username:<11} representative of {rep.cwg.name} ({rep.phone})")
