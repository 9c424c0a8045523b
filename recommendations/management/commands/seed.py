"""Load the debate's catalogue and the UN Member States from recommendations/data/.

Idempotent: a second run changes nothing, an edited data file updates its records, and logged
progress updates are never touched. The whole run is one transaction: a bad file changes
nothing. ``--create-only`` (what ``make run`` uses) adds missing records and leaves existing
ones, so edits made in the admin survive.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from recommendations.services import SeedDataError, catalogue_seed, roles_seed
from tracker.database import statistics_refresh


class Command(BaseCommand):
    help = "Load recommendations, themes, actors, instruments and Member States from data files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=settings.TRACKER_DATA_DIR,
            help="Folder holding the data files (default: recommendations/data/).",
        )
        parser.add_argument(
            "--create-only",
            action="store_true",
            help="Add missing records only; leave existing ones (and admin edits) as they are.",
        )

    def handle(self, *args, data_dir: Path, create_only: bool, **options):
        try:
            with transaction.atomic():
                report = catalogue_seed(data_dir=data_dir, create_only=create_only)
                roles = roles_seed()
        except SeedDataError as error:
            raise CommandError(f"Seed aborted, nothing was changed. {error}") from error
        if report.cells_created:
            statistics_refresh()  # a new grid: thousands of rows the planner has not seen
        if roles:
            self.stdout.write(f"groups: {', '.join(roles)} created or updated")
        for line in report.lines():
            style = self.style.WARNING if line.startswith("warning") else (lambda s: s)
            self.stdout.write(style(line))
        self.stdout.write(
            self.style.SUCCESS(
                "Seed complete." if report.changed or roles else "Seed complete: nothing to change."
            )
        )
