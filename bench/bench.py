"""`make bench`: build (or reuse) demo databases at 100,000 and 1,000,000 updates, measure them,
print a table of figures and ratios, and write it to bench/results.md.

Databases are SQLite files under .bench/ (or, with --postgres, databases tracker_bench_<size> on
that server), cached between runs: one is rebuilt only when the demo generator, the services, the
migrations or the data files change (a fingerprint is kept in .bench/). Measurement runs in
a fresh process per database (bench/measure.py). Then the import of a 10,000-row CSV file and
XLSX workbook is measured on scratch databases of its own (bench/imports.py). The analysis in
bench/NOTES.md is appended to the SQLite results.

    python bench/bench.py [--sizes 100000 1000000] [--repeat 30] [--postgres postgres://...]

``--only imports`` measures the import alone (no demo database is built) and writes its section
into the existing results file, the rest of it unchanged. ``--only api`` measures the JSON API
and its matching pages alone on the demo databases (built unless cached) and writes its section
likewise; ``--only time`` the same for the pages of status over time (issue 16: the as-of pages,
what changed, the feeds); ``--only picture`` for the whole picture (issue 17: the matrix, its
filtered, transposed, CSV and as-of versions, and the pages that carry the world map);
``--only cache`` for the shared page cache (issue 18: hits and misses, local memory and Redis).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import itertools
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import imports

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
P95_TARGET_MS = 50
API_BOUND = 1.5  # an API request's p95 against its matching page's
API_HEADING = "## JSON API ("
AS_OF_BOUND = 2  # the as-of dashboard's p95 against today's
TIME_HEADING = "## Status over time ("
PICTURE_HEADING = "## The whole picture ("
CACHE_HEADING = "## Shared page cache ("
CACHE_HIT_TARGET_MS = 5  # issue 18: a cache hit, p95, server side
MATRIX_TARGET_MS = 150  # issue 17: the grid of 40 x 195 cells, p95 at the largest size
TRANSLATED_NAMES = {"fr": "French", "ar": "Arabic"}
PAGES = [
    "catalogue",
    "recommendation page",
    "country profile",
    "progress log, filtered",
    "progress log CSV, filtered",
    "dashboard",
    "dashboard, filtered",
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(
        [
            ROOT / "recommendations" / "demo.py",
            *(ROOT / "recommendations" / "services").glob("*.py"),
            ROOT / "tracker" / "database.py",
            ROOT / "recommendations" / "management" / "commands" / "demo_data.py",
            *(ROOT / "recommendations" / "migrations").glob("*.py"),
            *(ROOT / "recommendations" / "data").glob("*.*"),
        ]
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def env_for(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env["DATABASE_URL"] = database_url
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    return env


def on_postgres(server: str, sql: str, *params) -> list[tuple]:
    """Run one statement on the server's maintenance database, outside a transaction."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        cursor = connection.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def build(size: int, postgres: str | None) -> str:
    """The database URL of a demo database of `size` updates, built unless cached."""
    CACHE.mkdir(exist_ok=True)
    wanted = fingerprint()
    if postgres:
        name = f"tracker_bench_{size}"
        url, label, stamp = f"{postgres}/{name}", f"PostgreSQL database {name}", CACHE / name
        exists = bool(on_postgres(postgres, "SELECT 1 FROM pg_database WHERE datname = %s", name))
    else:
        db = CACHE / f"demo-{size}.sqlite3"
        url, label, stamp = f"sqlite:///{db}", str(db.relative_to(ROOT)), db
        exists = db.exists()
    stamp = stamp.with_suffix(".fingerprint")
    if exists and stamp.exists() and stamp.read_text() == wanted:
        print(f"Reusing {label}", flush=True)
        return url
    stamp.unlink(missing_ok=True)
    if postgres:
        on_postgres(postgres, f'DROP DATABASE IF EXISTS "{name}"')
        on_postgres(postgres, f'CREATE DATABASE "{name}"')
    else:
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    print(f"Building {label} ({size:,} updates) ...", flush=True)
    env = env_for(url)
    for args in (
        ["migrate", "--no-input", "-v", "0"],
        ["seed", "-v", "0"],
        ["demo_data", "--updates", str(size), "--seed", "1"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=None if args[0] == "demo_data" else subprocess.DEVNULL,
        )
    # No statistics step of its own: demo_data refreshes the planner's statistics as any bulk
    # load does (tracker.database.statistics_refresh), so the benchmark measures what users get.
    stamp.write_text(wanted)
    return url


def measure(database_url: str, repeat: int, only: str | None = None) -> dict:
    env = env_for(database_url)
    env["BENCH_REPEAT"] = str(repeat)
    if only:
        env["BENCH_ONLY"] = only
    result = subprocess.run(
        [PYTHON, "bench/measure.py"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def trailer(database: str) -> str:
    """The text that ends a results file: the notes (SQLite), or where to find them."""
    if database == "sqlite":
        return (ROOT / "bench" / "NOTES.md").read_text(encoding="utf-8").strip()
    return (
        "The same pages, filters and method as the SQLite run: see bench/NOTES.md and "
        "bench/results.md. The targets are set for SQLite; PostgreSQL is expected to do "
        "as well or better."
    )


def api_section(results: dict[int, dict]) -> list[str]:
    """The results' API section: each request against its page at every size, then the bound."""
    sizes = sorted(results)
    big = results[sizes[-1]]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(big["database"], big["database"])

    def ratio(size: int, name: str) -> float:
        figures = results[size]["api"]
        page = figures["pages"][figures["requests"][name]["page"]]
        return figures["requests"][name]["p95_ms"] / page["p95_ms"]

    def figure(f: dict) -> str:
        return f"{f['median_ms']} / {f['p95_ms']} ({f['queries']})"

    lines = [
        f"{API_HEADING}issue 15)",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {engine}: the API's "
        "lists with `Accept: application/json`, anonymous (the throttle's rate raised, its check "
        "still made), against the HTML page each is held to, median / p95 ms (queries). Each page "
        "is measured again here with its API requests interleaved, as the translated pages are. "
        "The deep cursor page is the `next` of the page that starts half-way down the approved "
        f"log. Bound: the API's p95 within {API_BOUND}x its page's.",
        "",
        "| request | page | "
        + " | ".join(f"{s:,} updates: API | page | API p95 / page p95" for s in sizes)
        + " |",
        "| --- | --- | " + " | ".join("---: | ---: | ---:" for _ in sizes) + " |",
    ]
    for name, request in big["api"]["requests"].items():
        cells = []
        for size in sizes:
            figures = results[size]["api"]
            cells += [
                figure(figures["requests"][name]),
                figure(figures["pages"][request["page"]]),
                f"{ratio(size, name):.2f}x",
            ]
        page = f"{request['page']} (`{big['api']['pages'][request['page']]['url']}`)"
        lines.append(f"| `{name}` | {page} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| target | met | figure |",
        "| --- | --- | --- |",
    ]
    for name, request in big["api"]["requests"].items():
        within = ratio(sizes[-1], name)
        page = big["api"]["pages"][request["page"]]
        lines.append(
            f"| `{name}` p95 within {API_BOUND}x the {request['page']}'s at {sizes[-1]:,} "
            f"updates | {'yes' if within <= API_BOUND else '**no**'} | {within:.2f}x "
            f"({request['p95_ms']} vs {page['p95_ms']} ms) |"
        )
    same = all(
        results[sizes[0]]["api"]["requests"][n]["queries"] == request["queries"]
        for n, request in big["api"]["requests"].items()
    )
    lines.append(
        f"| API query counts equal at every size | {'yes' if same else '**no**'} | see the table |"
    )
    return lines


def counts_compared(by_size: list[dict[str, int]]) -> tuple[str, str]:
    """Whether each page's query count is the same at every size ("yes", "no; none grows" or
    "**no**") and the counts that differ. A count may drop at a larger size when a list it would
    fill is empty there (no query for it: the stale cells as of a past date); one that grows
    with the size is the failure."""
    differ = [n for n in by_size[-1] if len({c[n] for c in by_size}) > 1]
    grows = [n for n in differ if any(a[n] < b[n] for a, b in itertools.pairwise(by_size))]
    same = "yes" if not differ else "**no**" if grows else "no; none grows"
    return same, "; ".join(f"{n}: {', '.join(str(c[n]) for c in by_size)}" for n in differ)


def time_section(results: dict[int, dict]) -> list[str]:
    """The results' section of status over time: each page today and as of a past date, the
    changes page, the feeds and the disagreement log at every size, then the targets."""
    sizes = sorted(results)
    big = results[sizes[-1]]["time"]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        results[sizes[-1]]["database"], results[sizes[-1]]["database"]
    )
    as_of = big["as_of"]

    def figure(f: dict) -> str:
        return f"{f['median_ms']} / {f['p95_ms']} ({f['queries']})"

    def ratio(size: int, name: str) -> float:
        page = results[size]["time"]["pages"][name]
        return page["as_of"]["p95_ms"] / page["today"]["p95_ms"]

    def cell(name: str) -> str:
        picked = {size: results[size]["time"]["cells"][name] for size in sizes}
        if len({p["url"] for p in picked.values()}) == 1:
            counts = " and ".join(f"{p['approved']:,}" for p in picked.values())
            at = " and ".join(f"{size:,}" for size in sizes)
            return f"`{picked[sizes[-1]]['url']}` ({counts} approved updates at {at} updates)"
        return ", ".join(
            f"`{p['url']}` at {size:,} updates ({p['approved']:,} approved)"
            for size, p in picked.items()
        )

    pairs = [name for name, page in big["pages"].items() if "today" in page]
    singles = [name for name, page in big["pages"].items() if "today" not in page]
    lines = [
        f"{TIME_HEADING}issue 16)",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {engine}: median / p95 "
        "ms (queries). Each page that takes `?as_of=` is measured today and as of "
        f"{as_of} (the day before a month's end, the as-of pages' slowest kind of day), the "
        "two requests interleaved, as the translated pages are (the dashboard's twice as many "
        "times as the "
        "others, its p95 being held to a bound). The cell pages are the busiest cell, "
        f"{cell('busiest')}, and a typical one (the median of the cells with any approved update), "
        f"{cell('typical')}. Bound: the "
        f"as-of dashboard's p95 within {AS_OF_BOUND}x today's.",
        "",
        "| page | "
        + " | ".join(f"{s:,} updates: today | as of {as_of} | as-of p95 / today p95" for s in sizes)
        + " |",
        "| --- | " + " | ".join("---: | ---: | ---:" for _ in sizes) + " |",
    ]
    for name in pairs:
        cells = []
        for size in sizes:
            page = results[size]["time"]["pages"][name]
            cells += [figure(page["today"]), figure(page["as_of"]), f"{ratio(size, name):.2f}x"]
        url = f" (`{big['pages'][name]['url']}`)" if not name.startswith("cell page") else ""
        lines.append(f"| {name}{url} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| page | " + " | ".join(f"{s:,} updates" for s in sizes) + " |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " |",
    ]
    for name in singles:
        cells = [figure(results[size]["time"]["pages"][name]) for size in sizes]
        lines.append(f"| {name} (`{big['pages'][name]['url']}`) | " + " | ".join(cells) + " |")
    for name in big["references"]:
        cells = [figure(results[size]["time"]["references"][name]) for size in sizes]
        lines.append(f"| *reference:* {name} | " + " | ".join(cells) + " |")
    dashboard = big["pages"]["dashboard"]
    within = ratio(sizes[-1], "dashboard")

    def counts(size: int) -> dict[str, int]:
        figures = results[size]["time"]["pages"]
        return {
            **{f"{n}, today": p["today"]["queries"] for n, p in figures.items() if "today" in p},
            **{f"{n}, as of": p["as_of"]["queries"] for n, p in figures.items() if "today" in p},
            **{n: p["queries"] for n, p in figures.items() if "today" not in p},
        }

    same, detail = counts_compared([counts(size) for size in sizes])
    lines += [
        "",
        "| target | met | figure |",
        "| --- | --- | --- |",
        f"| as-of dashboard p95 within {AS_OF_BOUND}x today's dashboard p95 at {sizes[-1]:,} "
        f"updates | {'yes' if within <= AS_OF_BOUND else '**no**'} | {within:.2f}x "
        f"({dashboard['as_of']['p95_ms']} vs {dashboard['today']['p95_ms']} ms; medians "
        f"{dashboard['as_of']['median_ms']} vs {dashboard['today']['median_ms']} ms) |",
        f"| query counts equal at every size | {same} | "
        + (
            f"differ: {detail} (at {', '.join(f'{s:,}' for s in sizes)} updates)"
            if detail
            else "see the tables"
        )
        + " |",
    ]
    return lines


def picture_section(results: dict[int, dict]) -> list[str]:
    """The results' section of the whole picture (issue 17): the matrix and its variants, and
    the pages that carry the world map, at every size; then the targets."""
    sizes = sorted(results)
    big = results[sizes[-1]]["picture"]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        results[sizes[-1]]["database"], results[sizes[-1]]["database"]
    )

    def figure(f: dict) -> str:
        return f"{f['median_ms']} / {f['p95_ms']} ({f['queries']})"

    matrix = [name for name in big["pages"] if name.startswith("matrix")]
    maps = [name for name in big["pages"] if not name.startswith("matrix")]
    without_map = [name for name in maps if not big["pages"][name]["map"]]
    lines = [
        f"{PICTURE_HEADING}issue 17)",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {engine}: median / p95 "
        "ms (queries), and the size of the response at the largest size. The matrix is every "
        "recommendation against every Member State (40 x 195 cells, each a coloured link with "
        "its status's symbol); its pages are sampled twice as often as the others, their p95 "
        f"being held to {MATRIX_TARGET_MS} ms. Then the pages that carry the world map; the past "
        f"date is {big['as_of']}."
        + (f" Measured before the map was on {', '.join(without_map)}." if without_map else ""),
        "",
        "| page | " + " | ".join(f"{s:,} updates" for s in sizes) + " | size |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |",
    ]
    for name in [*matrix, *maps]:
        cells = [figure(results[size]["picture"]["pages"][name]) for size in sizes]
        page = big["pages"][name]
        lines.append(
            f"| {name} (`{page['url']}`) | "
            + " | ".join(cells)
            + f" | {page['bytes'] / 1024:,.0f} kB |"
        )
    slowest = max(matrix, key=lambda name: big["pages"][name]["p95_ms"])
    grid = big["pages"]["matrix"]
    same, detail = counts_compared(
        [
            {name: page["queries"] for name, page in results[size]["picture"]["pages"].items()}
            for size in sizes
        ]
    )
    lines += [
        "",
        "| target | met | figure |",
        "| --- | --- | --- |",
        f"| matrix p95 under {MATRIX_TARGET_MS} ms at {sizes[-1]:,} updates | "
        f"{'yes' if grid['p95_ms'] < MATRIX_TARGET_MS else '**no**'} | {grid['p95_ms']} ms "
        f"(median {grid['median_ms']} ms) |",
        f"| every matrix page's p95 under {MATRIX_TARGET_MS} ms at {sizes[-1]:,} updates | "
        f"{'yes' if big['pages'][slowest]['p95_ms'] < MATRIX_TARGET_MS else '**no**'} | "
        f"slowest: {slowest}, {big['pages'][slowest]['p95_ms']} ms |",
        f"| query counts equal at every size | {same} | "
        + (f"differ: {detail}" if detail else "see the table")
        + " |",
    ]
    return lines


def cache_section(results: dict[int, dict]) -> list[str]:
    """The results' section of the shared page cache (issue 18): each page's miss and hit on
    each cache backend, at the largest size; then the target."""
    size = max(results)
    cache = results[size]["cache"]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        results[size]["database"], results[size]["database"]
    )
    backends = cache["backends"]

    def figure(f: dict) -> str:
        return f"{f['median_ms']} / {f['p95_ms']} ({f['queries']})"

    lines = [
        f"{CACHE_HEADING}issue 18)",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {engine} at "
        f"{size:,} updates: median / p95 ms (queries) of an anonymous request answered by the "
        "view after the cache was emptied and the catalogue's lists the process keeps "
        "forgotten (miss: the first request after an approval) and from the cache (hit), on "
        "each backend (Redis: a redis-server of the run's own on 127.0.0.1).",
        "",
        "| page | " + " | ".join(f"miss, {b} | hit, {b}" for b in backends) + " |",
        "| --- | " + " | ".join("---: | ---:" for _ in backends) + " |",
    ]
    for name, page in cache["pages"].items():
        cells = [f"{figure(page[b]['miss'])} | {figure(page[b]['hit'])}" for b in backends]
        lines.append(f"| {name} (`{page['url']}`) | " + " | ".join(cells) + " |")
    lines += ["", "| target | met | figure |", "| --- | --- | --- |"]
    for backend in backends:
        slowest = max(cache["pages"], key=lambda n: cache["pages"][n][backend]["hit"]["p95_ms"])
        p95 = cache["pages"][slowest][backend]["hit"]["p95_ms"]
        lines.append(
            f"| a cache hit under {CACHE_HIT_TARGET_MS} ms p95 ({backend}) | "
            f"{'yes' if p95 < CACHE_HIT_TARGET_MS else '**no**'} | slowest: {slowest}, {p95} ms |"
        )
    return lines


