"""Production readiness: headers, sign-in lockout, health check, migrations (backups: see
test_backups.py)."""

import datetime
import io
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError

from recommendations.models import FollowUp, Status
from tests.conftest import run_manage
from tests.factories import (
    MAIN_PAGES,
    ProgressUpdateFactory,
    UserFactory,
    counted_from_the_log,
    followup,
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


def login(client, url, username, password):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_failed_sign_ins_lock_the_username_from_that_address(client, url):
    UserFactory(username="target", is_staff=True)
    for _ in range(4):
        assert login(client, url, "target", "wrong").status_code == 200
    assert login(client, url, "target", "wrong").status_code == 429  # the fifth failure locks
    locked = login(client, url, "target", "correct-horse-battery")
    assert locked.status_code == 429
    assert "Sign-in temporarily locked" in locked.text
    assert "0:30:00" in locked.text
    # Another address, or another username, is not locked out.
    other = client.post(
        url, {"username": "target", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.8"
    )
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_cool_off_is_configurable(client, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=5)
    UserFactory(username="target")
    for _ in range(5):
        login(client, "/accounts/login/", "target", "wrong")
    assert "0:05:00" in login(client, "/accounts/login/", "target", "x").text


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
    cell = followup("R03", "FRA")
    update = ProgressUpdateFactory(followup=cell, approved=True, status=Status.PLANNED)
    assert FollowUp.objects.get(pk=cell.pk).current_status == Status.NO_INFORMATION
    out = io.StringIO()
    call_command("refresh_statuses", stdout=out)
    cell.refresh_from_db()
    assert (cell.current_status, cell.current_update) == (Status.PLANNED, update)
    assert year_counts() == counted_from_the_log()
    assert "Recomputed" in out.getvalue()


def test_migrations_are_reversible(scratch_database_url):
    run_manage(scratch_database_url, "migrate", "--no-input")
    run_manage(scratch_database_url, "migrate", "recommendations", "zero", "--no-input")
    run_manage(scratch_database_url, "migrate", "--no-input")
    result = run_manage(scratch_database_url, "showmigrations", "recommendations")
    assert "[ ]" not in result.stdout
