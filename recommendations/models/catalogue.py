"""The catalogue and the Member States: reference data seeded from ``recommendations/data/``."""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.query import ModelIterable
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker.languages import translated_languages

from .. import permissions
from ..links import cached_reverse
from ..localization import state_name
from .choices import Membership, RegionalGroup, Strength, Voice, choice_label

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Use lowercase letters, digits and single hyphens.")
)


class Localized(str):
    """Catalogue text in the active language; ``fallback`` when it is the English original
    because no translation exists yet (templates mark it: the ``localized`` filter)."""

    fallback: bool = False
    language: str = "en"

    def __new__(cls, text: str, *, language: str, fallback: bool = False):
        value = super().__new__(cls, text)
        value.language = language
        value.fallback = fallback
        return value


class FrozenDict(dict):
    """A decoded translations value shared between the records that hold the same JSON: reads
    as a dict (and serialises as one), refuses changes. Assign a new dict to change it."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("Translations read from the database are shared: assign a new dict.")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo) -> dict:
        return json.loads(json.dumps(self))

    def __reduce__(self):
        return (dict, (dict(self),))


@functools.lru_cache(maxsize=4096)
def _decoded(raw: str) -> dict:
    """A translations value (or one language of it), decoded once per process: a page repeats
    the same theme on every row, and the catalogue changes only when it is seeded or edited.
    Anything but a JSON object reads as no translation."""
    try:
        value = json.loads(raw, object_hook=FrozenDict)
    except ValueError:
        return FrozenDict()
    return value if isinstance(value, dict) else FrozenDict()


def validate_translations(value) -> None:
    """``{"fr": {"name": "..."}, ...}``: languages of the site, each with texts."""
    languages = translated_languages()
    if not isinstance(value, dict):
        raise ValidationError(_("Translations are an object keyed by language code."))
    for language, fields in value.items():
        if language not in languages:
            raise ValidationError(
                _("%(language)s is not one of the site's other languages."),
                params={"language": language},
            )
        if not isinstance(fields, dict) or not all(
            isinstance(text, str) and text.strip() for text in fields.values()
        ):
            raise ValidationError(
                _("The %(language)s translations must map field names to non-empty texts."),
                params={"language": language},
            )


class TranslationsField(models.JSONField):
    """The catalogue's translations, ``{"fr": {"name": ...}, ...}``; decoded through the
    process-wide cache above, so a row read again costs no parsing."""

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str) and value.startswith("{"):
            return _decoded(value)
        return super().from_db_value(value, expression, connection)


def _slice_name(language: str) -> str:
    return f"translation_{language.replace('-', '_')}"


class TranslatedModelIterable(ModelIterable):
    """Model instances that carry the active language's part of ``translations`` (when it is not
    English), selected by a copy of the query: the queryset itself is left as it was."""

    def __iter__(self):
        language = translation.get_language() or settings.LANGUAGE_CODE
        query = self.queryset.query
        if language != settings.LANGUAGE_CODE and not query.combinator:
            self.queryset = self.queryset._chain()
            self.queryset.query.add_annotation(
                KT(f"translations__{language}"), _slice_name(language)
            )
        yield from super().__iter__()


class TranslatableQuerySet(models.QuerySet):
    """Reads of translated records fetch only the active language's part of ``translations``.

    The column holds every language (about 5 kB a recommendation): decoding it for the 200
    themes and actors of the catalogue page cost English readers a third of the page's time.
    So the default manager defers it, and instances read while another language is active
    come with that language's object alone (``translations -> 'fr'``), which
    ``Translatable.localized`` reads. ``values()``, counts and unions are untouched.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._iterable_class = TranslatedModelIterable


class TranslatableManager(models.Manager.from_queryset(TranslatableQuerySet)):
    def get_queryset(self):
        return super().get_queryset().defer("translations")


