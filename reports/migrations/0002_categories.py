from django.db import migrations

CATEGORIES = [
    ("protest", "Protest / demonstration"),
    ("flood", "Flood"),
    ("fire", "Fire"),
    ("crime-in-progress", "Crime in progress"),
    ("suspicious-activity", "Suspicious activity"),
    ("infrastructure-failure", "Infrastructure failure"),
    ("medical-emergency", "Medical emergency"),
    ("severe-weather", "Severe weather"),
    ("other", "Other"),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    for order, (slug, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


def remove_categories(apps, schema_editor):
    apps.get_model("reports", "Category").objects.filter(slug__in=[s for s, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunPython(create_categories, remove_categories)]
