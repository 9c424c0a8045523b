"""Atom feeds per recommendation and per Member State: the newest approved updates, newest
approval first, well-formed whatever a narrative holds, in the reader's language."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.feeds import FEED_SIZE
from recommendations.models import AssessmentSource, ReviewState, Status
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
REC_FEED = "/recommendations/R03/feed/"
STATE_FEED = "/states/FRA/feed/"


def entries(response):
    """The feed parsed as XML (a malformed feed fails here), and its entries."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


def approved(cell, *, reviewed_at, **kwargs):
    reviewer = kwargs.pop("reviewed_by", None) or UserFactory(username="the-reviewer")
    author = kwargs.pop("reported_by", None) or UserFactory(username="the-author")
    return ProgressUpdateFactory(
        cell=cell,
        approved=True,
        reviewed_at=reviewed_at,
        reviewed_by=reviewer,
        reported_by=author,
        **kwargs,
    )


def at(day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2024, 3, day, 12, 0))


@pytest.fixture
def updates(seeded):
    cell = cell_at("R03", "FRA")
    return {
        "implemented": approved(
            cell,
            reviewed_at=at(14),
            status=Status.IMPLEMENTED,
            effective_date=datetime.date(2024, 3, 12),
            narrative="The law is in force.",
        ),
        "older": approved(
            cell,
            reviewed_at=at(2),
            status=Status.PLANNED,
            effective_date=datetime.date(2023, 1, 5),
            source=AssessmentSource.CIVIL_SOCIETY,
            narrative="A plan is announced.",
        ),
        # Approved later than the law, though it took effect earlier: it comes first.
        "late": approved(
            cell_at("R03", "DEU"),
            reviewed_at=at(20),
            status=Status.IN_PROGRESS,
            effective_date=datetime.date(2022, 6, 1),
            source=AssessmentSource.UN_ENTITY,
            narrative="Work in Germany.",
        ),
        "other_rec": approved(
            cell_at("R05", "FRA"),
            reviewed_at=at(18),
            status=Status.NOT_STARTED,
            effective_date=datetime.date(2024, 1, 1),
            narrative="Nothing yet on R05.",
        ),
    }


def test_the_recommendation_feed_is_atom_newest_approval_first(client, updates):
    root, items = entries(client.get(REC_FEED))
    assert root.find(f"{ATOM}title").text.startswith("R03 · ")
    assert [item.find(f"{ATOM}title").text for item in items] == [
        "R03 · Germany: In progress (1 June 2022)",
        "R03 · France: Implemented (12 March 2024)",
        "R03 · France: Planned (5 January 2023)",
    ]
    first = items[1]
    assert first.find(f"{ATOM}link").get("href") == (
        f"http://testserver{updates['implemented'].get_absolute_url()}"
    )
    assert first.find(f"{ATOM}updated").text == "2024-03-14T12:00:00+00:00"
    assert first.find(f"{ATOM}published").text == "2024-03-14T12:00:00+00:00"
    assert "The law is in force." in first.find(f"{ATOM}summary").text
    # The author is the source of the assessment, never a person.
    authors = [item.find(f"{ATOM}author/{ATOM}name").text for item in items]
    assert authors == ["UN entity", "Government self-report", "Civil society"]
    assert b"the-author" not in client.get(REC_FEED).content
    assert b"the-reviewer" not in client.get(REC_FEED).content


def test_the_state_feed_follows_one_state(client, updates):
    root, items = entries(client.get(STATE_FEED))
    assert root.find(f"{ATOM}title").text == "France: approved updates"
    assert [item.find(f"{ATOM}title").text for item in items] == [
        "R05 · France: Not started (1 January 2024)",
        "R03 · France: Implemented (12 March 2024)",
        "R03 · France: Planned (5 January 2023)",
    ]


