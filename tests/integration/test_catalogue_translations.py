"""The catalogue's translations: loaded from data/translations/<language>.yaml by the seed,
refused when they would show wrong text, kept when edited in the admin, and stored so that a
page reads them cheaply and nobody changes them by accident."""

import copy
import io
import json
import pickle
import re

import pytest
import yaml
from django.core import serializers
from django.core.management import CommandError, call_command
from django.utils import translation

from recommendations.models import Recommendation, Theme
from recommendations.services import catalogue_seed

pytestmark = pytest.mark.django_db


def edit_translations(data_dir, language: str, change) -> None:
    path = data_dir / "translations" / f"{language}.yaml"
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")


def seed_fails(data_dir, message: str) -> None:
    before = Theme.objects.get(slug="prevention").translations
    with pytest.raises(CommandError, match=message):
        call_command("seed", data_dir=data_dir, stdout=io.StringIO())
    assert Theme.objects.get(slug="prevention").translations == before


def test_the_seed_loads_every_language_of_the_data_files():
    prevention = Theme.objects.get(slug="prevention")
    assert set(prevention.translations) == {"fr", "es", "ar", "ru", "zh-hans"}
    assert prevention.translations["fr"]["name"] == "Prévention"
    assert all(
        set(rec.translations) == {"fr", "es", "ar", "ru", "zh-hans"}
        for rec in Recommendation.objects.all()
    )


def test_an_edited_translation_updates_the_record(data_dir):
    edit_translations(
        data_dir, "es", lambda c: c["themes"]["prevention"].update(name="Prevención (revisada)")
    )
    catalogue_seed(data_dir=data_dir)
    assert Theme.objects.get(slug="prevention").translations["es"]["name"] == (
        "Prevención (revisada)"
    )


def test_create_only_adds_missing_translations_and_keeps_admin_edits(data_dir):
    theme = Theme.objects.get(slug="prevention")
    edited = {language: dict(fields) for language, fields in theme.translations.items()}
    edited["fr"]["name"] = "Prévention (corrigée dans l'admin)"
    del edited["ru"]
    theme.translations = edited
    theme.save()

    catalogue_seed(data_dir=data_dir, create_only=True)
    theme.refresh_from_db()
    assert theme.translations["fr"]["name"] == "Prévention (corrigée dans l'admin)"
    assert theme.translations["ru"]["name"] == "Предупреждение"  # missing: added back


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["themes"]["prevention"].update(name=""), "themes prevention: name is empty"),
        (lambda c: c["themes"]["prevention"].update(nom="x"), "unknown field 'nom'"),
        (lambda c: c.update(sujets={}), "unknown section 'sujets'"),
        (lambda c: c["themes"].update(prevention="Prévention"), "expected fields"),
        (lambda c: c.update(language="es"), "says language 'es'"),
    ],
)
def test_a_translation_that_would_show_wrong_text_is_refused(data_dir, change, message):
    edit_translations(data_dir, "fr", change)
    seed_fails(data_dir, message)


def test_a_file_for_a_language_the_site_does_not_offer_is_refused(data_dir):
    (data_dir / "translations" / "de.yaml").write_text("themes: {}\n", encoding="utf-8")
    seed_fails(data_dir, "'de' is not one of the site's other languages")


def test_broken_yaml_is_refused_with_the_file_name(data_dir):
    (data_dir / "translations" / "ru.yaml").write_text("themes: [\n", encoding="utf-8")
    seed_fails(data_dir, "translations/ru.yaml: not valid YAML")


def test_a_translation_for_no_record_is_reported_and_ignored(data_dir):
    edit_translations(data_dir, "fr", lambda c: c["recommendations"].update(R99={"title": "x"}))
    report = catalogue_seed(data_dir=data_dir)
    assert "warning: translations of 1 recommendations not in the data files, ignored: R99" in (
        report.lines()
    )


# How they are stored and read


def test_translations_read_from_the_database_are_shared_and_refuse_changes():
    first = Theme.objects.get(slug="prevention")
    second = Theme.objects.get(slug="prevention")
    first.translations  # noqa: B018 -- loads the deferred column
    assert first.translations is second.translations  # decoded once per process
    with pytest.raises(TypeError, match="assign a new dict"):
        first.translations["fr"]["name"] = "changed in place"
    with pytest.raises(TypeError):
        first.translations.update(fr={})


