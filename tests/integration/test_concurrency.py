"""Concurrent staff: no "database is locked", no lost update, every cell's status right, and
each source's latest status beside it."""

import json
import os
import subprocess
import sys

from django.conf import settings

from tests.conftest import run_manage


def test_sixteen_concurrent_writers_lose_nothing(scratch_database_url):
    run_manage(scratch_database_url, "migrate", "--no-input")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = scratch_database_url
    result = subprocess.run(
        [sys.executable, "-m", "tests.concurrency_probe", "16", "6"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["locked_errors"] == 0, report["errors"]
    assert report["errors"] == []
    assert report["logged"] == report["attempted"] == 16 * 6
    assert report["stored"] == report["attempted"], "an update was lost"
    assert report["stored_approved"] == report["approved"]
    assert report["wrong_cells"] == []
