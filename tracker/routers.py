"""Reads that may go to a PostgreSQL read replica (``DATABASE_REPLICA_URL``), and the rule that
keeps everyone else on the primary.

Only an anonymous reader's safe request (GET, HEAD or OPTIONS with no session cookie and no
``Authorization`` header) reads from the replica, and only outside a transaction: everything a
public page shows can lag the primary by the replica's delay, nothing else may. Writes, signed-in
people, API tokens, the task worker, management commands and code running outside a request all
read from the primary. A person who has just written (any other method) gets a short-lived
signed cookie that keeps their next reads on the primary for ``DJANGO_REPLICA_PIN_SECONDS``,
signed in or not, so they read their own write; a request that writes reads from the primary for
the rest of it.

``ReplicaMiddleware`` decides once per request and keeps the answer in a context variable;
``ReplicaRouter`` reads it. Settings install both only when the replica is configured.
"""

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The cookie that pins a person who has just written to the primary, and its signature's salt.
PIN_COOKIE = "tracker_primary"
PIN_SALT = "tracker.routers.pin"


@dataclass
class RequestReads:
    """Where the current request's reads may go; a write turns the replica off for the rest."""

    replica: bool


_request_reads: ContextVar[RequestReads | None] = ContextVar("tracker_request_reads", default=None)


class ReplicaRouter:
    """Reads to the replica when the current request allows it, everything else to the primary;
    migrations run on the primary alone (the replica copies it)."""

    def db_for_read(self, model, **hints) -> str:
        reads = _request_reads.get()
        if reads is None or not reads.replica:
            return PRIMARY
        # Inside a transaction a read must see the transaction's own writes (and its locks).
        if transaction.get_connection(PRIMARY).in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        reads = _request_reads.get()
        if reads is not None:
            reads.replica = False  # read what this request wrote
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # One database, two connections to it: any two rows may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def replica_allowed(request) -> bool:
    """Whether this request's reads may lag the primary: an anonymous reader's safe request, not
    pinned to the primary by a recent write of theirs."""
    if request.method not in SAFE_METHODS:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies:
        return False
    if PIN_COOKIE in cookies:
        # A forged or expired pin reads from the replica like any anonymous reader.
        pinned = request.get_signed_cookie(
            PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.TRACKER_REPLICA_PIN_SECONDS
        )
        if pinned is not None:
            return False
    return True


class ReplicaMiddleware:
    """Marks the request's reads as replica-safe or not (``replica_allowed``), and pins a person
    who has just written to the primary for ``TRACKER_REPLICA_PIN_SECONDS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = RequestReads(replica=replica_allowed(request))
        token = _request_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _request_reads.reset(token)
        if response.streaming and reads.replica and not response.is_async:
            # A streamed body (the CSV exports) is read after this returns: same rule for it.
            response.streaming_content = _reading_as(reads, response.streaming_content)
        if request.method not in SAFE_METHODS and "HTTP_AUTHORIZATION" not in request.META:
            # API clients with a token read from the primary anyway; browsers keep the pin.
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.TRACKER_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _reading_as(reads: RequestReads, chunks) -> Iterator[bytes]:
    """The streamed chunks, each produced with the request's read rule in force."""
    chunks = iter(chunks)
    while True:
        token = _request_reads.set(reads)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _request_reads.reset(token)
        yield chunk
