"""factory-boy factories for every model the tests build."""

import datetime
import json

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cwg.models import CommunityWatchGroup, Representative, Ward
from joc.models import Incident, Resource
from reports.models import Category, Report
from watchline import permissions

# The demo's password (seed_demo): long enough for the password validators.
PASSWORD = "watchline-demo"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    groups = factory.PostGeneration(
        lambda user, create, extracted, **kw: add_groups(user, extracted)
    )


def add_groups(user, names):
    for name in names or ():
        user.groups.add(Group.objects.get_or_create(name=name)[0])


def with_role(group_name):
    """A `groups` declaration that puts the user in `group_name` unless told otherwise."""
    return factory.PostGeneration(
        lambda user, create, extracted, **kw: add_groups(user, extracted or [group_name])
    )


class OperatorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"operator{n}")
    groups = with_role(permissions.OPERATOR_GROUP)


class SupervisorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"supervisor{n}")
    groups = with_role(permissions.SUPERVISOR_GROUP)


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class RepresentativeUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"rep{n}")
    groups = with_role(permissions.REPRESENTATIVE_GROUP)


class WardFactory(factory.django.DjangoModelFactory):
    """Wards 1-116 come from a migration; this returns the existing one where it exists."""

    class Meta:
        model = Ward
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: 1 + n % 116)
    latitude = -33.93
    longitude = 18.55


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "fire"
    name = factory.LazyAttribute(lambda c: c.slug.replace("-", " ").capitalize())


class CWGFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityWatchGroup
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"CWG-{n:05d}")
    name = factory.Sequence(lambda n: f"Neighbourhood Watch {n}")
    area_description = "The streets between the station and the river."
    contact_email = factory.Sequence(lambda n: f"cwg{n}@example.org")
    contact_phone = factory.Sequence(lambda n: f"+2721555{n:04d}")
    status = CommunityWatchGroup.Status.APPROVED

    @factory.post_generation
    def wards(self, create, extracted, **kwargs):
        self.wards.add(*(extracted or [WardFactory(number=1)]))


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    cwg = factory.SubFactory(CWGFactory)
    user = factory.SubFactory(RepresentativeUserFactory)
    seat = 1
    phone = factory.Sequence(lambda n: f"+2782{n:07d}")
    active = True


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    reference = factory.Sequence(lambda n: f"R-0000-{n:04d}")
    cwg = factory.SubFactory(CWGFactory)
    submitted_by = factory.SubFactory(UserFactory)
    category = factory.SubFactory(CategoryFactory)
    description = "Smoke rising from the shops on Main Road."
    location_text = "Main Road shops"
    ward = factory.SubFactory(WardFactory, number=1)
    observed_at = factory.LazyFunction(timezone.now)
    source = Report.Source.EYEWITNESS
    urgency = Report.Urgency.URGENT


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    reference = factory.Sequence(lambda n: f"I-0000-{n:04d}")
    category = factory.SubFactory(CategoryFactory)
    title = "Fire at Main Road shops"
    location_text = "Main Road shops"
    ward = factory.SubFactory(WardFactory, number=1)
    latitude = -33.93
    longitude = 18.55
    last_report_at = factory.LazyFunction(timezone.now)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    call_sign = factory.Sequence(lambda n: f"UNIT-{n:03d}")
    agency = Resource.Agency.FIRE_RESCUE


def minutes_ago(minutes):
    return timezone.now() - datetime.timedelta(minutes=minutes)


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "exercises.Exercise"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Storm drill {n}")
    scenario = "A winter storm floods low-lying wards."
    planned_start = factory.LazyFunction(timezone.now)
    planned_end = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=2))
    created_by = factory.SubFactory(SupervisorFactory)

    @factory.post_generation
    def cwgs(self, create, extracted, **kwargs):
        if extracted:
            self.cwgs.add(*extracted)


class InjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "exercises.Inject"

    exercise = factory.SubFactory(ExerciseFactory)
    number = factory.Sequence(lambda n: n + 1)
    offset_seconds = 0
    representative = factory.SubFactory(RepresentativeFactory)
    category = factory.SubFactory(CategoryFactory, slug="flood")
    description = "Water over the road at the station."
    location_text = "Station Road"
    ward = factory.SubFactory(WardFactory, number=1)
    latitude = -33.93
    longitude = 18.55
    urgency = "urgent"


# --- Ward boundaries: small square wards of the tests' own -----------------------------------

GRID_ORIGIN = (18.40, -33.95)  # (longitude, latitude) of the grid's south-west corner
GRID_SIZE = 0.01  # degrees: about 1 km


def square(west, south, size=GRID_SIZE):
    """A GeoJSON Polygon: a square `size` degrees wide, south-west corner at (west, south)."""
    ring = [[west, south], [west + size, south], [west + size, south + size]]
    return {"type": "Polygon", "coordinates": [[*ring, [west, south + size], [west, south]]]}


def ward_grid(numbers=range(1, 10), columns=3):
    """A boundary file (a GeoJSON FeatureCollection) of square wards in rows of `columns`,
    west to east, then south to north: with 1-9, ward 5 is the middle one, sharing a border
    with 2, 4, 6 and 8 and touching 1, 3, 7 and 9 only at a corner."""
    west, south = GRID_ORIGIN
    features = []
    for i, number in enumerate(numbers):
        row, col = divmod(i, columns)
        features.append(
            {
                "type": "Feature",
                "properties": {"ward": number, "ward_name": f"Test ward {number}"},
                "geometry": square(west + col * GRID_SIZE, south + row * GRID_SIZE),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def grid_point(number, numbers=range(1, 10), columns=3):
    """(latitude, longitude) of the middle of a ward of `ward_grid`."""
    row, col = divmod(list(numbers).index(number), columns)
    west, south = GRID_ORIGIN
    return south + (row + 0.5) * GRID_SIZE, west + (col + 0.5) * GRID_SIZE


def import_ward_grid(numbers=range(1, 10), columns=3):
    """Import `ward_grid` through the real import; returns {number: Ward}."""
    from cwg import geo, services

    text = json.dumps(ward_grid(numbers, columns))
    shapes = geo.read_boundaries(text, number_property="ward", name_property="ward_name")
    services.import_ward_boundaries(shapes)
    return {w.number: w for w in Ward.objects.filter(number__in=list(numbers))}
