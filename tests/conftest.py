"""Shared fixtures: users per role, logged-in clients, and the browser journeys' live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

from tests import factories, reference_data

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    """Browser journeys run last: Playwright's event loop stays in the test thread afterwards."""
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default"],
        }
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests start from a flushed database: give them the migrations' data."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("_django_db_helper")
        reference_data.restore()


@pytest.fixture
def operator(db):
    return factories.OperatorFactory()


@pytest.fixture
def supervisor(db):
    return factories.SupervisorFactory()


@pytest.fixture
def city_admin(db):
    return factories.AdminFactory()


@pytest.fixture
def representative(db):
    return factories.RepresentativeFactory()


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def rep_client(client, representative):
    client.force_login(representative.user)
    return client


def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def postgres_only(db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")


def chromium_available():
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


# Reference files beside the project (the city's ward boundaries, the CAP schema). Tests that
# need them skip with a reason on a machine without them, and fail in CI, which always has them.
SHARED_DIR = Path(os.environ.get("WATCHLINE_SHARED", Path(__file__).parents[2] / "shared"))


def shared_file(relative):
    path = SHARED_DIR / relative
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing in CI: the reference files must lie beside the project")
        pytest.skip(f"{path} not present (set WATCHLINE_SHARED to the reference files)")
    return path
