# Watchline: `make run` to try it, `make test` to prove it.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run worker test lint format messages bench bench-quick bench-whatsapp soak clean demo-exercise

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Watchline needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The city's ward boundaries (a GeoJSON FeatureCollection): `make run` imports them when the
# file is there; without it the demo keeps placeholder wards (numbers without boundaries).
WARDS_FILE ?= ../shared/data/cape-town-wards.geojson

# Serve the demo on http://127.0.0.1:$(PORT): SQLite, in-memory channel layer, one task worker.
run: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py collectstatic --no-input -v0
	@if [ -f "$(WARDS_FILE)" ]; then DEBUG=1 $(PY) manage.py import_wards "$(WARDS_FILE)"; \
	  else echo "No ward boundaries at $(WARDS_FILE): the demo keeps placeholder wards."; fi
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py schedule_sweeps
	@echo "Watchline is starting on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@DEBUG=1 $(PY) manage.py db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=1 $(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) watchline.asgi:application

# A scripted exercise on the demo data (about 3 minutes, real time), then its after-action
# figures; the whole report is on /exercises/ in `make run`.
demo-exercise: install
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 TASKS_IMMEDIATE=1 $(PY) manage.py run_demo_exercise

test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Translations (Afrikaans, isiXhosa): collect the marked strings into locale/*/django.po, then
# compile the .mo files the server reads (both are committed). Needs GNU gettext
# (apt-get install -y gettext); tests/test_translations.py checks the result without it.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=media
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l af -l xh --no-location --no-obsolete $(MESSAGES_IGNORE)
	DEBUG=1 $(PY) manage.py compilemessages -l af -l xh $(MESSAGES_IGNORE)

# Benchmarks (bench/): PostgreSQL, Redis and two Daphne processes on 127.0.0.1, DEBUG off.
bench: install
	$(PY) -m bench.run --scale full

bench-quick: install
	$(PY) -m bench.run --scale quick

# The WhatsApp line alone: webhook answer time at 50 signed deliveries/s, POST to dashboard.
bench-whatsapp: install
	$(PY) -m bench.run --scale quick --only-whatsapp

# Ten minutes of steady mixed load: errors, latency drift, memory drift.
soak: install
	$(PY) -m bench.run --scale quick --soak 600

clean:
	rm -rf $(VENV) staticfiles test-db.sqlite3 .pytest_cache