@pytest.mark.parametrize(
    "state", [ReviewState.DRAFT, ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.WITHDRAWN]
)
def test_only_approved_updates_are_in_the_feeds(client, seeded, state):
    ProgressUpdateFactory(
        cell=cell_at("R03", "FRA"), review_state=state, narrative="Not for the public."
    )
    for path in (REC_FEED, STATE_FEED):
        _root, items = entries(client.get(path))
        assert items == []


def test_a_feed_holds_the_newest_fifty(client, seeded):
    cell = cell_at("R03", "FRA")
    reviewer, author = UserFactory(), UserFactory()
    start = at(1)
    for minute in range(FEED_SIZE + 5):
        approved(
            cell,
            reviewed_at=start + datetime.timedelta(minutes=minute),
            reviewed_by=reviewer,
            reported_by=author,
            narrative=f"Update {minute}.",
        )
    _root, items = entries(client.get(REC_FEED))
    assert len(items) == FEED_SIZE
    assert "Update 54." in items[0].find(f"{ATOM}summary").text
    assert "Update 5." in items[-1].find(f"{ATOM}summary").text


HOSTILE = (
    "<script>alert('x')</script> ]]> <![CDATA[ & &amp; \"quoted\" \x01\x02\x07\x08\x0b\x0c\x1b\x1f"
    " end\ufffe\uffff.\nSecond line."
)


def test_hostile_text_never_breaks_the_xml(client, seeded):
    approved(cell_at("R03", "FRA"), reviewed_at=at(3), narrative=HOSTILE)
    for path in (REC_FEED, STATE_FEED):
        response = client.get(path)
        assert b"<script>" not in response.content
        _root, items = entries(response)
        summary = items[0].find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        # The HTML a feed reader renders shows the narrative as text: its tags escaped once
        # more inside the summary, its control characters gone, its line breaks kept.
        assert summary.text == (
            "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; ]]&gt; &lt;![CDATA[ &amp; "
            "&amp;amp; &quot;quoted&quot;  end.<br>Second line."
        )


def test_unknown_recommendations_and_states_are_404(client, seeded):
    for path in ("/recommendations/R99/feed/", "/states/QQQ/feed/", "/states/FR/feed/"):
        assert client.get(path).status_code == 404


def test_an_empty_feed_is_valid(client, seeded):
    root, items = entries(client.get("/states/DEU/feed/"))
    assert items == []
    assert root.find(f"{ATOM}updated") is not None


def test_the_feeds_speak_the_readers_language(client, updates):
    root, items = entries(client.get("/fr" + STATE_FEED))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    english = entries(client.get(STATE_FEED))[0]
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    # The entries link to the pages in the same language.
    assert items[0].find(f"{ATOM}link").get("href").startswith("http://testserver/fr/updates/")


def test_a_readers_chosen_language_redirects_an_unprefixed_feed(client, seeded):
    client.cookies["django_language"] = "fr"
    response = client.get(STATE_FEED)
    assert response.status_code == 302
    assert response["Location"] == "/fr" + STATE_FEED


@pytest.mark.parametrize("path", [REC_FEED, STATE_FEED])
def test_feed_queries_do_not_grow_with_the_log(client, seeded, django_assert_num_queries, path):
    cell = cell_at("R03", "FRA")
    reviewer, author = UserFactory(), UserFactory()
    approved(cell, reviewed_at=at(1), reviewed_by=reviewer, reported_by=author)
    with CaptureQueriesContext(connection) as few:
        entries(client.get(path))
    for day in range(2, 28):
        approved(cell, reviewed_at=at(day), reviewed_by=reviewer, reported_by=author)
    with django_assert_num_queries(len(few)):
        entries(client.get(path))


@pytest.mark.parametrize(
    "path", ["/recommendations/R03/", "/states/FRA/", "/recommendations/R03/FRA/"]
)
def test_pages_announce_their_feeds(client, seeded, path):
    html = client.get(path).content.decode()
    head = html[: html.index("</head>")]
    assert 'rel="alternate" type="application/atom+xml"' in head
