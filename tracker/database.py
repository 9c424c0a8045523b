"""Upkeep the product does itself, so a database grown by use, a restore or a bulk load gets the
same query plans as the benchmark's."""

from django.db import connections


def statistics_refresh(using: str = "default") -> None:
    """Recompute the query planner's statistics for every table: after bulk writes (demo data,
    a restore, a seed that created the grid). SQLite: a full ``ANALYZE`` (connections keep them
    current afterwards, see ``tracker.sqlite``); PostgreSQL: ``ANALYZE``, which autovacuum would
    otherwise run only later (with VACUUM outside a transaction)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql" and not connection.in_atomic_block:
            # VACUUM too, as autovacuum would after a bulk load: index-only scans need the
            # visibility map. It cannot run inside a transaction (a restore's), hence the test.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
