"""Measure one benchmark database: server-side latency and query counts of the main pages, and
the references (the admin changelist with the same filter, the reviewers' desk as a reviewer
sees it, the raw SQL of the dashboard's counts), the JSON API against the pages it matches, and
the pages of status over time (issue 16: as of a past date, what changed, the feeds) and the
whole picture (issue 17: the matrix, the pages with the map). Run by bench/bench.py in a process
of its own, with DATABASE_URL set; prints JSON. With BENCH_ONLY=api (or time, or picture, or
cache), the API's figures (or those of status over time, of the whole picture, or the shared
page cache's hits and misses, issue 18) alone.

Requests go through Django's test client in this process (the full middleware stack, templates
and streaming, no network), with DEBUG off so no query log slows it down.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import sys
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
# The API's throttle would refuse the benchmark's own requests (one address, hundreds a minute):
# its rate is raised, its check still runs on every request.
os.environ["DJANGO_API_THROTTLE_ANON"] = "1000000/minute"
# The pages are measured uncached: the shared page cache (issue 18) would answer every repeat of
# a request from its first. A row of cache hits turns it on for itself.
os.environ["DJANGO_PAGE_CACHE"] = "0"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from recommendations.api.pagination import LogCursor  # noqa: E402
from recommendations.models import (  # noqa: E402
    LATEST_FIRST,
    Cell,
    ProgressUpdate,
    Theme,
    months_ago,
)
from recommendations.services import REVIEWERS, roles_seed  # noqa: E402
from tracker.serving import ready_to_serve  # noqa: E402

# As the app servers start (tracker/wsgi.py): views imported, the loaded objects frozen.
ready_to_serve()

settings.DEBUG = False
settings.ALLOWED_HOSTS = ["*"]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))

FILTER = "theme=protection&region=african&status=in_progress&since=2015-01-01&until=2024-12-31"


def admin_filter() -> str:
    theme = Theme.objects.get(slug="protection").pk
    return (
        "review_state__exact=approved"
        f"&cell__recommendation__themes__id__exact={theme}"
        "&cell__state__regional_group__exact=african&status__exact=in_progress"
        "&effective_date__gte=2015-01-01&effective_date__lte=2024-12-31"
    )


def get(client: Client, url: str):
    """A GET as its client sends it: the API's with ``Accept: application/json``."""
    if url.startswith("/api/"):
        return client.get(url, headers={"Accept": "application/json"})
    return client.get(url)


def consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def sampled(run, repeat: int, before=None) -> dict:
    """Median and p95 in ms of `repeat` calls of `run`, after three warm-up calls; `before`,
    if given, is called before each and not timed."""
    for _ in range(3):
        run()
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1),
    }


def timed(client: Client, url: str, repeat: int = REPEAT) -> dict:
    response = get(client, url)
    assert response.status_code == 200, (url, response.status_code)
    consume(response)
    with CaptureQueriesContext(connection) as queries:
        consume(get(client, url))
    count = len(queries)  # now: every request clears the query log this reads
    return {**sampled(lambda: consume(get(client, url)), repeat), "queries": count}


def timed_side_by_side(client: Client, urls: list[str], repeat: int = REPEAT) -> list[dict]:
    """Like ``timed`` for several versions of one page (English, French, Arabic), their
    requests interleaved, so that a pause of the machine or the process's state weighs on each
    alike: the ratio between them is then the pages' own."""
    counts = []
    for url in urls:
        response = get(client, url)
        assert response.status_code == 200, (url, response.status_code)
        consume(response)
        with CaptureQueriesContext(connection) as queries:
            consume(get(client, url))
        counts.append(len(queries))
    samples: list[list[float]] = [[] for _ in urls]
    for _ in range(repeat):
        for index, url in enumerate(urls):
            start = time.perf_counter()
            consume(get(client, url))
            samples[index].append((time.perf_counter() - start) * 1000)
    results = []
    for taken, count in zip(samples, counts, strict=True):
        taken.sort()
        results.append(
            {
                "median_ms": round(statistics.median(taken), 1),
                "p95_ms": round(taken[min(len(taken) - 1, int(0.95 * len(taken)))], 1),
                "queries": count,
            }
        )
    return results


