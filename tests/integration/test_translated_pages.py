"""Every page in the six languages: no interface string left in English (checked against the
catalogues, not by eye), Member State names in the language and sorted as it sorts, catalogue
text translated or marked, dates and numbers in the locale's format."""

import datetime
import functools
import re
from html import unescape
from html.parser import HTMLParser

import polib
import pytest
from django.utils import translation
from django.utils.html import escape

from recommendations.localization import po_path, state_name
from recommendations.models import Recommendation, Status
from recommendations.services import cell_refresh_status
from tests.factories import MAIN_PAGES, ProgressUpdateFactory, cell_at
from tracker.languages import translated_languages

pytestmark = pytest.mark.django_db

OTHER_LANGUAGES = translated_languages()
SIGNED_IN_PAGES = ["/updates/new/?recommendation=R03&state=FRA", "/updates/mine/"]
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}


class _Texts(HTMLParser):
    """What a reader reads: text and labelling attributes, outside ``lang="en"`` passages (the
    authoritative English quotations and the marked fallbacks) and outside scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    @property
    def english(self) -> bool:
        return any(english for _tag, english in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("meta", "link", "input", "br", "img", "hr", "source"):
            if not self.english:
                self.texts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]
            return
        english = attributes.get("lang") == "en" and tag != "html"
        self.stack.append((tag, english or tag in ("script", "style")))
        if not self.english:
            self.texts += [v for k, v in attrs if k in READ_ATTRIBUTES and v]

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.english:
            self.texts.append(text)


def reader_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


@functools.cache
def english_leftovers(language: str) -> tuple[set[str], list[str], list[re.Pattern]]:
    """The English source strings that read differently once translated: whole strings (a text
    node equal to one of them is untranslated), longer sentences (found inside a text), and
    sentences with placeholders or plural forms, as patterns ("Sign out (%(name)s)" matches
    "Sign out (editor)")."""
    whole, sentences, patterns = set(), [], []
    for entry in polib.pofile(str(po_path(language))):
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        if all(text in sources for text in translations):
            continue  # the same words in this language (a name, "Global")
        for source in sources:
            if "%(" in source or "%s" in source:
                parts = re.split(r"%\([a-z_]+\)[sd]|%s", source)
                if sum(len(part.strip()) for part in parts) >= 8:  # enough English to tell
                    # Whole words: "%(count)s conflict" is not inside "conflicto".
                    patterns.append(
                        re.compile(r"(?<!\w)" + ".*?".join(map(re.escape, parts)) + r"(?!\w)")
                    )
            else:
                whole.add(source)
                if len(source.split()) >= 4:
                    sentences.append(source)
    return whole, sentences, patterns


def untranslated(html: str, language: str) -> list[str]:
    whole, sentences, patterns = english_leftovers(language)
    found = []
    for text in reader_texts(html):
        if (
            text in whole
            or any(sentence in text for sentence in sentences)
            or any(pattern.search(text) for pattern in patterns)
        ):
            found.append(text)
    return found


@pytest.fixture
def some_history():
    cell = cell_at("R03", "FRA")
    update = ProgressUpdateFactory(
        cell=cell, status=Status.PLANNED, effective_date=datetime.date(2024, 3, 5), approved=True
    )
    cell_refresh_status(cell=cell)
    return update


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_public_page_is_wholly_in_the_language(client, some_history, language):
    for path in [*MAIN_PAGES, some_history.get_absolute_url()]:
        response = client.get(f"/{language}{path}")
        assert response.status_code == 200, path
        assert f'<html lang="{language}"' in response.text, path
        assert untranslated(response.text, language) == [], f"/{language}{path}"
    missing = client.get(f"/{language}/no-such-page/")
    assert missing.status_code == 404
    assert untranslated(missing.text, language) == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_signed_in_page_is_wholly_in_the_language(client, editor, some_history, language):
    client.force_login(editor)
    for path in SIGNED_IN_PAGES:
        response = client.get(f"/{language}{path}")
        assert response.status_code == 200, path
        assert untranslated(response.text, language) == [], f"/{language}{path}"


def test_the_check_catches_english_left_in_a_translated_page():
    html = (
        '<html lang="fr"><body><h1>Dashboard</h1><p lang="en">Dashboard</p>'
        "<button>Sign out (editor)</button><p>12 approved updates</p></body></html>"
    )
    assert untranslated(html, "fr") == ["Dashboard", "Sign out (editor)", "12 approved updates"]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_validation_messages_come_in_the_language(client, editor, language):
    client.force_login(editor)
    response = client.post(
        f"/{language}/updates/new/",
        {
            "recommendation": "R03",
            "state": "FRA",
            "status": "planned",
            "narrative": "",
            "evidence": "not a link",
        },
    )
    assert response.status_code == 200
    with translation.override(language):
        required = translation.gettext("This field is required.")  # Django's own
        not_a_link = translation.gettext(  # the project's
            "Line %(number)s is not a valid http(s) URL: %(line)s"
        ) % {"number": 1, "line": "not a link"}
    assert required != "This field is required."
    assert required in response.text
    assert escape(not_a_link) in response.text
    assert untranslated(response.text, language) == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_filters_not_understood_are_named_in_the_language(client, language):
    response = client.get(f"/{language}/updates/?since=2024-01-01&until=2020-01-01&state=ZZZ")
    notice = re.search(r'<div class="alert alert-warning" role="alert">(.*?)</div>', response.text)
    assert notice
    with translation.override(language):
        state = translation.gettext("Member State")
    assert f"<strong>{state}</strong>" in notice.group(1)
    assert "<strong>state</strong>" not in notice.group(1)
    assert untranslated(response.text, language) == []


# Member State names


def state_names_in_page(html: str) -> list[str]:
    found = re.findall(r'<a href="/[a-z-]+/states/[A-Z]{3}/">([^<]+)</a>', html)
    return [unescape(name) for name in found]


def test_state_names_come_in_each_language(client):
    expected = {
        "fr": "Allemagne",
        "es": "Alemania",
        "ar": "ألمانيا",
        "ru": "Германия",
        "zh-hans": "德国",
    }
    for language, germany in expected.items():
        response = client.get(f"/{language}/states/DEU/")
        assert f"<h1>{germany}</h1>" in response.text


def test_a_name_neither_source_translates_falls_back_to_the_un_english_name():
    with translation.override("zh-hans"):
        assert state_name("CHN", "China") == "中国"
        assert state_name("ZZZ", "A State admitted tomorrow") == "A State admitted tomorrow"


def test_state_lists_sort_as_the_language_sorts_not_by_byte(client):
    names = state_names_in_page(client.get("/fr/states/").text)
    assert len(names) == 195
    # Byte order puts every accented initial after Z; French puts É with the E's.
    assert names.index("Égypte") < names.index("Espagne") < names.index("Zambie")
    assert names.index("Équateur") < names.index("Érythrée") < names.index("Estonie")
    spanish = state_names_in_page(client.get("/es/recommendations/R03/").text)
    assert len(spanish) == 195
    # Byte order: "Mongolia" < "Mónaco" and "Malta" < "Malí".
    assert spanish.index("Malí") < spanish.index("Malta")
    assert spanish.index("Mónaco") < spanish.index("Mongolia")


def test_every_state_has_a_name_in_the_script_of_the_language(client):
    """Where django-countries has no name (Nauru, the Netherlands...), the data files give
    the UN's; none is left in Latin letters on a Russian, Arabic or Chinese page."""
    for language, first in [("ru", "Австралия"), ("ar", None), ("zh-hans", None)]:
        names = state_names_in_page(client.get(f"/{language}/states/").text)
        assert len(names) == 195
        latin = [name for name in names if re.search("[A-Za-z]", name)]
        assert latin == [], language
        if first:
            assert names[0] == first


