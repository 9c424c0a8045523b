"""App servers keep nothing of their own, so a proxy may send any request to any of them:
sessions in the database (read through Redis first when there is one), counts shared, no file
written to the server's disk, static files from the collected manifest, the import's work done
by a separate worker process (README, "Deploy")."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from recommendations.models import ImportBatch

SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "from axes.handlers.proxy import AxesProxyHandler; "
    "print(json.dumps({'session': s.SESSION_ENGINE, 'cache': s.CACHES['default'], "
    "'static': s.STORAGES['staticfiles']['BACKEND'], 'middleware': s.MIDDLEWARE, "
    "'tasks': s.TASKS['default']['BACKEND'], "
    "'axes': type(AxesProxyHandler.get_implementation()).__name__}))"
)


def production_settings(**env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CACHE_URL", "REDIS_URL", "DATABASE_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
            "DATABASE_URL": "postgres://tracker:secret@db.example.org:5432/tracker",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(result.stdout or "null") or pytest.fail(result.stderr)


def test_with_redis_sessions_and_counts_are_shared_through_it():
    shown = production_settings(REDIS_URL="redis://cache.example.org:6379/0")
    assert shown["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example.org:6379/0",
    }
    # Read from Redis, written through to the database: a restarted Redis signs no one out.
    assert shown["session"] == "django.contrib.sessions.backends.cached_db"


def test_cache_url_names_the_shared_cache_too():
    shown = production_settings(CACHE_URL="redis://cache.example.org:6379/1")
    assert shown["cache"]["LOCATION"] == "redis://cache.example.org:6379/1"
    assert shown["session"] == "django.contrib.sessions.backends.cached_db"


def test_without_a_shared_cache_sessions_live_in_the_database_alone():
    """Each process has its own memory then: a session cached there would outlive a sign-out
    handled by another process."""
    shown = production_settings()
    assert shown["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["session"] == "django.contrib.sessions.backends.db"


def test_static_files_come_from_the_collected_manifest():
    shown = production_settings()
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in shown["middleware"]


def test_the_import_runs_in_the_task_worker_not_the_app_server():
    assert production_settings()["tasks"] == "django_tasks_db.DatabaseBackend"


def test_sign_in_failures_are_counted_in_the_database():
    """django-axes counts failures where every app server sees them."""
    assert production_settings()["axes"] == "AxesDatabaseHandler"


def test_the_api_throttle_counts_in_the_default_cache():
    """Shared across app servers once the default cache is Redis (above); per process with
    local memory."""
    assert AnonRateThrottle.cache is cache
    assert UserRateThrottle.cache is cache


def test_no_model_keeps_a_file_on_the_servers_disk():
    """Uploaded spreadsheets are kept in the database, so any server (or the worker) reads
    them."""
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert file_fields == []
    assert isinstance(ImportBatch._meta.get_field("content"), models.BinaryField)
