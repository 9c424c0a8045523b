"""The data version: one number that every change to what the public sees moves forward.

The shared page cache (``recommendations/caching.py``) keys public pages by it, so a reader is
never shown a page older than the last approval, on any worker or server: the number lives in
the database, read once a request, never in a process's memory. ``services.data_version_bump``
moves it in the same transaction as the change, so no reader can see the new number before the
new data.
"""

from __future__ import annotations

import datetime

from django.db import connections, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class DataVersionQuerySet(models.QuerySet):
    def current(self) -> tuple[int, datetime.datetime]:
        """The version and when it last moved: one primary-key read (the row is made if a
        flushed database lacks it), from the database the router gives this request's reads,
        the one its page's data will come from.

        Plain SQL: it runs on every public request, cache hits included, where the ORM's
        building of the query was a third of a hit's time."""
        database = connections[self.db]
        table = database.ops.quote_name(DataVersion._meta.db_table)
        with database.cursor() as cursor:
            cursor.execute(
                f"SELECT version, changed_at FROM {table} WHERE id = %s", [DataVersion.ROW]
            )
            row = cursor.fetchone()
        if row is None:
            made, _created = self.get_or_create(pk=DataVersion.ROW)
            return made.version, made.changed_at
        version, changed_at = row
        if isinstance(changed_at, str):  # SQLite without the declared type's converter
            changed_at = parse_datetime(changed_at)
        if timezone.is_naive(changed_at):  # SQLite keeps UTC without its offset
            changed_at = timezone.make_aware(changed_at, datetime.UTC)
        return version, changed_at


class DataVersion(models.Model):
    """One row (pk 1), made by the migration. Not edited by hand: ``services.data_version_bump``
    is its only writer."""

    ROW = 1

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = DataVersionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"data version {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