def section_spliced(text: str, heading: str, lines: list[str], trailer: str) -> str:
    """A results file with the section that starts with ``heading`` replaced by ``lines`` (or
    added before the import's section, else before the ``trailer``, the text that ends every
    results file), the rest unchanged and the trailer as it is now."""
    end = text.find("\n" + trailer.strip().splitlines()[0])
    if end < 0:
        raise SystemExit("The results file does not end with the expected text.")
    body = text[:end]
    if (at := body.find("\n" + heading)) >= 0:
        following = body.find("\n## ", at + 1)
        rest = body[following:] if following >= 0 else ""
    else:
        at = body.find("\n" + imports.HEADING)
        at = at if at >= 0 else len(body)
        rest = body[at:]
    parts = [body[:at].rstrip("\n"), "", *lines, ""]
    if rest.strip():
        parts += [rest.strip("\n"), ""]
    return "\n".join([*parts, trailer.strip()]) + "\n"


#: sections another script writes into the results file (bench/scaleout.py, `make load
#: MODE=scale-out`): a full run keeps them as they are
KEPT_HEADINGS = ("## Scale-out load (",)


def kept(output: Path, text: str, database: str) -> str:
    """The new results ``text`` with the sections of KEPT_HEADINGS that ``output`` holds now."""
    previous = output.read_text(encoding="utf-8") if output.exists() else ""
    for heading in KEPT_HEADINGS:
        if (at := previous.find("\n" + heading)) >= 0:
            end = previous.find("\n## ", at + 1)
            lines = previous[at + 1 : end if end >= 0 else None].rstrip("\n").splitlines()
            text = section_spliced(text, heading, lines, trailer(database))
    return text


