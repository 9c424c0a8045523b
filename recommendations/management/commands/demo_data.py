"""Fill the database with a realistic, reproducible history of progress updates.

    manage.py demo_data --updates 100000 --seed 1 [--replace]

Statuses mostly move forward over 2008-2026, sources are mixed, most entries are approved and
some are drafts, submitted or returned; current statuses are recomputed from the approved log.
Writes in bulk with progress on the terminal. Needs the catalogue (``manage.py seed``) first.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.demo import demo_history_load
from recommendations.models import FollowUp


class Command(BaseCommand):
    help = "Load a realistic, reproducible demo history of progress updates."

    def add_arguments(self, parser):
        parser.add_argument("--updates", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--replace", action="store_true", help="Delete existing progress updates first."
        )

    def handle(self, *args, updates: int, seed: int, replace: bool, **options):
        if not 1 <= updates <= 5_000_000:
            raise CommandError("--updates must be between 1 and 5,000,000.")
        if not FollowUp.objects.exists():
            raise CommandError("No follow-up cells: run `manage.py seed` first.")
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
        except ValueError as error:
            raise CommandError(str(error)) from error
        if interactive:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {written:,} updates (seed {seed}) in {time.monotonic() - started:.1f} s; "
                "current statuses recomputed."
            )
        )
