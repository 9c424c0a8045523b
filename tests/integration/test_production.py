"""Production readiness: headers, health check, migrations (sign-in: test_sign_in.py; backups:
test_backups.py)."""

import io
import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError

from recommendations.models import Cell, Status
from tests.conftest import run_manage
from tests.factories import (
    MAIN_PAGES,
    ProgressUpdateFactory,
    cell_at,
    counted_from_the_log,
    month_counts_from_the_log,
    month_counts_kept,
    month_ends_from_the_log,
    month_ends_kept,
    year_counts,
)


@pytest.mark.django_db
@pytest.mark.parametrize("url", MAIN_PAGES)
def test_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("url", MAIN_PAGES)
def test_pages_have_no_inline_script_or_style(client, editor, url):
    client.force_login(editor)
    html = client.get(url).text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.django_db
def test_weak_passwords_are_refused_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newbie",
            "password1": "password",
            "password2": "password",
            "usable_password": "true",
        },
    )
    assert "This password is too common." in response.text


@pytest.mark.django_db
def test_healthz_checks_the_database(client, monkeypatch):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}

    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tracker.example.org",
        **extra,
    )
    return env


def test_production_mode_passes_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_is_https_only_with_secure_cookies():
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=production_env(
            DJANGO_SETTINGS_MODULE="tracker.settings",
            DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            DJANGO_CSRF_TRUSTED_ORIGINS="https://tracker.example.org",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == (
        '[true, 31536000, true, true, ["HTTP_X_FORWARDED_PROTO", "https"], '
        '["https://tracker.example.org"]]'
    ), result.stderr


# Nothing lost -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_statuses_repairs_cells_written_around_the_services():
    cell = cell_at("R03", "FRA")
    update = ProgressUpdateFactory(cell=cell, approved=True, status=Status.PLANNED)
    assert Cell.objects.get(pk=cell.pk).current_status == Status.NO_INFORMATION
    out = io.StringIO()
    call_command("refresh_statuses", stdout=out)
    cell.refresh_from_db()
    assert (cell.current_status, cell.current_update) == (Status.PLANNED, update)
    assert year_counts() == counted_from_the_log()
    assert month_ends_kept() == month_ends_from_the_log() != set()
    assert month_counts_kept() == month_counts_from_the_log() != set()
    assert "Recomputed" in out.getvalue()


def test_migrations_are_reversible(scratch_database_url):
    run_manage(scratch_database_url, "migrate", "--no-input")
    run_manage(scratch_database_url, "migrate", "recommendations", "zero", "--no-input")
    run_manage(scratch_database_url, "migrate", "--no-input")
    result = run_manage(scratch_database_url, "showmigrations", "recommendations")
    assert "[ ]" not in result.stdout


BEFORE_1945 = """
import datetime
from django.contrib.auth.models import Group, User
from recommendations.models import Cell, ProgressUpdate
from recommendations.services import roles_seed
roles_seed()
author = User.objects.create_user("author")
author.groups.add(Group.objects.get(name="Editors"))
reviewer = User.objects.create_user("reviewer", is_staff=True)
reviewer.groups.add(Group.objects.get(name="Reviewers"))
User.objects.create_superuser("admin")
cell = Cell.objects.get(recommendation__code="R03", state__iso3="FRA")
for state, day in [("approved", 1), ("submitted", 2), ("draft", 3)]:
    ProgressUpdate.objects.create(
        cell=cell, status="planned", effective_date=datetime.date(1, 1, day), narrative="Typo.",
        source="government", reported_by=author, review_state=state,
        reviewed_by=reviewer if state == "approved" else None,
        reviewed_at=cell.updated_at if state == "approved" else None,
    )
"""

LATER_COLUMNS = """
from django.db import connection
postgres = connection.vendor == "postgresql"
json = "jsonb" if postgres else "text"
stamp = "timestamp with time zone" if postgres else "datetime"
boolean = "boolean NOT NULL DEFAULT " + ("false" if postgres else "0")
key = "bigserial PRIMARY KEY" if postgres else "integer PRIMARY KEY AUTOINCREMENT"
later = [
    (table, "translations", json + " NOT NULL DEFAULT '{{}}'")
    for table in ["theme", "actor", "instrument", "sourcedocument", "recommendation",
                  "historicalrecommendation"]
] + [
    (table, column, kind)
    for table in ["progressupdate", "historicalprogressupdate"]
    for column, kind in [("import_batch_id", "integer NULL"),
                         ("external_id", "varchar(100) NOT NULL DEFAULT ''")]
] + [
    (table, column, kind)
    for table in ["recommendation", "historicalrecommendation"]
    for column, kind in [("voiced_by", "varchar(30) NOT NULL DEFAULT 'conclusion'"),
                         ("voiced_by_note", "varchar(200) NOT NULL DEFAULT ''"),
                         ("strength", "varchar(20) NOT NULL DEFAULT 'agreed'"),
                         ("paraphrase", boolean)]
] + [(table, "sources_disagree", boolean) for table in ["cell", "historicalcell"]]
tables = {{
    "cellassessment": "cell_id bigint NOT NULL, source varchar(30) NOT NULL, "
    "status varchar(30) NOT NULL, status_date date NOT NULL, update_id bigint NOT NULL",
    "celldisagreement": "cell_id bigint NOT NULL, since date NOT NULL, until date NULL",
    "dataversion": "version bigint NOT NULL, changed_at " + stamp + " NOT NULL",
    "monthendgrid": "day date NOT NULL, recommendation_id bigint NOT NULL, "
    "cells " + json + " NOT NULL",
    "monthcount": "month date NOT NULL, status varchar(30) NOT NULL, updates integer NOT NULL",
}}
with connection.cursor() as cursor:
    for table, column, kind in later:
        definition = column + " " + kind if "{0}" == "ADD" else column
        cursor.execute(f"ALTER TABLE recommendations_{{table}} {0} COLUMN {{definition}}")
    for table, columns in tables.items():
        if "{0}" == "ADD":
            cursor.execute(f"CREATE TABLE recommendations_{{table}} (id {{key}}, {{columns}})")
        else:
            cursor.execute(f"DROP TABLE recommendations_{{table}}")
"""

CLEAR_THEM = """
import datetime
from django.contrib.auth.models import User
from recommendations.models import ProgressUpdate
from recommendations.services import update_edit, update_return, update_withdraw
users = {user.username: user for user in User.objects.all()}
early = {u.review_state: u for u in ProgressUpdate.objects.all()}
update_withdraw(update=early["approved"], user=users["admin"], reason="Mistyped year.")
update_return(update=early["submitted"], user=users["reviewer"], comment="Which year?")
for update in ProgressUpdate.objects.filter(review_state__in=["draft", "returned"]):
    update_edit(update=update, user=users["author"], effective_date=datetime.date(2001, 1, 1))
"""


def test_dates_before_1945_already_logged_are_named_by_the_migration_and_cleared_in_the_app(
    scratch_database_url,
):
    """Upgrading a database that holds the dates the new rule refuses: the migration stops,
    names them and says how to clear them; the workflow clears them (withdraw, return, edit);
    then the migration applies."""
    # Seeded by today's code, then taken back to the schema before the rule (migration 0004).
    run_manage(scratch_database_url, "migrate", "--no-input", "-v", "0")
    run_manage(scratch_database_url, "seed", "-v", "0")
    run_manage(scratch_database_url, "migrate", "recommendations", "0004", "--no-input", "-v", "0")
    # Today's services stand in for the app of that time: they read the later columns and
    # tables (the catalogue's translations, an update's import batch, a cell's sources), so
    # these are there while they run, and gone again before migrating.
    run_manage(scratch_database_url, "shell", "-v", "0", "-c", LATER_COLUMNS.format("ADD"))
    run_manage(scratch_database_url, "shell", "-v", "0", "-c", BEFORE_1945)

    refused = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": scratch_database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode != 0
    assert "Effective dates before 1945 are no longer accepted" in refused.stderr
    assert "(approved)" in refused.stderr
    assert "(submitted)" in refused.stderr

    run_manage(scratch_database_url, "shell", "-v", "0", "-c", CLEAR_THEM)
    run_manage(scratch_database_url, "shell", "-v", "0", "-c", LATER_COLUMNS.format("DROP"))
    run_manage(scratch_database_url, "migrate", "--no-input")


def test_the_rename_to_cells_keeps_data_and_group_rights_both_ways(scratch_database_url):
    run_manage(scratch_database_url, "migrate", "--no-input", "-v", "0")
    run_manage(scratch_database_url, "seed", "-v", "0")
    run_manage(scratch_database_url, "demo_data", "--updates", "500", "--seed", "1")
    census = (
        "from django.contrib.auth.models import Group\n"
        "from recommendations.models import Cell, CellYearCount, ProgressUpdate\n"
        "rights = sorted(Group.objects.get(name='Reviewers').permissions"
        ".values_list('codename', flat=True))\n"
        "print(Cell.objects.count(), ProgressUpdate.objects.count(), "
        "CellYearCount.objects.count(), Cell.objects.exclude(current_update=None).count(), "
        "rights)"
    )
    before = run_manage(scratch_database_url, "shell", "-v", "0", "-c", census).stdout
    assert "view_cell" in before

    run_manage(scratch_database_url, "migrate", "recommendations", "0003", "--no-input")
    run_manage(scratch_database_url, "migrate", "--no-input")

    assert run_manage(scratch_database_url, "shell", "-v", "0", "-c", census).stdout == before


# Ready to serve -------------------------------------------------------------------------------

STARTED = """
import gc, json, sys
import {module}
print(json.dumps({{
    "frozen": gc.get_freeze_count(),
    "views_loaded": "recommendations.views.public" in sys.modules,
    "collation_loaded": "pyuca.trie" in sys.modules,
}}))
"""


@pytest.mark.parametrize("module", ["tracker.wsgi", "tracker.asgi"])
def test_an_app_server_starts_with_its_views_imported_and_its_objects_frozen(module):
    """The app's entry points load every view, template, translation and the names' collation
    before the first request and freeze what they loaded, so a full garbage collection never
    walks the whole project mid-request (the as-of dashboard's p95 was 2.5x its median before:
    ``tracker/serving.py``)."""
    result = subprocess.run(
        [sys.executable, "-c", STARTED.format(module=module)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    started = json.loads(result.stdout.strip().splitlines()[-1])
    assert started["views_loaded"]
    assert started["collation_loaded"]  # by the app's warm(), not by a reader's first page
    assert started["frozen"] > 50_000
