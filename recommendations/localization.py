"""Member State names in the six languages, and sorting that follows the language.

Names come from django-countries' translations (maintained upstream, keyed by ISO code), and
from the ``states`` section of ``data/translations/<language>.yaml`` for the few it lacks or names
otherwise than the UN (the Netherlands, Nauru...). English keeps the UN's own short names from
``data/member_states.csv``; a name neither source translates falls back to it.

Sorting uses the Unicode Collation Algorithm (pyuca, the default table): accents sort with their
letter in French and Spanish, Arabic and Cyrillic in alphabetical order, never by byte. Chinese
names sort by the table's order for Han characters (radical and stroke count), not by pinyin.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils import dateformat, translation
from django.utils.formats import get_format

from tracker.languages import translated_languages

T = TypeVar("T")
logger = logging.getLogger(__name__)


@functools.cache
def _state_names(language: str) -> dict[str, str]:
    """ISO3 -> name in ``language``: django-countries' translation, or the data files' own
    (the ``states`` section of ``data/translations/<language>.yaml``) where it has none."""
    from django_countries.data import ALT_CODES, COUNTRIES

    from .services.catalogue import STATE_NAMES, SeedDataError, translations_read

    names = {}
    with translation.override("en"):
        english = {code: str(name) for code, name in COUNTRIES.items()}
    with translation.override(language):
        for code, name in COUNTRIES.items():
            translated = str(name)
            if translated != english[code] and code in ALT_CODES:
                names[ALT_CODES[code][0]] = translated
    try:
        overrides = translations_read(Path(settings.TRACKER_DATA_DIR))[STATE_NAMES]
    except SeedDataError:  # `manage.py seed` names the fault; a page keeps the other names
        logger.exception("Member State names in the translation files were not read")
        overrides = {}
    for iso3, languages in overrides.items():
        if language in languages:
            names[iso3] = languages[language]["name"]
    return names


def state_name(iso3: str, english: str, language: str | None = None) -> str:
    """The name of the state ``iso3`` in ``language`` (the active one when None); ``english``
    is the UN name."""
    language = language or translation.get_language() or "en"
    if language == "en":
        return english
    return _state_names(language).get(iso3, english)


@functools.cache
def _collator():
    from pyuca import Collator

    return Collator()  # reads the default table once per process (about 0.3 s)


@functools.lru_cache(maxsize=8192)
def sort_key(text: str) -> tuple:
    """A key that sorts ``text`` by the Unicode Collation Algorithm (names repeat: cached)."""
    return tuple(_collator().sort_key(text))


def collated(items: Iterable[T], key: Callable[[T], str] = str) -> list[T]:
    """``items`` sorted by ``key(item)`` as a reader of the active language expects."""
    return sorted(items, key=lambda item: sort_key(key(item)))


@dataclass(frozen=True)
class Completeness:
    """How much of one language is translated: the interface (its .po catalogue) and the
    catalogue's data (``data/translations/<language>.yaml``)."""

    language: str
    interface_total: int
    interface_translated: int
    fuzzy: int
    catalogue_total: int
    catalogue_translated: int

    @property
    def interface_complete(self) -> bool:
        return self.interface_translated == self.interface_total and not self.fuzzy


def po_path(language: str) -> Path:
    return (
        Path(settings.LOCALE_PATHS[0])
        / translation.to_locale(language)
        / "LC_MESSAGES"
        / "django.po"
    )


def completeness(data_dir: Path | None = None) -> list[Completeness]:
    """One line per language other than English."""
    import polib

    from .services.catalogue import TRANSLATED_FIELDS, translations_read

    data_dir = data_dir or Path(settings.TRACKER_DATA_DIR)
    translations = translations_read(data_dir)
    expected = _catalogue_fields(data_dir, TRANSLATED_FIELDS)
    result = []
    for language in translated_languages():
        path = po_path(language)
        entries = [entry for entry in polib.pofile(str(path))] if path.exists() else []
        done = sum(
            1
            for kind, key, field in expected
            if translations[kind].get(key, {}).get(language, {}).get(field)
        )
        result.append(
            Completeness(
                language=language,
                interface_total=len([e for e in entries if not e.obsolete]),
                interface_translated=len([e for e in entries if e.translated() and not e.obsolete]),
                fuzzy=len([e for e in entries if e.fuzzy and not e.obsolete]),
                catalogue_total=len(expected),
                catalogue_translated=done,
            )
        )
    return result


