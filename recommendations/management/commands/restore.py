"""Bring a backup written by ``manage.py backup`` back, replacing the database's contents.

The file is checked first (format, tables, catalogue and Member States, a schema this code can
load) and anything else is refused before the confirmation prompt, with nothing changed. The
database as it is is then saved to ``--safety-dir`` (default: backups/ in the project folder),
and only after that replaced: a JSON backup in one transaction (any error leaves the database
as it was), a SQLite backup with the online backup API followed by ``migrate``.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.backups import BackupError, check, restore


class Command(BaseCommand):
    help = "Replace the database's contents with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path)
        parser.add_argument("--no-input", action="store_false", dest="interactive")
        parser.add_argument(
            "--safety-dir",
            type=Path,
            default=None,
            help="Folder for the copy of the database as it was (default: backups/ in the "
            "project folder).",
        )

    def handle(self, *args, input: Path, interactive: bool, safety_dir: Path | None, **options):
        safety_dir = safety_dir or Path(settings.BASE_DIR) / "backups"
        try:
            backup = check(input)
        except BackupError as error:
            raise CommandError(f"Restore refused, nothing was changed: {error}") from error
        if interactive:
            try:
                answer = input_prompt(
                    f"Replace ALL data in this database with {input} ({backup.format}, "
                    f"{backup.rows} rows)? The database as it is will be saved in {safety_dir}. "
                    "[y/N] "
                )
            except EOFError:  # no terminal: a script, cron, a pipe
                raise CommandError(
                    "Restore cancelled, nothing was changed: nobody answered the confirmation. "
                    "Add --no-input to restore from a script."
                ) from None
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            restored = restore(backup, safety_dir=safety_dir)
        except BackupError as error:
            raise CommandError(f"Restore refused, nothing was changed: {error}") from error
        if backup.format == "sqlite":
            applied = len(restored.migrations_applied)
            self.stdout.write(
                f"Ran migrate on the restored database: {applied} migration(s) newer than the "
                "backup applied."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {restored.rows} rows from {input}. The database as it was is saved "
                f"in {restored.safety_copy}."
            )
        )


def input_prompt(message: str) -> str:
    return input(message)