def page_queries(client: Client, url: str) -> list[str]:
    """The SQL a page runs, to replay through the same harness as the hand-written SQL (rows
    fetched included: SQLite does most of its work while rows are fetched)."""
    with CaptureQueriesContext(connection) as captured:
        consume(client.get(url))
    # PostgreSQL iterates some querysets through a named cursor: replay its SELECT.
    return [
        query["sql"].split(" FOR ", 1)[1] if query["sql"].startswith("DECLARE") else query["sql"]
        for query in captured.captured_queries
    ]


def timed_sql(statements: list[str], repeat: int = REPEAT) -> dict:
    def run() -> None:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()

    return {**sampled(run, repeat), "queries": len(statements)}


def dashboard_sql(*, from_log: bool) -> list[str]:
    """The dashboard's counts written by hand: per recommendation, theme and region, the
    approved updates per year and status, and the stale cells (the figures the page shows).
    The years come from the same summary table the page reads, or, ``from_log``, straight
    from the progress log (what the summary saves)."""
    years = (
        "SELECT " + year_sql() + ", status, COUNT(*) FROM recommendations_progressupdate "
        "WHERE review_state = 'approved' GROUP BY 1, status"
        if from_log
        else "SELECT year, status, SUM(updates) FROM recommendations_cellyearcount "
        "GROUP BY year, status"
    )
    return [
        "SELECT recommendation_id, current_status, COUNT(*) FROM recommendations_cell "
        "GROUP BY recommendation_id, current_status",
        "SELECT t.slug, f.current_status, COUNT(*) FROM recommendations_cell f "
        "JOIN recommendations_recommendation_themes rt "
        "ON rt.recommendation_id = f.recommendation_id "
        "JOIN recommendations_theme t ON t.id = rt.theme_id GROUP BY t.slug, f.current_status",
        "SELECT s.regional_group, f.current_status, COUNT(*) FROM recommendations_cell f "
        "JOIN recommendations_memberstate s ON s.id = f.state_id "
        "GROUP BY s.regional_group, f.current_status",
        years,
        "SELECT COUNT(*) FROM recommendations_cell "
        f"WHERE status_date < '{months_ago(settings.TRACKER_STALE_MONTHS):%Y-%m-%d}'",
    ]


def year_sql() -> str:
    if connection.vendor == "sqlite":
        return "CAST(strftime('%Y', effective_date) AS integer)"
    return "EXTRACT(YEAR FROM effective_date)"


def csv_export(client: Client, rows_wanted: int = 100_000) -> dict:
    """Export the newest `rows_wanted` approved updates as CSV: time and peak Python memory."""
    dates = (
        ProgressUpdate.objects.approved()
        .order_by("-effective_date")
        .values_list("effective_date", flat=True)
    )
    total = ProgressUpdate.objects.approved().count()
    since = dates[min(rows_wanted, total) - 1]
    url = f"/updates/?since={since:%Y-%m-%d}&format=csv"
    consume(client.get(url))  # warm
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get(url)
    rows = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows - 1, "seconds": round(seconds, 2), "peak_mb": round(peak / 2**20, 1)}


TRANSLATED = ["fr", "ar"]

# The API's lists and the HTML page each is held to (its p95 within 1.5x the page's).
API_PAGES = {"progress log": "/updates/", "dashboard": "/dashboard/"}


