import io

import pytest
from django.conf import settings
from django.core.management import call_command

from recommendations.models import Recommendation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the catalogue once per test database; each test runs in a rolled-back transaction."""
    with django_db_blocker.unblock():
        call_command("seed", stdout=io.StringIO())


@pytest.fixture
def seeded(db):
    """The seeded catalogue, re-seeded where a transactional test flushed it."""
    if not Recommendation.objects.exists():
        call_command("seed", stdout=io.StringIO())


@pytest.fixture
def data_dir(tmp_path):
    """A writable copy of the data files, for tests that edit them."""
    import shutil

    target = tmp_path / "data"
    shutil.copytree(settings.TRACKER_DATA_DIR, target)
    return target


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; a fast hasher keeps the suite quick (never used outside tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def one_database(settings):
    """With DATABASE_REPLICA_URL set the tests still use one database (the replica is a test
    mirror of it), and no router: tests/unit/test_replica_router.py tests the router itself."""
    if "replica" in settings.DATABASES:
        settings.DATABASE_ROUTERS = []
        settings.MIDDLEWARE = [
            name for name in settings.MIDDLEWARE if name != "tracker.routers.ReplicaMiddleware"
        ]


@pytest.fixture
def editor(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="editor", is_staff=False), "Editors")


@pytest.fixture
def scoped_editor(db):
    """An editor assigned to France only."""
    from recommendations.models import EditorScope, MemberState
    from tests.factories import UserFactory, in_group

    user = in_group(UserFactory(username="focal-point-fra", is_staff=False), "Editors")
    EditorScope.objects.create(user=user).states.set([MemberState.objects.get(iso3="FRA")])
    return user


@pytest.fixture
def reviewer(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="reviewer"), "Reviewers")


@pytest.fixture
def second_reviewer(db):
    from tests.factories import UserFactory, in_group

    return in_group(UserFactory(username="reviewer2"), "Reviewers")


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def scratch_database_url(tmp_path):
    """A new, empty database of the same engine as the suite's, for tests that run the app in
    other processes (concurrency, migrations, backups): a SQLite file, or a PostgreSQL database
    created for the test and dropped after it."""
    import uuid

    from django.db import connection

    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"tracker_scratch_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        yield f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run_manage(database_url: str, *args: str, timeout: int = 300):
    """Run manage.py in a subprocess against another database; fail with its output."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture(autouse=True)
def english_between_tests():
    """Each request activates its page's language in the test's thread; start every test in
    English so that ``reverse()`` and ``gettext`` do not inherit the last page's language."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def page_cache(settings):
    """The shared page cache (recommendations/caching.py) is off in the tests of what pages
    show: they read the view's own render (its template context, its queries), and many write
    rows with factories, behind the services' back, between two reads of one page. Its own
    tests (tests/integration/test_page_cache.py) turn it on, on local memory and on Redis. The
    cache is emptied before every test either way, so nothing a test stored answers the next;
    so are the catalogue's figures each process keeps under the data version.
    """
    from django.core.cache import caches

    from recommendations import caching

    settings.TRACKER_PAGE_CACHE = False
    for name in settings.CACHES:
        caches[name].clear()
    caching.kept_forget()


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server of the test run's own, on a free port of 127.0.0.1, without persistence;
    its address. Missing redis-server fails the tests that ask for it: the Redis variants must
    really run (make test installs Debian's package, .ci/run too)."""
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: the page cache's Redis tests need it "
            "(make test installs Debian's redis-server; or apt-get install redis-server)."
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "no", "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start on port {port}.")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
