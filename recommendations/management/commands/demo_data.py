"""Fill the database with a realistic, reproducible history of progress updates.

    manage.py demo_data --updates 100000 --seed 1 [--replace]

Statuses mostly move forward over 2008-2026, sources are mixed, most entries are approved and
some are drafts, submitted or returned; current statuses are recomputed from the approved log.
Writes in bulk with progress on the terminal. Needs the catalogue (``manage.py seed``) first, and
development mode: in production it refuses, as ``dev_login`` does. A second run replaces the
earlier demo history; updates that a real person wrote, reviewed or withdrew are never deleted
unless ``--replace`` says so.
"""

import sys
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from recommendations.demo import DemoDataRefused, demo_history_load
from recommendations.models import Cell
from recommendations.services import EDITORS, REVIEWERS
from tracker.database import statistics_refresh


class Command(BaseCommand):
    help = "Load a realistic, reproducible demo history of progress updates."

    def add_arguments(self, parser):
        parser.add_argument("--updates", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace", action="store_true", help="Delete existing progress updates first."
        )

    def handle(self, *args, updates: int, seed: int, replace: bool, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_data runs in development mode only (DJANGO_DEBUG is off): it would "
                "publish invented progress updates."
            )
        if not 1 <= updates <= 5_000_000:
            raise CommandError("--updates must be between 1 and 5,000,000.")
        roles = Group.objects.filter(name__in=[EDITORS, REVIEWERS]).count()
        if not Cell.objects.exists() or roles < 2:
            raise CommandError("No catalogue or roles yet: run `manage.py seed` first.")
        started = time.monotonic()
        interactive = sys.stdout.isatty()

        def progress(done: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            line = f"{done:>10,} / {updates:,} updates  ({done / updates:5.1%}, {rate:,.0f}/s)"
            self.stdout.write(
                ("\r" + line) if interactive else line, ending="" if interactive else "\n"
            )
            self.stdout.flush()

        try:
            written = demo_history_load(
                updates=updates, seed=seed, replace=replace, progress=progress
            )
        except DemoDataRefused as error:
            raise CommandError(
                f"{error} Or load it into a scratch database instead, for example "
                "DATABASE_URL=sqlite:///demo.sqlite3 make demo"
            ) from error
        statistics_refresh()  # after the load's transaction: PostgreSQL gets VACUUM ANALYZE
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {written:,} updates (seed {seed}) in {time.monotonic() - started:.1f} s; "
                "current statuses and planner statistics recomputed."
            )
        )