def test_the_state_filter_offers_names_in_the_language_and_its_order(client):
    page = client.get("/fr/updates/").text
    select = re.search(r'<select [^>]*name="state".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([A-Z]{3})">([^<]+)</option>', select)
    labels = [label for _code, label in options]
    assert ("DEU", "Allemagne") in options
    assert labels.index("Égypte") < labels.index("Zambie")


# The catalogue


def test_a_recommendation_shows_its_translation_beside_the_authoritative_english(client):
    recommendation = Recommendation.objects.get(code="R02")
    french = recommendation.translations["fr"]
    response = client.get("/fr/recommendations/R02/")
    assert escape(french["title"]) in response.text
    assert escape(french["summary"]) in response.text
    quotation = re.search(r'<blockquote[^>]*lang="en"[^>]*>', response.text)
    assert quotation, "the English quotation is always shown, marked as English"
    assert "untranslated" not in response.text


def test_a_missing_translation_falls_back_to_english_with_a_visible_marker(client):
    recommendation = Recommendation.objects.get(code="R02")
    recommendation.translations = {}
    recommendation.save()
    response = client.get("/es/recommendations/R02/")
    assert f'<span lang="en" dir="ltr">{recommendation.title}</span>' in response.text
    with translation.override("es"):
        marker = translation.gettext("English")
    assert re.search(rf'class="badge[^"]*untranslated"[^>]*>{marker}<', response.text)


