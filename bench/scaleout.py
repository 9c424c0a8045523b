"""The scale-out load test: two gunicorn app servers behind HAProxy, on PostgreSQL and Redis.

`make load MODE=scale-out` (or `python bench/load.py --scale-out`) runs it, on 127.0.0.1 only.
It recreates a scratch PostgreSQL database (tracker_load: migrated, seeded, a few hundred
approved updates, one editor and one reviewer with an API token per writing client), starts its
own redis-server, the task worker (`manage.py db_worker`) and, for each configuration, one or two
gunicorn app servers in production mode behind an HAProxy that balances round-robin. Reader
threads fetch the public pages and the API's reads while editor threads log and submit updates
and reviewer threads approve them through the API, for a fixed time and number of requests.

Four configurations: one server or two (HAProxy in front in both), the page cache off or on
(DJANGO_PAGE_CACHE). Each prints requests per second, median and p95 for reads and writes, and
three checks: no error, no update lost or duplicated (each update a writer was told was created
is in the database exactly once, found by its unique narrative), and no stale read (a cell's
page or API row never shows a status older than the last approval of that cell that had
completed before the read began). Everything it started is stopped on exit, Ctrl-C included.

    python bench/scaleout.py [--seconds 25] [--readers 10] [--editors 2] [--reviewers 2]
                             [--configs 1:off,2:off,1:on,2:on] [--write-results]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import ctypes
import datetime
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"  # every process listens here and every request goes here
DATABASE = "tracker_load"
HEADING = "## Scale-out load (issue 18)"
MARKER = "scale-out-"  # narratives of the writers' updates start with it

# The cells the writers write to: the readers read their pages often, and check them.
WATCHED = [(code, iso3) for code in ("R03", "R19", "R23") for iso3 in ("FRA", "NGA", "BRA", "JPN")]
STATUSES = ["not_started", "planned", "in_progress", "partially_implemented", "implemented"]
# Public pages (HTML), the API's lists and the filtered lists and exports, as the public reads.
PAGES = [
    "/",
    "/recommendations/R03/",
    "/states/NGA/",
    "/dashboard/",
    "/matrix/",
    "/recommendations/",
    "/states/",
]
API_LISTS = [
    "/api/v1/updates/",
    "/api/v1/cells/?state=FRA",
    "/api/v1/recommendations/",
    "/api/v1/summary/",
    "/api/v1/updates/?region=african&theme=protection",
]
FILTERED = [
    "/updates/?region=african&theme=protection&since=2015-01-01",
    "/updates/?status=implemented&status=partially_implemented",
    "/recommendations/?theme=prevention&actor=private-sector",
    "/dashboard/?region=latin-american-caribbean&theme=prosecution",
    "/updates/?region=african&format=csv",
]

SETUP = """
import datetime, json, random
from django.contrib.auth.models import Group, User
from recommendations.models import Cell, Status
from recommendations import services
from recommendations.services.tokens import token_create
random.seed(7)
tokens = {{"editors": [], "reviewers": []}}
writers = (("editors", "Editors", {editors}), ("reviewers", "Reviewers", {reviewers}))
for kind, group, count in writers:
    for i in range(count):
        user = User.objects.create_user(f"load-{{kind}}-{{i}}", is_staff=kind == "reviewers")
        user.groups.add(Group.objects.get(name=group))
        tokens[kind].append(token_create(user=user, name="scale-out load test", days=30)[1])
editor = User.objects.get(username="load-editors-0")
reviewer = User.objects.get(username="load-reviewers-0")
cells = list(Cell.objects.select_related("recommendation", "state"))
statuses = [s for s in Status if s != Status.NO_INFORMATION]
for i in range({updates}):
    cell = random.choice(cells)
    update = services.update_log(
        user=editor, recommendation=cell.recommendation, state=cell.state,
        status=random.choice(statuses),
        effective_date=datetime.date(random.randint(2008, 2020), random.randint(1, 12), 1),
        narrative=f"Load-test report {{i}}: a national review was held.", source="government",
        submit=True)
    services.update_approve(update=update, user=reviewer)
