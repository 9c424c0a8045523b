"""Django's SQLite backend, keeping the query planner's statistics current as SQLite recommends.

SQLite keeps no statistics of its own: without ``sqlite_stat1`` the planner guesses, and at
100,000 updates the filtered progress log took 150 ms instead of 60 (issue 11). SQLite's advice
for short-lived connections is to run ``PRAGMA optimize`` just before closing each one: it
analyses the tables the connection's queries used whose statistics are missing or out of date,
and does nothing otherwise (microseconds). ``analysis_limit`` bounds such an analysis to a sample
of each index, so no request pays for a full scan; bulk writes (demo data, restore, seed) run a
full ``ANALYZE`` instead, through ``tracker.database.statistics_refresh``.
"""

import sqlite3

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.in_atomic_block:
            try:
                # Give up rather than queue behind a writer: the next connection will try again.
                self.connection.execute("PRAGMA busy_timeout=50")
                self.connection.execute("PRAGMA analysis_limit=1000")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
        super()._close()
