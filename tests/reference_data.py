"""Reference data that migrations load (roles, categories, wards). A transactional test's flush
wipes it; `restore()` puts it back by running the data migrations' own functions again."""

from importlib import import_module

from django.apps import apps

DATA_MIGRATIONS = [
    ("joc.migrations.0003_roles", "create_roles"),
    ("reports.migrations.0002_categories", "create_categories"),
    ("cwg.migrations.0002_wards", "create_wards"),
    ("exercises.migrations.0002_drills_default_thresholds", "add_defaults"),
]


def restore():
    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)
