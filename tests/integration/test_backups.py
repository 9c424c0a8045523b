"""Backups: what `manage.py backup` writes, what `restore` takes back, and what it refuses
before touching anything."""

import datetime
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from recommendations.backups import BackupError, backup_json, backup_sqlite, check, restore
from recommendations.models import Cell, ProgressUpdate, Recommendation, Status
from recommendations.services import cell_refresh_status
from tests.conftest import run_manage
from tests.factories import (
    ProgressUpdateFactory,
    approved_update,
    cell_at,
    counted_from_the_log,
    month_counts_kept,
    month_ends_kept,
    year_counts,
)

SAFETY_COPY_NAME = re.compile(r"pre-restore-\d{8}-\d{6}\.(sqlite3|json)")
MARKED_TITLE = "The title as it was before the restore"


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in {"contenttypes", "sessions"}
        and model._meta.label != "auth.Permission"
    }


def run_restore(path, *, safety_dir) -> str:
    """The restore command as an operator runs it; returns what it printed."""
    out = io.StringIO()
    call_command(
        "restore",
        str(path),
        "--no-input",
        "--safety-dir",
        str(safety_dir),
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def assert_refused(path, *, safety_dir, because: str) -> None:
    """Refused naming the file and the reason, with no row changed and nothing written."""
    before = row_counts()
    with pytest.raises(CommandError, match="Restore refused, nothing was changed") as refusal:
        run_restore(path, safety_dir=safety_dir)
    assert str(path) in str(refusal.value)
    assert re.search(because, str(refusal.value)), str(refusal.value)
    assert row_counts() == before
    assert not safety_dir.exists()


def title_in_backup(path, *, code: str) -> str:
    """A recommendation's title as a backup file (SQLite or JSON) holds it."""
    if path.suffix == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
        return next(
            r["fields"]["title"]
            for r in records
            if r["model"] == "recommendations.recommendation" and r["fields"]["code"] == code
        )
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = "SELECT title FROM recommendations_recommendation WHERE code = ?"
        return db.execute(query, [code]).fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def permissive_umask():
    """Files created with the process's default mode would be world-readable under this umask:
    a private mode must come from the code itself."""
    previous = os.umask(0)
    yield
    os.umask(previous)


# SQLite backups are made of SQLite databases only (the suite runs on PostgreSQL too).
sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite backups are made of SQLite databases only",
)


