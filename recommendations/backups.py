"""Backups: a consistent copy of the database, and restoring it. Used by the backup and
restore management commands; kept here so tests and commands share one implementation.

Restoring replaces every row, so it is done in three steps: ``check`` proves a file is a whole
backup of this project without writing anything, ``restore`` then saves the database as it is
(the safety copy) and only after that replaces it. Backup files hold password hashes (and, in
SQLite backups, sessions): every one is created readable by its owner only.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import override_settings

from tracker.database import statistics_refresh

from .models import DataVersion
from .services import (
    cell_assessments_rebuild,
    cell_disagreements_rebuild,
    cell_year_counts_rebuild,
    data_version_bump,
    month_counts_rebuild,
    month_end_grids_rebuild,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
# Rebuilt by migrate itself; restoring them would clash with the target's own rows.
# Left out: what Django makes anew, and the statuses at months' ends, derived from the log (a
# row per cell and month: more rows than the log itself), recomputed on restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "recommendations.monthendgrid"]
# Rows no whole backup of this project lacks: the catalogue and the Member States. A file
# without them would empty the tracker, whatever else it holds.
REQUIRED_MODELS = (
    "recommendations.recommendation",
    "recommendations.memberstate",
    "recommendations.sourcedocument",
    "recommendations.theme",
    "recommendations.actor",
)
WHAT_A_BACKUP_IS = (
    "A backup is a file written by `manage.py backup`: a SQLite database, or a JSON list of "
    'records such as {"model": "recommendations.recommendation", "fields": {...}}.'
)
PRIVATE = 0o600
# Errors loaddata and the models raise on rows that do not fit this schema.
LOAD_ERRORS = (
    DatabaseError,
    DeserializationError,
    ValidationError,
    ObjectDoesNotExist,
    CommandError,
    LookupError,
    ValueError,
    TypeError,
)


class BackupError(Exception):
    """A file that is not a backup this database can take, or a step that failed before the
    database was changed; the message says why in words a person can act on."""


@dataclass(frozen=True)
class Backup:
    """A file ``check`` proved to be a whole backup of this project."""

    path: Path
    format: str  # "sqlite" or "json"
    rows: int
    # This code's migrations the backup predates (SQLite only): migrate applies them after.
    missing_migrations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Restored:
    rows: int
    safety_copy: Path
    migrations_applied: tuple[str, ...]


# Writing ----------------------------------------------------------------------------------------


def backup_sqlite(output: Path) -> int:
    """Copy the database page by page with SQLite's online backup API (consistent while the app
    writes) into a new file readable by its owner only. Not inside a transaction: the backup
    API would wait forever for this connection's own write lock."""
    if connection.in_atomic_block:
        raise BackupError("a SQLite backup cannot be taken inside a transaction.")
    _create_private(output)
    try:
        connection.ensure_connection()
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
            # The copy takes the source's WAL mode; a backup is one self-contained file.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except BaseException:
        output.unlink(missing_ok=True)
        raise
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
            # Every column in one query a table (the catalogue's managers defer translations).
            use_base_manager=True,
            indent=None,
            stdout=buffer,
        )
    descriptor = _create_private(output)
    try:
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return len(json.loads(buffer.getvalue()))


def save_current(*, folder: Path) -> Path:
    """Write the database as it is, in its native format, to a new pre-restore-<time> file in
    ``folder``: the way back if the restored backup turns out to be the wrong one."""
    sqlite = connection.vendor == "sqlite"
    suffix = "sqlite3" if sqlite else "json"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"pre-restore-{stamp}.{suffix}"
        attempt = 1
        while path.exists():  # two restores within a second
            attempt += 1
            path = folder / f"pre-restore-{stamp}-{attempt}.{suffix}"
        (backup_sqlite if sqlite else backup_json)(path)
    except (OSError, sqlite3.Error, DatabaseError, CommandError, BackupError) as error:
        raise BackupError(
            f"could not save the database as it is in {folder} ({error}); choose another "
            "folder with --safety-dir."
        ) from error
    return path


