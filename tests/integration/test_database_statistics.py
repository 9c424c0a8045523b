"""The product keeps the query planner's statistics itself: after bulk writes, and on SQLite at
the close of every connection, so a database grown by use gets the plans the benchmark gets."""

import sqlite3

from tests.conftest import run_manage

STATISTICS = {
    # Tables with planner statistics, by engine.
    "sqlite": "SELECT DISTINCT tbl FROM sqlite_stat1",
    "postgres": (
        "SELECT DISTINCT relname FROM pg_stat_user_tables "
        "WHERE last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
    ),
}


def analysed_tables(database_url: str) -> set[str]:
    engine = "sqlite" if database_url.startswith("sqlite") else "postgres"
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute({STATISTICS[engine]!r})\n"
        "    print(' '.join(sorted(row[0] for row in c.fetchall())))"
    )
    out = run_manage(database_url, "shell", "-v", "0", "-c", script).stdout
    return set(out.split())


def test_seeding_a_new_grid_and_loading_demo_data_refresh_the_statistics(scratch_database_url):
    run_manage(scratch_database_url, "migrate", "--no-input", "-v", "0")
    run_manage(scratch_database_url, "seed", "-v", "0")
    assert "recommendations_cell" in analysed_tables(scratch_database_url)

    run_manage(scratch_database_url, "demo_data", "--updates", "2000", "--seed", "1")
    assert {"recommendations_cell", "recommendations_progressupdate"} <= analysed_tables(
        scratch_database_url
    )


def test_a_sqlite_connection_analyses_what_it_queried_before_closing(tmp_path):
    """As SQLite advises for short-lived connections (one per request here)."""
    path = tmp_path / "grown.sqlite3"
    url = f"sqlite:///{path}"
    run_manage(url, "migrate", "--no-input", "-v", "0")
    run_manage(url, "seed", "-v", "0")
    run_manage(url, "demo_data", "--updates", "2000", "--seed", "1")
    with sqlite3.connect(path) as db:  # a database grown without the product's bulk paths
        db.execute("DELETE FROM sqlite_stat1")
    assert analysed_tables(url) == set()

    run_manage(
        url,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection\n"
        "from recommendations.models import ProgressUpdate\n"
        "list(ProgressUpdate.objects.approved().filter(cell__state__iso3='FRA')[:5])\n"
        "connection.close()",
    )

    assert "recommendations_progressupdate" in analysed_tables(url)


def test_a_restore_refreshes_the_statistics(tmp_path):
    path = tmp_path / "restored.sqlite3"
    url = f"sqlite:///{path}"
    run_manage(url, "migrate", "--no-input", "-v", "0")
    run_manage(url, "seed", "-v", "0")
    backup = tmp_path / "backup.json"
    run_manage(url, "backup", str(backup), "--format", "json")
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM sqlite_stat1")

    run_manage(url, "restore", str(backup), "--no-input", "--safety-dir", str(tmp_path / "safe"))

    assert {"recommendations_cell", "recommendations_recommendation"} <= analysed_tables(url)
