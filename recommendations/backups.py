"""Backups: a consistent copy of the database, and restoring it. Used by the backup and
restore management commands; kept here so tests and commands share one implementation."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.test.utils import override_settings

from .services import cell_year_counts_rebuild

SQLITE_MAGIC = b"SQLite format 3\x00"
# Rebuilt by migrate itself; restoring them would clash with the target's own rows.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


class BackupError(Exception):
    pass


def backup_sqlite(output: Path) -> int:
    connection.ensure_connection()
    target = sqlite3.connect(output)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return _count_rows_sqlite(output)


def backup_json(output: Path) -> int:
    buffer = io.StringIO()
    # Inside a caller's transaction (tests) the snapshot is the caller's to choose.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every table: rows written meanwhile are all in or all out.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            natural_primary=True,
            indent=None,
            stdout=buffer,
        )
    output.write_text(buffer.getvalue(), encoding="utf-8")
    return len(json.loads(buffer.getvalue()))


def restore(path: Path) -> int:
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return _restore_sqlite(path)
    return _restore_json(path)


def _restore_json(path: Path) -> int:
    try:
        count = len(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{path} is not a JSON backup ({error}).") from error
    with tempfile.TemporaryDirectory() as folder:
        # loaddata reads the format from the extension; it also resolves natural keys in
        # dependency order, which a plain deserialize-then-save cannot on an empty database.
        fixture = Path(folder) / "backup.json"
        shutil.copyfile(path, fixture)
        try:
            # The backup holds the history rows; loading must not write more of them.
            with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
                _delete_everything()
                call_command("loaddata", str(fixture), verbosity=0)
                cell_year_counts_rebuild()
        except (DatabaseError, DeserializationError) as error:
            raise BackupError(str(error)) from error
    return count


def _restore_sqlite(path: Path) -> int:
    if connection.vendor != "sqlite":
        raise BackupError("a SQLite backup restores into a SQLite database only.")
    connection.close()
    source = sqlite3.connect(path)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()
    return _count_rows_sqlite(path)


def _delete_everything() -> None:
    """Empty the tables a backup holds, inside the caller's transaction. Foreign keys are
    checked at commit (Django creates them deferrable), so the order does not matter."""
    excluded_apps = {"contenttypes", "sessions"}
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in excluded_apps
        and model._meta.label_lower != "auth.permission"
        and not model._meta.proxy
    ]
    for model in models:
        model._base_manager.all()._raw_delete(model._base_manager.db)


def _count_rows_sqlite(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return sum(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables)
    finally:
        db.close()