def _create_private(path: Path) -> int:
    """Create ``path`` readable and writable by its owner only, before any data goes in, and
    never over an existing file. Returns the open descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)


# Checking ---------------------------------------------------------------------------------------


def check(path: Path) -> Backup:
    """Prove ``path`` is a whole backup of this project, reading it only: its format, its
    tables or models, the catalogue and Member States in it, and a schema this code can load.
    Raises BackupError saying what is wrong; nothing is written either way."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError as error:
        raise BackupError(f"{path}: no such file.") from error
    except OSError as error:
        raise BackupError(f"{path} cannot be read ({error.strerror}).") from error
    if not head:
        raise BackupError(f"{path} is empty. {WHAT_A_BACKUP_IS}")
    if head == SQLITE_MAGIC:
        return _check_sqlite(path)
    return _check_json(path)


def _check_json(path: Path) -> Backup:
    try:
        records = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BackupError(
            f"{path} is neither a SQLite database nor a JSON file (it is not UTF-8 text). "
            f"{WHAT_A_BACKUP_IS}"
        ) from error
    except ValueError as error:
        raise BackupError(
            f"{path} is not a SQLite database, and not valid JSON ({error}). {WHAT_A_BACKUP_IS}"
        ) from error
    if not isinstance(records, list):
        raise BackupError(
            f"{path} holds a JSON {'object' if isinstance(records, dict) else 'value'}, not "
            f"the list of records a backup holds. {WHAT_A_BACKUP_IS}"
        )
    fields_by_label: dict[str, set[str]] = {}
    for number, record in enumerate(records, start=1):
        if not (
            isinstance(record, dict)
            and isinstance(record.get("model"), str)
            and isinstance(record.get("fields"), dict)
        ):
            raise BackupError(
                f"{path}: record {number} is not an object with a model and fields. "
                f"{WHAT_A_BACKUP_IS}"
            )
        fields_by_label.setdefault(record["model"], set()).update(record["fields"])
    _refuse_unknown_models(path, fields_by_label)
    counts = Counter(record["model"].lower() for record in records)
    _refuse_missing_rows(path, empty=[label for label in REQUIRED_MODELS if not counts[label]])
    return Backup(path=path, format="json", rows=len(records))


def _refuse_unknown_models(path: Path, fields_by_label: dict[str, set[str]]) -> None:
    """Every model and field must exist here: loaddata would otherwise fail halfway (or, for
    a backup of another program, load nothing of use)."""
    unknown = []
    for label, names in sorted(fields_by_label.items()):
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            unknown.append(label)
            continue
        for name in sorted(names):
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist:
                unknown.append(f"{label}.{name}")
    if unknown:
        raise BackupError(
            f"{path} names models or fields this project does not have ({_few(unknown)}): it "
            "is another program's data, or a backup from a newer version of Debate Tracker "
            "(upgrade first)."
        )


def _refuse_missing_rows(path: Path, *, empty: list[str]) -> None:
    if empty:
        raise BackupError(
            f"{path} holds no rows of {', '.join(empty)}: a whole backup holds the catalogue "
            "and the Member States, so this file would empty the tracker."
        )


def _check_sqlite(path: Path) -> Backup:
    # Read-only: checking a file must never change it (nor create one).
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            backup = _inspect_sqlite(path, db)
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{path} is damaged: SQLite cannot read it ({error}). Use another backup."
        ) from error
    if connection.vendor != "sqlite":
        raise BackupError(
            f"{path} is a SQLite backup; it restores into a SQLite database only. This database "
            "is PostgreSQL: restore a JSON backup (manage.py backup --format json)."
        )
    if _is_this_database(path):
        raise BackupError(f"{path} is this database itself, not a backup of it.")
    return backup


def _inspect_sqlite(path: Path, db: sqlite3.Connection) -> Backup:
    problems = [problem for (problem,) in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        # The first line of a report only names the database; the faults follow it.
        faults = [problem for problem in problems if not problem.startswith("***")] or problems
        raise BackupError(
            f"{path} is damaged: SQLite's integrity check reports {_few(faults)}. "
            "Use another backup."
        )
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "django_migrations" not in tables:
        raise BackupError(
            f"{path} is a SQLite database of another program (no django_migrations table; "
            f"its tables: {_few(sorted(tables)) or 'none'}). {WHAT_A_BACKUP_IS}"
        )
    recorded = set(db.execute("SELECT app, name FROM django_migrations"))
    loader = MigrationLoader(None, ignore_no_migrations=True)
    _refuse_unknown_migrations(path, recorded=recorded, known=set(loader.disk_migrations))
    required = {label: apps.get_model(label)._meta.db_table for label in REQUIRED_MODELS}
    missing = sorted((_tables_made_by(loader, recorded) | set(required.values())) - tables)
    if missing:
        raise BackupError(
            f"{path} is not a whole backup of Debate Tracker: tables {_few(missing)} are missing."
        )
    _refuse_missing_rows(
        path,
        empty=[
            label
            for label, table in required.items()
            if not db.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]
        ],
    )
    return Backup(
        path=path,
        format="sqlite",
        rows=_count_rows(db),
        missing_migrations=tuple(
            f"{app}.{name}" for app, name in sorted(set(loader.graph.nodes) - recorded)
        ),
    )


