"""The addresses of the pages that lists link to by the hundred (a Member State, a
recommendation, a cell), reversed once per language and kept.

``reverse()`` walks the URL resolver on every call: about 20 microseconds, several times a row,
on pages of 195 rows. An address depends only on the URL configuration, the script prefix, the
language (its ``/fr/`` prefix, none for the default language) and the arguments, so all of them
are the key."""

from __future__ import annotations

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


def cached_reverse(viewname: str, *args) -> str:
    """``reverse(viewname, args=args)``, from the cache when it was reversed before."""
    # The default language has no prefix (``prefix_default_language=False``): it is in the key.
    return _reversed(
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        settings.LANGUAGE_CODE,
        get_language(),
        viewname,
        args,
    )


@functools.lru_cache(maxsize=20_000)  # 195 states x 40 recommendations, some languages
def _reversed(root_urlconf, urlconf, prefix, default_language, language, viewname, args) -> str:
    return reverse(viewname, args=args)
