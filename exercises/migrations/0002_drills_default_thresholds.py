from django.db import migrations

# priority: (acknowledge, verify or debunk, a unit on scene), in minutes. Admins change them.
DEFAULTS = {1: (2, 10, 60), 2: (5, 20, 90), 3: (15, 60, 120), 4: (30, 120, 240)}


def add_defaults(apps, schema_editor):
    StaleThreshold = apps.get_model("exercises", "StaleThreshold")
    for priority, (ack, verify, scene) in DEFAULTS.items():
        StaleThreshold.objects.get_or_create(
            exercise=None,
            priority=priority,
            defaults={"acknowledge_minutes": ack, "verify_minutes": verify, "on_scene_minutes": scene},
        )


def remove_defaults(apps, schema_editor):
    apps.get_model("exercises", "StaleThreshold").objects.filter(exercise=None).delete()


class Migration(migrations.Migration):
    dependencies = [("exercises", "0001_drills_exercises")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
