"""Write a consistent copy of the whole database to a file.

On SQLite, ``--format sqlite`` (the default there) uses SQLite's online backup API: a page-by-page
copy that is consistent even while the app writes. On any database, ``--format json`` writes
every row with ``dumpdata`` inside one repeatable-read transaction (a single snapshot), with
natural keys so ``restore`` can load it into a freshly migrated database.

The file holds password hashes (and, in SQLite, sessions), so it is created readable by its
owner only, and an existing file is never overwritten.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from recommendations.backups import backup_json, backup_sqlite


class Command(BaseCommand):
    help = "Write a consistent backup of the database (SQLite file or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="File to write, e.g. backups/tracker.json")
        parser.add_argument("--format", choices=["sqlite", "json"], default=None)

    def handle(self, *args, output: Path, format: str | None, **options):
        fmt = format or ("sqlite" if connection.vendor == "sqlite" else "json")
        if fmt == "sqlite" and connection.vendor != "sqlite":
            raise CommandError("--format sqlite needs a SQLite database; use --format json.")
        output.parent.mkdir(parents=True, exist_ok=True)
        try:
            rows = backup_sqlite(output) if fmt == "sqlite" else backup_json(output)
        except FileExistsError as error:
            raise CommandError(
                f"{output} exists; choose a new file name (nothing is overwritten)."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output} ({fmt}, {rows} rows), readable by its owner only: "
                "it holds password hashes. Keep it so, and store it encrypted off the server."
            )
        )
