"""Bring a backup written by ``manage.py backup`` back, replacing the database's contents.

Asks for confirmation unless ``--no-input``. A JSON backup is loaded in one transaction (any
error leaves the database as it was); a SQLite backup is copied back with the online backup API.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommendations.backups import BackupError, restore


class Command(BaseCommand):
    help = "Replace the database's contents with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path)
        parser.add_argument("--no-input", action="store_false", dest="interactive")

    def handle(self, *args, input: Path, interactive: bool, **options):
        if not input.exists():
            raise CommandError(f"{input}: no such file.")
        if interactive:
            answer = input_prompt(f"Replace ALL data in this database with {input}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            rows = restore(input)
        except BackupError as error:
            raise CommandError(f"Restore failed, nothing was changed: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Restored {rows} rows from {input}."))


def input_prompt(message: str) -> str:
    return input(message)