class Translatable(models.Model):
    """Catalogue records whose English text is authoritative, with translations from the data
    files (``recommendations/data/translations/<language>.yaml``): ``{"fr": {"name": ...}}``."""

    translations = TranslationsField(
        _("translations"), default=dict, blank=True, validators=[validate_translations]
    )

    objects = TranslatableManager()

    class Meta:
        abstract = True

    def _translated(self, language: str) -> dict:
        """This record's texts in ``language``: from the whole column when it was read or
        assigned, else from the slice the query selected, else read now (one query more)."""
        name = _slice_name(language)
        if "translations" in self.__dict__ or name not in self.__dict__:
            value = (
                (self.translations or {}).get(language)
                if isinstance(self.translations, dict)
                else None
            )
        else:
            raw = self.__dict__[name]
            value = _decoded(raw) if isinstance(raw, str) else raw
        return value if isinstance(value, dict) else {}

    def localized(self, field: str, english: str | None = None) -> Localized:
        """``field`` in the active language, else the English (``english``, by default the
        field's own value) marked as a fallback."""
        original = getattr(self, field) if english is None else english
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language == settings.LANGUAGE_CODE:
            return Localized(original, language=language)
        text = self._translated(language).get(field)
        if isinstance(text, str) and text:
            return Localized(text, language=language)
        return Localized(original, language=settings.LANGUAGE_CODE, fallback=True)