def test_a_new_value_is_assigned_saved_and_read_back():
    theme = Theme.objects.get(slug="prevention")
    changed = copy.deepcopy(theme.translations)
    assert type(changed) is dict
    changed["fr"]["name"] = "Prévenir"
    theme.translations = changed
    theme.save()
    assert Theme.objects.get(slug="prevention").translations["fr"]["name"] == "Prévenir"


def test_translations_pickle_serialise_and_dump_as_plain_json():
    theme = Theme.objects.get(slug="prevention")
    assert pickle.loads(pickle.dumps(theme)).translations == theme.translations
    dumped = json.loads(serializers.serialize("json", [theme]))
    assert dumped[0]["fields"]["translations"]["fr"]["name"] == "Prévention"


LISTED = ["recommendation", "theme", "actor", "instrument"]


def test_english_pages_read_no_translation_and_others_only_their_language(client):
    """The many rows of a list (recommendations and their tags) never carry every language: an
    English page reads none, a French page only the French part. (The two source documents come
    whole, through select_related.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def columns_read(path: str) -> str:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return "\n".join(query["sql"] for query in queries.captured_queries)

    english = columns_read("/recommendations/")
    french = columns_read("/fr/recommendations/")
    for table in LISTED:
        column = f'"recommendations_{table}"."translations"'
        assert column not in english
        reads = [
            french[max(0, m.start() - 13) : m.end() + 4]
            for m in re.finditer(re.escape(column), french)
        ]
        assert reads, table
        # Every read is a key lookup: JSON_EXTRACT(col, '$."fr"') on SQLite, col -> 'fr' on PG.
        lookups = ("JSON_EXTRACT(", "JSON_TYPE(", " ->")
        assert all(any(lookup in read for lookup in lookups) for read in reads), (table, reads)
        assert '"fr"' in french or "'fr'" in french


def test_a_record_loaded_without_its_language_still_reads_it():
    """A query made before the language was chosen (a form's choices built at import) falls
    back to reading the column; correct, if one query more."""
    queryset = Theme.objects.all()
    theme = list(queryset)[0]  # evaluated in English: no French part selected
    with translation.override("fr"):
        assert theme.label == theme.translations["fr"]["name"]


def test_reading_in_french_leaves_the_queryset_as_it_was():
    with translation.override("fr"):
        themes = Theme.objects.order_by("order")
        assert [theme.label for theme in themes][0] == "Prévention"
        assert set(themes.values()[0]) == set(Theme.objects.values()[0])
        prevention = Theme.objects.filter(slug="prevention").order_by()
        both = prevention.union(Theme.objects.filter(slug="protection").order_by())
        assert sorted(theme.slug for theme in both) == ["prevention", "protection"]


def test_malformed_translations_are_refused_and_never_break_a_page(client):
    from django.core.exceptions import ValidationError

    theme = Theme.objects.get(slug="prevention")
    for bad in [{"fr": "oops"}, ["fr"], {"de": {"name": "Vorbeugung"}}, {"fr": {"name": ""}}]:
        theme.translations = bad
        with pytest.raises(ValidationError):
            theme.full_clean()
    # Written around the validation (raw SQL, an old backup): pages fall back to English.
    Theme.objects.filter(slug="prevention").update(translations={"fr": "oops", "es": ["x"]})
    for path in ["/fr/recommendations/", "/es/recommendations/", "/fr/dashboard/"]:
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(themes=["prevention"]), "themes: expected one entry per slug"),
        (lambda c: c["recommendations"].update(R01={}), "recommendations R01: expected fields"),
    ],
)
def test_sections_of_the_wrong_shape_are_refused(data_dir, change, message):
    edit_translations(data_dir, "es", change)
    seed_fails(data_dir, message)


def test_a_state_name_for_no_member_state_is_reported(data_dir):
    edit_translations(data_dir, "fr", lambda c: c["states"].update(ATL={"name": "Atlantide"}))
    report = catalogue_seed(data_dir=data_dir)
    assert "warning: translations of 1 states not in the data files, ignored: ATL" in (
        report.lines()
    )
