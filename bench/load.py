"""A bounded load test: mixed reading, filtering and logging against gunicorn on 127.0.0.1.

`make load` runs it. It builds a scratch SQLite database under .load/ (the seeded catalogue plus
a few hundred approved updates), starts the production stack (DEBUG off, WhiteNoise, gunicorn)
on a free loopback port, drives it from client threads for a fixed time and a fixed number of
requests, whichever ends first, then stops the server and prints requests per second, latency
and errors. Traffic goes to 127.0.0.1 only.

    python bench/load.py [--seconds 20] [--clients 8] [--max-requests 20000]

`--scale-out` runs the scale-out mode instead (bench/scaleout.py: two app servers behind HAProxy
on PostgreSQL and Redis; `make load MODE=scale-out`); the options after it are that mode's.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
WORK = ROOT / ".load"

READS = [
    "/",
    "/recommendations/",
    "/recommendations/R03/",
    "/states/",
    "/states/NGA/",
    "/dashboard/",
]
FILTERS = [
    "/updates/?region=african&theme=protection&since=2015-01-01",
    "/updates/?status=implemented&status=partially_implemented",
    "/recommendations/?theme=prevention&actor=private-sector",
    "/states/?region=eastern-european",
    "/dashboard/?region=latin-american-caribbean&theme=prosecution",
    "/updates/?q=review&sort=oldest",
    "/updates/?region=african&format=csv",
]

SETUP = """
import datetime, random
from django.contrib.auth.models import Group, User
from recommendations.models import Cell, Status
from recommendations import services
random.seed(7)
editor = User.objects.create_user("load-editor", password="{password}")
editor.groups.add(Group.objects.get(name="Editors"))
reviewer = User.objects.create_user("load-reviewer", password="{password}", is_staff=True)
reviewer.groups.add(Group.objects.get(name="Reviewers"))
cells = list(Cell.objects.select_related("recommendation", "state"))
statuses = [s for s in Status if s != Status.NO_INFORMATION]
for i in range(400):
    cell = random.choice(cells)
    update = services.update_log(
        user=editor, recommendation=cell.recommendation, state=cell.state,
        status=random.choice(statuses),
        effective_date=datetime.date(random.randint(2008, 2025), random.randint(1, 12), 1),
        narrative=f"Load-test report {{i}}: a national review was held.", source="government",
        submit=True)
    services.update_approve(update=update, user=reviewer)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str], password: str) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    for args in (
        ["migrate", "--no-input", "-v", "0"],
        ["seed"],
        ["collectstatic", "--no-input", "-v", "0"],
        ["shell", "-v", "0", "-c", SETUP.format(password=password)],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


class Client:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, b""

    def post(self, path: str, data: dict[str, str]) -> int:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode(),
            headers={"Referer": self.base + path},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def sign_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password})


def run(base: str, seconds: float, clients: int, max_requests: int, password: str) -> dict:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"read": [], "filter": [], "log": []}
    statuses: Counter = Counter()
    failures: list[str] = []
    sent = 0

    def worker(index: int) -> None:
        nonlocal sent
        rng = random.Random(index)
        client = Client(base)
        client.sign_in("load-editor", password)
        while time.monotonic() < deadline:
            with lock:
                if sent >= max_requests:
                    return
                sent += 1
            roll = rng.random()
            start = time.perf_counter()
            if roll < 0.55:
                kind, status = "read", client.get(rng.choice(READS))[0]
            elif roll < 0.9:
                kind, status = "filter", client.get(rng.choice(FILTERS))[0]
            else:
                kind = "log"
                code, body = client.get("/updates/new/?recommendation=R03&state=FRA")
                status = code
                if code == 200:
                    status = client.post(
                        "/updates/new/",
                        {
                            "recommendation": rng.choice(["R03", "R19", "R23"]),
                            "state": rng.choice(["FRA", "NGA", "BRA", "JPN"]),
                            "status": "in_progress",
                            "effective_date": "2024-01-01",
                            "narrative": f"Load client {index} logged progress.",
                            "evidence": "https://example.org/report",
                            "source": "government",
                            "action": rng.choice(["draft", "submit"]),
                        },
                    )
            elapsed = time.perf_counter() - start
            with lock:
                latencies[kind].append(elapsed)
                statuses[status] += 1
                if status >= 400:
                    failures.append(f"{kind} -> {status}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    total = sum(len(v) for v in latencies.values())
    return {
        "wall": wall,
        "total": total,
        "latencies": latencies,
        "statuses": statuses,
        "failures": failures,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    if sys.argv[1:2] == ["--scale-out"]:
        import scaleout

        return scaleout.main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=20_000)
    args = parser.parse_args()

    password = secrets.token_urlsafe(16)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{WORK / 'load.sqlite3'}",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_LOG_LEVEL="WARNING",
    )
    print("Preparing a scratch database under .load/ ...", flush=True)
    prepare(env, password)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "tracker.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if Client(base).get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            print("gunicorn did not come up", file=sys.stderr)
            return 1
        print(
            f"Driving {base} with {args.clients} clients for {args.seconds:.0f} s ...", flush=True
        )
        result = run(base, args.seconds, args.clients, args.max_requests, password)
    finally:
        server.terminate()
        server.wait(timeout=30)

    lat = result["latencies"]
    everything = [v for values in lat.values() for v in values]
    print()
    print("| mix | requests | median ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for kind in ("read", "filter", "log"):
        values = lat[kind]
        print(
            f"| {kind} | {len(values)} | {statistics.median(values) * 1000:.0f} | "
            f"{percentile(values, 0.95) * 1000:.0f} |"
            if values
            else f"| {kind} | 0 | | |"
        )
    print(
        f"| all | {len(everything)} | {statistics.median(everything) * 1000:.0f} | "
        f"{percentile(everything, 0.95) * 1000:.0f} |"
    )
    print()
    rps = result["total"] / result["wall"]
    errors = len(result["failures"])
    print(
        f"{result['total']} requests in {result['wall']:.1f} s: {rps:.0f} requests/s, "
        f"{errors} errors; statuses {dict(sorted(result['statuses'].items()))}"
    )
    if errors:
        print("first errors:", result["failures"][:5])
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
