"""What an app server does once, after loading the project and before its first request
(``tracker/wsgi.py`` and ``tracker/asgi.py``; ``bench/measure.py`` does the same, so that the
benchmark measures what the servers serve).

Everything a process keeps for its life is loaded now rather than by the first requests (every
view, the project's templates compiled, each language's translations, and what each app's
``warm()`` loads: the collation table of the names' sort), and then moved out of the garbage
collector's reach with ``gc.freeze()``. A full collection walked it all: 330,000 objects at
start-up and 120,000 more once the first pages had sorted names, 50 to 85 ms once every dozen
requests of a page that reads thousands of rows (the as-of dashboard's p95 was 145 ms for a
57 ms median). Python's documentation recommends the same freeze before
a server forks its workers (gunicorn's ``preload_app``): the frozen objects' pages then stay
shared between them.
"""

from __future__ import annotations

import gc
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation


def ready_to_serve() -> None:
    get_resolver().url_patterns  # imports every view  # noqa: B018
    for engine in engines.all():
        for folder in engine.engine.dirs:  # the project's own templates
            for path in sorted(Path(folder).rglob("*.html")):
                try:
                    engine.get_template(path.relative_to(folder).as_posix())
                except TemplateSyntaxError:  # a page's own error, shown when it is asked for
                    continue
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Debate Tracker")  # loads the language's catalogue
    for config in apps.get_app_configs():
        if hasattr(config, "warm"):
            config.warm()
    gc.freeze()