print("TOKENS " + json.dumps(tokens))
"""

# What the database holds of the writers' updates at the end: narrative -> [count, review state],
# and each watched cell's current update.
CENSUS = """
import json
from recommendations.models import Cell, ProgressUpdate
rows = {{}}
for narrative, state in ProgressUpdate.objects.filter(narrative__startswith="{marker}").values_list(
        "narrative", "review_state"):
    rows.setdefault(narrative, [0, state])[0] += 1
cells = {{f"{{c.recommendation.code}}/{{c.state.iso3}}": c.current_update_id
         for c in Cell.objects.select_related("recommendation", "state")
         if (c.recommendation.code, c.state.iso3) in {watched}}}
print("CENSUS " + json.dumps({{"rows": rows, "cells": cells}}))
"""


# --------------------------------------------------------------------------------------------
# The checks (pure functions, unit-tested in tests/unit/test_scaleout_checks.py)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    cell: str
    done_at: float  # monotonic time the approval's response was received
    update: int


@dataclass(frozen=True)
class Read:
    cell: str
    started_at: float  # monotonic time just before the request was sent
    shown: int | None  # the id of the approved update the page or API row showed
    path: str = ""


def stale_reads(
    approvals: list[Approval], reads: list[Read], keys: dict[int, tuple]
) -> list[tuple[Read, int]]:
    """The reads that showed a cell older than an approval completed before they began.

    A cell shows its latest approved update by ``keys`` order (effective date, creation time,
    id): the update the read should show at least is, among the approvals of its cell whose
    response had been received before the read was sent, the one with the greatest key. A read
    is stale when it showed an update with a smaller key, an update the writers did not make
    (the seeded history is older), or none. Returns each stale read with the update it should
    have shown at least.
    """
    by_cell: dict[str, list[tuple[float, tuple, int]]] = defaultdict(list)
    for approval in approvals:
        by_cell[approval.cell].append((approval.done_at, keys[approval.update], approval.update))
    # Per cell, by completion time: the times, and the greatest key so far at each.
    times: dict[str, list[float]] = {}
    best: dict[str, list[tuple[tuple, int]]] = {}
    for cell, rows in by_cell.items():
        rows.sort(key=lambda row: row[0])
        times[cell] = [row[0] for row in rows]
        running: list[tuple[tuple, int]] = []
        for _done, key, update in rows:
            running.append(max(running[-1], (key, update)) if running else (key, update))
        best[cell] = running
    stale = []
    for read in reads:
        if read.cell not in times:
            continue
        before = bisect.bisect_left(times[read.cell], read.started_at)
        if before == 0:
            continue
        expected_key, expected = best[read.cell][before - 1]
        shown_key = keys.get(read.shown) if read.shown is not None else None
        if shown_key is None or shown_key < expected_key:
            stale.append((read, expected))
    return stale


def census_problems(told: dict[str, int], approved: set[str], rows: dict[str, list]) -> list[str]:
    """What is wrong with the writers' updates in the database: ``told`` maps each narrative a
    writer was told was created to its id, ``approved`` holds those a reviewer was told were
    approved, ``rows`` maps each such narrative found in the database to [count, review state].
    Lost (told created, not there), duplicated (there more than once), unapproved (told approved,
    not approved) and unknown (there, but no writer was told) updates are each a problem."""
    problems = []
    for narrative in sorted(told):
        count, state = rows.get(narrative, [0, None])
        if count == 0:
            problems.append(f"lost: {narrative}")
        elif count > 1:
            problems.append(f"duplicated {count} times: {narrative}")
        elif narrative in approved and state != "approved":
            problems.append(f"told approved, is {state}: {narrative}")
    problems += [f"not told created: {n}" for n in sorted(set(rows) - set(told))]
    return problems


def haproxy_config(port: int, backends: list[int], stats: str = "") -> str:
    """HAProxy in front of the app servers on ``backends``: round-robin, health-checked on
    /healthz, the client's address passed on in X-Forwarded-For (DJANGO_PROXY_COUNT=1); a
    server going down or up is logged to stderr, and ``stats`` is a Unix socket answering
    ``show stat`` (requests per server)."""
    servers = "\n".join(
        f"    server app{n} {HOST}:{backend} check inter 2s"
        for n, backend in enumerate(backends, 1)
    )
    socket = f"    stats socket {stats} mode 600\n" if stats else ""
    return f"""global
    maxconn 1024
    log stderr format raw local0 notice
{socket}
defaults
    mode http
    log global
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout check 10s

