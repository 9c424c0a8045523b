"""The shared page cache (recommendations/caching.py), invalidated by the data version.

Every change the public sees moves the version in its own transaction; drafts, submissions and
returns do not. Anonymous readers share one copy of a page per version, language, path, query
and htmx/API headers; signed-in people never read or fill it. The behaviour tests run against
local memory and against a real redis-server of the run's own."""

import datetime
import io

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recommendations import caching, services
from recommendations.models import DataVersion, ProgressUpdate, Recommendation, Status, Theme
from tests.factories import ProgressUpdateFactory, UserFactory, approved_update, cell_at

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 5, 1)


def version() -> int:
    return DataVersion.objects.current()[0]


@pytest.fixture(params=["locmem", "redis"])
def backend(request, settings):
    """The page cache on local memory, then on Redis (a server of the run's own)."""
    if request.param == "locmem":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "page-cache-tests",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": request.getfixturevalue("redis_server"),
            }
        }
    settings.TRACKER_PAGE_CACHE = True
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def draft(editor, code="R03", iso3="FRA", status=Status.IMPLEMENTED):
    cell = cell_at(code, iso3)
    return services.update_log(
        user=editor,
        recommendation=cell.recommendation,
        state=cell.state,
        status=status,
        effective_date=DAY,
        narrative="A national plan was adopted.",
        source="government",
    )


# The data version: every write the public sees moves it, and only those ----------------------


def test_approval_and_withdrawal_move_the_version(editor, reviewer, superuser):
    update = services.update_submit(update=draft(editor), user=editor)
    before = version()
    services.update_approve(update=update, user=reviewer)
    assert version() == before + 1
    services.update_withdraw(update=update, user=superuser, reason="Wrong state.")
    assert version() == before + 2


def test_drafts_edits_submissions_and_returns_leave_it(editor, reviewer):
    before = version()
    update = draft(editor)
    services.update_edit(update=update, user=editor, narrative="Changed.")
    services.update_submit(update=update, user=editor)
    services.update_return(update=update, user=reviewer, comment="Add evidence.")
    assert version() == before


def test_an_import_moves_it_when_its_updates_are_approved_not_when_they_arrive(editor, reviewer):
    """Confirming a batch logs submitted updates (nothing public); approving them does."""
    header = "recommendation,iso3,status,source,effective_date,narrative,evidence,external_id\n"
    text = header + "R01,FRA,in_progress,government,2024-03-15,A plan was adopted.,,\n"
    batch = services.batch_upload(user=editor, file_name="rows.csv", content=text.encode())
    batch = services.batch_preview_start(batch=batch)
    before = version()
    batch = services.batch_confirm(batch=batch, user=editor)
    assert ProgressUpdate.objects.filter(import_batch=batch).count() == 1
    assert version() == before
    services.batch_review(batch=batch, user=reviewer, decision="approve")
    assert version() == before + 1


def test_seeding_a_changed_catalogue_moves_it_once_and_an_unchanged_one_not(data_dir):
    call_command("seed", stdout=io.StringIO())  # as the files are
    before = version()
    call_command("seed", stdout=io.StringIO())
    assert version() == before
    themes = data_dir / "themes.yaml"
    themes.write_text(themes.read_text().replace("Protection", "Protection of victims", 1))
    call_command("seed", "--data-dir", str(data_dir), stdout=io.StringIO())
    assert version() == before + 1


def test_the_admins_catalogue_edits_move_it(client, superuser):
    client.force_login(superuser)
    theme = Theme.objects.order_by("pk").first()
    before = version()
    response = client.post(
        f"/admin/recommendations/theme/{theme.pk}/change/",
        {"name": "Renamed", "slug": theme.slug, "order": theme.order, "description": ""},
    )
    assert response.status_code == 302, response.content[:500]
    assert version() == before + 1
    added = client.post(
        "/admin/recommendations/theme/add/",
        {"name": "New theme", "slug": "new-theme", "order": 99, "description": ""},
    )
    assert added.status_code == 302
    assert version() == before + 2
    new = Theme.objects.get(slug="new-theme")
    client.post(f"/admin/recommendations/theme/{new.pk}/delete/", {"post": "yes"})
    assert not Theme.objects.filter(pk=new.pk).exists()
    assert version() == before + 3


def test_a_bulk_refresh_moves_it_once():
    before = version()
    services.cells_refresh_all()
    assert version() == before + 1


def test_a_flushed_table_starts_again_rather_than_failing():
    DataVersion.objects.all().delete()
    assert version() == 0
    services.data_version_bump()
    assert version() == 1


# The cache: what it answers, to whom -----------------------------------------------------------


