"""The city's 116 electoral wards (Cape Town), numbered 1-116. Neighbours default to the wards
numbered either side; city admins correct adjacency and names in the admin."""

from django.db import migrations

WARD_COUNT = 116
# A rough grid over the metro, so each ward has a centre for the map until admins set real ones.
NORTH, SOUTH, WEST, EAST = -33.70, -34.15, 18.35, 18.95
COLUMNS = 12


def ward_centre(number):
    row, col = divmod(number - 1, COLUMNS)
    rows = (WARD_COUNT + COLUMNS - 1) // COLUMNS
    lat = NORTH + (SOUTH - NORTH) * (row + 0.5) / rows
    lon = WEST + (EAST - WEST) * (col + 0.5) / COLUMNS
    return round(lat, 5), round(lon, 5)


def create_wards(apps, schema_editor):
    Ward = apps.get_model("cwg", "Ward")
    wards = {}
    for number in range(1, WARD_COUNT + 1):
        lat, lon = ward_centre(number)
        wards[number], _ = Ward.objects.get_or_create(
            number=number, defaults={"latitude": lat, "longitude": lon}
        )
    for number, ward in wards.items():
        ward.neighbours.add(*[wards[n] for n in (number - 1, number + 1) if n in wards])


def remove_wards(apps, schema_editor):
    apps.get_model("cwg", "Ward").objects.filter(number__lte=WARD_COUNT).delete()


class Migration(migrations.Migration):
    dependencies = [("cwg", "0001_initial")]
    operations = [migrations.RunPython(create_wards, remove_wards)]
