"""The API against a hostile client: what a review that attacked every entry point found, each
kept as a specification so it stays fixed.

- A client that rotates ``X-Forwarded-For`` is still one address to the anonymous throttle.
- A body nested too deeply for Python's JSON reader, a body over Django's size limit and an
  address with too many parameters answer the API's JSON error, never a 500 or an HTML page.
- ``/api/schema/?lang=`` takes the site's languages only: any other code is ignored, not kept
  in Django's catalogue cache for the life of the process.
- The log's CSV through the API holds what its JSON holds: the page's filters that the API does
  not offer (a reviewer's ``review``, the ``sort``) stay out of the hand-over.
"""

import csv
import io
import json

import pytest
from django.utils.translation import trans_real

from recommendations.models import ProgressUpdate, ReviewState
from tests.api.requests import UPDATES, assert_error, new_update
from tests.factories import ProgressUpdateFactory, cell_at

pytestmark = pytest.mark.django_db

# Throttling ---------------------------------------------------------------------------------


@pytest.fixture
def three_anonymous_requests_a_minute(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_a_forged_x_forwarded_for_does_not_escape_the_anonymous_rate(
    client, three_anonymous_requests_a_minute
):
    """With no proxy configured (DJANGO_PROXY_COUNT unset), the address is the connection's:
    DRF trusted the whole X-Forwarded-For header, so each forged value was a fresh client."""
    answers = [
        client.get("/api/v1/themes/", headers={"X-Forwarded-For": f"203.0.113.{n}"})
        for n in range(4)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert_error(answers[-1], 429, "throttled")


# Bodies and addresses that Python or Django refuse ------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "[" * 5_000 + "]" * 5_000,
        json.dumps(new_update())[:-1] + ', "evidence": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ],
    ids=["nested list", "nested field"],
)
def test_a_body_nested_too_deeply_is_malformed_not_a_server_error(
    client, editor, token_header, content
):
    before = ProgressUpdate.objects.count()

    response = client.post(
        UPDATES, data=content, content_type="application/json", headers=token_header(editor)
    )

    assert_error(response, 400, "malformed")
    assert ProgressUpdate.objects.count() == before


@pytest.fixture
def small_bodies(settings):
    """Django's limit on a body read into memory, made small for the test."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_body_over_the_size_limit_is_refused_with_a_json_413(
    client, editor, reviewer, token_header, small_bodies
):
    draft = ProgressUpdateFactory(reported_by=editor, cell=cell_at("R03", "FRA"))
    submitted = ProgressUpdateFactory(review_state=ReviewState.SUBMITTED)
    before = ProgressUpdate.objects.count()
    large = new_update(narrative="x" * small_bodies)

    for response in (
        client.post(
            UPDATES, data=large, content_type="application/json", headers=token_header(editor)
        ),
        client.patch(
            f"{UPDATES}{draft.pk}/",
            data=large,
            content_type="application/json",
            headers=token_header(editor),
        ),
        client.post(
            f"{UPDATES}{submitted.pk}/approve/",
            data={"comment": "x" * small_bodies},
            content_type="application/json",
            headers=token_header(reviewer),
        ),
    ):
        error = assert_error(response, 413, "too_large")
        assert str(small_bodies) in error["detail"]

    assert ProgressUpdate.objects.count() == before
    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert draft.narrative != large["narrative"]
    assert submitted.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize("path", ["/api/v1/updates/", "/api/schema/", "/api/nope/"])
def test_an_address_with_too_many_parameters_is_a_json_400(client, settings, path):
    many = "&".join(["state=FRA"] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    assert_error(client.get(f"{path}?{many}"), 400, "malformed")


# The schema's ?lang= ------------------------------------------------------------------------

PAGE_IN_ENGLISH = "A page number within the paginated result set."
PAGE_IN_FRENCH = "Un numéro de page"


@pytest.mark.parametrize("code", ["zz", "xx-yy", "a" * 200, "<script>"])
def test_the_schema_ignores_a_language_the_site_does_not_speak_and_keeps_no_catalogue_for_it(
    client, code
):
    response = client.get("/api/schema/", {"lang": code})

    assert response.status_code == 200
    assert PAGE_IN_ENGLISH in response.content.decode()
    assert code not in trans_real._translations


@pytest.mark.parametrize("code", ["fr", "fr-ca", "FR"])
def test_the_schema_still_speaks_the_sites_languages(client, code):
    cached = set(trans_real._translations)

    response = client.get("/api/schema/", {"lang": code})

    assert response.status_code == 200
    assert PAGE_IN_FRENCH in response.content.decode()
    assert set(trans_real._translations) - cached <= {"fr"}  # as settings.LANGUAGES spells it


# CSV through the API ------------------------------------------------------------------------


def csv_ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content) if response.streaming else response.content
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(text.decode("utf-8-sig")))]


def test_the_logs_csv_through_the_api_holds_what_its_json_holds(
    client, reviewer, token_header, approved_update
):
    """A reviewer's ``?review=submitted`` is the log page's filter, not the API's: the JSON
    ignored it and the CSV handed it to the page, which exported the submitted updates."""
    older = approved_update("R03", "FRA")
    newer = approved_update("R19", "NGA")
    ProgressUpdateFactory(cell=cell_at("R19", "KEN"), review_state=ReviewState.SUBMITTED)
    headers = token_header(reviewer)

    for query in ("review=submitted", "sort=oldest", "review=submitted&sort=oldest"):
        listed = client.get(f"{UPDATES}?{query}", headers=headers).json()
        exported = client.get(f"{UPDATES}?{query}&format=csv", headers=headers)

        assert [row["id"] for row in listed["results"]] == [newer.pk, older.pk]
        assert csv_ids(exported) == [newer.pk, older.pk], query
