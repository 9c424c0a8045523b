"""The benchmark's import row: preview and confirm of a 10,000-row CSV file and of the same rows
as an XLSX workbook, on SQLite or PostgreSQL.

Each file is imported into a fresh scratch database (the catalogue and its grid, an editor and a
reviewer, no updates), never into the cached demo databases: a SQLite file under .bench/
(deleted afterwards), or databases tracker_bench_import* on the PostgreSQL server (dropped
afterwards). Each step runs in a process of its own, so its peak memory is its own: the preview
(``batch_upload`` then ``batch_preview``: every row read and checked, nothing written), then the
confirmation (``batch_confirm(inline=True)``: the file read and checked again, every row written
through ``workflow.update_log`` in one transaction, as ``manage.py import_updates`` does). The
figures are the wall time of those service calls and the process's peak resident memory
(``ru_maxrss``: the whole process, Django included). A step that does not find every row new,
or a confirmation that does not create every row, stops the benchmark.

``make bench`` and ``make bench-postgres`` run it after the pages; alone, without the demo
databases, and with its table written into bench/results.md (or results-postgresql.md):

    python bench/bench.py --only imports [--postgres postgres://user@host:port]

or just the figures (JSON):

    python bench/imports.py [--postgres postgres://user@host:port] [--rows 10000] [--profile DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
ROWS = 10_000
PREVIEW_TARGET_S = 10
CONFIRM_TARGET_S = 30
PEAK_TARGET_MB = 200
FORMATS = ("CSV", "XLSX")
EDITOR = "bench-importer"
REVIEWER = "bench-import-reviewer"
HEADING = "## Import ("

# Narratives of about 120 characters, made of a few parts and a reference (every row distinct).
SPEAKERS = [
    "The ministry of justice",
    "The national human rights institution",
    "A parliamentary committee",
    "The office of the prosecutor",
    "A coalition of civil society groups",
]
ACTIONS = [
    "reported that work on",
    "published a plan for",
    "opened consultations on",
    "adopted a decree implementing",
    "reviewed progress on",
]
FOLLOW_UPS = [
    "training for officials followed",
    "a budget line was set aside",
    "a progress report is due next year",
    "regional hearings were held",
    "a working group meets monthly",
]


# --------------------------------------------------------------------------------------------
# The scratch databases (this process)
# --------------------------------------------------------------------------------------------


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env["DATABASE_URL"] = database_url
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    # The batch's mail to its reviewers is rendered and "sent" into memory: nothing leaves.
    env["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    return env


def _on_postgres(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def _manage(url: str, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=_env(url),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _step(url: str, *args: str) -> dict:
    """Run one step of this script in a fresh process on ``url``; its JSON answer."""
    result = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--step", *args],
        cwd=ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"bench/imports.py: the step {args[0]} failed (see above).")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Scratch:
    """Fresh databases for the import: a base (migrated, seeded, with the importing editor),
    and a copy of it per file, so that every file's rows are new to its database."""

    def __init__(self, postgres: str | None, work: Path):
        self.postgres = postgres
        self.work = work
        self.names: list[str] = []

    def url(self, name: str) -> str:
        if self.postgres:
            return f"{self.postgres}/tracker_bench_import_{name}"
        return f"sqlite:///{self.work / name}.sqlite3"

    def create(self, name: str, *, template: str | None = None) -> str:
        self.names.append(name)
        if self.postgres:
            database = f"tracker_bench_import_{name}"
            _on_postgres(self.postgres, f'DROP DATABASE IF EXISTS "{database}"')
            copy = f' TEMPLATE "tracker_bench_import_{template}"' if template else ""
            _on_postgres(self.postgres, f'CREATE DATABASE "{database}"{copy}')
        elif template:
            with (
                sqlite3.connect(self.work / f"{template}.sqlite3") as source,
                sqlite3.connect(self.work / f"{name}.sqlite3") as target,
            ):
                source.backup(target)
        return self.url(name)

    def drop(self) -> None:
        if self.postgres:
            for name in reversed(self.names):
                database = f"tracker_bench_import_{name}"
                _on_postgres(self.postgres, f'DROP DATABASE IF EXISTS "{database}"')
        # SQLite's files go with the temporary folder.