def test_a_second_anonymous_read_is_a_hit_and_an_approval_changes_the_page(
    client, backend, editor, reviewer
):
    url = "/recommendations/R03/FRA/"
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert again.content == first.content

    update = services.update_submit(update=draft(editor), user=editor)
    assert client.get(url)["X-Cache"] == "hit"  # a submission shows nowhere
    services.update_approve(update=update, user=reviewer)
    after = client.get(url)
    assert after["X-Cache"] == "miss"
    assert after.content != first.content
    assert "A national plan was adopted." in after.content.decode()


def test_a_draft_leaves_the_cached_page_as_it_was(client, backend, editor):
    url = "/updates/"
    first = client.get(url)
    draft(editor, status=Status.DECLINED)
    again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert again.content == first.content


def test_signed_in_people_neither_read_nor_fill_the_cache(client, backend, editor):
    url = "/dashboard/"
    client.force_login(editor)
    mine = client.get(url)
    assert mine.status_code == 200
    assert "X-Cache" not in mine
    assert "ETag" not in mine
    assert client.get(url).get("X-Cache") is None
    client.logout()
    assert client.get(url)["X-Cache"] == "miss"  # the editor's page was not stored


def test_a_signed_in_reader_is_not_served_the_anonymous_copy(client, backend, editor):
    url = "/dashboard/"
    assert client.get(url)["X-Cache"] == "miss"
    client.force_login(editor)
    page = client.get(url)
    assert "X-Cache" not in page
    assert 'action="/accounts/logout/"' in page.content.decode()


def test_each_language_has_its_own_copy(client, backend):
    english = client.get("/states/")
    french = client.get("/fr/states/")
    assert (english["X-Cache"], french["X-Cache"]) == ("miss", "miss")
    assert english.content != french.content
    assert client.get("/fr/states/")["X-Cache"] == "hit"
    assert client.get("/states/")["X-Cache"] == "hit"


def test_the_htmx_fragment_and_the_whole_page_are_kept_apart(client, backend):
    url = "/updates/?source=government"
    page = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment["X-Cache"] == "miss"
    assert b"<html" in page.content
    assert b"<html" not in fragment.content
    assert client.get(url, headers={"HX-Request": "true"}).content == fragment.content
    assert "HX-Request" in page["Vary"]


def test_the_query_is_keyed_by_its_parameters_not_their_order(client, backend):
    assert client.get("/updates/?source=government&per_page=20")["X-Cache"] == "miss"
    assert client.get("/updates/?per_page=20&source=government")["X-Cache"] == "hit"
    assert client.get("/updates/?per_page=21&source=government")["X-Cache"] == "miss"


def test_the_api_keeps_json_and_the_browsable_page_apart(client, backend):
    url = "/api/v1/themes/"
    json_answer = client.get(url, headers={"Accept": "application/json"})
    browsable = client.get(url, headers={"Accept": "text/html"})
    assert (json_answer["X-Cache"], browsable["X-Cache"]) == ("miss", "miss")
    assert json_answer["Content-Type"].startswith("application/json")
    assert browsable["Content-Type"].startswith("text/html")
    hit = client.get(url, headers={"Accept": "application/json"})
    assert hit["X-Cache"] == "hit"
    assert hit.json() == json_answer.json()


def test_an_api_token_is_never_served_from_the_cache(client, backend, editor):
    url = "/api/v1/themes/"
    client.get(url)
    _token, text = services.token_create(user=editor, name="program", days=30)
    answer = client.get(url, headers={"Authorization": f"Token {text}"})
    assert answer.status_code == 200
    assert "X-Cache" not in answer


def test_an_api_hit_is_still_throttled(client, backend, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    answers = [client.get("/api/v1/themes/") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1]["X-Cache"] == "hit"


def test_the_etag_and_date_answer_304_and_move_with_the_data(client, backend, editor, reviewer):
    url = "/dashboard/"
    first = client.get(url)
    assert first["Cache-Control"] == "public, no-cache" or set(
        first["Cache-Control"].replace(" ", "").split(",")
    ) == {"public", "no-cache"}
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    not_modified = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""

    update = services.update_submit(update=draft(editor), user=editor)
    services.update_approve(update=update, user=reviewer)
    changed = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_no_date_is_sent_in_the_second_the_version_moved(client, backend, monkeypatch):
    """If-Modified-Since counts whole seconds: a date sent in the second of a change would match
    a later change in that second. The ETag still answers 304s."""
    services.data_version_bump()
    _version, changed_at = DataVersion.objects.current()
    second = int(changed_at.timestamp())  # + 0.5 crossed into the next one half the time
    monkeypatch.setattr("recommendations.caching.now", lambda: second + 0.999)
    response = client.get("/states/")
    assert "Last-Modified" not in response
    assert client.get("/states/", headers={"If-None-Match": response["ETag"]}).status_code == 304
    monkeypatch.setattr("recommendations.caching.now", lambda: second + 1)
    assert "Last-Modified" in client.get("/states/?later=1")


def test_two_workers_never_serve_a_page_older_than_the_version(client, settings, editor, reviewer):
    """Two processes, each with its own memory, one database: what one approves, the other's
    next request shows (the version is read from the database, never kept in a process)."""

    settings.TRACKER_PAGE_CACHE = True

    def worker(name):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": name,
            }
        }

    url = "/recommendations/R03/"
    worker("a")
    old = client.get(url)
    assert client.get(url)["X-Cache"] == "hit"
    worker("b")
    assert client.get(url)["X-Cache"] == "miss"
    update = services.update_submit(update=draft(editor), user=editor)
    services.update_approve(update=update, user=reviewer)  # on worker b, say
    worker("a")
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert fresh.content != old.content