def report(results: dict[int, dict], imported: dict | None = None) -> str:
    sizes = sorted(results)
    big = results[sizes[-1]]
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(big["database"], big["database"])
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {engine} "
        f"(`make bench`; server-side time through Django's test client, DEBUG off; "
        f"median and p95 of repeated requests after warm-up).",
        "",
        "| page | " + " | ".join(f"{s:,} updates: median / p95 ms (queries)" for s in sizes) + " |",
        "| --- | " + " | ".join("---:" for _ in sizes) + " |",
    ]

    def row(label: str, group: str, name: str) -> str:
        figures = [results[size][group][name] for size in sizes]
        cells = [f"{f['median_ms']} / {f['p95_ms']} ({f['queries']})" for f in figures]
        return f"| {label} | " + " | ".join(cells) + " |"

    lines += [row(name, "pages", name) for name in PAGES]
    lines += [row(f"*reference:* {name}", "references", name) for name in big["references"]]
    lines += [
        "",
        f"The HTML pages in French and Arabic (right to left) at {sizes[-1]:,} updates, "
        "median ms and the ratio to English (the three versions of a page measured again, their "
        "requests interleaved, so that the machine's pauses weigh on each alike):",
        "",
        "| page | English | " + " | ".join(TRANSLATED_NAMES.values()) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in TRANSLATED_NAMES) + " |",
    ]
    for name in big["translated"]["fr"]:
        english = big["translated"]["en"][name]["median_ms"]
        cells = [
            f"{big['translated'][code][name]['median_ms']} "
            f"({big['translated'][code][name]['median_ms'] / english:.2f}x)"
            for code in TRANSLATED_NAMES
        ]
        lines.append(f"| {name} | {english} | " + " | ".join(cells) + " |")
    lines += ["", "CSV export of the newest ~100,000 approved updates:", ""]
    lines += [
        f"- {s:,} updates: {results[s]['csv_100k']['rows']:,} rows in "
        f"{results[s]['csv_100k']['seconds']} s, peak Python memory "
        f"{results[s]['csv_100k']['peak_mb']} MB"
        for s in sizes
    ]

    admin = big["references"]["admin changelist, same filter"]
    raw = big["references"]["raw SQL of the dashboard's counts"]
    log = big["pages"]["progress log, filtered"]
    dashboard = big["pages"]["dashboard"]
    checks = []
    for name in PAGES:
        p95 = big["pages"][name]["p95_ms"]
        checks.append(
            (
                f"p95 of {name} <= {P95_TARGET_MS} ms",
                p95 <= P95_TARGET_MS,
                f"{p95} ms"
                + ("" if p95 <= P95_TARGET_MS else f", {p95 - P95_TARGET_MS:.1f} ms over"),
            )
        )
    from_log = big["references"]["raw SQL of the dashboard's counts, years from the log"]
    in_queries = big["references"]["dashboard's own queries, replayed"]
    ratio = in_queries["median_ms"] / raw["median_ms"] if raw["median_ms"] else 0
    page_ratio = dashboard["median_ms"] / raw["median_ms"] if raw["median_ms"] else 0
    checks.append(
        (
            "dashboard within 2x its raw SQL (median)",
            ratio <= 2,
            f"its {in_queries['queries']} queries {ratio:.2f}x ({in_queries['median_ms']} vs "
            f"{raw['median_ms']} ms for the 5 hand-written ones); "
            f"the whole page, HTML included, {page_ratio:.2f}x ({dashboard['median_ms']} ms); "
            f"counting the years from the log instead would take {from_log['median_ms']} ms",
        )
    )
    slowest = max(big["pages"][name]["p95_ms"] for name in PAGES)
    checks.append(
        (
            "every page at least as fast as the admin changelist (p95)",
            slowest <= admin["p95_ms"],
            f"slowest page {slowest} ms vs admin {admin['p95_ms']} ms; filtered log "
            f"{admin['p95_ms'] / max(log['p95_ms'], 0.1):.1f}x faster than the admin",
        )
    )
    for code, language in TRANSLATED_NAMES.items():
        english = big["translated"]["en"]
        worst_name = max(
            big["translated"][code],
            key=lambda n: big["translated"][code][n]["median_ms"] / english[n]["median_ms"],
        )
        worst = big["translated"][code][worst_name]["median_ms"] / english[worst_name]["median_ms"]
        checks.append(
            (
                f"pages in {language} within 10 % of English (median)",
                worst <= 1.10,
                f"slowest relative to English: {worst_name}, {worst:.2f}x",
            )
        )
    same = all(
        results[sizes[0]]["pages"][n]["queries"] == big["pages"][n]["queries"] for n in PAGES
    )
    checks.append(("query counts equal at every size", same, "see the table"))
    peak = big["csv_100k"]["peak_mb"]
    checks.append(("CSV of 100,000 rows under 100 MB peak", peak < 100, f"{peak} MB"))
    lines += [
        "",
        f"## Targets at {sizes[-1]:,} updates",
        "",
        "| target | met | figure |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {figure} |" for name, ok, figure in checks]
    if "api" in big:
        lines += ["", *api_section(results)]
    if "time" in big:
        lines += ["", *time_section(results)]
    if "picture" in big:
        lines += ["", *picture_section(results)]
    if "cache" in big:
        lines += ["", *cache_section(results)]
    if imported:
        lines += ["", *imports.section(imported)]
    lines += ["", trailer(big["database"])]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="benchmark on this PostgreSQL server (postgres://user@host:port) instead of SQLite; "
        "databases tracker_bench_<size> are created there",
    )
    parser.add_argument(
        "--only",
        choices=["imports", "api", "time", "picture", "cache"],
        help="imports: measure only the import (on scratch databases; no demo database is "
        "built); api: only the JSON API and its matching pages (on the demo databases); time: "
        "only the pages of status over time, as of a past date, what changed, the feeds (on "
        "the demo databases); picture: only the matrix and the pages with the world map "
        "(issue 17, on the demo databases); cache: only the shared page cache's hits and "
        "misses (issue 18, at the largest size); each writes its section into the existing "
        "results file",
    )
    args = parser.parse_args()
    postgres = args.postgres and args.postgres.rstrip("/")
    output = ROOT / "bench" / ("results-postgresql.md" if postgres else "results.md")
    if args.only == "imports":
        imported = imports.run(postgres)
        lines = imports.section(imported)
        print()
        print("\n".join(lines))
        text = output.read_text(encoding="utf-8")
        output.write_text(
            imports.spliced(text, lines, trailer(imported["database"])), encoding="utf-8"
        )
        print(f"\nWritten into {output.relative_to(ROOT)}")
        return 0
    results = {}
    for size in args.sizes:
        url = build(size, postgres)
        print(f"Measuring {size:,} updates ...", flush=True)
        started = time.monotonic()
        results[size] = measure(url, args.repeat, args.only)
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    if args.only in ("api", "time", "picture", "cache"):
        heading, lines = {
            "api": (API_HEADING, api_section),
            "time": (TIME_HEADING, time_section),
            "picture": (PICTURE_HEADING, picture_section),
            "cache": (CACHE_HEADING, cache_section),
        }[args.only]
        lines = lines(results)
        print()
        print("\n".join(lines))
        text = output.read_text(encoding="utf-8")
        output.write_text(
            section_spliced(text, heading, lines, trailer(results[max(results)]["database"])),
            encoding="utf-8",
        )
        print(f"\nWritten into {output.relative_to(ROOT)}")
        return 0
    imported = imports.run(postgres)
    text = kept(output, report(results, imported), results[max(results)]["database"])
    print()
    print(text)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