def run(postgres: str | None = None, rows: int = ROWS) -> dict:
    """Build the files and the databases, measure every step, clean up: the figures."""
    CACHE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="import-") as folder:
        work = Path(folder)
        scratch = Scratch(postgres, work)
        try:
            base = scratch.create("base")
            print(f"Import: a scratch database with the catalogue ({base}) ...", flush=True)
            _manage(base, "migrate", "--no-input", "-v", "0")
            _manage(base, "seed", "-v", "0")
            files = _step(base, "setup", str(work), str(rows))
            figures = {"rows": rows, "database": files["database"], "sizes": files["sizes"]}
            for kind in FORMATS:
                url = scratch.create(kind.lower(), template="base")
                print(f"Import: {rows:,} rows of {kind}, preview ...", flush=True)
                preview = _step(url, "preview", files["files"][kind], str(rows))
                print(f"  {preview['seconds']} s; confirm ...", flush=True)
                confirm = _step(url, "confirm", str(preview["batch"]), str(rows))
                print(f"  {confirm['seconds']} s", flush=True)
                figures[kind] = {"preview": preview, "confirm": confirm}
        finally:
            scratch.drop()
    return figures


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def section(figures: dict) -> list[str]:
    """The results' import section: a table of the steps, then the targets."""
    rows = figures["rows"]
    steps = [
        (kind, step, figures[kind][step]) for kind in FORMATS for step in ("preview", "confirm")
    ]
    start = min(figure["start_mb"] for _, _, figure in steps)
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        figures["database"], figures["database"]
    )
    lines = [
        f"{HEADING}{rows:,} rows)",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {engine} "
        "(`bench/imports.py`): "
        f"{rows:,} distinct rows as a CSV file ({figures['sizes']['CSV'] / 2**20:.1f} MB) and "
        f"as an XLSX workbook ({figures['sizes']['XLSX'] / 2**20:.1f} MB, dates as date cells), "
        "each imported by an editor into a fresh database holding the catalogue and no updates. "
        "Each step runs in a process of its own: the preview is `batch_upload` and "
        "`batch_preview` (every row read and checked, nothing written), the confirmation "
        "`batch_confirm` (the file read and checked again, then every row written through "
        "`update_log` in one transaction, as `manage.py import_updates` does). Waiting for the "
        "database is the time spent in the statements' execution (round trips included); the "
        "rest is Python. Peak memory is the process's peak resident set, Django included "
        f"(about {start:.0f} MB before the step starts).",
        "",
        "| step | seconds | waiting for the database, s | queries | peak MB | rows |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind, step, figure in steps:
        counted = (
            f"{figure['rows_new']:,} new"
            if step == "preview"
            else f"{figure['rows_created']:,} created"
        )
        lines.append(
            f"| {kind} {step} | {figure['seconds']} | {figure['database_seconds']} | "
            f"{figure['queries']:,} | {figure['peak_mb']:.0f} | {counted} |"
        )
    checks = []
    for step, target in (("preview", PREVIEW_TARGET_S), ("confirm", CONFIRM_TARGET_S)):
        slowest = max(figures[kind][step]["seconds"] for kind in FORMATS)
        checks.append(
            (
                f"{step} of {rows:,} rows under {target} s",
                slowest < target,
                ", ".join(f"{kind} {figures[kind][step]['seconds']} s" for kind in FORMATS),
            )
        )
    kind, step, peak = max(steps, key=lambda item: item[2]["peak_mb"])
    checks.append(
        (
            f"peak memory under {PEAK_TARGET_MB} MB",
            peak["peak_mb"] < PEAK_TARGET_MB,
            f"at most {peak['peak_mb']:.0f} MB ({kind} {step})",
        )
    )
    lines += ["", "| target | met | figure |", "| --- | --- | --- |"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {figure} |" for name, ok, figure in checks]
    return lines


def spliced(text: str, lines: list[str], trailer: str) -> str:
    """A results file with its import section replaced by ``lines`` (or added before the
    ``trailer``, the text that ends every results file), and the trailer as it is now."""
    first = trailer.strip().splitlines()[0]
    at = text.find("\n" + first)
    if at < 0:
        raise SystemExit(f"The results file does not end with the expected text ({first!r}).")
    before = text[:at].rstrip("\n")
    if (old := before.find("\n" + HEADING)) >= 0:
        before = before[:old].rstrip("\n")
    return "\n".join([before, "", *lines, "", trailer.strip()]) + "\n"


# --------------------------------------------------------------------------------------------
# The steps (each in a process of its own, with DATABASE_URL set)
# --------------------------------------------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def setup_step(folder: str, rows: int) -> dict:
    """The importing editor (and a reviewer with an address, whom the batch's mail goes to), and
    the two files: real recommendation codes and Member States, every row distinct."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from openpyxl import Workbook

    from recommendations.exports import UPDATE_HEADER
    from recommendations.models import AssessmentSource, MemberState, Recommendation, Status
    from recommendations.services import EDITORS, REVIEWERS

    User = get_user_model()
    editor = User.objects.create_user(EDITOR, email="importer@example.org")
    editor.groups.add(Group.objects.get(name=EDITORS))
    reviewer = User.objects.create_user(REVIEWER, email="reviewer@example.org", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))

    generator = random.Random(14)
    recommendations = list(Recommendation.objects.order_by("code").values_list("code", "title"))
    states = list(
        MemberState.objects.order_by("iso3").values_list("iso3", "name", "regional_group")
    )
    statuses = [status.value for status in Status if status != Status.NO_INFORMATION]
    sources = list(AssessmentSource.values)
    first = datetime.date(2008, 1, 1)
    days = (datetime.date.today() - first).days - 1
    table = []
    for number in range(1, rows + 1):
        code, title = generator.choice(recommendations)
        iso3, name, region = generator.choice(states)
        narrative = (
            f"{generator.choice(SPEAKERS)} {generator.choice(ACTIONS)} {code} in {name}; "
            f"{generator.choice(FOLLOW_UPS)} (ref. {number:05d})."
        )
        values = {
            "effective_date": first + datetime.timedelta(days=generator.randint(0, days)),
            "recommendation": code,
            "recommendation_title": title,
            "state": name,
            "iso3": iso3,
            "regional_group": region,
            "status": generator.choice(statuses),
            "source": generator.choice(sources),
            "narrative": narrative,
            "evidence": f"https://example.org/reports/{iso3.lower()}/{code.lower()}-{number:05d}",
        }
        table.append([values.get(column, "") for column in UPDATE_HEADER])

    paths = {kind: Path(folder) / f"updates-{rows}.{kind.lower()}" for kind in FORMATS}
    with paths["CSV"].open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(UPDATE_HEADER)
        writer.writerows(
            [value.isoformat() if isinstance(value, datetime.date) else value for value in row]
            for row in table
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Updates")
    sheet.append(UPDATE_HEADER)
    for row in table:
        sheet.append(row)
    workbook.save(paths["XLSX"])
    return {
        "database": connection.vendor,
        "files": {kind: str(path) for kind, path in paths.items()},
        "sizes": {kind: path.stat().st_size for kind, path in paths.items()},
    }


@contextmanager
def _profiled(name: str):
    """With --profile FOLDER, the step runs under cProfile and its statistics are saved there."""
    folder = os.environ.get("BENCH_IMPORT_PROFILE")
    if not folder:
        yield
        return
    import cProfile

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(Path(folder) / f"{name}.prof")


class Queries:
    """Counts the statements a step sends to the database and the time spent waiting for them,
    by kind ("INSERT recommendations_progressupdate", "SAVEPOINT", ...)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.kinds: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            taken = time.perf_counter() - started
            self.count += 1
            self.seconds += taken
            kind = self.kinds.setdefault(_kind(sql), [0, 0.0])
            kind[0] += 1
            kind[1] += taken

    def figures(self) -> dict:
        return {
            "queries": self.count,
            "database_seconds": round(self.seconds, 1),
            "statements": {
                kind: {"count": count, "seconds": round(seconds, 2)}
                for kind, (count, seconds) in sorted(self.kinds.items(), key=lambda i: -i[1][1])
            },
        }


def _kind(sql: str) -> str:
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else ""
    for marker in ("FROM", "INTO", "UPDATE"):
        if marker in words[:-1] and verb != "SAVEPOINT":
            return f"{verb} {words[words.index(marker) + 1]}"
    return verb


def preview_step(path: str, rows: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from recommendations.models import ImportState
    from recommendations.services import batch_preview, batch_upload

    user = get_user_model().objects.get(username=EDITOR)
    content = Path(path).read_bytes()
    start_mb = _peak_mb()
    queries = Queries()
    with connection.execute_wrapper(queries), _profiled(f"{Path(path).suffix[1:]}-preview"):
        started = time.perf_counter()
        batch = batch_upload(user=user, file_name=Path(path).name, content=content)
        batch = batch_preview(batch_id=batch.pk)
        seconds = time.perf_counter() - started
    if batch.state != ImportState.PREVIEWED or batch.rows_new != rows or batch.rows_rejected:
        raise SystemExit(
            f"The preview of {path} did not find {rows:,} new rows: state {batch.state}, "
            f"{batch.rows_new:,} new, {batch.rows_present:,} present, {batch.rows_rejected:,} "
            f"rejected, {batch.rows_conflict:,} conflicts. {batch.problem} "
            f"{(batch.report or {}).get('rejected', [])[:3]}"
        )
    return {
        "batch": batch.pk,
        "seconds": round(seconds, 1),
        "peak_mb": _peak_mb(),
        "start_mb": start_mb,
        **queries.figures(),
        "rows_new": batch.rows_new,
    }


def confirm_step(batch_id: str, rows: int) -> dict:
    from django.core import mail
    from django.db import connection

    from recommendations.models import ImportBatch, ImportState, ProgressUpdate, ReviewState
    from recommendations.services import batch_confirm

    batch = ImportBatch.objects.select_related("created_by").get(pk=int(batch_id))
    start_mb = _peak_mb()
    queries = Queries()
    name = f"{Path(batch.file_name).suffix[1:]}-confirm"
    with connection.execute_wrapper(queries), _profiled(name):
        started = time.perf_counter()
        batch = batch_confirm(batch=batch, user=batch.created_by, inline=True)
        seconds = time.perf_counter() - started
    written = ProgressUpdate.objects.filter(
        import_batch=batch, review_state=ReviewState.SUBMITTED
    ).count()
    if batch.state != ImportState.IMPORTED or batch.rows_created != rows or written != rows:
        raise SystemExit(
            f"The confirmation of batch #{batch.pk} did not create {rows:,} updates: state "
            f"{batch.state}, {batch.rows_created:,} created, {written:,} in the log. "
            f"{batch.problem}"
        )
    return {
        "seconds": round(seconds, 1),
        "peak_mb": _peak_mb(),
        "start_mb": start_mb,
        **queries.figures(),
        "rows_created": batch.rows_created,
        "mails": len(getattr(mail, "outbox", [])),
    }


STEPS = {"setup": setup_step, "preview": preview_step, "confirm": confirm_step}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="on this PostgreSQL server (postgres://user@host:port) instead of SQLite; "
        "databases tracker_bench_import_* are created there and dropped",
    )
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument(
        "--profile",
        metavar="FOLDER",
        type=Path,
        help="run each step under cProfile and save its statistics there (csv-preview.prof, ...)",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        _django()
        name, *values = args.step
        print(json.dumps(STEPS[name](values[0], int(values[1]))))
        return 0
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        os.environ["BENCH_IMPORT_PROFILE"] = str(args.profile.resolve())
    figures = run(args.postgres and args.postgres.rstrip("/"), args.rows)
    print("\n".join(section(figures)))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