def deep_cursor(client: Client) -> str:
    """A page of the API's log half-way down the approved log: the ``next`` link of the page
    that starts at its middle update, as a client walking the cursor would reach it."""
    approved = ProgressUpdate.objects.approved()
    middle = approved.order_by(*LATEST_FIRST)[approved.count() // 2]
    response = get(client, f"/api/v1/updates/?cursor={LogCursor.encode(middle)}")
    assert response.status_code == 200, response.status_code
    link = response.json()["next"]
    return link[link.index("/api/") :]


def api(client: Client) -> dict:
    """The API's requests and their pages, each page measured with its requests interleaved
    (as the translated pages are), so the ratio between them is theirs, not the machine's."""
    requests = {
        "updates/, first page": ("/api/v1/updates/", "progress log"),
        "updates/, deep cursor page": (deep_cursor(client), "progress log"),
        "cells/, first page": ("/api/v1/cells/", "dashboard"),
        "summary/": ("/api/v1/summary/", "dashboard"),
    }
    pages, measured = {}, {}
    for page, page_url in API_PAGES.items():
        names = [name for name, (_, matched) in requests.items() if matched == page]
        figures = timed_side_by_side(client, [page_url, *(requests[n][0] for n in names)])
        pages[page] = {**figures[0], "url": page_url}
        for name, figure in zip(names, figures[1:], strict=True):
            measured[name] = {**figure, "page": page}
    return {"pages": pages, "requests": measured}


# Status over time (issue 16). The day the as-of rows look back to: a few years before the end
# of the demo history (2026-10-31), the day before a month's end, the as-of pages' slowest kind of
# day: every cell's status is read from the month's end before it and 29 days of the log after
# (a month's last day reads no log: its own month's end holds it).
AS_OF = "2021-06-29"
# Changes: a fixed window of the demo history's last 30 days (the default window follows the
# clock, and holds no demo approvals once it is a month past the history's end), and a year.
CHANGES_MONTH = "since=2026-10-02&until=2026-10-31"
CHANGES_YEAR = "since=2025-11-01&until=2026-10-31"


def with_as_of(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}as_of={AS_OF}"


def cells_picked() -> dict[str, dict]:
    """The cell pages measured: the busiest cell (the most approved updates: the longest
    timeline and chart to read) and a typical one (the median count among the cells with any
    approved update). The demo generator weights cells alike at every size, so the busiest is the
    same cell at 100,000 and 1,000,000 updates; the typical one may not be (hundreds of cells tie
    at the median count)."""
    counts = list(
        ProgressUpdate.objects.approved()
        .values("cell")
        .annotate(n=Count("id"))
        .order_by("-n", "cell")
        .values_list("cell", "n")
    )
    chosen = {"busiest": counts[0], "typical": counts[len(counts) // 2]}
    cells = Cell.objects.select_related("recommendation", "state").in_bulk(
        [pk for pk, _ in chosen.values()]
    )
    return {
        name: {"url": cells[pk].get_absolute_url(), "approved": n}
        for name, (pk, n) in chosen.items()
    }


def over_time(client: Client) -> dict:
    """The pages of issue 16 (status over time). Each page that takes ``?as_of=`` is measured
    today and as of ``AS_OF``, the two interleaved (as the translated pages are), so the ratio
    between them is theirs, not the machine's; then the changes page, the feeds and the log of
    the cells whose sources disagree, each alone; then the SQL of both dashboards replayed. The
    dashboard, whose as-of p95 is held to today's, is sampled twice as often: a p95 of 30
    requests is their second slowest, one pause of the machine away from another figure."""
    cells = cells_picked()
    pairs = {
        "cell page, busiest cell": cells["busiest"]["url"],
        "cell page, typical cell": cells["typical"]["url"],
        "dashboard": "/dashboard/",
        "dashboard, filtered": "/dashboard/?region=african&theme=protection",
        "recommendation page": "/recommendations/R19/",
        "country profile": "/states/NGA/",
    }
    singles = {
        "changes, default window (the last 30 days to today)": "/changes/",
        "changes, the demo history's last 30 days": f"/changes/?{CHANGES_MONTH}",
        "changes, one year": f"/changes/?{CHANGES_YEAR}",
        "Atom feed of a recommendation": "/recommendations/R19/feed/",
        "Atom feed of a Member State": "/states/NGA/feed/",
        "progress log, sources disagree": "/updates/?disagreement=yes",
    }
    measured = {}
    for name, url in pairs.items():
        repeat = REPEAT * 2 if name == "dashboard" else REPEAT
        today, past = timed_side_by_side(client, [url, with_as_of(url)], repeat)
        measured[name] = {"url": url, "today": today, "as_of": past}
    for name, url in singles.items():
        measured[name] = {"url": url, **timed(client, url)}
    replayed = {
        name: timed_sql(page_queries(client, url))
        for name, url in [
            ("today's dashboard, its queries replayed", "/dashboard/"),
            ("as-of dashboard, its queries replayed", with_as_of("/dashboard/")),
        ]
    }
    return {"as_of": AS_OF, "cells": cells, "pages": measured, "references": replayed}


# The whole picture (issue 17) ------------------------------------------------------------------

#: the matrix pages: each sampled twice as often as the others, their p95 being held to a target
MATRIX_PAGES = {
    "matrix": "/matrix/",
    "matrix, filtered by a theme": "/matrix/?theme=protection",
    "matrix, transposed (African Group)": "/matrix/african/",
    "matrix CSV": "/matrix/?format=csv",
    "matrix, as of a past date": f"/matrix/?as_of={AS_OF}",
    "matrix, in Arabic": "/ar/matrix/",
}
#: the pages that carry the world map
MAP_PAGES = {
    "recommendation page": "/recommendations/R19/",
    "dashboard": "/dashboard/",
    "dashboard, as of a past date": f"/dashboard/?as_of={AS_OF}",
}


def picture(client: Client) -> dict:
    """The pages of issue 17: the matrix (every recommendation against every Member State)
    and its variants, each with its response's size; then the pages that carry the map."""
    measured = {}
    for name, url in MATRIX_PAGES.items():
        response = get(client, url)
        size = consume(response)
        measured[name] = {"url": url, "bytes": size, **timed(client, url, REPEAT * 2)}
    for name, url in MAP_PAGES.items():
        content = get(client, url).content
        measured[name] = {
            "url": url,
            "bytes": len(content),
            "map": b'class="world-map' in content,  # whether the map is on the page yet
            **timed(client, url),
        }
    return {"as_of": AS_OF, "pages": measured}


# The shared page cache (issue 18) ------------------------------------------------------------

#: the pages whose hits and misses are measured: the busiest public pages and an API list
CACHED_PAGES = {
    "dashboard": "/dashboard/",
    "recommendation page": "/recommendations/R19/",
    "matrix": "/matrix/",
    "API list of updates": "/api/v1/updates/",
}


def redis_started():
    """A redis-server of this run's own on a free port (as the tests start one), or None when
    Debian's redis-server is not installed."""
    import shutil
    import socket
    import subprocess

    binary = shutil.which("redis-server")
    if binary is None:
        return None, None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    server.terminate()
    return None, None


def page_cache(client: Client) -> dict:
    """Each page's cache hit and miss, on local memory and (when redis-server is installed) on
    Redis: a miss is the page's render after the cache was emptied and the catalogue's lists
    the process keeps under the data version forgotten (the first request after an approval),
    a hit the same request answered from the cache."""
    from django.core.cache import caches
    from django.test.utils import override_settings

    from recommendations import caching

    def emptied(cache) -> None:
        cache.clear()
        caching.kept_forget()

    server, redis_url = redis_started()
    backends = {"local memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if redis_url:
        backends["Redis"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    measured: dict = {}
    try:
        for backend, config in backends.items():
            with override_settings(TRACKER_PAGE_CACHE=True, CACHES={"default": config}):
                cache = caches["default"]
                for name, url in CACHED_PAGES.items():
                    emptied(cache)
                    first = get(client, url)
                    consume(first)
                    assert first["X-Cache"] == "miss", (url, first.get("X-Cache"))
                    # Counted at once: the next request clears the query log they read.
                    emptied(cache)
                    with CaptureQueriesContext(connection) as queries:
                        consume(get(client, url))
                    miss_queries = len(queries)
                    with CaptureQueriesContext(connection) as queries:
                        response = get(client, url)
                        consume(response)
                    hit_queries = len(queries)
                    assert response["X-Cache"] == "hit", (url, response.get("X-Cache"))
                    again = functools.partial(emptied, cache)
                    miss = sampled(lambda url=url: consume(get(client, url)), REPEAT, again)
                    hit = sampled(lambda url=url: consume(get(client, url)), REPEAT * 3)
                    measured.setdefault(name, {"url": url, "bytes": len(response.content)})
                    measured[name][backend] = {
                        "miss": {**miss, "queries": miss_queries},
                        "hit": {**hit, "queries": hit_queries},
                    }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    return {"backends": list(backends), "pages": measured}


def main() -> None:
    User = get_user_model()
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    public = Client()
    staff = Client()
    staff.force_login(admin)
    # The reviewers' desk as a reviewer sees it: staff, in the Reviewers group, no superuser.
    reviewer, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True})
    roles_seed()
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    desk = Client()
    desk.force_login(reviewer)
    # The update a reviewer opens first: the oldest waiting, else an approved one.
    opened = (
        ProgressUpdate.objects.review_queue(reviewer).first()
        or ProgressUpdate.objects.approved().order_by("pk").first()
    )
    # "My updates" of the editor who wrote the most (a demo editor: a fifth of the log).
    busiest = (
        ProgressUpdate.objects.values("reported_by")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("reported_by", flat=True)
        .first()
    )
    editor = Client()
    if busiest is not None:
        editor.force_login(User.objects.get(pk=busiest))
    only = {"updates": ProgressUpdate.objects.count(), "database": connection.vendor}
    if os.environ.get("BENCH_ONLY") == "api":
        print(json.dumps({**only, "api": api(public)}))
        return
    if os.environ.get("BENCH_ONLY") == "time":
        print(json.dumps({**only, "time": over_time(public)}))
        return
    if os.environ.get("BENCH_ONLY") == "picture":
        print(json.dumps({**only, "picture": picture(public)}))
        return
    if os.environ.get("BENCH_ONLY") == "cache":
        print(json.dumps({**only, "cache": page_cache(public)}))
        return
    pages = {
        "catalogue": "/recommendations/",
        "recommendation page": "/recommendations/R19/",
        "country profile": "/states/NGA/",
        "progress log, filtered": f"/updates/?{FILTER}",
        "progress log CSV, filtered": f"/updates/?{FILTER}&format=csv",
        "dashboard": "/dashboard/",
        "dashboard, filtered": "/dashboard/?region=african&theme=protection",
    }
    # Each page alone, as every earlier run measured it (the targets and the history).
    measured = {name: timed(public, url) for name, url in pages.items()}
    # Then in English, French and Arabic (right to left), requests interleaved: the ratios.
    translated = {"en": {}, **{language: {} for language in TRANSLATED}}
    for name, url in pages.items():
        if "CSV" in name:  # the same file in every language
            continue
        figures = timed_side_by_side(
            public, [url, *(f"/{language}{url}" for language in TRANSLATED)]
        )
        for language, figure in zip(["en", *TRANSLATED], figures, strict=True):
            translated[language][name] = figure
    results = {
        "updates": ProgressUpdate.objects.count(),
        "database": connection.vendor,
        "pages": measured,
        "translated": translated,
        "references": {
            "admin changelist, same filter": timed(
                staff,
                f"/admin/recommendations/progressupdate/?{admin_filter()}",
                repeat=max(5, REPEAT // 3),
            ),
            "reviewer's queue (admin list)": timed(
                desk, "/admin/recommendations/progressupdate/", repeat=max(5, REPEAT // 3)
            ),
            "all updates (admin list), as a reviewer": timed(
                desk, "/admin/recommendations/progressupdate/?queue=all", repeat=max(5, REPEAT // 3)
            ),
            "an update's admin page, as a reviewer": timed(
                desk,
                f"/admin/recommendations/progressupdate/{opened.pk}/change/",
                repeat=max(5, REPEAT // 3),
            ),
            "my updates, the editor who wrote the most": timed(
                editor, "/updates/mine/", repeat=max(5, REPEAT // 3)
            ),
            "dashboard's own queries, replayed": timed_sql(page_queries(public, "/dashboard/")),
            "raw SQL of the dashboard's counts": timed_sql(dashboard_sql(from_log=False)),
            "raw SQL of the dashboard's counts, years from the log": timed_sql(
                dashboard_sql(from_log=True), repeat=max(5, REPEAT // 3)
            ),
        },
        "csv_100k": csv_export(public),
        "api": api(public),
        "time": over_time(public),
        "picture": picture(public),
        "cache": page_cache(public),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