@pytest.fixture(scope="session")
def pristine_sqlite_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One SQLite backup of the seeded test database, taken outside any test's transaction
    (SQLite's backup API waits for a writer, and each test is one)."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("pristine") / "tracker.sqlite3"
    with django_db_blocker.unblock():
        backup_sqlite(path)
    return path


@pytest.fixture
def sqlite_backup(db, pristine_sqlite_backup, tmp_path):
    """A real SQLite backup of the test database, to spoil in the ways files get spoilt (for
    tests marked ``sqlite_only``)."""
    path = tmp_path / "tracker.sqlite3"
    shutil.copyfile(pristine_sqlite_backup, path)
    return path


def write_sqlite(path, *statements: str) -> None:
    db = sqlite3.connect(path)
    try:
        for statement in statements:
            db.execute(statement)
        db.commit()
    finally:
        db.close()


# Round trips ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_json_backup_restores_every_row(seeded, tmp_path, editor, reviewer):
    for iso3, status in [("FRA", Status.PLANNED), ("NGA", Status.IMPLEMENTED)]:
        approved_update(
            "R03",
            iso3,
            status,
            reported_by=editor,
            narrative="Côte d'Ivoire & <b>things</b> =1+1",
        )
    ProgressUpdateFactory(reported_by=editor)  # a draft
    before = row_counts()
    update_ids = sorted(ProgressUpdate.objects.values_list("pk", flat=True))

    path = tmp_path / "backup.json"
    backup_json(path)
    ProgressUpdate.objects.filter(review_state="draft").delete()
    Recommendation.objects.filter(code="R01").update(title="Damaged")

    restore(check(path), safety_dir=tmp_path / "safety")

    assert row_counts() == before
    assert sorted(ProgressUpdate.objects.values_list("pk", flat=True)) == update_ids
    assert Recommendation.objects.get(code="R01").title != "Damaged"
    assert Cell.objects.get(recommendation__code="R03", state__iso3="NGA").current_status == (
        Status.IMPLEMENTED
    )
    assert ProgressUpdate.objects.filter(narrative__startswith="Côte d'Ivoire & <b>").count() == 2
    assert ProgressUpdate.history.count() > 0


@pytest.mark.django_db(transaction=True)
def test_a_backup_without_yearly_counts_restores_them_from_the_log(seeded, tmp_path):
    """The counts are derived: a backup from before they existed, or holding wrong ones,
    restores them recomputed from the restored log."""
    cell = cell_at("R03", "FRA")
    ProgressUpdateFactory(cell=cell, approved=True, effective_date=datetime.date(2019, 4, 1))
    cell_refresh_status(cell=cell)
    path = tmp_path / "backup.json"
    backup_json(path)
    rows = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(
        json.dumps([r for r in rows if r["model"] != "recommendations.cellyearcount"]),
        encoding="utf-8",
    )

    restore(check(path), safety_dir=tmp_path / "safety")

    assert year_counts() == counted_from_the_log() == {(cell.pk, 2019, Status.IN_PROGRESS, 1)}
    # The statuses at months' ends are never in a JSON backup: always recomputed.
    assert not [r for r in rows if r["model"] == "recommendations.monthendgrid"]
    assert month_ends_kept() == {
        (cell.pk, datetime.date(2019, 4, 30), Status.IN_PROGRESS, datetime.date(2019, 4, 1))
    }
    assert month_counts_kept() == {(datetime.date(2019, 4, 1), Status.IN_PROGRESS, 1)}


@pytest.mark.django_db
def test_restoring_a_damaged_file_changes_nothing(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(
        '[{"model": "recommendations.recommendation", "pk": 1, "fields": {"code": ', "utf-8"
    )
    before = row_counts()

    with pytest.raises(BackupError):
        restore(check(path), safety_dir=tmp_path / "safety")
    assert row_counts() == before


def test_backup_and_restore_commands_round_trip(scratch_database_url, tmp_path):
    """Every format the database offers: JSON everywhere, plus SQLite's online backup."""
    run_manage(scratch_database_url, "migrate", "--no-input")
    run_manage(scratch_database_url, "seed")
    formats = ["json"] + (["sqlite"] if scratch_database_url.startswith("sqlite") else [])

    def cells() -> int:
        script = "from recommendations.models import Cell as F; print(F.objects.count())"
        return int(run_manage(scratch_database_url, "shell", "-v", "0", "-c", script).stdout)

    expected = cells()
    assert expected > 7000
    for fmt in formats:
        backup = tmp_path / f"tracker-backup.{fmt}"
        run_manage(scratch_database_url, "backup", str(backup), "--format", fmt)
        run_manage(
            scratch_database_url,
            "shell",
            "-v",
            "0",
            "-c",
            "from recommendations.models import Cell as F; F.objects.all().delete()",
        )
        assert cells() == 0
        result = run_manage(
            scratch_database_url,
            "restore",
            str(backup),
            "--no-input",
            "--safety-dir",
            str(tmp_path / f"safety-{fmt}"),
        )
        assert cells() == expected
        assert "The database as it was is saved in" in result.stdout


# Refusals: nothing is touched -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "because"),
    [
        (b"[]", "holds no rows of recommendations.recommendation"),
        (b"{}", "holds a JSON object, not the list of records"),
        (b"[1, 2]", "record 1 is not an object with a model and fields"),
        (
            b'[{"model": "recommendations.recommendation", "pk": 1, "fields": {"code": "R01"}}]',
            "holds no rows of recommendations.memberstate",
        ),
        (
            b'[{"model": "notes.note", "pk": 1, "fields": {"text": "Buy milk"}}]',
            r"models or fields this project does not have \(notes.note\)",
        ),
        (
            b'[{"model": "recommendations.recommendation", "fields": {"colour": "red"}}]',
            r"does not have \(recommendations.recommendation.colour\).*newer version",
        ),
        (b"\xff\xfe\x00\x01\x89PNG garbage", "not UTF-8 text"),
        (b"", "is empty"),
        (b"- model: recommendations.recommendation\n  fields: {}\n", "not valid JSON"),
    ],
    ids=[
        "empty-list",
        "empty-object",
        "not-records",
        "one-record",
        "unknown-model",
        "unknown-field",
        "not-utf8",
        "empty-file",
        "yaml",
    ],
)
def test_a_file_that_is_not_a_whole_json_backup_is_refused(tmp_path, content, because):
    path = tmp_path / "backup.json"
    path.write_bytes(content)

    assert_refused(path, safety_dir=tmp_path / "safety", because=because)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statements", "because"),
    [
        (
            [
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)",
                "INSERT INTO notes VALUES (1, 'x')",
            ],
            r"SQLite database of another program \(no django_migrations table; its tables: notes\)",
        ),
        (
            [
                "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, "
                "applied TEXT)",
                "INSERT INTO django_migrations (app, name) VALUES ('blog', '0001_initial')",
            ],
            r"records migrations of apps Debate Tracker does not have \(blog\)",
        ),
    ],
    ids=["notes-app", "another-django-project"],
)
def test_the_sqlite_database_of_another_program_is_refused(tmp_path, statements, because):
    path = tmp_path / "notes.sqlite3"
    write_sqlite(path, *statements)

    assert_refused(path, safety_dir=tmp_path / "safety", because=because)


def truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def overwrite_the_middle(path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64 * 1024] = b"\xa5" * (64 * 1024)
    path.write_bytes(bytes(data))


def record_a_migration_from_the_future(path) -> None:
    write_sqlite(
        path,
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('recommendations', '0099_from_the_future', '2030-01-01')",
    )


def drop_the_log(path) -> None:
    write_sqlite(path, "DROP TABLE recommendations_progressupdate")


def empty_the_member_states(path) -> None:
    write_sqlite(path, "DELETE FROM recommendations_memberstate")


@sqlite_only
@pytest.mark.parametrize(
    ("spoil", "because"),
    [
        (truncate, "is damaged"),
        (overwrite_the_middle, "is damaged"),
        (
            record_a_migration_from_the_future,
            r"made by a newer version of Debate Tracker.*"
            r"recommendations.0099_from_the_future.*upgrade first",
        ),
        (drop_the_log, "not a whole backup.*recommendations_progressupdate are missing"),
        (empty_the_member_states, "holds no rows of recommendations.memberstate"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_spoilt_sqlite_backup_is_refused(sqlite_backup, tmp_path, spoil, because):
    check(sqlite_backup)  # whole before it is spoilt
    spoil(sqlite_backup)

    assert_refused(sqlite_backup, safety_dir=tmp_path / "safety", because=because)


@pytest.mark.django_db
def test_a_refused_file_is_refused_before_the_confirmation_prompt(tmp_path, monkeypatch):
    def prompt(message):
        raise AssertionError("asked to confirm a file that is no backup")

    monkeypatch.setattr("recommendations.management.commands.restore.input_prompt", prompt)
    path = tmp_path / "backup.json"
    path.write_text("[]", encoding="utf-8")

    with pytest.raises(CommandError, match="holds no rows"):
        call_command("restore", str(path), "--safety-dir", str(tmp_path / "safety"))


def test_a_refused_restore_exits_non_zero_with_a_message_not_a_traceback(
    scratch_database_url, tmp_path
):
    path = tmp_path / "backup.json"
    path.write_text("{}", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = scratch_database_url
    safety_dir = tmp_path / "safety"

    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(path), "--no-input"]
        + ["--safety-dir", str(safety_dir)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert f"Restore refused, nothing was changed: {path} holds a JSON object" in result.stderr
    assert "Traceback" not in result.stderr
    assert not safety_dir.exists()


# Older backups are brought up to date -----------------------------------------------------------


def forget_migrations_from_0005(path) -> None:
    """What a backup made before migration 0005 looks like: this code's migrations from 0005 on
    taken back on the copy (Django unapplies each in reverse order), so its schema and its record
    of migrations are 0004's."""
    run_manage(f"sqlite:///{path}", "migrate", "recommendations", "0004", "--no-input")


def migrations_from_0005() -> tuple[str, ...]:
    """The app's migrations from 0005 on, as the migration files on disk name them."""
    folder = settings.BASE_DIR / "recommendations" / "migrations"
    return tuple(
        f"recommendations.{file.stem}"
        for file in sorted(folder.glob("0*.py"))
        if file.stem >= "0005"
    )


@sqlite_only
@pytest.mark.django_db
def test_a_sqlite_backup_from_older_code_is_accepted_with_the_migrations_it_lacks(
    sqlite_backup,
):
    forget_migrations_from_0005(sqlite_backup)

    assert check(sqlite_backup).missing_migrations == migrations_from_0005()
    assert "recommendations.0011_latest_indexes_end_with_id" in migrations_from_0005()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_restoring_a_sqlite_backup_from_older_code_migrates_it(
    seeded, scratch_database_url, tmp_path
):
    backup = tmp_path / "older.sqlite3"
    backup_sqlite(backup)
    forget_migrations_from_0005(backup)

    result = run_manage(
        scratch_database_url,
        "restore",
        str(backup),
        "--no-input",
        "--safety-dir",
        str(tmp_path / "safety"),
    )

    assert (
        f"Ran migrate on the restored database: {len(migrations_from_0005())} migration(s)"
        in result.stdout
    )
    shown = run_manage(scratch_database_url, "showmigrations", "recommendations").stdout
    assert "[X] 0005_effective_date_from_1945" in shown


# The safety copy, and private files -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_restore_first_saves_the_database_as_it_was_and_says_where(
    seeded, tmp_path, permissive_umask
):
    path = tmp_path / "backup.json"
    backup_json(path)
    Recommendation.objects.filter(code="R01").update(title=MARKED_TITLE)
    safety_dir = tmp_path / "safety"

    output = run_restore(path, safety_dir=safety_dir)

    (copy,) = safety_dir.iterdir()
    assert SAFETY_COPY_NAME.fullmatch(copy.name)
    assert f"The database as it was is saved in {copy}." in output
    assert title_in_backup(copy, code="R01") == MARKED_TITLE
    assert Recommendation.objects.get(code="R01").title != MARKED_TITLE
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert check(copy).format == ("sqlite" if connection.vendor == "sqlite" else "json")


@pytest.mark.django_db
def test_a_restore_stops_when_the_safety_copy_cannot_be_written(tmp_path):
    path = tmp_path / "backup.json"
    backup_json(path)
    Recommendation.objects.filter(code="R01").update(title=MARKED_TITLE)
    not_a_folder = tmp_path / "safety"
    not_a_folder.write_text("a file where the folder should be", encoding="utf-8")
    before = row_counts()

    with pytest.raises(CommandError, match="could not save the database as it is"):
        run_restore(path, safety_dir=not_a_folder)

    assert row_counts() == before
    assert Recommendation.objects.get(code="R01").title == MARKED_TITLE


@pytest.mark.django_db(transaction=True)
def test_backup_files_are_readable_by_their_owner_only(tmp_path, permissive_umask):
    formats = ["json"] + (["sqlite"] if connection.vendor == "sqlite" else [])
    for fmt in formats:
        path = tmp_path / f"tracker.{fmt}"
        out = io.StringIO()

        call_command("backup", str(path), "--format", fmt, stdout=out)

        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "readable by its owner only" in out.getvalue()


@pytest.mark.django_db
def test_the_backup_command_never_overwrites_a_file(tmp_path):
    path = tmp_path / "tracker.json"
    path.write_text("keep me", encoding="utf-8")

    with pytest.raises(CommandError, match="exists; choose a new file name"):
        call_command("backup", str(path), "--format", "json", stdout=io.StringIO())

    assert path.read_text(encoding="utf-8") == "keep me"


@pytest.mark.django_db
def test_a_restore_nobody_can_confirm_is_cancelled_with_advice(tmp_path, monkeypatch):
    """From cron or a pipe the prompt reads end-of-file: a clear refusal, not a traceback."""
    path = tmp_path / "backup.json"
    backup_json(path)
    before = row_counts()

    def no_terminal(message):
        raise EOFError

    monkeypatch.setattr("recommendations.management.commands.restore.input_prompt", no_terminal)
    with pytest.raises(CommandError, match="nobody answered the confirmation.*--no-input"):
        call_command("restore", str(path), safety_dir=tmp_path / "safety")
    assert row_counts() == before
    assert not (tmp_path / "safety").exists()
