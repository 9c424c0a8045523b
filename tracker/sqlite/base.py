"""Django's SQLite backend, keeping the query planner's statistics current as SQLite recommends.

SQLite keeps no statistics of its own: without ``sqlite_stat1`` the planner guesses, and at
100,000 updates the filtered progress log took 150 ms instead of 60 (issue 11). SQLite's advice
for short-lived connections is to run ``PRAGMA optimize`` just before closing each one: it
analyses the tables the connection's queries used whose statistics are missing or out of date,
and does nothing otherwise (microseconds). It runs after the response has been sent; a full
analysis of the million-row log (about a second, seldom: when statistics are missing or a table
has grown 25-fold) holds the write lock meanwhile. A sampled
analysis (``analysis_limit``) was tried and left out: its estimates for the log's low-cardinality
columns were off by a factor of 25 and the filtered log kept a slow plan (102 ms against 51 ms
at 100,000 updates). Bulk writes (demo data, restore, seed) run ``ANALYZE`` at once, through
``tracker.database.statistics_refresh``.
"""

import sqlite3

from django.db.backends.sqlite3 import base

# Only "run ANALYZE on tables that might benefit" (0x02), without the 0x10 bit that SQLite 3.46
# and later add by default, which samples (see above).
OPTIMIZE_ANALYZE = 0x02


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if (
            self.connection is not None
            and not self.in_atomic_block
            and not self.connection.in_transaction
        ):
            try:
                # Give up rather than queue behind a writer: the next connection will try again.
                self.connection.execute("PRAGMA busy_timeout=50")
                self.connection.execute(f"PRAGMA optimize={OPTIMIZE_ANALYZE}")
            except sqlite3.Error:
                pass
        super()._close()
