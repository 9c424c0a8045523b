"""Which database a read goes to when a read replica is configured (tracker/routers.py): an
anonymous reader's safe request outside a transaction reads from the replica; writes, signed-in
people, API tokens, anything outside a request, and a person who has just written read from the
primary. The settings install all this only when DATABASE_REPLICA_URL is set."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from recommendations.models import Cell, ProgressUpdate
from tracker.routers import PIN_COOKIE, PIN_SALT, ReplicaMiddleware, ReplicaRouter

router = ReplicaRouter()
rf = RequestFactory()


def handled(request, view=None):
    """The response, and where the view's reads went, with the request through the middleware."""
    seen = []

    def reading_view(request):
        seen.append(router.db_for_read(ProgressUpdate))
        return view(request) if view else HttpResponse("ok")

    response = ReplicaMiddleware(reading_view)(request)
    return response, seen[0]


def read_for(request) -> str:
    return handled(request)[1]


def pin_of(response) -> str:
    return response.cookies[PIN_COOKIE].value


# Anonymous readers ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_an_anonymous_readers_safe_request_reads_from_the_replica(method):
    assert read_for(getattr(rf, method)("/en/recommendations/")) == "replica"


def test_an_anonymous_read_sets_no_cookie_so_the_page_cache_may_keep_it():
    response, _ = handled(rf.get("/en/recommendations/"))
    assert PIN_COOKIE not in response.cookies


def test_a_streamed_body_reads_where_its_request_does():
    """The CSV exports stream: their rows are read after the middleware has returned."""

    def streaming(request):
        return StreamingHttpResponse(router.db_for_read(Cell) for _ in range(2))

    anonymous, _ = handled(rf.get("/en/recommendations/export.csv"), streaming)
    assert b"".join(anonymous.streaming_content) == b"replicareplica"
    signed_in, _ = handled(
        rf.get("/en/recommendations/export.csv", HTTP_COOKIE="sessionid=abc"), streaming
    )
    assert b"".join(signed_in.streaming_content) == b"defaultdefault"


# Everyone else reads from the primary -------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_request_that_may_write_reads_from_the_primary(method):
    assert read_for(getattr(rf, method)("/en/updates/new/")) == "default"


def test_a_signed_in_person_reads_from_the_primary():
    request = rf.get("/en/recommendations/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc")
    assert read_for(request) == "default"


def test_an_api_token_user_reads_from_the_primary():
    request = rf.get("/api/v1/updates/", HTTP_AUTHORIZATION="Token dt_abc")
    assert read_for(request) == "default"


def test_a_read_inside_a_transaction_goes_to_the_primary(monkeypatch):
    monkeypatch.setattr(transaction.get_connection("default"), "in_atomic_block", True)
    assert read_for(rf.get("/en/recommendations/")) == "default"


def test_reads_after_a_write_in_the_same_request_go_to_the_primary():
    def writing_view(request):
        assert router.db_for_write(ProgressUpdate) == "default"
        return HttpResponse(router.db_for_read(ProgressUpdate))

    response, before = handled(rf.get("/en/recommendations/"), writing_view)
    assert (before, response.content) == ("replica", b"default")


def test_outside_a_request_reads_go_to_the_primary():
    """The task worker, management commands, the shell: no request marked the reads safe."""
    assert router.db_for_read(ProgressUpdate) == "default"


def test_the_request_context_ends_with_the_request():
    handled(rf.get("/en/recommendations/"))
    assert router.db_for_read(ProgressUpdate) == "default"


def test_writes_always_go_to_the_primary():
    assert router.db_for_write(ProgressUpdate) == "default"
    assert handled(rf.get("/"), lambda r: HttpResponse(router.db_for_write(Cell)))[0].content == (
        b"default"
    )


# Read-your-writes: the pin cookie -----------------------------------------------------------


def test_a_write_pins_the_writer_to_the_primary_for_a_while():
    response, _ = handled(rf.post("/en/updates/new/", HTTP_COOKIE="sessionid=abc"))
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == settings.TRACKER_REPLICA_PIN_SECONDS
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Signed out since (no session cookie), still reading their own write.
    assert (
        read_for(rf.get("/en/recommendations/", HTTP_COOKIE=f"{PIN_COOKIE}={pin_of(response)}"))
        == "default"
    )


