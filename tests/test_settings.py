"""Settings come from the environment: each test loads watchline.settings in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], 'debug': settings.DEBUG, "
    "'tz': settings.TIME_ZONE, 'hsts': settings.SECURE_HSTS_SECONDS, "
    "'pool': settings.DATABASES['default'].get('OPTIONS', {}).get('pool'), "
    "'conn_max_age': settings.DATABASES['default'].get('CONN_MAX_AGE')}))"
)


# Knobs the test run itself sets (tests/settings.py) or CI exports: a fresh process starts clean.
KNOBS = {
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "SECURE_HTTPS",
    "STATIC_MANIFEST",
    "ALLOWED_HOSTS",
    "TEST_DB_NAME",
    "CHANNEL_PREFIX",
    "DATABASE_POOL",
    "DATABASE_POOL_MAX",
}


def clean_env(**env):
    clean = {k: v for k, v in os.environ.items() if k not in KNOBS}
    return {**clean, "DJANGO_SETTINGS_MODULE": "watchline.settings", **env}


def load_settings(**env):
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env=clean_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def parsed(**env):
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_sqlite_and_the_in_memory_layer():
    values = parsed(SECRET_KEY="k")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["debug"] is False
    assert values["tz"] == "Africa/Johannesburg"
    assert values["hsts"] > 0


def test_database_url_switches_to_postgresql():
    values = parsed(SECRET_KEY="k", DATABASE_URL="postgres://u@db.example:5432/watchline")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "watchline"


def test_postgresql_connections_come_from_a_pool_per_process_unless_turned_off():
    url = "postgres://u@db.example:5432/watchline"
    values = parsed(SECRET_KEY="k", DATABASE_URL=url, DATABASE_POOL_MAX="6")
    assert values["pool"]["max_size"] == 6 and values["conn_max_age"] == 0
    values = parsed(SECRET_KEY="k", DATABASE_URL=url, DATABASE_POOL="0")
    assert values["pool"] is None
    assert parsed(SECRET_KEY="k")["pool"] is None  # SQLite has no pool


def test_redis_url_switches_to_channels_redis():
    values = parsed(SECRET_KEY="k", REDIS_URL="redis://127.0.0.1:6379/0")
    assert values["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_the_server_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = subprocess.run(
        [sys.executable, "-c", "import watchline.asgi"],
        env=clean_env(SECRET_KEY=""),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_commands_that_sign_nothing_run_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=clean_env(SECRET_KEY=""),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_debug_runs_without_a_secret_key():
    assert parsed(SECRET_KEY="", DEBUG="1")["debug"] is True


def test_check_deploy_is_clean_with_production_settings():
    env = clean_env(
        SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
        ALLOWED_HOSTS="watchline.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