class ReferenceData(Translatable):
    """Common shape of the small lookup tables seeded from data files."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(_("name"), max_length=250, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> Localized:
        """The name in the active language (English when not translated yet)."""
        return self.localized("name")

    @property
    def description_local(self) -> Localized:
        return self.localized("description")


class Theme(ReferenceData):
    """One of the debate's four Ps (prevention, protection, prosecution, partnership)."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Actor(ReferenceData):
    """Who a recommendation asks to act: Member States, UNODC, ICAT, the private sector..."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("actor")
        verbose_name_plural = _("actors")


class Instrument(ReferenceData):
    """A legal instrument the texts name, such as the Palermo Protocol."""

    short_name = models.CharField(_("short name"), max_length=60, blank=True)

    class Meta(ReferenceData.Meta):
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        if self.short_name:
            return self.localized("short_name")
        return self.label


class SourceDocument(Translatable):
    """One of the two seed documents a recommendation cites."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True, validators=[slug_validator])
    title = models.CharField(_("title"), max_length=200)
    short_title = models.CharField(_("short title"), max_length=60)
    date = models.DateField(_("date"))
    file = models.CharField(
        _("file"), max_length=100, blank=True, help_text=_("File name under shared/seeds/")
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("source document")
        verbose_name_plural = _("source documents")
        ordering = ["order", "date"]

    def __str__(self) -> str:
        return self.localized("short_title")

    @property
    def title_local(self) -> Localized:
        return self.localized("title")


class RecommendationQuerySet(TranslatableQuerySet):
    def with_tags(self) -> RecommendationQuerySet:
        """Everything a list page shows, in a constant number of queries."""
        return self.select_related("source_document").prefetch_related(
            "themes", "actors", "instruments"
        )


class Recommendation(Translatable):
    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^R\d{2,3}$", _("Codes look like R01, R02, ... R120."))],
    )
    title = models.CharField(_("title"), max_length=160)
    text = models.TextField(_("text"), help_text=_("The ask, in the source document's own terms."))
    source_document = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        related_name="recommendations",
        verbose_name=_("source document"),
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=160,
        help_text=_("Summary: paragraph (para. 8). Background paper: section and panel."),
    )
    also_cited = models.CharField(_("also cited"), max_length=300, blank=True)
    themes = models.ManyToManyField(Theme, related_name="recommendations", verbose_name=_("themes"))
    actors = models.ManyToManyField(Actor, related_name="recommendations", verbose_name=_("actors"))
    instruments = models.ManyToManyField(
        Instrument, related_name="recommendations", blank=True, verbose_name=_("instruments")
    )
    instrument_note = models.CharField(_("instrument note"), max_length=200, blank=True)
    # Who voiced the ask, and how strongly: the debate's conclusion is not one delegation's idea.
    voiced_by = models.CharField(_("voiced by"), max_length=30, choices=Voice.choices)
    voiced_by_note = models.CharField(
        _("who exactly"),
        max_length=200,
        blank=True,
        help_text=_("The delegations, groups or panellists named in the source, if any."),
    )
    strength = models.CharField(_("strength"), max_length=20, choices=Strength.choices)
    paraphrase = models.BooleanField(
        _("paraphrase"),
        default=False,
        help_text=_("The text paraphrases its source instead of quoting it."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    # Named here: django-simple-history would otherwise read the lazy names at import time.
    history = HistoricalRecords(
        m2m_fields=[themes, actors, instruments],
        verbose_name=_("historical recommendation"),
        verbose_name_plural=_("historical recommendations"),
    )
    objects = TranslatableManager.from_queryset(RecommendationQuerySet)()

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_reference=""), name="recommendation_cites_a_source"
            ),
            models.CheckConstraint(
                condition=Q(voiced_by__in=Voice.values), name="recommendation_voice_valid"
            ),
            models.CheckConstraint(
                condition=Q(strength__in=Strength.values), name="recommendation_strength_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_local}"

    def get_absolute_url(self) -> str:
        return cached_reverse("recommendations:recommendation-detail", self.code)

    def get_voiced_by_display(self) -> str:
        return choice_label(Voice, self.voiced_by)

    def get_strength_display(self) -> str:
        return choice_label(Strength, self.strength)

    @property
    def citation(self) -> str:
        """Where the ask stands, as the English document cites it (references stay English)."""
        return f"{self.source_document.short_title}, {self.source_reference}"

    @property
    def title_local(self) -> Localized:
        """The title in the active language, else the English title marked as a fallback."""
        return self.localized("title")

    @property
    def summary_local(self) -> Localized:
        """The ask in the active language. English has none: the quotation (``text``) is the
        authoritative wording and is always shown; an untranslated ask is an empty fallback."""
        return self.localized("summary", english="")


class MemberStateQuerySet(models.QuerySet):
    def loggable_by(self, user) -> MemberStateQuerySet:
        """The states a user may log follow-up for (the rule is in ``permissions``)."""
        return permissions.loggable_states(user, self)

    def members(self) -> MemberStateQuerySet:
        return self.filter(membership=Membership.MEMBER)

    def observers(self) -> MemberStateQuerySet:
        return self.filter(membership=Membership.OBSERVER)

    def in_region(self, *groups: str) -> MemberStateQuerySet:
        return self.filter(regional_group__in=groups)


class MemberState(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    iso3 = models.CharField(
        _("ISO 3166-1 alpha-3"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. FRA."))],
    )
    regional_group = models.CharField(
        _("regional group"), max_length=30, choices=RegionalGroup.choices, db_index=True
    )
    membership = models.CharField(
        _("membership"),
        max_length=10,
        choices=Membership.choices,
        default=Membership.MEMBER,
        db_index=True,
    )

    # Named here: django-simple-history would otherwise read the lazy names at import time.
    history = HistoricalRecords(
        verbose_name=_("historical Member State"),
        verbose_name_plural=_("historical Member States"),
    )
    objects = MemberStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("Member State")
        verbose_name_plural = _("Member States")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(regional_group__in=RegionalGroup.values),
                name="state_regional_group_valid",
            ),
            models.CheckConstraint(
                condition=Q(membership__in=Membership.values), name="state_membership_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return cached_reverse("recommendations:state-detail", self.iso3)

    @property
    def label(self) -> str:
        """The state's name in the active language (English is the UN's own short name)."""
        return state_name(self.iso3, self.name)

    def get_membership_display(self) -> str:
        return choice_label(Membership, self.membership)

    @property
    def region(self) -> RegionalGroup:
        """The group as its enum: ``.label`` is several times cheaper than
        ``get_regional_group_display()``, which rebuilds a dict per call (195 rows a page)."""
        return RegionalGroup(self.regional_group)