def _refuse_unknown_migrations(
    path: Path, *, recorded: set[tuple[str, str]], known: set[tuple[str, str]]
) -> None:
    """A schema this code can load is one it has every migration of: a backup from older code
    is brought up to date by migrate, one from newer code cannot be taken back down."""
    unknown = recorded - known
    our_apps = {app for app, _ in known}
    foreign = sorted({app for app, _ in unknown if app not in our_apps})
    if foreign:
        raise BackupError(
            f"{path} is the database of another program: it records migrations of apps "
            f"Debate Tracker does not have ({_few(foreign)}). {WHAT_A_BACKUP_IS}"
        )
    if unknown:
        newer = [f"{app}.{name}" for app, name in sorted(unknown)]
        raise BackupError(
            f"{path} was made by a newer version of Debate Tracker (it has migrations this "
            f"code does not know: {_few(newer)}): upgrade first, then restore."
        )


def _tables_made_by(loader: MigrationLoader, recorded: set[tuple[str, str]]) -> set[str]:
    """The tables the backup's own migrations create: a backup from older code lacks the
    tables of later migrations, and that is no fault."""
    state = loader.project_state(nodes=sorted(recorded & set(loader.graph.nodes)), at_end=True)
    return {
        model._meta.db_table
        for model in state.apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _is_this_database(path: Path) -> bool:
    name = str(connection.settings_dict["NAME"])
    return not name.startswith("file:") and Path(name).resolve() == path.resolve()


def _few(items: list[str], *, shown: int = 5) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


# Restoring --------------------------------------------------------------------------------------


def restore(backup: Backup, *, safety_dir: Path) -> Restored:
    """Replace the database's contents with a checked backup, after saving the database as it
    is in ``safety_dir``, and refresh the planner's statistics. Raises BackupError, with the
    database as it was, if either fails."""
    safety_copy = save_current(folder=safety_dir)
    version = _data_version()
    if backup.format == "sqlite":
        _restore_sqlite(backup.path, safety_copy=safety_copy)
    else:
        _restore_json(backup.path)
    # Every public page changed: a version past both the backup's and the one replaced.
    data_version_bump(past=version)
    # A bulk write: the planner's statistics describe the data that was replaced.
    statistics_refresh()
    return Restored(
        rows=backup.rows, safety_copy=safety_copy, migrations_applied=backup.missing_migrations
    )


def _data_version() -> int:
    """The data version of the database about to be replaced; 0 if it predates the table."""
    if DataVersion._meta.db_table not in connection.introspection.table_names():
        return 0
    return DataVersion.objects.current()[0]


def _restore_json(path: Path) -> None:
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
                month_end_grids_rebuild()
                month_counts_rebuild()
                cell_assessments_rebuild()
                cell_disagreements_rebuild()
        except LOAD_ERRORS as error:
            raise BackupError(f"{path} does not load into this database ({error}).") from error


def _restore_sqlite(path: Path, *, safety_copy: Path) -> None:
    """Copy the backup over the database, then migrate: a backup from older code lacks the
    later migrations. If migrate fails, the safety copy goes back in."""
    _copy_sqlite_in(path)
    try:
        call_command("migrate", verbosity=0, interactive=False)
    except Exception as error:
        _copy_sqlite_in(safety_copy)
        raise BackupError(
            f"migrate failed on the restored {path} ({error}); the database was put back as it was."
        ) from error


def _copy_sqlite_in(path: Path) -> None:
    connection.close()
    source = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


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
    db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        return _count_rows(db)
    finally:
        db.close()


def _count_rows(db: sqlite3.Connection) -> int:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return sum(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables)