def test_a_page_that_used_a_csrf_token_is_not_stored(rf, backend):
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from recommendations.caching import public_page

    @public_page
    def view(request):
        return HttpResponse(f"token {get_token(request)}")

    def request():
        made = rf.get("/a-page/")
        from django.contrib.auth.models import AnonymousUser

        made.user = AnonymousUser()
        return made

    assert view(request())["X-Cache"] == "miss"
    assert view(request())["X-Cache"] == "miss"


def test_a_page_that_sets_a_cookie_is_not_stored(rf, backend):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from recommendations.caching import public_page

    @public_page
    def view(request):
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    for _ in range(2):
        made = rf.get("/a-page/")
        made.user = AnonymousUser()
        assert view(made)["X-Cache"] == "miss"


def test_a_streamed_csv_export_streams_and_is_not_stored(client, backend):
    approved_update("R03", "FRA", Status.PLANNED)
    for _ in range(2):
        response = client.get("/updates/?format=csv")
        assert response.streaming
        assert response["X-Cache"] == "miss"
        assert b"R03" in b"".join(response.streaming_content)


def test_hostile_query_strings_do_not_fail_or_grow_the_key(client, backend):
    from recommendations.caching import Page

    huge = "q=" + "x" * 20_000
    repeated = "&".join(["theme=protection"] * 500)
    for query in (huge, repeated, "a=%00", "page=%ff%fe", "=&=&&"):
        response = client.get(f"/updates/?{query}")
        assert response.status_code in (200, 400), query
    assert client.get(f"/updates/?{repeated}")["X-Cache"] == "hit"

    class Request:
        GET = {}
        scheme = "http"
        path = "/updates/"
        headers = {}

        def get_host(self):
            return "testserver"

    from django.http import QueryDict

    request = Request()
    request.GET = QueryDict(huge)
    assert len(Page(request).key) < 80


def test_the_cache_can_be_turned_off(client, backend, settings):
    settings.TRACKER_PAGE_CACHE = False
    client.get("/states/")
    assert "X-Cache" not in client.get("/states/")


