"""What an app server does once, after loading the project and before its first request
(``tracker/wsgi.py`` and ``tracker/asgi.py``; ``bench/measure.py`` does the same, so that the
benchmark measures what the servers serve).

Every view is imported now rather than on the first request, and then every object loaded so far
(some 330,000: modules, functions, the URL patterns, the models' metadata) is moved out of the
garbage collector's reach with ``gc.freeze()``. They live as long as the process, and a full
collection walked them all: 85 ms on the benchmark machine, once every dozen requests of a page
that reads thousands of rows (the as-of dashboard's p95 was 145 ms for a 57 ms median). Python's
documentation recommends the same before a server forks its workers (gunicorn's ``preload_app``):
the frozen objects' pages are then also left shared between them.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def ready_to_serve() -> None:
    get_resolver().url_patterns  # imports every view  # noqa: B018
    gc.freeze()
