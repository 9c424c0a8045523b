"""Issue 18, attacked: the shared page cache must never show one reader what another asked for,
nor a page older than the last approval, nor fail on what a hostile client sends."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.contrib.messages.constants import SUCCESS
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.utils import timezone

from recommendations import services
from recommendations.models import DataVersion, Status
from tests.factories import UserFactory, cell_at

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 5, 1)
CHANGELIST = "/admin/recommendations/progressupdate/"


@pytest.fixture
def shared(settings):
    """The page cache on, on local memory (as tests/integration/test_page_cache.py does)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "issue18-attacks",
        }
    }
    settings.TRACKER_PAGE_CACHE = True
    caches["default"].clear()
    yield
    caches["default"].clear()


def submitted(editor, code="R03", iso3="FRA", narrative="A national plan was adopted."):
    cell = cell_at(code, iso3)
    update = services.update_log(
        user=editor,
        recommendation=cell.recommendation,
        state=cell.state,
        status=Status.IMPLEMENTED,
        effective_date=DAY,
        narrative=narrative,
        source="government",
    )
    return services.update_submit(update=update, user=editor)


# Other people's pages ------------------------------------------------------------------------


def test_a_page_cached_for_one_host_is_not_served_with_its_links_to_another(
    client, shared, settings
):
    """The page prints its own address (hreflang links, the API's URLs): a reader reaching the
    site by another allowed name must not get links to the first one's."""
    settings.ALLOWED_HOSTS = ["tracker.example.org", "other.example.net"]
    client.get("/states/", HTTP_HOST="other.example.net")
    page = client.get("/states/", HTTP_HOST="tracker.example.org").content.decode()
    assert "other.example.net" not in page
    assert "tracker.example.org" in page
    client.get("/api/v1/themes/", HTTP_HOST="other.example.net")
    api = client.get("/api/v1/themes/", HTTP_HOST="tracker.example.org").content.decode()
    assert "other.example.net" not in api


def test_a_page_cached_over_http_does_not_send_https_readers_to_http(client, shared):
    client.get("/states/")
    page = client.get("/states/", secure=True).content.decode()
    assert 'href="http://' not in page
    assert 'href="https://testserver/' in page


@pytest.mark.parametrize("value", ["", "forged", "x" * 4000])
def test_any_session_cookie_bypasses_the_cache_both_ways(client, shared, value):
    client.cookies[django_settings.SESSION_COOKIE_NAME] = value
    answer = client.get("/dashboard/")
    assert answer.status_code == 200
    assert "X-Cache" not in answer
    fresh = Client()
    assert fresh.get("/dashboard/")["X-Cache"] == "miss"


def test_an_editors_page_never_reaches_anonymous_readers_even_after_sign_out(client, shared):
    editor = UserFactory(username="secret-editor-name")
    client.force_login(editor)
    stale = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert "secret-editor-name" in client.get("/dashboard/").content.decode()
    client.post("/accounts/logout/")
    stale_client = Client()
    stale_client.cookies[django_settings.SESSION_COOKIE_NAME] = stale
    assert "secret-editor-name" not in stale_client.get("/dashboard/").content.decode()
    assert "secret-editor-name" not in Client().get("/dashboard/").content.decode()


def test_a_message_meant_for_one_reader_is_neither_stored_nor_shown_to_others(shared):
    """A message still in its cookie (left by a signed-in action, read after signing out) is
    shown to its reader on a public page, and to no one else."""
    storage = CookieStorage(RequestFactory().get("/"))
    mine = Client()
    mine.cookies["messages"] = storage._encode([Message(SUCCESS, "Your token: secret-123")])
    assert "secret-123" in mine.get("/states/").content.decode()
    for _ in range(2):
        other = Client().get("/states/")
        assert other.status_code == 200
        assert "secret-123" not in other.content.decode()