def test_a_cache_server_that_is_down_means_uncached_pages_not_errors(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    settings.TRACKER_PAGE_CACHE = True
    response = client.get("/states/")
    assert response.status_code == 200
    assert response["X-Cache"] == "miss"


@pytest.mark.parametrize(
    ("url", "version_read_by_the_page"),
    # The dashboard's filters and the maps keep their lists under the data version, read once
    # a request (caching.kept): the cache's read of it serves them too. A feed reads no such
    # list.
    [("/dashboard/?theme=protection", True), ("/recommendations/R03/feed/", False)],
)
def test_a_hit_costs_one_query_and_a_miss_at_most_one_more_than_the_page(
    client, backend, settings, url, version_read_by_the_page
):
    settings.TRACKER_PAGE_CACHE = False
    with CaptureQueriesContext(connection) as uncached:
        client.get(url)
    settings.TRACKER_PAGE_CACHE = True
    caching.kept_forget()
    with CaptureQueriesContext(connection) as miss:
        client.get(url)
    with CaptureQueriesContext(connection) as hit:
        assert client.get(url)["X-Cache"] == "hit"
    assert len(miss) == len(uncached) + (0 if version_read_by_the_page else 1)
    assert len(hit) == 1
    assert "recommendations_dataversion" in hit.captured_queries[0]["sql"]


def test_an_anonymous_language_choice_keeps_pages_cacheable(client, backend):
    """The switcher sets the language cookie only: no session, so the reader keeps sharing."""
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/states/"})
    assert response.status_code == 302
    assert "sessionid" not in response.cookies
    client.get("/fr/states/")
    assert client.get("/fr/states/")["X-Cache"] == "hit"


def test_the_switcher_still_checks_a_signed_in_users_csrf_token(editor):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    browser.force_login(UserFactory(username="someone"))
    refused = browser.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert refused.status_code == 403


def test_the_public_pages_render_no_csrf_token_for_anonymous_readers(client):
    page = client.get("/").content.decode()
    assert "csrfmiddlewaretoken" not in page


def test_a_restore_moves_the_version_past_the_one_it_replaced(tmp_path, monkeypatch):
    """The backup brings back an older number: pages cached under the numbers after it show
    other data, so the restored database starts past the one it replaced. (The loading itself
    is tests/integration/test_backups.py's: here it only brings back version 2.)"""
    from recommendations import backups

    for _ in range(5):
        services.data_version_bump()
    before = version()
    monkeypatch.setattr(backups, "save_current", lambda folder: tmp_path / "safety.json")
    monkeypatch.setattr(
        backups,
        "_restore_json",
        lambda path: DataVersion.objects.filter(pk=DataVersion.ROW).update(version=2),
    )
    backups.restore(
        backups.Backup(path=tmp_path / "b.json", format="json", rows=1), safety_dir=tmp_path
    )
    assert version() == before + 1


def test_the_other_tests_read_pages_uncached(client):
    """Without the ``backend`` fixture the cache is off (tests/conftest.py): a page's tests read
    its own render, and rows a factory writes behind the services' back show at once."""
    client.get("/updates/")
    ProgressUpdateFactory(cell=cell_at("R03", "FRA"), approved=True)
    response = client.get("/updates/")
    assert "X-Cache" not in response
    assert response.context is not None


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",  # the filters' Member States, recommendations, themes and actors
        "/recommendations/R03/",  # the recommendation with its themes, actors and instruments
    ],
)
def test_what_the_catalogue_decides_is_read_once_a_data_version_and_follows_it(client, url):
    """The filters' lists (Member States, recommendations, themes, actors) and the catalogue
    (the recommendations with their source document and tags, ``selectors.catalogue``) are kept
    by each process under the data version (``caching.kept``): read by the first request of a
    version, and again after any change the public sees, a renamed theme included."""
    caching.kept_forget()
    theme = Theme.objects.filter(recommendations__code="R03").first()

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as made:
            text = client.get(url).text
        return len(made), text

    first, _ = queries()
    again, text = queries()
    assert again <= first - 4
    assert "Shelter and safety" not in text
    Theme.objects.filter(pk=theme.pk).update(name="Shelter and safety")
    services.data_version_bump()  # as the admin's save does, in its transaction
    after, text = queries()
    assert after == first
    assert "Shelter and safety" in text


def test_a_recommendation_the_kept_catalogue_lacks_is_a_404(client):
    assert client.get("/recommendations/R03/").status_code == 200
    assert client.get("/recommendations/R99/").status_code == 404


def test_a_past_days_cells_never_reported_are_read_once_a_data_version(client):
    """A past day's figures take the cells never reported from a census the process keeps
    under the data version (``CellQuerySet.unreported``): the dashboard's second request
    of the day reads no census, and a cell's first approved update, dated before that day,
    counts on it at once (its approval moves the version)."""
    approved_update("R03", "FRA", Status.PLANNED, on=datetime.date(2020, 1, 10))
    caching.kept_forget()

    def read() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as made:
            response = client.get("/dashboard/?as_of=2020-03-15")
        census = sum(
            query["sql"].startswith('SELECT "recommendations_cell"."id" AS "pk"')
            and '"status_date" IS NULL' in query["sql"]
            for query in made.captured_queries
        )
        reported = sum(
            n
            for _group, row in response.context["regions"]
            for status, n in row
            if status != Status.NO_INFORMATION
        )
        return census, reported

    assert read() == (1, 1)
    assert read() == (0, 1)
    approved_update("R05", "KEN", Status.IN_PROGRESS, on=datetime.date(2020, 2, 1))
    assert read() == (1, 2)


def test_the_log_names_its_recommendations_from_the_kept_catalogue(client):
    """The progress log's rows take their recommendations from the kept catalogue, not from a
    join a page: none of its queries reads that table, and a retitled recommendation shows once
    the version moves."""
    approved_update("R03", "FRA", Status.PLANNED)
    client.get("/updates/")
    with CaptureQueriesContext(connection) as made:
        text = client.get("/updates/").text
    assert not [q for q in made.captured_queries if "recommendations_recommendation" in q["sql"]]
    assert "Universal ratification, retitled" not in text
    Recommendation.objects.filter(code="R03").update(title="Universal ratification, retitled")
    services.data_version_bump()  # as the admin's save does, in its transaction
    assert "Universal ratification, retitled" in client.get("/updates/").text