def test_the_pin_lasts_as_configured(settings):
    settings.TRACKER_REPLICA_PIN_SECONDS = 45
    response, _ = handled(rf.post("/accounts/logout/", HTTP_COOKIE="sessionid=abc"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 45


def test_an_api_token_write_sets_no_pin():
    response, _ = handled(rf.post("/api/v1/updates/", HTTP_AUTHORIZATION="Token dt_abc"))
    assert PIN_COOKIE not in response.cookies


@pytest.mark.parametrize(
    "value",
    [
        "1",
        signing.Signer(key="another site's key", salt=PIN_COOKIE + PIN_SALT).sign("1"),
        signing.get_cookie_signer(salt=PIN_COOKIE + "another salt").sign("1"),
    ],
    ids=["unsigned", "another key", "another salt"],
)
def test_a_forged_pin_reads_from_the_replica(value):
    assert read_for(rf.get("/en/recommendations/", HTTP_COOKIE=f"{PIN_COOKIE}={value}")) == (
        "replica"
    )


def test_an_expired_pin_reads_from_the_replica():
    signer = signing.get_cookie_signer(salt=PIN_COOKIE + PIN_SALT)
    fresh = signer.sign("1")
    signer.timestamp = lambda: signing.b62_encode(
        int(signing.time.time()) - settings.TRACKER_REPLICA_PIN_SECONDS - 2
    )
    expired = signer.sign("1")
    assert read_for(rf.get("/", HTTP_COOKIE=f"{PIN_COOKIE}={fresh}")) == "default"
    assert read_for(rf.get("/", HTTP_COOKIE=f"{PIN_COOKIE}={expired}")) == "replica"


# Relations and migrations -------------------------------------------------------------------


def test_rows_from_either_connection_may_be_related():
    from_replica, from_primary = Cell(), ProgressUpdate()
    from_replica._state.db, from_primary._state.db = "replica", "default"
    assert router.allow_relation(from_replica, from_primary) is True


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "recommendations") is True
    assert router.allow_migrate("replica", "recommendations") is False


# Settings -----------------------------------------------------------------------------------

SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "replica = s.DATABASES.get('replica'); print(json.dumps({"
    "'replica': replica and {k: replica[k] for k in "
    "('ENGINE', 'HOST', 'PORT', 'NAME', 'USER', 'CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')} "
    "| {'TEST_MIRROR': replica['TEST']['MIRROR']}, "
    "'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE, "
    "'pin': s.TRACKER_REPLICA_PIN_SECONDS}))"
)


def settings_with(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO_") and not k.startswith("DATABASE_")
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DATABASE_URL": "postgres://tracker:secret@db.example.org:5432/tracker",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_replica_url_adds_the_replica_the_router_and_the_middleware():
    result = settings_with(
        DATABASE_REPLICA_URL="postgres://reader:secret@replica.example.org:5433/tracker",
        DJANGO_CONN_MAX_AGE="75",
        DJANGO_REPLICA_PIN_SECONDS="30",
    )
    shown = json.loads(result.stdout or "null") or pytest.fail(result.stderr)
    assert shown["replica"] == {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "replica.example.org",
        "PORT": 5433,
        "NAME": "tracker",
        "USER": "reader",
        # Connections kept and checked as the primary's.
        "CONN_MAX_AGE": 75,
        "CONN_HEALTH_CHECKS": True,
        "TEST_MIRROR": "default",  # the tests use one database
    }
    assert shown["routers"] == ["tracker.routers.ReplicaRouter"]
    middleware = shown["middleware"]
    # Before anything that may read (sessions, the views).
    assert middleware.index("tracker.routers.ReplicaMiddleware") < middleware.index(
        "django.contrib.sessions.middleware.SessionMiddleware"
    )
    assert shown["pin"] == 30


def test_without_a_replica_url_there_is_no_replica_no_router_and_no_middleware():
    result = settings_with()
    shown = json.loads(result.stdout or "null") or pytest.fail(result.stderr)
    assert shown["replica"] is None
    assert shown["routers"] == []
    assert "tracker.routers.ReplicaMiddleware" not in shown["middleware"]
    assert shown["pin"] == 10


def test_a_pin_of_no_time_is_refused():
    result = settings_with(DJANGO_REPLICA_PIN_SECONDS="0")
    assert result.returncode != 0
    assert "DJANGO_REPLICA_PIN_SECONDS must be a whole number, 1 or more" in result.stderr
