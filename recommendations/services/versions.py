"""The data version moved forward, in the caller's transaction (see ``models.versions``)."""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import DataVersion


def data_version_bump(*, past: int = 0) -> None:
    """Every write that changes what the public sees calls this, inside its own transaction:
    an approval or withdrawal (through ``cell_refresh_status``), a bulk refresh, the catalogue's
    seed and the admin's edits of it, a restore. Drafts, submissions and returns do not: no
    public page shows them.

    One ``UPDATE``: on PostgreSQL it holds the row's lock until the commit, so concurrent
    writers queue here briefly; callers bump last, after their other writes. A reader reads the
    version before its page's queries, so a page stored under the new version was read from the
    committed new data.

    ``past``: a version the new one must exceed, for a restore, which brings back an older
    number (pages cached under the numbers that follow it show other data)."""
    now = timezone.now()
    bumped = DataVersion.objects.filter(pk=DataVersion.ROW).update(
        version=Greatest(F("version"), past) + 1, changed_at=now
    )
    if not bumped:  # a flushed database (tests) or a backup that lacked the row
        DataVersion.objects.get_or_create(pk=DataVersion.ROW, defaults={"version": past + 1})