def _catalogue_fields(data_dir: Path, kinds) -> list[tuple[str, str, str]]:
    """(kind, key, field) for every translatable field with English text in the data files (an
    instrument without a short name has nothing to translate there; every recommendation has a
    summary to translate: its quoted text)."""
    from .services.catalogue import _read_yaml

    fields = []
    for kind, (_model, key_field, names) in kinds.items():
        for record in _read_yaml(data_dir / f"{kind}.yaml"):
            for name in names:
                if record.get("text" if name == "summary" else name):
                    fields.append((kind, str(record[key_field]), name))
    return fields


class KeptModelChoiceIterator(ModelChoiceIterator):
    """A model choice field's options read in one plain query, and kept by the process under
    the data version and the language when they are a whole table of the catalogue
    (``caching.kept``: the Member States, the recommendations, the themes, read, labelled in
    the page's language and sorted on every filtered page otherwise). Django reads them
    through ``iterator()``, which on PostgreSQL is a server-side cursor held past the
    transaction (DECLARE, FETCH, CLOSE: three round trips and a materialised cursor) for ten
    to 195 rows."""

    def __iter__(self):
        from . import caching  # caching reads the models, which read this module

        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:  # django-filter's fields
            yield (self.field.null_value, self.field.null_label)
        query = self.queryset.query
        if query.where or query.is_sliced:  # a selection, not the catalogue's whole table
            yield from self.choices()
            return
        key = (
            "choices",
            type(self).__qualname__,
            type(self.field).__qualname__,
            self.field.to_field_name,
            self.queryset.model._meta.label,
            tuple(map(str, query.order_by)),
            query.deferred_loading[0] and tuple(sorted(query.deferred_loading[0])),
            query.deferred_loading[1],
        )
        yield from caching.kept(key, lambda: list(self.choices()))

    def choices(self):
        # A fresh queryset each time, as iterator() is.
        return (self.choice(obj) for obj in self.queryset.all())


class CollatedModelChoiceIterator(KeptModelChoiceIterator):
    """A model choice field's options in the order the active language sorts their labels
    (Member States: "Égypte" with the E's, not after "Zimbabwe")."""

    def choices(self):
        # Each label once, for the order and the option (a Member State's is a look-up in the
        # active language's names: 195 of them).
        label = self.field.label_from_instance
        labelled = [(label(obj), obj) for obj in self.queryset.all()]
        for text, obj in sorted(labelled, key=lambda pair: sort_key(pair[0])):
            yield (ModelChoiceIteratorValue(self.field.prepare_value(obj), obj), text)


def day_labeller():
    """``day_label`` for the active language, its language and format read once: for a table
    that writes a day a row."""
    return functools.partial(_day_label, translation.get_language(), get_format("DATE_FORMAT"))


def day_label(day: datetime.date) -> str:
    """``day`` as ``{{ day|date:"DATE_FORMAT" }}`` writes it in the active language ("9 mars
    2021"). Django's formatter walks the format a character at a time and translates the
    month's name, about a tenth of a millisecond a date here; tables print one a row (195 on a
    recommendation's page), and the days repeat: each is written once per language and
    format."""
    return _day_label(translation.get_language(), get_format("DATE_FORMAT"), day)


@functools.lru_cache(maxsize=50_000)  # eighty years of days, in several languages
def _day_label(language: str | None, date_format: str, day: datetime.date) -> str:
    return dateformat.format(day, date_format)