def test_a_bearer_token_of_any_shape_is_never_served_from_the_cache(client, shared):
    client.get("/api/v1/themes/")
    for header in ["Token nonsense", "Bearer x", "", "Basic Og=="]:
        answer = client.get("/api/v1/themes/", headers={"Authorization": header})
        assert answer.get("X-Cache") != "hit", header


# Errors and redirects --------------------------------------------------------------------------


def test_a_404_and_a_redirect_are_never_stored(client, shared):
    for _ in range(2):
        missing = client.get("/states/ZZZ/")
        assert missing.status_code == 404
        assert missing.get("X-Cache") != "hit"
    for _ in range(2):
        moved = client.get("/states")  # APPEND_SLASH
        assert moved.status_code in (301, 302, 404)
        assert moved.get("X-Cache") != "hit"


def test_a_bad_filter_answer_is_not_served_to_a_good_filter(client, shared):
    bad = client.get("/updates/?source=not-a-source")
    good = client.get("/updates/?source=government")
    assert good.status_code == 200
    assert good["X-Cache"] == "miss"
    assert bad.status_code in (200, 400)


# Hostile requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "q=%00%00",
        "q=" + "%ff" * 50,
        "&".join(f"p{i}=1" for i in range(2000)),
        "q=" + "x" * 20000,
        "q=%E2%80%AE%F0%9F%98%80&q=\u00e9",
        "source=government&source=ngo&source=government",
        "=&&=&%3D=%26",
    ],
)
def test_hostile_queries_never_fail_and_a_hit_equals_the_miss(client, shared, query):
    first = client.get(f"/updates/?{query}")
    again = client.get(f"/updates/?{query}")
    assert first.status_code < 500
    assert again.status_code == first.status_code
    assert again.content == first.content


def test_repeated_keys_in_another_order_are_another_query(client, shared):
    client.get("/updates/?source=government&source=ngo")
    swapped = client.get("/updates/?source=ngo&source=government")
    assert swapped["X-Cache"] == "miss"


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "garbage"},
        {"If-None-Match": '"", W/'},
        {"If-None-Match": "W/" + "x" * 5000},
        {"If-Modified-Since": "Mon, 01 Jan 0001 00:00:00 GMT"},
        {"If-Modified-Since": "garbage"},
        {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
        {"If-Unmodified-Since": "Mon, 01 Jan 0001 00:00:00 GMT"},
        {"If-Match": "garbage"},
    ],
)
def test_garbage_validators_never_fail_nor_answer_304(client, shared, headers):
    client.get("/dashboard/")
    answer = client.get("/dashboard/", headers=headers)
    assert answer.status_code in (200, 412)


def test_the_weak_form_of_a_stale_etag_is_not_answered_304(client, shared, editor, reviewer):
    old = client.get("/recommendations/R03/FRA/")["ETag"]
    assert (
        client.get("/recommendations/R03/FRA/", headers={"If-None-Match": f"W/{old}"}).status_code
        == 304
    )
    services.update_approve(update=submitted(editor), user=reviewer)
    fresh = client.get("/recommendations/R03/FRA/", headers={"If-None-Match": f"W/{old}"})
    assert fresh.status_code == 200
    assert "A national plan was adopted." in fresh.content.decode()


def test_a_date_a_reader_was_given_is_not_answered_304_after_an_approval(
    client, shared, editor, reviewer
):
    """A client (or CDN) that revalidates by date alone gets the new page after an approval."""
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    DataVersion.objects.update(changed_at=an_hour_ago)
    url = "/recommendations/R03/FRA/"
    since = client.get(url)["Last-Modified"]
    assert client.get(url, headers={"If-Modified-Since": since}).status_code == 304
    services.update_approve(update=submitted(editor), user=reviewer)
    fresh = client.get(url, headers={"If-Modified-Since": since})
    assert fresh.status_code == 200
    assert "A national plan was adopted." in fresh.content.decode()


