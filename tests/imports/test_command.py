"""``manage.py import_updates``: the import page's preview and confirmation from the terminal,
with the same per-row report; exit status 0 only when every row was accepted."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from recommendations.models import ImportBatch, ImportState, ProgressUpdate, ReviewState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLE_FILE = settings.BASE_DIR / "docs" / "examples" / "progress-updates.csv"
EXAMPLE_ROWS = 6
HEADER = "recommendation,iso3,status,source,effective_date,narrative,external_id\n"


def run(*args, tty: bool = False) -> tuple[str, str]:
    """Run the command; its stdout and stderr."""
    stdout = io.StringIO()
    stderr = Terminal() if tty else io.StringIO()
    call_command("import_updates", *map(str, args), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def bad_file(tmp_path):
    """Three rows: one good, two rejected (a mistyped code, an impossible date)."""
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "R03,FRA,in_progress,government,2020-05-01,A review mechanism was set up.,\n"
        + "R03,FRN,planned,government,2021-05-01,A bill was tabled.,\n"
        + "R04,ITA,planned,government,31/02/2021,A plan was drafted.,\n",
        encoding="utf-8",
    )
    return path


def test_a_dry_run_reports_and_writes_nothing(editor):
    stdout, _stderr = run(EXAMPLE_FILE, "--as", "editor", "--dry-run")

    assert ProgressUpdate.objects.count() == 0
    assert f"{EXAMPLE_ROWS} new" in stdout
    assert "Nothing was written" in stdout
    assert ImportBatch.objects.get().state == ImportState.PREVIEWED


def test_an_import_logs_submitted_updates_by_the_user_with_the_batch(editor):
    stdout, _stderr = run(EXAMPLE_FILE, "--as", "editor")

    batch = ImportBatch.objects.get()
    assert batch.state == ImportState.IMPORTED
    assert batch.created_by == editor
    assert batch.file_name == "progress-updates.csv"
    updates = ProgressUpdate.objects.all()
    assert updates.count() == EXAMPLE_ROWS
    assert {u.review_state for u in updates} == {ReviewState.SUBMITTED}
    assert {u.reported_by for u in updates} == {editor}
    assert {u.import_batch for u in updates} == {batch}
    assert f"{EXAMPLE_ROWS} updates imported and submitted for review (batch #{batch.pk})" in stdout


def test_draft_imports_drafts(editor):
    stdout, _stderr = run(EXAMPLE_FILE, "--as", "editor", "--draft")

    assert ProgressUpdate.objects.count() == EXAMPLE_ROWS
    assert set(ProgressUpdate.objects.values_list("review_state", flat=True)) == {ReviewState.DRAFT}
    assert "imported as drafts" in stdout


def test_importing_the_same_file_again_creates_nothing(editor):
    run(EXAMPLE_FILE, "--as", "editor")

    stdout, _stderr = run(EXAMPLE_FILE, "--as", "editor")

    assert ProgressUpdate.objects.count() == EXAMPLE_ROWS
    assert f"0 new, {EXAMPLE_ROWS} already present" in stdout
    assert "Nothing new to import" in stdout


def test_rejected_rows_are_reported_and_the_valid_rows_still_imported(editor, bad_file):
    stdout = io.StringIO()
    with pytest.raises(CommandError, match="1 imported, 2 rows rejected"):
        call_command(
            "import_updates", str(bad_file), "--as", "editor", stdout=stdout, stderr=io.StringIO()
        )

    report = stdout.getvalue()
    assert "line 3, iso3: “FRN” is not a Member State code. Did you mean FRA?" in report
    assert "line 4, effective_date: “31/02/2021” is not a date that exists." in report
    assert ProgressUpdate.objects.get().cell.recommendation.code == "R03"


def test_a_dry_run_with_rejected_rows_fails_and_writes_nothing(editor, bad_file):
    with pytest.raises(CommandError, match="2 rows rejected; nothing was imported"):
        run(bad_file, "--as", "editor", "--dry-run")

    assert ProgressUpdate.objects.count() == 0


def test_a_changed_row_with_a_known_external_id_is_a_conflict(editor, tmp_path):
    path = tmp_path / "first.csv"
    path.write_text(
        HEADER + "R03,FRA,in_progress,government,2020-05-01,A review was set up.,X-1\n",
        encoding="utf-8",
    )
    run(path, "--as", "editor")
    path.write_text(
        HEADER + "R03,FRA,implemented,government,2020-05-01,A review was set up.,X-1\n",
        encoding="utf-8",
    )

    stdout = io.StringIO()
    with pytest.raises(CommandError, match="0 imported, 1 conflict"):
        call_command(
            "import_updates", str(path), "--as", "editor", stdout=stdout, stderr=io.StringIO()
        )

    assert "line 2, external_id: “X-1” is update #" in stdout.getvalue()
    assert ProgressUpdate.objects.get().status == "in_progress"


def test_a_file_that_cannot_be_read_fails_with_its_problem(editor, tmp_path):
    path = tmp_path / "no-status.csv"
    path.write_text("recommendation,iso3,source,effective_date,narrative\n", encoding="utf-8")

    with pytest.raises(CommandError, match="The file has no column for: status"):
        run(path, "--as", "editor")

    assert ProgressUpdate.objects.count() == 0


def test_a_large_file_is_written_by_the_command_not_left_for_a_worker(editor, settings):
    """Above the inline limit the service queues the writing; the command writes it itself."""
    settings.TRACKER_IMPORT_INLINE_ROWS = 1

    run(EXAMPLE_FILE, "--as", "editor")

    assert ImportBatch.objects.get().state == ImportState.IMPORTED
    assert ProgressUpdate.objects.count() == EXAMPLE_ROWS


def test_the_progress_line_shows_on_a_terminal_only(editor):
    _stdout, stderr = run(EXAMPLE_FILE, "--as", "editor", "--dry-run", tty=True)
    assert f"\rRead {EXAMPLE_ROWS} rows" in stderr

    _stdout, stderr = run(EXAMPLE_FILE, "--as", "editor", "--dry-run")
    assert stderr == ""


def test_a_user_who_is_not_an_editor_is_refused(db):
    UserFactory(username="reader", is_staff=False)

    with pytest.raises(CommandError, match="Only editors may import progress updates"):
        run(EXAMPLE_FILE, "--as", "reader")

    assert not ImportBatch.objects.exists()


def test_an_unknown_user_is_named(db):
    with pytest.raises(CommandError, match="No user named ghost"):
        run(EXAMPLE_FILE, "--as", "ghost")


def test_a_missing_file_is_named(editor, tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        run(tmp_path / "missing.csv", "--as", "editor")
