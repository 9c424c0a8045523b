"""PostgreSQL keeps its connections between requests unless told otherwise (a new connection
costs more than most pages' queries); SQLite opens its file per request, as before."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
)


def database_settings(**env) -> list:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgres://tracker@db.example.org:5432/tracker"}, [60, True]),
        (
            {
                "DATABASE_URL": "postgres://tracker@db.example.org/tracker",
                "DJANGO_CONN_MAX_AGE": "0",
            },
            [0, True],
        ),
        ({"DATABASE_URL": "sqlite:////tmp/tracker.sqlite3"}, [0, True]),
        ({}, [0, True]),
    ],
)
def test_postgresql_connections_are_kept_between_requests(env, expected):
    assert database_settings(**env) == expected
