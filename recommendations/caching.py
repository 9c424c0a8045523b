"""The shared page cache: public pages stored in Django's cache framework, keyed by the data
version, so a reader never sees a page older than the last approval.

Every request reads the data version first (``DataVersion.objects.current()``, one primary-key
read, never kept in the process), before the view's own queries. The key is a hash of that
version, the day, the language, the scheme and host (pages print their own address), the path,
the query string (its parameters sorted), the htmx headers and, for the API, ``Accept``. A change
the public sees moves the version in its own transaction (``services.data_version_bump``), so the
next request of every worker on every server looks up a new key; entries of older versions are
never read again and leave when they expire (``TRACKER_PAGE_CACHE_SECONDS``) or when the cache
needs room.

Only anonymous readers share pages: a GET or HEAD with no session cookie, no messages cookie and
no ``Authorization`` header. A response is stored only when it is a 200 that sets no cookie,
used no CSRF token, left the session alone and is not streamed (the large CSV exports stream,
and are not stored). Public answers carry an ``ETag`` and a ``Last-Modified`` from the data
version and ``Cache-Control: public, no-cache``: browsers and a CDN keep them and revalidate
each time, answered 304 before the view runs. ``X-Cache`` says ``hit`` or ``miss``.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import logging
import threading
import time
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .models import DataVersion

logger = logging.getLogger(__name__)

#: request headers a page's answer depends on: htmx asks for a fragment of the page
VARIED = ("HX-Request", "HX-Boosted", "HX-Target", "HX-History-Restore-Request")
#: the files whose change changes a page: (folder, pattern), under BASE_DIR
RELEASE_FILES = (
    ("templates", "*.html"),
    ("recommendations", "*.py"),
    ("tracker", "*.py"),
    ("locale", "*.mo"),
)
#: headers of a stored answer that are not the page's own
NOT_STORED = {"set-cookie", "x-cache"}


# The data version a request reads under, once a request --------------------------------------

#: a request's data version not read yet
UNREAD = ()
#: (version, changed_at) of the request being answered, once read; None outside a request
_request_version: contextvars.ContextVar[tuple | None] = contextvars.ContextVar(
    "data_version", default=None
)


class DataVersionMiddleware:
    """Forget the data version at every request's start and end: a thread answers many requests,
    and each reads the version anew (``request_version``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set(UNREAD)
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


def request_version() -> tuple | None:
    """The data version this request's page is read under: the shared cache's read
    (``Page``), or one read here, once a request; None outside a request."""
    version = _request_version.get()
    if version == UNREAD:
        version = DataVersion.objects.current()
        _request_version.set(version)
    return version


#: figures of the catalogue kept by this process: {data version: {key: value}}, the latest two
_kept: dict[tuple, dict] = {}
_kept_lock = threading.Lock()


def kept(key: tuple, compute):
    """``compute()``, kept by this process under the data version, the active language (the
    catalogue's records carry that language's texts) and ``key`` (which names what it is and
    anything else it depends on): for what the catalogue alone decides and every page reads
    again (the filters' lists of Member States and recommendations), computed once a version,
    a language and a process instead of once a request. Every
    change the public sees moves the version (``services.data_version_bump``), the catalogue's
    included, and each request reads it (``request_version``), so no worker keeps a list older
    than the version another has seen; the first request after a change computes it again.
    Outside a request (a command, a test calling a selector), computed each time."""
    version = request_version()
    if version is None:
        return compute()
    key = (translation.get_language(), *key)
    with _kept_lock:
        entries = _kept.get(version)
        if entries is None:
            entries = _kept[version] = {}
            for older in sorted(_kept)[:-2]:  # versions only move forward
                del _kept[older]
        if key in entries:
            return entries[key]
    value = compute()
    with _kept_lock:
        entries[key] = value
    return value


def kept_forget() -> None:
    """Forget every figure kept (the tests: each starts from its own database)."""
    with _kept_lock:
        _kept.clear()


def now() -> float:
    return time.time()


@functools.cache
def release() -> str:
    """What renders the pages: ``DJANGO_RELEASE``, else a digest of the project's code, templates
    and compiled translations, read once a process. Pages an older release rendered (another
    template, a fixed bug) are never served after a deploy, and servers that run the same files
    share their entries."""
    if settings.TRACKER_RELEASE:
        return settings.TRACKER_RELEASE
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder, pattern in RELEASE_FILES:
        for path in sorted((base / folder).rglob(pattern)):
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shareable(request) -> bool:
    """A request that may be answered from, and add to, the shared cache: an anonymous read."""
    if not settings.TRACKER_PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class Page:
    """One request's place in the cache: its key, and the validators of its answer."""

    def __init__(self, request, *, negotiates: bool = False):
        self.request = request
        self.version, self.changed_at = DataVersion.objects.current()
        if _request_version.get() is not None:  # in a request, past DataVersionMiddleware
            _request_version.set((self.version, self.changed_at))
        query = sorted(request.GET.lists(), key=lambda item: item[0])
        headers = [request.headers.get(name, "") for name in VARIED]
        if negotiates:
            headers.append(request.headers.get("Accept", ""))
        described = json.dumps(
            [
                self.version,
                self.changed_at.isoformat(),
                release(),
                # Pages count stale cells from today and print the date: a new day, new pages.
                timezone.localdate().isoformat(),
                translation.get_language(),
                # Pages print their own address (hreflang links, the API's URLs, feeds): one
                # copy per scheme and host name, or one allowed name's links reach another's.
                request.scheme,
                request.get_host(),
                request.path,
                query,
                headers,
            ],
            ensure_ascii=True,
        )
        digest = hashlib.sha256(described.encode()).hexdigest()
        self.key = f"page:{digest}"
        self.etag = f'"{self.version}-{digest[:20]}"'
        self.last_modified = int(self.changed_at.timestamp())

    def not_modified(self):
        """A 304 when the client holds this version's answer already, else None."""
        response = get_conditional_response(
            self.request, etag=self.etag, last_modified=self.last_modified
        )
        if response is not None:
            self.validators(response)
            response["X-Cache"] = "hit"
        return response

    def validators(self, response) -> None:
        """The data version's ETag and date (unless the view named its own), and revalidation."""
        if not response.has_header("ETag"):
            response["ETag"] = self.etag
        # Not in the second the version moved: a client holding that second's date could not
        # tell a later change within it (If-Modified-Since counts whole seconds); the ETag can.
        if not response.has_header("Last-Modified") and int(now()) > self.last_modified:
            response["Last-Modified"] = http_date(self.last_modified)
        patch_cache_control(response, public=True, no_cache=True)
        # Every header the key holds: a browser or CDN that keeps one variant (the htmx
        # fragment) must not revalidate it for another (the boosted whole page) by date alone.
        patch_vary_headers(response, VARIED)

    def stored(self):
        """The stored answer as a new response, or None."""
        try:
            entry = cache.get(self.key)
        except Exception:  # the cache is an aid: a server down means uncached pages, not errors
            logger.warning("page cache unavailable for reading", exc_info=True)
            return None
        if entry is None:
            return None
        status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        # Validators the view set itself (an update's own Last-Modified) are asked here. A
        # view's date can move back (a feed dated by its newest entry, when that entry is
        # withdrawn): a date is only "not modified" if it is no older than the version's too.
        own = parse_http_date_safe(response.get("Last-Modified", ""))
        response = get_conditional_response(
            self.request,
            etag=response.get("ETag"),
            last_modified=None if own is None else max(own, self.last_modified),
            response=response,
        )
        response["X-Cache"] = "hit"
        return response

    def store(self, response) -> None:
        """Keep the answer, if it is one every anonymous reader may share."""
        request = self.request
        session = getattr(request, "session", None)
        if (
            response.status_code != 200
            or response.streaming
            or response.cookies
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or (session is not None and session.modified)
            or "private" in response.get("Cache-Control", "")
            or "no-store" in response.get("Cache-Control", "")
        ):
            return
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in NOT_STORED
        ]
        try:
            cache.set(
                self.key,
                (response.status_code, headers, response.content),
                settings.TRACKER_PAGE_CACHE_SECONDS,
            )
        except Exception:
            logger.warning("page cache unavailable for writing", exc_info=True)

    def answered(self, response):
        """A response the view made: validators on a 200, stored once rendered."""
        response["X-Cache"] = "miss"
        if response.status_code != 200:
            return response
        self.validators(response)
        if getattr(response, "is_rendered", True):
            self.store(response)
        else:
            response.add_post_render_callback(self.store)
        return response


def public_page(view):
    """Serve a public view from the shared cache to anonymous readers (see the module).

    For function views and, through ``method_decorator(public_page, name="dispatch")``,
    class-based ones."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if not shareable(request):
            return view(request, *args, **kwargs)
        page = Page(request)
        response = page.not_modified() or page.stored()
        if response is not None:
            return response
        return page.answered(view(request, *args, **kwargs))

    return cached_view