frontend web
    bind {HOST}:{port}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {HOST}
{servers}
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# --------------------------------------------------------------------------------------------
# Processes: every one started here is stopped on exit
# --------------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if this script dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], log: Path):
        handle = log.open("ab")
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        handle.close()
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(list(self.running)):
            self.stop(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def redis_command(port: int, *words: str) -> bytes:
    """One command to our own redis-server (the inline protocol), its first line of answer."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall((" ".join(words) + "\r\n").encode())
        return sock.recv(1024).split(b"\r\n")[0]


def wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


def http(
    base: str, path: str, *, method: str = "GET", token: str = "", body: dict | None = None
) -> tuple[int, bytes, str]:
    """A request; (status, body, the page cache's X-Cache header), status 0 when the connection
    failed or timed out."""
    headers = {"Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("X-Cache", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""
    except OSError:
        return 0, b"", ""


HEADLINE = re.compile(r'id="cell-headline".*?\(update #(\d+)\)', re.S)


def shown_on_page(body: bytes) -> int | None:
    """The id of the update a cell's page shows as its headline (None: no approved update)."""
    match = HEADLINE.search(body.decode("utf-8", "replace"))
    return int(match.group(1)) if match else None


def shown_in_api(body: bytes) -> int | None:
    results = json.loads(body)["results"]
    return results[0]["latest_update"] if results else None


# --------------------------------------------------------------------------------------------
# The load
# --------------------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)
    keys: dict[int, tuple] = field(default_factory=dict)
    told: dict[str, int] = field(default_factory=dict)  # narrative -> id, told created
    approved: set[str] = field(default_factory=set)
    sent: int = 0
    cache: Counter = field(default_factory=Counter)  # reads' X-Cache: hit, miss
    by_path: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    run: str = field(default_factory=lambda: secrets.token_hex(3))  # in its narratives


def drive(base: str, args, tokens: dict, label: str, effective: str) -> tuple[Tally, float]:
    """Readers, editors and reviewers against ``base`` until the time or the request budget
    runs out. Each thread stops at the deadline; nothing waits without a timeout."""
    tally = Tally()
    lock = threading.Lock()
    submitted: queue.Queue = queue.Queue(maxsize=100)
    deadline = time.monotonic() + args.seconds
    run = tally.run

    def take_turn() -> bool:
        with lock:
            if tally.sent >= args.max_requests or time.monotonic() >= deadline:
                return False
            tally.sent += 1
            return True

    def record(kind: str, path: str, status: int, elapsed: float) -> None:
        with lock:
            tally.latencies[kind].append(elapsed)
            tally.statuses[status] += 1
            if not 200 <= status < 400:
                tally.failures.append(f"{kind} {path} -> {status or 'no answer'}")

    def reader(index: int) -> None:
        rng = random.Random(f"{label}-{index}")
        while take_turn():
            roll = rng.random()
            cell = None
            if roll < 0.25:
                code, iso3 = rng.choice(WATCHED)
                cell, path = f"{code}/{iso3}", f"/recommendations/{code}/{iso3}/"
            elif roll < 0.35:
                code, iso3 = rng.choice(WATCHED)
                cell = f"{code}/{iso3}"
                path = f"/api/v1/cells/?recommendation={code}&state={iso3}"
            elif roll < 0.7:
                path = rng.choice(PAGES)
            elif roll < 0.85:
                path = rng.choice(API_LISTS)
            else:
                path = rng.choice(FILTERED)
            started = time.monotonic()
            status, body, cached = http(base, path)
            elapsed = time.monotonic() - started
            record("read", path, status, elapsed)
            with lock:
                kind = ("API cell row" if "/api/" in path else "cell page") if cell else path
                tally.by_path[kind].append(elapsed)
                if cached:
                    tally.cache[cached] += 1
            if cell and status == 200:
                try:
                    shown = shown_in_api(body) if "/api/" in path else shown_on_page(body)
                except (ValueError, KeyError, IndexError):
                    shown = None
                with lock:
                    tally.reads.append(Read(cell, started, shown, path))

    def editor(index: int) -> None:
        rng = random.Random(f"{label}-editor-{index}")
        token = tokens["editors"][index]
        number = 0
        while take_turn():
            code, iso3 = rng.choice(WATCHED)
            number += 1
            narrative = f"{MARKER}{run}-e{index}-{number}: the national action plan was reviewed."
            started = time.monotonic()
            status, body, _cached = http(
                base,
                "/api/v1/updates/",
                method="POST",
                token=token,
                body={
                    "recommendation": code,
                    "state": iso3,
                    "status": rng.choice(STATUSES),
                    "effective_date": effective,
                    "narrative": narrative,
                    "source": "government",
                    "evidence": ["https://example.org/report"],
                    "submit": True,
                },
            )
            record("write", "POST /api/v1/updates/", status, time.monotonic() - started)
            if status == 201:
                answer = json.loads(body)
                created = datetime.datetime.fromisoformat(answer["created_at"])
                with lock:
                    tally.told[narrative] = answer["id"]
                    tally.keys[answer["id"]] = (effective, created, answer["id"])
                while time.monotonic() < deadline:
                    try:
                        submitted.put((answer["id"], f"{code}/{iso3}", narrative), timeout=0.5)
                        break
                    except queue.Full:
                        continue
            # A person reads and types between two updates: a pause, never past the deadline.
            time.sleep(max(0.0, min(args.editor_pause, deadline - time.monotonic())))

    def reviewer(index: int) -> None:
        token = tokens["reviewers"][index]
        while time.monotonic() < deadline:
            try:
                update, cell, narrative = submitted.get(timeout=0.5)
            except queue.Empty:
                continue
            if not take_turn():
                return
            path = f"/api/v1/updates/{update}/approve/"
            started = time.monotonic()
            status, _body, _cached = http(
                base, path, method="POST", token=token, body={"comment": "Checked."}
            )
            done = time.monotonic()
            record("write", "POST approve", status, done - started)
            if status == 200:
                with lock:
                    tally.approvals.append(Approval(cell, done, update))
                    tally.approved.add(narrative)

    # Daemons: on Ctrl-C the main thread stops the servers and exits without waiting for them.
    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(args.readers)]
    threads += [
        threading.Thread(target=editor, args=(i,), daemon=True) for i in range(args.editors)
    ]
    threads += [
        threading.Thread(target=reviewer, args=(i,), daemon=True) for i in range(args.reviewers)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - began


# --------------------------------------------------------------------------------------------
# The stack
# --------------------------------------------------------------------------------------------


def manage(env: dict[str, str], *words: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *words],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def prepare(env: dict[str, str], server: str, args) -> dict:
    """A fresh tracker_load database, migrated and seeded; the writers' API tokens."""
    admin = f"{server}/postgres"
    for sql in (
        f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
        f"CREATE DATABASE {DATABASE}",
    ):
        subprocess.run(
            ["psql", admin, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    out = manage(
        env,
        "shell",
        "-v",
        "0",
        "-c",
        SETUP.format(editors=args.editors, reviewers=args.reviewers, updates=args.updates),
    )
    line = next(x for x in out.splitlines() if x.startswith("TOKENS "))
    return json.loads(line.removeprefix("TOKENS "))


def census(env: dict[str, str]) -> dict:
    out = manage(env, "shell", "-v", "0", "-c", CENSUS.format(marker=MARKER, watched=WATCHED))
    line = next(x for x in out.splitlines() if x.startswith("CENSUS "))
    return json.loads(line.removeprefix("CENSUS "))


def served(stats: Path) -> str:
    """HAProxy's count of requests sent to each app server, and each one's state, e.g.
    "app1 812 UP, app2 809 UP" (warm-up excluded: it goes to the servers directly)."""
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(stats))
            sock.sendall(b"show stat\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    except OSError as error:
        return f"(no stats: {error})"
    lines = answer.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:] if line]
    return ", ".join(
        f"{row['svname']} {row['stot']} {row['status']}"
        for row in rows
        if row.get("pxname") == "app" and row.get("svname") not in ("BACKEND", "FRONTEND")
    )


def warm_up(bases: list[str], workers: int) -> None:
    """Every read path a few times on every server, straight to it, before the clock starts:
    a worker's first request of a page fills its per-process caches (templates, translations,
    the catalogue) and takes seconds, which is not what a running site serves."""
    code, iso3 = WATCHED[0]
    paths = [
        *PAGES,
        *API_LISTS,
        *FILTERED,
        f"/recommendations/{code}/{iso3}/",
        f"/api/v1/cells/?recommendation={code}&state={iso3}",
    ]
    jobs: queue.Queue = queue.Queue()
    for base in bases:
        for _ in range(2 * workers):
            for path in paths:
                jobs.put((base, path))

    def fetch() -> None:
        while True:
            try:
                base, path = jobs.get_nowait()
            except queue.Empty:
                return
            http(base, path)

    threads = [threading.Thread(target=fetch, daemon=True) for _ in range(4 * len(bases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_configuration(
    processes: Processes, env: dict, redis_port: int, servers: int, cache: bool, args, tokens, logs
) -> dict:
    label = f"{servers}{'-cached' if cache else ''}"
    redis_command(redis_port, "FLUSHALL")  # each configuration starts with a cold cache
    app_env = {**env, "DJANGO_PAGE_CACHE": "1" if cache else "0"}
    apps = []
    ports = []
    for n in range(servers):
        port = free_port()
        ports.append(port)
        apps.append(
            processes.start(
                f"gunicorn {n + 1}",
                [
                    GUNICORN,
                    "tracker.wsgi",
                    "-c",
                    "gunicorn.conf.py",
                    "--bind",
                    f"{HOST}:{port}",
                    "--access-logfile",
                    "/dev/null",
                    "--no-control-socket",  # two servers at once: no shared socket path
                ],
                {**app_env, "WEB_CONCURRENCY": str(args.workers)},
                logs / f"gunicorn-{label}-{n + 1}.log",
            )
        )
    for port in ports:
        wait_for(lambda p=port: http(f"http://{HOST}:{p}", "/healthz")[0] == 200, "gunicorn")
    warm_up([f"http://{HOST}:{port}" for port in ports], args.workers)
    proxy_port = free_port()
    config = logs / f"haproxy-{label}.cfg"
    stats = logs / f"haproxy-{label}.sock"
    config.write_text(haproxy_config(proxy_port, ports, str(stats)), encoding="utf-8")
    proxy = processes.start(
        "haproxy", ["haproxy", "-db", "-f", str(config)], env, logs / f"haproxy-{label}.log"
    )
    base = f"http://{HOST}:{proxy_port}"
    try:
        wait_for(lambda: http(base, "/healthz")[0] == 200, "haproxy")
        time.sleep(2.5)  # until HAProxy's first health checks have passed on every server
        effective = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        print(
            f"  {servers} server{'s' if servers > 1 else ''}, page cache "
            f"{'on' if cache else 'off'}: {args.readers} readers, {args.editors} editors, "
            f"{args.reviewers} reviewers for {args.seconds:.0f} s through {base} ...",
            flush=True,
        )
        tally, wall = drive(base, args, tokens, label, effective)
        load = os.getloadavg()[0]  # how busy the machine was (other work included)
        per_server = served(stats)
    finally:
        processes.stop(proxy)
        for app in apps:
            processes.stop(app)
    return {
        "servers": servers,
        "cache": cache,
        "tally": tally,
        "wall": wall,
        "load": load,
        "per_server": per_server,
    }


def summarize(result: dict, rows: dict) -> dict:
    tally = result["tally"]
    stale = stale_reads(tally.approvals, tally.reads, tally.keys)
    mine = {n: row for n, row in rows.items() if n.startswith(f"{MARKER}{tally.run}-")}
    problems = census_problems(tally.told, tally.approved, mine)
    reads, writes = tally.latencies["read"], tally.latencies["write"]
    return {
        **result,
        "reads": len(reads),
        "writes": len(writes),
        "read_rps": len(reads) / result["wall"],
        "write_rps": len(writes) / result["wall"],
        "read_p50": statistics.median(reads) * 1000 if reads else 0.0,
        "read_p95": percentile(reads, 0.95) * 1000,
        "write_p50": statistics.median(writes) * 1000 if writes else 0.0,
        "write_p95": percentile(writes, 0.95) * 1000,
        "errors": len(tally.failures),
        "created": len(tally.told),
        "approved": len(tally.approved),
        "checked_reads": len(tally.reads),
        "hits": f"{100 * tally.cache['hit'] / len(reads):.0f}%" if tally.cache else "-",
        "stale": stale,
        "problems": problems,
    }


def table(summaries: list[dict]) -> list[str]:
    lines = [
        "| app servers | page cache | reads/s | read p50 ms | read p95 ms | writes/s | "
        "write p50 ms | write p95 ms | errors | updates created / approved | lost or "
        "duplicated | cell reads checked | stale | cache hits | load average | HAProxy sent |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: "
        "| ---: | ---: | --- |",
    ]
    for s in summaries:
        lines.append(
            f"| {s['servers']} | {'on' if s['cache'] else 'off'} | {s['read_rps']:.0f} | "
            f"{s['read_p50']:.0f} | {s['read_p95']:.0f} | {s['write_rps']:.1f} | "
            f"{s['write_p50']:.0f} | {s['write_p95']:.0f} | {s['errors']} | "
            f"{s['created']} / {s['approved']} | {len(s['problems'])} | {s['checked_reads']} | "
            f"{len(s['stale'])} | {s['hits']} | {s['load']:.1f} | {s['per_server']} |"
        )
    return lines


def write_results(lines: list[str]) -> None:
    """Put the section into bench/results.md (replacing an earlier one), before the import's
    section; the file keeps ending with bench/NOTES.md."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench

    output = ROOT / "bench" / "results.md"
    text = output.read_text(encoding="utf-8")
    output.write_text(
        bench.section_spliced(text, HEADING, lines, bench.trailer("sqlite")), encoding="utf-8"
    )
    print(f"Written into {output.relative_to(ROOT)}")


def ratios(summaries: list[dict]) -> list[str]:
    """Reads per second of two servers against one, and of the page cache on against off, for
    each pair this run measured."""
    by = {(s["servers"], s["cache"]): s["read_rps"] for s in summaries}
    said = []
    for cache in (False, True):
        if (1, cache) in by and (2, cache) in by and by[(1, cache)]:
            said.append(
                f"two servers against one, page cache {'on' if cache else 'off'}: "
                f"x{by[(2, cache)] / by[(1, cache)]:.2f}"
            )
    for servers in (1, 2):
        if (servers, False) in by and (servers, True) in by and by[(servers, False)]:
            said.append(
                f"page cache on against off, {servers} server{'s' if servers > 1 else ''}: "
                f"x{by[(servers, True)] / by[(servers, False)]:.2f}"
            )
    return said


def slower(summaries: list[dict]) -> bool:
    """Whether two servers read less per second than one, page cache off and on alike."""
    by = {(s["servers"], s["cache"]): s["read_rps"] for s in summaries}
    pairs = [(by[(1, c)], by[(2, c)]) for c in (False, True) if (1, c) in by and (2, c) in by]
    return bool(pairs) and all(two < one for one, two in pairs)


def section(summaries: list[dict], args, behind: int, worker_alive: bool) -> list[str]:
    now = datetime.datetime.now(datetime.UTC)
    clean = all(not s["errors"] and not s["problems"] and not s["stale"] for s in summaries)
    compared = ratios(summaries)
    return [
        HEADING,
        "",
        f"Run {now:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (`make load MODE=scale-out`, "
        f"bench/scaleout.py): PostgreSQL ({DATABASE}: the catalogue and {args.updates} approved "
        "updates), Redis (`REDIS_URL`: the cache, the page cache's entries and the "
        f"API's throttle counts), the task worker, and one or two gunicorn app servers "
        f"({args.workers} workers x 4 threads each, `DJANGO_DEBUG=0`) behind HAProxy "
        "(round-robin, `DJANGO_PROXY_COUNT=1`), all on 127.0.0.1. Each configuration runs "
        f"{args.seconds:.0f} s after a warm-up: {args.readers} reader threads (the pages and "
        "API rows of the 12 cells being written, the public pages, the API's lists, filtered "
        f"lists and a CSV export), {args.editors} editor threads logging and submitting updates "
        f"({args.editor_pause:g} s apart) and {args.reviewers} reviewer threads approving them, "
        "through the API with tokens. "
        "Redis is emptied before each configuration. The API's throttles are raised for the "
        "run (every simulated reader comes from one address).",
        "",
        *table(summaries),
        "",
        "Checks: an error is any answer outside 2xx/3xx, or none; lost or duplicated counts the "
        "updates a writer was told were created that are not in the database exactly once (by "
        "their unique narrative), or told approved and not approved; a stale read is a cell's "
        "page (its headline update) or API row (`latest_update`) showing an update older than "
        "the latest one whose approval had been answered before the read was sent. Cache hits: "
        "the reads answered from the page cache (`X-Cache: hit`); every approval moves the data "
        "version, so with a write every second or so most entries live about that long. "
        "HAProxy sent: the requests it passed to each app server and the server's state at the "
        "end (its stats socket). "
        + (
            "**All clean: 0 errors, 0 lost or duplicated, 0 stale reads.**"
            if clean
            else "**Not clean: see the table.**"
        )
        + f" At the end, {behind} of the 12 written cells were behind their latest approval in the "
        f"database, and the task worker {'ran' if worker_alive else 'had NOT run'} to the end.",
        "",
        *(["Reads per second, " + "; ".join(compared) + ".", ""] if compared else []),
        *(
            [
                "Two servers served fewer reads than one here: twice the gunicorn processes "
                f"({2 * args.workers} against {args.workers}) share the same two cores, which "
                "other work already over-committed (see the load average); a second server on "
                "the same machine adds processes, context switches and memory, not CPU.",
                "",
            ]
            if slower(summaries)
            else []
        ),
        "The machine has 2 cores, and they run both app servers, PostgreSQL, Redis, HAProxy and "
        "the client threads (Python, one process) at once: a second app server adds processes, "
        "not cores, so throughput is not expected to double here; what the run shows is that "
        "two servers behind a proxy stay correct together (approvals made through one are seen "
        "by readers served by the other, with and without the shared page cache). The load "
        "average is the 1-minute figure at the end of each configuration, the run's own "
        "processes included (2.0 means both cores busy); above that, other work shared the "
        "machine and the figures are noisier.",
    ]


def _interrupted(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--editors", type=int, default=2)
    parser.add_argument("--reviewers", type=int, default=2)
    parser.add_argument(
        "--editor-pause", type=float, default=1.0, help="seconds an editor waits between updates"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per configuration")
    parser.add_argument("--updates", type=int, default=400, help="approved updates seeded")
    parser.add_argument(
        "--configs",
        default="1:off,2:off,1:on,2:on",
        help="app servers:page cache, comma-separated (default: all four)",
    )
    parser.add_argument(
        "--postgres",
        default=f"postgres://postgres@{HOST}:5432",
        help="the PostgreSQL server (on 127.0.0.1); the database tracker_load is recreated there",
    )
    parser.add_argument(
        "--write-results", action="store_true", help="write the section into bench/results.md"
    )
    args = parser.parse_args(argv)
    server = args.postgres.rstrip("/")
    if urllib.parse.urlsplit(server).hostname not in (HOST, "localhost"):
        parser.error("--postgres must be on 127.0.0.1")
    configs = []
    for item in args.configs.split(","):
        servers, _, cache = item.partition(":")
        if servers not in ("1", "2") or cache not in ("on", "off"):
            parser.error(f"--configs: {item!r} is not 1|2:on|off")
        configs.append((int(servers), cache == "on"))
    for tool, where in (
        ("haproxy", "`make load MODE=scale-out` installs it"),
        ("redis-server", "`make load MODE=scale-out` installs it"),
        ("psql", "install PostgreSQL's client (Debian: postgresql-client)"),
    ):
        if not shutil.which(tool):
            print(f"{tool} is missing: {where}", file=sys.stderr)
            return 1

    logs = Path(tempfile.mkdtemp(prefix="tracker-scaleout-"))
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    env.update(
        DATABASE_URL=f"{server}/{DATABASE}",
        REDIS_URL=f"redis://{HOST}:{redis_port}/0",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_PROXY_COUNT="1",
        DJANGO_LOG_LEVEL="WARNING",
        # Every simulated reader comes from 127.0.0.1: one address, many people.
        DJANGO_API_THROTTLE_ANON="1000000/minute",
        DJANGO_API_THROTTLE_USER="1000000/minute",
    )
    processes = Processes()
    # SIGTERM (e.g. from a CI timeout) unwinds like Ctrl-C, through the finally below.
    signal.signal(signal.SIGTERM, _interrupted)
    summaries = []
    try:
        print(f"Preparing {DATABASE} on {server} (logs in {logs}) ...", flush=True)
        tokens = prepare(env, server, args)
        processes.start(
            "redis-server",
            [
                "redis-server",
                "--bind",
                HOST,
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env,
            logs / "redis.log",
        )
        wait_for(lambda: redis_command(redis_port, "PING") == b"+PONG", "redis-server")
        processes.start(
            "db_worker",
            [PYTHON, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
            env,
            logs / "worker.log",
        )
        results = [
            run_configuration(processes, env, redis_port, servers, cache, args, tokens, logs)
            for servers, cache in configs
        ]
        found = census(env)
        worker_alive = all(p.poll() is None for n, p in processes.running if n == "db_worker")
    except KeyboardInterrupt:
        print("\nInterrupted: stopping everything started.", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
    rows = found["rows"]
    summaries = [summarize(result, rows) for result in results]
    lines = table(summaries)
    print()
    print("\n".join(lines))
    print()
    for s in summaries:
        name = f"{s['servers']} server(s), cache {'on' if s['cache'] else 'off'}"
        statuses = dict(sorted(s["tally"].statuses.items()))
        print(f"{name}: {s['reads'] + s['writes']} requests in {s['wall']:.1f} s; {statuses}")
        print(f"   through HAProxy to: {s['per_server']}")
        slowest = sorted(s["tally"].by_path.items(), key=lambda item: -statistics.median(item[1]))[
            :4
        ]
        print(
            "   slowest reads (median ms): "
            + ", ".join(f"{path} {statistics.median(v) * 1000:.0f}" for path, v in slowest)
        )
        for failure in s["tally"].failures[:5]:
            print("   error:", failure)
        for problem in s["problems"][:5]:
            print("   update:", problem)
        for read, expected in s["stale"][:5]:
            print(f"   stale: {read.path} showed {read.shown}, expected at least {expected}")
    # The cells' final state: each watched cell shows the latest of the writers' approvals.
    keys = {k: v for s in summaries for k, v in s["tally"].keys.items()}
    approvals = [a for s in summaries for a in s["tally"].approvals]
    final = [Read(cell, float("inf"), update) for cell, update in found["cells"].items()]
    final_stale = stale_reads(approvals, final, keys)
    print(f"Final state of the 12 written cells: {len(final_stale)} behind their last approval")
    print(f"Task worker alive to the end: {'yes' if worker_alive else 'NO'}")
    problems = sum(len(s["problems"]) + len(s["stale"]) + s["errors"] for s in summaries)
    problems += len(final_stale) + (0 if worker_alive else 1)
    lines = section(summaries, args, len(final_stale), worker_alive)
    (logs / "results-section.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"The results' section: {logs / 'results-section.md'}")
    if args.write_results:
        write_results(lines)
    print("All checks passed." if not problems else f"{problems} problems (see above).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