def test_themes_and_actors_are_named_in_the_language(client):
    response = client.get("/ru/recommendations/?theme=prevention")
    themes = set(re.findall(r'class="badge text-bg-primary me-1">([^<]+)<', response.text))
    assert "Предупреждение" in themes
    assert not any(re.search("[A-Za-z]", theme) for theme in themes)
    actors = re.findall(r'class="badge text-bg-light border me-1">([^<]+)<', response.text)
    assert "Государства-члены" in actors  # Member States, the UN's Russian term


# Dates and numbers


DATES = {
    "en": "5 March 2024",
    "fr": "5 mars 2024",
    "es": "5 de marzo de 2024",
    "ru": "5 марта 2024",
    "zh-hans": "2024年3月5日",
    "ar": "مارس",
}


@pytest.mark.parametrize("language", ["en", *OTHER_LANGUAGES])
def test_dates_follow_the_locale(client, some_history, language):
    prefix = "" if language == "en" else f"/{language}"
    response = client.get(f"{prefix}{some_history.get_absolute_url()}")
    assert DATES[language] in response.text


NUMBERS = {  # 7,800 cells (40 recommendations x 195 States), as each locale writes it
    "en": "7,800",
    "fr": "7\xa0800",
    "es": "7\xa0800",
    "ru": "7\xa0800",
    "ar": "7800",  # Django's Arabic format groups no digits
    "zh-hans": "7800",  # nor does its Chinese one below ten thousand
}


@pytest.mark.parametrize("language", ["en", *OTHER_LANGUAGES])
def test_numbers_follow_the_locale(client, language):
    prefix = "" if language == "en" else f"/{language}"
    status = re.search(r'<p role="status">(.*?)</p>', client.get(f"{prefix}/dashboard/").text)
    assert NUMBERS[language] in status.group(1)


# Performance: a translated page asks the database no more than the English one


@pytest.mark.parametrize(
    "path",
    [
        "/recommendations/",
        "/recommendations/R03/",
        "/states/",
        "/states/FRA/",
        "/updates/?state=FRA",
        "/dashboard/",
        "/dashboard/?region=african&theme=protection",
    ],
)
def test_translated_pages_make_as_many_queries_as_english(
    client, some_history, django_assert_max_num_queries, path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as english:
        assert client.get(path).status_code == 200
    for language in ["fr", "ar"]:
        with django_assert_max_num_queries(len(english)):
            assert client.get(f"/{language}{path}").status_code == 200


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_no_two_states_share_a_name(client, language):
    names = state_names_in_page(client.get(f"/{language}/states/").text)
    assert len(names) == len(set(names)) == 195


def test_state_names_are_the_uns_where_the_maintained_source_is_wrong(client):
    assert "<h1>Guyana</h1>" in client.get("/fr/states/GUY/").text  # not "Guyane"
    assert "<h1>Fédération de Russie</h1>" in client.get("/fr/states/RUS/").text
    assert "<h1>Federación de Rusia</h1>" in client.get("/es/states/RUS/").text


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_import_pages_are_wholly_in_the_language(client, editor, language):
    """The upload form and a preview with a rejected row, its report written in the language
    the importer uses."""
    from recommendations import services

    client.force_login(editor)
    with translation.override(language):
        batch = services.batch_upload(
            user=editor,
            file_name="suivi.csv",
            content=(
                b"recommendation,iso3,status,source,effective_date,narrative\n"
                b"R01,FRA,planned,government,2024-03-15,A plan.\n"
                b"R01,FRN,planned,government,2024-03-15,A plan.\n"
            ),
        )
        services.batch_preview(batch_id=batch.pk)
    for path in ["/imports/", f"/imports/{batch.pk}/"]:
        response = client.get(f"/{language}{path}")
        assert response.status_code == 200, path
        assert untranslated(response.text, language) == [], f"/{language}{path}"
