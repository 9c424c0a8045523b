# The door to the project. `make run` and `make test` work on a fresh clone: each creates the
# virtualenv and installs the pinned Python and npm packages when they are missing or stale.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UPDATES ?= 100000
SEED ?= 1
STAMPS := .make
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help install messages translations dev-database run demo bench bench-postgres serve load test lint format migrations-check deploy-check schema-check clean

help:
	@echo "make run               install, migrate, seed and serve on http://127.0.0.1:$(PORT)/ (PORT=8123 to change), with the task worker"
	@echo "make demo              make run with a demo history of UPDATES (100000) progress updates, SEED=1"
	@echo "make bench             benchmark at 100,000 and 1,000,000 updates and a 10,000-row import, write bench/results.md"
	@echo "make bench-postgres    the same on PostgreSQL (BENCH_POSTGRES=postgres://...), bench/results-postgresql.md"
	@echo "make test              install and run the test suite (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint              ruff check and format check"
	@echo "make migrations-check  fail if models and migrations differ"
	@echo "make serve             the production stack locally: DEBUG off, WhiteNoise, gunicorn (PORT=...)"
	@echo "make deploy-check      manage.py check --deploy --fail-level WARNING in production mode"
	@echo "make schema-check      the API's OpenAPI schema validates, without a warning (drf-spectacular)"
	@echo "make load              a bounded load test against gunicorn on 127.0.0.1 (about 30 s)"
	@echo "make load MODE=scale-out  two app servers, HAProxy, PostgreSQL, Redis: 1 vs 2 servers, cache off/on (about 6 min)"
	@echo "make messages          update locale/*/django.po from the marked strings (makemessages)"
	@echo "make translations      how complete each language is (interface and catalogue)"

$(STAMPS)/python: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The browser tests drive Debian's Chromium (Playwright never downloads a browser of its own).
$(STAMPS)/chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	@mkdir -p $(STAMPS) && touch $@

# The page cache's tests run against a real Redis too: each run starts its own redis-server
# (tests/conftest.py, redis_server), from Debian's package.
$(STAMPS)/redis:
	@command -v redis-server >/dev/null || { \
	  echo "Installing Debian's redis-server for the page cache's tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }
	@mkdir -p $(STAMPS) && touch $@

# GNU gettext (msgfmt, xgettext) compiles the translations and extracts the marked strings.
$(STAMPS)/gettext:
	@command -v msgfmt >/dev/null || { \
	  echo "Installing Debian's gettext for the translations"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq gettext; }
	@mkdir -p $(STAMPS) && touch $@

# The .mo files are built here, never committed: recompiled whenever a .po file changes.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
$(STAMPS)/compiled: $(PO_FILES) $(STAMPS)/python $(STAMPS)/gettext
	$(BIN)/python manage.py compilemessages --ignore .venv --ignore node_modules -v 0
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/compiled

# After marking or changing interface strings: refresh every catalogue, then translate the new
# entries (msgstr) in each locale/<language>/LC_MESSAGES/django.po. The tests fail until the
# catalogues match the code and every entry is translated.
messages: $(STAMPS)/python $(STAMPS)/gettext
	$(BIN)/python manage.py makemessages --all $(MAKEMESSAGES_FLAGS)

translations: install
	$(BIN)/python manage.py translations

# The development database, migrated and seeded, with local logins (printed every time).
# dev_login creates them only on a database with no users at all, so it runs before demo data.
dev-database: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed --create-only
	@$(BIN)/python manage.py dev_login

# The task worker (large imports) runs beside the server and stops with it.
run: dev-database
	@export DJANGO_SITE_URL=$${DJANGO_SITE_URL:-http://127.0.0.1:$(PORT)}; \
	  $(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Opt-in demo history on the development database. A second run replaces the earlier demo;
# demo_data refuses to delete anybody else's updates (see manage.py demo_data --help).
demo: dev-database
	$(BIN)/python manage.py demo_data --updates $(UPDATES) --seed $(SEED)
	@$(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

bench: install
	$(BIN)/python bench/bench.py

# The same benchmark on PostgreSQL (databases tracker_bench_<size> on that server).
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432
bench-postgres: install
	$(BIN)/python bench/bench.py --postgres $(BENCH_POSTGRES)

serve: install
	PORT=$(PORT) bin/serve

deploy-check: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  DJANGO_ALLOWED_HOSTS=tracker.example.org \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# MODE=scale-out: two app servers behind HAProxy on PostgreSQL and its own redis-server, both
# from Debian's packages (bench/scaleout.py).
$(STAMPS)/haproxy:
	@command -v haproxy >/dev/null || { \
	  echo "Installing Debian's haproxy for make load MODE=scale-out"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq haproxy; }
	@mkdir -p $(STAMPS) && touch $@

SCALE_OUT := $(filter scale-out,$(MODE))
load: install $(if $(SCALE_OUT),$(STAMPS)/haproxy $(STAMPS)/redis)
	$(BIN)/python bench/load.py $(if $(SCALE_OUT),--scale-out)

test: install $(STAMPS)/chromium $(STAMPS)/redis
	$(BIN)/python -m pytest

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMPS)/python
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMPS)/python
	$(BIN)/python manage.py makemigrations --check --dry-run

# The schema served at /api/schema/ is generated from the code, never written by hand: this
# builds it and fails on an error or a warning (Schemathesis tests the API against it).
schema-check: $(STAMPS)/python
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) node_modules $(STAMPS) staticfiles .load .bench
