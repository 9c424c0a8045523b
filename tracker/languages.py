"""Which language a page speaks, and the switcher that changes it.

English is the source language and keeps the unprefixed URLs, so no link shared before the
translation breaks; the other five live under their prefix (``/fr/``, ``/zh-hans/``...). The
prefix decides: a ``/fr/`` page is French for everyone. An unprefixed page is English unless the
reader has said otherwise, in this order:

1. the language a signed-in user chose (kept on their account, copied into the session at sign-in);
2. the language cookie that Django's ``set_language`` writes;
3. on a first visit, the browser's ``Accept-Language``.

A reader whose choice is not English is redirected, on a GET, to the same page and query string
under that language's prefix. Choosing English in the switcher writes the cookie, which then wins
over ``Accept-Language``, so the redirect never loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_info
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

#: the session key holding a signed-in user's chosen language
SESSION_KEY = "tracker_language"

#: paths outside ``i18n_patterns``: never redirected to a language prefix
UNTRANSLATED_PREFIXES = ("/i18n/", "/healthz", "/api/", f"/{settings.STATIC_URL.strip('/')}/")


def supported(code: str | None) -> str | None:
    """The code if it is one of the six, else None."""
    return code if code in dict(settings.LANGUAGES) else None


def translated_languages() -> list[str]:
    """The languages other than English, the source: those with catalogues and translations."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def preferred(request) -> str:
    """The language the reader asked for, when the URL carries none."""
    session = getattr(request, "session", None)
    chosen = supported(session.get(SESSION_KEY)) if session is not None else None
    return chosen or translation.get_language_from_request(request, check_path=False)


def in_language(path: str, language: str) -> str:
    """``path`` (with its query string) as the page in ``language``: the same view under that
    language's prefix (none for English). A path no view answers (a 404 page) still swaps its
    prefix, so the language menu works there too. Only ever a local path."""
    path = "/" + path.lstrip("/")  # "//host/..." is a path here, never another site
    parts = urlsplit(path)
    current = translation.get_language_from_path(parts.path)
    # translate_url resolves the path in the active language: the one its prefix names.
    with translation.override(current or settings.LANGUAGE_CODE):
        target = translate_url(path, language)
    if target == path and language != (current or settings.LANGUAGE_CODE):
        rest = parts.path[len(current) + 1 :] if current else parts.path
        prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
        target = prefix + rest + (f"?{parts.query}" if parts.query else "")
    return target if target.startswith("/") and not target.startswith("//") else "/"


class PreferredLanguageMiddleware:
    """Send a reader who chose another language to the prefixed copy of an unprefixed page.

    After ``LocaleMiddleware`` (which activates the path's language) and authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        unprefixed = translation.get_language_from_path(path) is None
        if (
            unprefixed
            and request.method in ("GET", "HEAD")
            and not path.startswith(UNTRANSLATED_PREFIXES)
            and request.GET.get("format") != "csv"  # the same file in every language
        ):
            language = preferred(request)
            if language != settings.LANGUAGE_CODE:
                # Only a page a view answers: translate_url leaves any other path alone, so a
                # 404 stays a 404 where it was asked.
                full_path = "/" + request.get_full_path().lstrip("/")
                target = translate_url(full_path, language)
                if target != full_path:
                    response = HttpResponseRedirect(in_language(full_path, language))
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    return response
        response = self.get_response(request)
        if unprefixed:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


@csrf_exempt
def set_language(request):
    """Django's ``set_language``, reading ``next`` in its own language, and remembering the
    choice in the cookie and, for a signed-in user, in the session and on their account.

    An anonymous reader's switcher carries no CSRF token, so that every public page can be one
    shared, cached copy (``recommendations/caching.py``); for them the choice is only the
    language cookie, which no one gains by forging. A signed-in user's form carries the token
    and is checked here, as the middleware would (their choice is saved on their account)."""
    from recommendations.services.preferences import language_remember

    if request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda _request: None).process_view(request, None, (), {})
        if refused is not None:
            return refused

    language = supported(request.POST.get("language"))
    if request.method == "POST" and not language:
        # Not one of the six: back to the page, nothing changed (Django would accept any
        # language it has files for, and send the reader to a prefix that does not exist).
        unchanged = QueryDict(mutable=True)
        unchanged["next"] = request.POST.get("next", "")
        request.POST = unchanged
    response = django_set_language(request)
    if request.method == "POST" and language and response.status_code == 302:
        # Wherever Django sends the reader (``next``, else the page they came from, else the
        # home page), it is that page in the chosen language, on this site.
        location = urlsplit(response["Location"])
        if not location.netloc or location.netloc == request.get_host():
            local = location.path + (f"?{location.query}" if location.query else "")
            fragment = f"#{location.fragment}" if location.fragment else ""
            response["Location"] = in_language(local, language) + fragment
    if request.method == "POST" and language and request.user.is_authenticated:
        # Not for anonymous readers: a session would make their pages uncacheable; the
        # cookie says the same, and sign-in copies it to the session (``signals``).
        request.session[SESSION_KEY] = language
        language_remember(request.user, language)
    elif request.method == "POST" and language and request.session.get(SESSION_KEY):
        # A reader's session from before choices lived in the cookie alone: it would win over
        # the cookie (``preferred``) and send them back to the old language. Kept in step.
        request.session[SESSION_KEY] = language
    return response


@dataclass(frozen=True)
class Alternate:
    code: str
    name: str  # in its own language
    url: str
    bidi: bool
    current: bool


class Alternates(list):
    """This page in each language, for ``hreflang`` links and the switcher; ``current`` is the
    page's own."""

    @property
    def current(self) -> Alternate | None:
        return next((alternate for alternate in self if alternate.current), None)


def alternates(request) -> Alternates:
    """This page in each language, for ``hreflang`` links and the switcher."""
    path = request.get_full_path()
    active = translation.get_language()
    result = Alternates()
    for code, name in settings.LANGUAGES:
        info = get_language_info(code)
        result.append(Alternate(code, name, in_language(path, code), info["bidi"], code == active))
    return result
