from django.db import migrations

MODELS = ["alert", "alertrecipient", "alertversion", "alertdelivery"]


def move_content_types(apps, schema_editor):
    """Admin log entries and permissions follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="joc", model__in=MODELS).update(app_label="alerts")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="alerts", model__in=MODELS).update(app_label="joc")


class Migration(migrations.Migration):
    """The tables take the alerts app's names (the many-to-many table of wards follows)."""

    dependencies = [
        ("alerts", "0001_initial"),
        ("joc", "0005_alerts_move_to_their_app"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        *[migrations.AlterModelTable(name=name, table=None) for name in MODELS],
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
