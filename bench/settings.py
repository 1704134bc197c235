"""The bench's settings: the product's, plus the bench-only URLs (bench/urls.py). Only
bench/deploy.py selects them (DJANGO_SETTINGS_MODULE=bench.settings); the product never does."""

from watchline.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
