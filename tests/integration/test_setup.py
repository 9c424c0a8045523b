"""Settings from the environment, and the development login."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_mode_needs_no_environment():
    result = run_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_mode_refuses_to_start_without_its_secrets(env, missing):
    result = run_check(**env)
    assert result.returncode != 0
    assert f"{missing} must be set when DJANGO_DEBUG=0" in result.stderr


def test_a_malformed_debug_flag_is_named():
    result = run_check(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 0 or 1" in result.stderr


@pytest.mark.django_db
def test_dev_login_creates_a_staff_login_on_an_empty_database(settings, tmp_path):
    settings.DEBUG = True  # the test runner turns DEBUG off; development mode is what's tested
    settings.TRACKER_DEV_LOGIN_FILE = tmp_path / "login.txt"
    out = io.StringIO()
    call_command("dev_login", stdout=out)
    admin = get_user_model().objects.get(username="admin")
    passwords = dict(re.findall(r"^\s*(\w+)\s+(\S+)", out.getvalue(), re.MULTILINE))
    assert admin.is_superuser
    assert admin.check_password(passwords["admin"])
    editor = get_user_model().objects.get(username="editor")
    reviewer = get_user_model().objects.get(username="reviewer")
    assert editor.check_password(passwords["editor"])
    assert editor.has_perm("recommendations.add_progressupdate")
    assert reviewer.is_staff
    assert reviewer.has_perm("recommendations.review_progressupdate")
    again = io.StringIO()
    call_command("dev_login", stdout=again)
    assert passwords["admin"] in again.getvalue()
    assert get_user_model().objects.count() == 3


@pytest.mark.django_db
def test_dev_login_refuses_in_production_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development mode only"):
        call_command("dev_login", stdout=io.StringIO())
    assert not get_user_model().objects.exists()