def test_the_answer_varies_on_every_header_its_copy_is_chosen_by(client, shared):
    """A boosted htmx request gets the whole page, a plain one the fragment: a browser or CDN
    must be told, or it revalidates one with the other's date and shows the fragment as the
    page."""
    fragment = client.get("/updates/", headers={"HX-Request": "true"})
    whole = client.get("/updates/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert b"<html" not in fragment.content
    assert b"<html" in whole.content
    for answer in (fragment, whole):
        vary = {name.strip().lower() for name in answer["Vary"].split(",")}
        assert {"hx-request", "hx-boosted", "hx-target"} <= vary


def test_head_then_get_gives_the_whole_page(client, shared):
    head = client.head("/states/")
    assert head.status_code == 200
    got = client.get("/states/")
    assert got["X-Cache"] == "hit"
    assert b"</html>" in got.content


# Language --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ask",
    [
        {"headers": {"Accept-Language": "fr"}},
        {"cookies": {"django_language": "fr"}},
        {"path": "/fr/states/"},
    ],
)
def test_an_english_url_is_never_answered_in_french_from_the_cache(shared, ask):
    french = Client()
    for name, value in ask.get("cookies", {}).items():
        french.cookies[name] = value
    french.get(ask.get("path", "/states/"), headers=ask.get("headers", {}))
    english = Client().get("/states/")
    assert english.status_code == 200
    assert '<html lang="en"' in english.content.decode()


def test_a_french_reader_is_never_given_the_cached_english_page(shared):
    Client().get("/states/")
    french = Client(headers={"Accept-Language": "fr"}).get("/states/")
    assert not (french.status_code == 200 and '<html lang="en"' in french.content.decode())


# htmx, CSV and feeds ---------------------------------------------------------------------------


