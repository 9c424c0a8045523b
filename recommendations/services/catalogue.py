"""Seeding the reference data: the catalogue and the Member States from ``recommendations/data/``,
and the grid of cells they span."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction
from simple_history.utils import bulk_create_with_history

from tracker.languages import translated_languages

from ..models import (
    Actor,
    Cell,
    Instrument,
    MemberState,
    Recommendation,
    SourceDocument,
    Strength,
    Theme,
    Voice,
)
from .versions import data_version_bump


class SeedDataError(Exception):
    """A data file under recommendations/data/ is missing, malformed or inconsistent."""


@dataclass
class SeedReport:
    """What a seed run did, per model: created / updated / unchanged counts."""

    counts: dict[str, Counter] = field(default_factory=dict)
    cells_created: int = 0
    translations_changed: int = 0
    translations_unmatched: dict[str, list[str]] = field(default_factory=dict)
    not_in_files: dict[str, list[str]] = field(default_factory=dict)

    def record(self, label: str, outcome: str) -> None:
        self.counts.setdefault(label, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return (
            self.cells_created > 0
            or self.translations_changed > 0
            or any(c["created"] or c["updated"] for c in self.counts.values())
        )

    def lines(self) -> list[str]:
        lines = [
            f"{label}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for label, c in self.counts.items()
        ]
        lines.append(f"translations: {self.translations_changed} records changed")
        lines.append(f"cells: {self.cells_created} created")
        for kind, keys in self.translations_unmatched.items():
            lines.append(
                f"warning: translations of {len(keys)} {kind} not in the data files, ignored: "
                f"{', '.join(keys)}"
            )
        for label, keys in self.not_in_files.items():
            lines.append(
                f"warning: {len(keys)} {label} in the database but not in the data files, "
                f"kept untouched: {', '.join(keys)}"
            )
        return lines


REFERENCE_FILES: list[tuple[str, type[models.Model], list[str]]] = [
    ("documents.yaml", SourceDocument, ["title", "short_title", "date", "file", "description"]),
    ("themes.yaml", Theme, ["name", "description"]),
    ("actors.yaml", Actor, ["name", "description"]),
    ("instruments.yaml", Instrument, ["name", "short_name", "description"]),
]
RECOMMENDATION_FIELDS = [
    "title",
    "text",
    "source_reference",
    "also_cited",
    "instrument_note",
    "voiced_by",
    "voiced_by_note",
    "strength",
]
STATE_FIELDS = ["name", "regional_group", "membership"]

# Translations of the catalogue: recommendations/data/translations/<language>.yaml, one file per
# language, a section per kind, keyed by slug or code (see the README there). Fields by kind:
TRANSLATED_FIELDS: dict[str, tuple[type[models.Model], str, tuple[str, ...]]] = {
    "documents": (SourceDocument, "slug", ("title", "short_title", "description")),
    "themes": (Theme, "slug", ("name", "description")),
    "actors": (Actor, "slug", ("name", "description")),
    "instruments": (Instrument, "slug", ("name", "short_name", "description")),
    "recommendations": (Recommendation, "code", ("title", "summary")),
}
# Member State names come from django-countries (recommendations/localization.py); a "states"
# section, keyed by ISO3, gives the UN's name where that source has none or another one.
STATE_NAMES = "states"


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SeedDataError(f"{path.name}: file not found in {path.parent}.")
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SeedDataError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SeedDataError(f"{path.name}: expected a list of records.")
    return rows


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise SeedDataError(f"{path.name}: file not found in {path.parent}.")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _upsert(
    model: type[models.Model],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    where: str,
    create_only: bool = False,
) -> tuple[models.Model, str]:
    """Create or update one row; save only if a value differs, so re-runs write nothing."""
    instance = model.objects.filter(**lookup).first()
    outcome = "unchanged"
    if instance is None:
        instance = model(**lookup, **values)
        outcome = "created"
    elif not create_only:
        for name, value in values.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                outcome = "updated"
    if outcome != "unchanged":
        try:
            instance.full_clean()
        except ValidationError as error:
            raise SeedDataError(f"{where}: {_format_errors(error)}") from error
        instance.save()
    return instance, outcome


def _format_errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.message_dict.items())
    return " ".join(error.messages)


def translations_read(data_dir: Path) -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """kind -> key -> language -> field -> text, from ``data_dir/translations/*.yaml``.

    Refuses what would show wrong text: a file for a language the site does not offer, a kind,
    key or field that does not exist, and empty or non-text values (leave a field out instead:
    it then falls back to English with a marker)."""
    languages = translated_languages()
    sections = {kind: names for kind, (_model, _key, names) in TRANSLATED_FIELDS.items()}
    sections[STATE_NAMES] = ("name",)
    result: dict[str, dict[str, dict[str, dict[str, str]]]] = {kind: {} for kind in sections}
    folder = data_dir / "translations"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        language = path.stem
        where = f"translations/{path.name}"
        if language not in languages:
            raise SeedDataError(
                f"{where}: {language!r} is not one of the site's other languages "
                f"({', '.join(sorted(languages))})."
            )
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise SeedDataError(f"{where}: not valid YAML: {error}") from error
        if not isinstance(content, dict):
            raise SeedDataError(f"{where}: expected sections such as 'themes:' and 'actors:'.")
        if content.get("language", language) != language:
            raise SeedDataError(f"{where}: says language {content['language']!r}.")
        for kind, entries in content.items():
            if kind == "language":
                continue
            if kind not in sections:
                raise SeedDataError(
                    f"{where}: unknown section {kind!r}; known: {', '.join(sections)}."
                )
            fields = sections[kind]
            if not isinstance(entries or {}, dict):
                raise SeedDataError(
                    f"{where}: {kind}: expected one entry per slug or code, each with its fields."
                )
            for key, values in (entries or {}).items():
                if not isinstance(values, dict) or not values:
                    raise SeedDataError(
                        f"{where}: {kind} {key}: expected fields ({', '.join(fields)}); leave "
                        "the entry out until it is translated."
                    )
                for name, text in values.items():
                    if name not in fields:
                        raise SeedDataError(
                            f"{where}: {kind} {key}: unknown field {name!r}; known: "
                            f"{', '.join(fields)}."
                        )
                    if not isinstance(text, str) or not text.strip():
                        raise SeedDataError(
                            f"{where}: {kind} {key}: {name} is empty or not text; leave the "
                            "field out until it is translated."
                        )
                result[kind].setdefault(str(key), {})[language] = {
                    name: text.strip() for name, text in values.items()
                }
    return result


def _translations_apply(
    translations: dict[str, dict[str, dict[str, dict[str, str]]]],
    kind: str,
    instances: dict[str, models.Model],
    *,
    create_only: bool,
    report: SeedReport,
) -> None:
    """Store the files' translations on the records. With ``create_only``, only the missing
    texts are added and existing ones are left alone. A translation whose record is not in the
    data files (a typo, or a record taken out) is reported and ignored."""
    wanted = translations[kind]
    unmatched = sorted(set(wanted) - set(instances))
    if unmatched:
        report.translations_unmatched[kind] = unmatched
    changed = 0
    for key, instance in instances.items():
        current = instance.translations or {}
        if create_only:
            merged = {language: dict(fields) for language, fields in current.items()}
            for language, fields in wanted.get(key, {}).items():
                for name, text in fields.items():
                    merged.setdefault(language, {}).setdefault(name, text)
        else:
            merged = wanted.get(key, {})
        if merged != current:
            instance.translations = merged
            instance.save(update_fields=["translations"])
            changed += 1
    report.translations_changed += changed


def _set_m2m(instance: models.Model, name: str, targets: list[models.Model]) -> bool:
    manager = getattr(instance, name)
    wanted = {obj.pk for obj in targets}
    if set(manager.values_list("pk", flat=True)) == wanted:
        return False
    manager.set(targets)
    return True


def _slugs(record: dict[str, Any], key: str, known: dict[str, models.Model], where: str):
    value = record.get(key) or []
    if isinstance(value, str):
        value = [value]
    unknown = [slug for slug in value if slug not in known]
    if unknown:
        raise SeedDataError(
            f"{where}: unknown {key} {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}."
        )
    return [known[slug] for slug in value]


@transaction.atomic
def catalogue_seed(*, data_dir: Path, create_only: bool = False) -> SeedReport:
    """Load documents, themes, actors, instruments, recommendations and states; add missing cells.

    Idempotent: a record whose data has not changed is not saved (and so writes no history row).
    Records present in the database but gone from the files are reported, never deleted, because
    logged follow-up may point at them. Progress updates are never touched. Any error rolls the
    whole run back. ``create_only`` adds what is missing and leaves existing records as they
    are, so edits made in the admin survive (``make run`` seeds this way).
    """
    report = SeedReport()
    by_slug: dict[type[models.Model], dict[str, models.Model]] = {}
    translations = translations_read(data_dir)

    for filename, model, fields in REFERENCE_FILES:
        label = model._meta.verbose_name_plural
        report.counts.setdefault(label, Counter())
        known: dict[str, models.Model] = {}
        for order, record in enumerate(_read_yaml(data_dir / filename), start=1):
            slug = str(record.get("slug", "")).strip()
            where = f"{filename}, record {order} ({slug or 'no slug'})"
            if not slug:
                raise SeedDataError(f"{where}: every record needs a slug.")
            if slug in known:
                raise SeedDataError(f"{where}: slug {slug!r} appears twice.")
            values = {name: record.get(name, "") or "" for name in fields}
            values["order"] = order
            instance, outcome = _upsert(
                model, lookup={"slug": slug}, values=values, where=where, create_only=create_only
            )
            known[slug] = instance
            report.record(label, outcome)
        by_slug[model] = known
        kind = filename.removesuffix(".yaml")
        _translations_apply(translations, kind, known, create_only=create_only, report=report)

    report.counts.setdefault("recommendations", Counter())
    codes: set[str] = set()
    recommendations: dict[str, Recommendation] = {}
    for order, record in enumerate(_read_yaml(data_dir / "recommendations.yaml"), start=1):
        code = str(record.get("code", "")).strip()
        where = f"recommendations.yaml, {code or f'record {order}'}"
        if not code:
            raise SeedDataError(f"{where}: every recommendation needs a code.")
        if code in codes:
            raise SeedDataError(f"{where}: code {code} appears twice.")
        codes.add(code)
        documents = _slugs(record, "source_document", by_slug[SourceDocument], where)
        themes = _slugs(record, "themes", by_slug[Theme], where)
        actors = _slugs(record, "actors", by_slug[Actor], where)
        instruments = _slugs(record, "instruments", by_slug[Instrument], where)
        if len(documents) != 1:
            raise SeedDataError(f"{where}: name exactly one source_document.")
        if not themes or not actors:
            raise SeedDataError(f"{where}: every recommendation needs a theme and an actor.")
        values = {name: str(record.get(name) or "").strip() for name in RECOMMENDATION_FIELDS}
        paraphrase = record.get("paraphrase", False)
        if not isinstance(paraphrase, bool):
            raise SeedDataError(f"{where}: paraphrase is true or false.")
        # Checked here, not only by full_clean: an unchanged record is never cleaned.
        for name, choices in (("voiced_by", Voice), ("strength", Strength)):
            if values[name] not in choices.values:
                raise SeedDataError(
                    f"{where}: {name} {values[name]!r} is not one of {', '.join(choices.values)}."
                )
        values.update(source_document=documents[0], order=order, paraphrase=paraphrase)
        recommendation, outcome = _upsert(
            Recommendation,
            lookup={"code": code},
            values=values,
            where=where,
            create_only=create_only,
        )
        m2m_changed = (
            []
            if create_only and outcome == "unchanged"
            else [
                _set_m2m(recommendation, "themes", themes),
                _set_m2m(recommendation, "actors", actors),
                _set_m2m(recommendation, "instruments", instruments),
            ]
        )
        if outcome == "unchanged" and any(m2m_changed):
            outcome = "updated"
        report.record("recommendations", outcome)
        recommendations[code] = recommendation
    _translations_apply(
        translations, "recommendations", recommendations, create_only=create_only, report=report
    )

    report.counts.setdefault("member states", Counter())
    isos: set[str] = set()
    for line, row in enumerate(_read_csv(data_dir / "member_states.csv"), start=2):
        iso3 = row.get("iso3", "")
        where = f"member_states.csv, line {line} ({iso3 or 'no iso3'})"
        if iso3 in isos:
            raise SeedDataError(f"{where}: iso3 {iso3} appears twice.")
        isos.add(iso3)
        values = {name: row.get(name, "") for name in STATE_FIELDS}
        _, outcome = _upsert(
            MemberState,
            lookup={"iso3": iso3},
            values=values,
            where=where,
            create_only=create_only,
        )
        report.record("member states", outcome)

    unmatched_states = sorted(set(translations[STATE_NAMES]) - isos)
    if unmatched_states:
        report.translations_unmatched[STATE_NAMES] = unmatched_states
    report.not_in_files = {
        label: sorted(keys)
        for label, keys in (
            ("recommendations", set(Recommendation.objects.values_list("code", flat=True)) - codes),
            ("member states", set(MemberState.objects.values_list("iso3", flat=True)) - isos),
        )
        if keys
    }
    report.cells_created = cells_ensure_grid()
    if report.changed:
        data_version_bump()  # the public pages show the catalogue
    return report


def cells_ensure_grid() -> int:
    """Create the missing cells, one per recommendation x state. Returns how many."""
    existing = set(Cell.objects.values_list("recommendation_id", "state_id"))
    state_ids = list(MemberState.objects.values_list("pk", flat=True))
    missing = [
        Cell(recommendation_id=rec_id, state_id=state_id)
        for rec_id in Recommendation.objects.values_list("pk", flat=True)
        for state_id in state_ids
        if (rec_id, state_id) not in existing
    ]
    bulk_create_with_history(missing, Cell, batch_size=1000)
    return len(missing)
