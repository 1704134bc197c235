"""Settings for the test run: the production settings, with the environment a test needs."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("SECURE_HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from watchline.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The live server of the browser tests is a forked process: SQLite's WAL mode, shared through an
# inherited connection, leaves it reading a stale snapshot. Tests use the rollback journal.
DATABASES["default"].get("OPTIONS", {}).pop("init_command", None)  # noqa: F405