def test_a_cached_fragment_is_never_served_as_the_whole_page(client, shared):
    client.get("/updates/", headers={"HX-Request": "true"})
    client.get("/updates/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    page = client.get("/updates/")
    assert b"<html" in page.content


def test_a_hit_keeps_the_feeds_and_the_csvs_content_type(client, shared, editor, reviewer):
    services.update_approve(update=submitted(editor), user=reviewer)
    for url in ["/states/FRA/feed/", "/updates/?format=csv&per_page=20"]:
        miss = client.get(url)
        hit = client.get(url)
        assert miss.status_code == 200, url
        assert hit["Content-Type"] == miss["Content-Type"], url
        assert hit.get("Content-Disposition") == miss.get("Content-Disposition"), url
        assert (b"".join(hit.streaming_content) if hit.streaming else hit.content) == (
            b"".join(miss.streaming_content) if miss.streaming else miss.content
        )


# Every write path moves the page ---------------------------------------------------------------


def test_the_review_desks_approval_changes_the_cached_page(client, shared, editor, reviewer):
    url = "/recommendations/R03/FRA/"
    update = submitted(editor)
    Client().get(url)
    assert Client().get(url)["X-Cache"] == "hit"
    client.force_login(reviewer)
    client.post(f"{CHANGELIST}{update.pk}/review/", {"decision": "approve", "comment": "Ok."})
    assert "A national plan was adopted." in Client().get(url).content.decode()


def test_the_admins_bulk_approval_changes_the_cached_page(client, shared, editor, reviewer):
    url = "/recommendations/R03/FRA/"
    update = submitted(editor)
    Client().get(url)
    client.force_login(reviewer)
    client.post(
        CHANGELIST,
        {"action": "approve", "_selected_action": [update.pk], "apply": "1", "comment": ""},
    )
    assert "A national plan was adopted." in Client().get(url).content.decode()


def test_the_apis_approval_and_the_withdrawal_change_the_cached_page(
    shared, editor, reviewer, superuser
):
    url = "/recommendations/R03/FRA/"
    update = submitted(editor)
    Client().get(url)
    _token, text = services.token_create(user=reviewer, name="desk", days=30)
    api = Client(headers={"Authorization": f"Token {text}"})
    answer = api.post(
        f"/api/v1/updates/{update.pk}/approve/", {"comment": "ok"}, content_type="application/json"
    )
    assert answer.status_code in (200, 201), answer.content[:300]
    assert "A national plan was adopted." in Client().get(url).content.decode()
    services.update_withdraw(update=update, user=superuser, reason="Wrong state.")
    assert "A national plan was adopted." not in Client().get(url).content.decode()


def test_a_submission_never_shows_through_the_cache(shared, editor):
    url = "/updates/"
    Client().get(url)
    submitted(editor, narrative="Still under review, not public.")
    for _ in range(2):
        assert "Still under review" not in Client().get(url).content.decode()
    assert DataVersion.objects.current()[0] >= 0


# The language switcher -------------------------------------------------------------------------


def test_a_cross_site_switch_for_a_signed_in_user_is_refused(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    answer = browser.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert answer.status_code == 403
    editor.refresh_from_db()


def test_an_anonymous_switch_works_without_a_token_and_starts_no_session(shared):
    browser = Client(enforce_csrf_checks=True)
    answer = browser.post("/i18n/setlang/", {"language": "fr", "next": "/states/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/fr/states/"
    assert django_settings.SESSION_COOKIE_NAME not in answer.cookies
    assert answer.cookies["django_language"].value == "fr"


def test_an_anonymous_switch_cannot_send_the_reader_off_site(shared):
    answer = Client().post("/i18n/setlang/", {"language": "fr", "next": "https://evil.example/"})
    assert answer.status_code == 302
    assert "evil.example" not in answer["Location"]


def test_a_reader_whose_old_session_holds_a_language_can_still_switch_back(shared):
    """Before this change an anonymous switch was kept in a session: such a reader, switching
    to English now, must get English, not be sent back to French by the stale session."""
    from django.contrib.sessions.backends.db import SessionStore

    from tracker.languages import SESSION_KEY

    old = SessionStore()
    old[SESSION_KEY] = "fr"
    old.save()
    browser = Client()
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = old.session_key
    assert browser.get("/states/")["Location"] == "/fr/states/"
    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/fr/states/"})
    assert switched["Location"] == "/states/"
    page = browser.get("/states/")
    assert page.status_code == 200
    assert '<html lang="en"' in page.content.decode()


def test_a_cache_server_that_is_down_leaves_the_api_answering(settings):
    """The API's throttles count in the same cache as the pages: Redis down must not turn
    every API read into a 500."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    settings.TRACKER_PAGE_CACHE = True
    reader = Client(raise_request_exception=False)
    for url in ["/api/v1/themes/", "/api/v1/updates/", "/dashboard/"]:
        assert reader.get(url).status_code == 200, url


def test_a_feed_reader_revalidating_by_date_sees_a_withdrawal(shared, editor, reviewer, superuser):
    """The feed dates itself by its newest entry: withdrawing that entry moves its date back.
    A reader holding the old, later date must get the new feed, not a 304, from the stored
    copy as from the view."""
    from recommendations.models import ProgressUpdate

    older = submitted(editor, narrative="The older entry.")
    services.update_approve(update=older, user=reviewer)
    newer = submitted(editor, code="R01", narrative="The newer entry, withdrawn.")
    services.update_approve(update=newer, user=reviewer)
    now = timezone.now()
    ProgressUpdate.objects.filter(pk=older.pk).update(reviewed_at=now - datetime.timedelta(hours=2))
    ProgressUpdate.objects.filter(pk=newer.pk).update(reviewed_at=now - datetime.timedelta(hours=1))
    services.data_version_bump()
    url = "/states/FRA/feed/"
    since = Client().get(url)["Last-Modified"]
    services.update_withdraw(update=newer, user=superuser, reason="Wrong state.")
    assert Client().get(url)["X-Cache"] == "miss"  # another reader fills the cache
    answer = Client().get(url, headers={"If-Modified-Since": since})
    assert answer.status_code == 200
    assert "The newer entry" not in answer.content.decode()
