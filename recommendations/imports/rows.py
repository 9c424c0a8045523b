"""Checking the rows of a spreadsheet against the catalogue, the model's rules and the importer's
permissions, and telling each row's fate: new, already present, a conflict, or rejected (with
every reason, by line and column).

A row's identity is its ``external_id`` when the source system gave one, otherwise its content:
recommendation, state, effective date, status, source and narrative. A row already in the log is
"present" (importing a file twice creates nothing the second time); a row whose external id is
in the log with other content is a conflict, never an overwrite.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from .. import permissions
from ..csv_export import restored
from ..localization import state_name
from ..models import (
    AssessmentSource,
    Cell,
    MemberState,
    ProgressUpdate,
    Recommendation,
    Status,
)
from .columns import Columns, columns_match
from .reading import FileProblem, Table

# The rows checked against the log at once: one query for their content, one for their ids.
CHUNK = 500
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}")
# Letters and a number (bounded: int() refuses a string of more than 4,300 digits).
CODE = re.compile(r"([A-Z]*)0*(\d{1,9})")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
# A "did you mean" compares the value with every choice: not for values longer than any name,
# and for a bounded number of distinct values a file (a file of 50,000 wrong names would
# otherwise take minutes to check).
GUESS_LENGTH = 100
GUESSES = 1_000
# Columns whose values may start with "#": a row starting so is data there, not a comment.
FREE_TEXT = ("narrative", "external_id")
# The model's fields, by the column that feeds them.
FIELD_COLUMN = {
    "status": "status",
    "source": "source",
    "effective_date": "effective_date",
    "narrative": "narrative",
    "evidence": "evidence",
    "external_id": "external_id",
}


@dataclass
class Row:
    """A row that can be written: the keyword arguments of ``services.update_log``, its line and
    its identity."""

    line: int
    recommendation: Recommendation
    state: MemberState
    status: str
    source: str
    effective_date: datetime.date
    narrative: str
    evidence: str
    external_id: str
    # The cell of the row's recommendation and state, when the grid has it (read once a plan).
    cell_id: int | None = None

    @property
    def whole(self) -> tuple:
        """Everything the row says: what an external id is compared on (a changed link is a
        change)."""
        return (*self.key, _evidence_key(self.evidence))

    @property
    def key(self) -> tuple:
        return (
            self.recommendation.pk,
            self.state.pk,
            self.effective_date,
            self.status,
            self.source,
            _text_key(self.narrative),
        )


@dataclass
class Plan:
    """The fate of every row; ``new`` are the rows an import writes. Rejections, present rows
    and conflicts are counted whole and kept up to ``KEPT`` each (what a person corrects a file
    from), so a file of 50,000 bad rows does not hold 50,000 reports in memory."""

    KEPT = 5_000

    columns: Columns | None = None
    new: list[Row] = field(default_factory=list)
    present: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    rows_rejected: int = 0
    rows: int = 0
    rejections: int = 0
    present_count: int = 0
    conflict_count: int = 0

    def reject(self, errors: list[dict]) -> None:
        self.rejections += len(errors)
        self.rejected.extend(errors[: max(0, self.KEPT - len(self.rejected))])

    def mark_present(self, entry: dict) -> None:
        self.present_count += 1
        if len(self.present) < self.KEPT:
            self.present.append(entry)

    def mark_conflict(self, entry: dict) -> None:
        self.conflict_count += 1
        if len(self.conflicts) < self.KEPT:
            self.conflicts.append(entry)

    def report(self, table: Table) -> dict:
        return {
            **table.describe(),
            "columns": [self.columns.label(name) for name in self.columns.position]
            if self.columns
            else [],
            "unknown_columns": self.columns.unknown if self.columns else [],
            "describing_columns": self.columns.describing if self.columns else [],
            "rejected": self.rejected,
            "rejections": self.rejections,
            "present": self.present,
            "conflicts": self.conflicts,
            # The rows the preview offers to write, to hold the confirmation to them.
            "new_lines": [row.line for row in self.new],
        }


def _evidence_key(evidence: str) -> str:
    return "\n".join(evidence.split())


def _text_key(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, the export's formula guard
    undone; a formula stays the text it is. Line ends stay as written (a narrative logged in a
    browser holds CRLF, and the round trip gives it back unchanged); identities ignore them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date() if value.time() == datetime.time() else value
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return restored(str(value).strip())


def _closest(value: str, choices) -> str:
    """The choice most like ``value`` (a typing slip), ties going to the longer shared start:
    FRN is FRA rather than IRN. Nothing for a value much longer than every choice."""
    if not value or len(value) > GUESS_LENGTH:
        return ""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(value)  # the matcher keeps what it learnt of the value between choices
    best, best_score = "", (0.6, 0)
    for choice in choices:
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
            continue
        ratio = matcher.ratio()
        if ratio < 0.6:
            continue
        score = (ratio, len(os.path.commonprefix([value, choice])))
        if score > best_score or (not best and score >= best_score):
            best, best_score = choice, score
    return best


def _name_key(name: str) -> str:
    """A state's name as compared: any case, accents, curled apostrophes and spacing."""
    decomposed = unicodedata.normalize("NFKD", name.translate(APOSTROPHES))
    return " ".join(
        "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split()
    )


class Checker:
    """Reads the catalogue once, then checks rows one by one."""

    def __init__(self, user):
        self.user = user
        self.recommendations = {r.code: r for r in Recommendation.objects.only("pk", "code")}
        # R3 for R03: the code of the same letters and number, offered as the guess.
        self.code_numbers = {
            (match.group(1), int(match.group(2))): code
            for code in self.recommendations
            if (match := CODE.fullmatch(code))
        }
        states = list(MemberState.objects.only("pk", "iso3", "name"))
        self.states = {state.iso3: state for state in states}
        # Status and source as stored or as labelled in any of the six languages; states by
        # code, or by name as the catalogue spells it in any of them.
        reported = [status for status in Status if status != Status.NO_INFORMATION]
        self.statuses = {status.value: status.value for status in reported}
        self.sources = {source.value: source.value for source in AssessmentSource}
        self.state_names = {_name_key(state.name): state for state in states}
        # A name's key -> the name as the catalogue spells it, for "did you mean": in English
        # and in the importer's language only (a guess in Spanish reads oddly in English).
        self.spellings = {_name_key(state.name): state.name for state in states}
        for state in states:
            name = state_name(state.iso3, state.name)
            self.spellings.setdefault(_name_key(name), name)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for status in reported:
                    self.statuses.setdefault(_name_key(str(status.label)), status.value)
                for source in AssessmentSource:
                    self.sources.setdefault(_name_key(str(source.label)), source.value)
                for state in states:
                    name = state_name(state.iso3, state.name)
                    self.state_names.setdefault(_name_key(name), state)
        self.answers: dict[int, permissions.Answer] = {}
        self.guesses: dict[tuple[str, str], str] = {}

    def guess(self, kind: str, value: str, choices) -> str:
        """``_closest`` once per distinct value, and for at most ``GUESSES`` values."""
        if (kind, value) not in self.guesses:
            if len(self.guesses) >= GUESSES:
                return ""
            self.guesses[kind, value] = _closest(value, choices)
        return self.guesses[kind, value]

    def state_guess(self, key: str) -> str:
        """The official name a short or common one begins (Iran: "Iran (Islamic Republic
        of)", Bolivia, the Netherlands), else the closest spelling."""
        if ("state", key) not in self.guesses and len(key) >= 4:
            starting = [k for k in self.spellings if k.startswith(key)]
            if starting:
                self.guesses["state", key] = min(starting, key=len)
        return self.guess("state", key, self.spellings)

    def may_log(self, state: MemberState) -> permissions.Answer:
        if state.pk not in self.answers:
            self.answers[state.pk] = permissions.may_log(self.user, state)
        return self.answers[state.pk]

    # ----------------------------------------------------------------------------------------

    def check(self, line: int, cells: list, columns: Columns) -> tuple[Row | None, list[dict]]:
        errors: list[dict] = []

        def refuse(column: str, message: str) -> None:
            errors.append({"line": line, "column": columns.label(column), "message": message})

        def text(column: str) -> str:
            return _text(columns.cell(cells, column))

        recommendation = self._recommendation(text("recommendation"), refuse)
        state = self._state(text("iso3"), text("state"), columns, refuse)
        status = self._choice(text("status"), self.statuses, "status", refuse)
        source = self._choice(text("source"), self.sources, "source", refuse)
        effective_date = self._date(columns.cell(cells, "effective_date"), refuse)
        narrative = text("narrative")
        if not narrative:
            refuse("narrative", _("The narrative is missing."))
        evidence = "\n".join(text("evidence").split())
        external_id = text("external_id")
        if state is not None and not (answer := self.may_log(state)):
            refuse("iso3" if text("iso3") else "state", answer.reason)
        candidate = ProgressUpdate(
            status=status or Status.NOT_STARTED,
            source=source or AssessmentSource.GOVERNMENT,
            effective_date=effective_date or datetime.date(2000, 1, 1),
            narrative=narrative,
            evidence=evidence,
            external_id=external_id,
        )
        try:
            # The model's own rules (lengths, links, dates from 1945 to today), as the service
            # will apply them; the constraints repeat them in the database.
            candidate.full_clean(
                exclude=["cell", "reported_by", "import_batch"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = FIELD_COLUMN.get(name, "narrative")
                if column == "effective_date" and effective_date is None:
                    continue
                if column in ("status", "source", "narrative") and not text(column):
                    continue  # said above, once
                for message in messages:
                    refuse(column, message)
        if errors or None in (recommendation, state, status, source, effective_date):
            return None, errors
        return (
            Row(
                line=line,
                recommendation=recommendation,
                state=state,
                status=status,
                source=source,
                effective_date=effective_date,
                narrative=narrative,
                evidence=evidence,
                external_id=external_id,
            ),
            errors,
        )

    def _recommendation(self, value: str, refuse) -> Recommendation | None:
        if not value:
            refuse("recommendation", _("The recommendation's code is missing."))
            return None
        found = self.recommendations.get(value.upper())
        if found is None:
            number = CODE.fullmatch(value.upper())
            guess = (
                number and self.code_numbers.get((number.group(1), int(number.group(2))))
            ) or self.guess("recommendation", value.upper(), self.recommendations)
            message = _("“%(value)s” is not a recommendation code.") % {"value": value[:50]}
            if guess:
                message += " " + _("Did you mean %(guess)s?") % {"guess": guess}
            refuse("recommendation", message)
        return found

    def _state(self, iso3: str, name: str, columns: Columns, refuse) -> MemberState | None:
        if iso3:
            found = self.states.get(iso3.upper()) or self.state_names.get(_name_key(iso3))
            if found is None:
                guess = self.guess("iso3", iso3.upper(), self.states)
                message = _("“%(value)s” is not a Member State code.") % {"value": iso3[:50]}
                if guess:
                    message += " " + _("Did you mean %(guess)s?") % {"guess": guess}
                refuse("iso3", message)
            elif name and self.state_names.get(_name_key(name), found) != found:
                # Both columns name a state, and not the same one: which was meant is a guess.
                refuse(
                    "state",
                    _("The state “%(name)s” does not match the ISO3 code %(iso3)s (%(state)s).")
                    % {"name": name[:100], "iso3": found.iso3, "state": found.name},
                )
                return None
            return found
        if name:
            found = self.state_names.get(_name_key(name))
            if found is None:
                guess = self.state_guess(_name_key(name))
                message = _("“%(value)s” is not the name of a Member State.") % {
                    "value": name[:100]
                }
                if guess:
                    message += " " + _("Did you mean %(guess)s?") % {"guess": self.spellings[guess]}
                refuse("state", message)
            return found
        refuse(
            "iso3" if "iso3" in columns.position else "state",
            _("The Member State is missing: give its ISO3 code or its name."),
        )
        return None

    def _choice(self, value: str, choices: dict, column: str, refuse) -> str | None:
        if not value:
            refuse(
                column,
                _("The status is missing.") if column == "status" else _("The source is missing."),
            )
            return None
        # Labels compare as state names do (case, accents, Arabic vowel marks, spacing).
        found = (
            choices.get(value.casefold())
            or choices.get(value.casefold().replace(" ", "_").replace("-", "_"))
            or choices.get(_name_key(value))
        )
        if found is None:
            allowed = (Status if column == "status" else AssessmentSource).values
            if column == "status":
                allowed = [v for v in allowed if v != Status.NO_INFORMATION]
            refuse(
                column,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": value[:50], "allowed": ", ".join(allowed)},
            )
        return found

    def _date(self, value, refuse) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value)
        if not text:
            refuse("effective_date", _("The effective date is missing."))
            return None
        if iso := ISO_DATE.fullmatch(text):
            year, month, day = (int(part) for part in iso.groups())
        elif day_first := DAY_FIRST.fullmatch(text):
            day, month, year = (int(part) for part in day_first.groups())
        elif TWO_DIGIT_YEAR.fullmatch(text):
            refuse(
                "effective_date",
                _("“%(value)s” has a two-digit year: write the year in full (15/03/2024).")
                % {"value": text[:20]},
            )
            return None
        else:
            refuse(
                "effective_date",
                _("“%(value)s” is not a date: write 2024-03-15 or 15/03/2024 (day first).")
                % {"value": text[:50]},
            )
            return None
        try:
            return datetime.date(year, month, day)
        except ValueError:
            refuse(
                "effective_date",
                _("“%(value)s” is not a date that exists.") % {"value": text[:20]},
            )
            return None


def plan_build(table: Table, *, user, progress: Callable[[int], None] | None = None) -> Plan:
    """Read and check every row of ``table``; nothing is written. Raises ``FileProblem`` for a
    problem with the file as a whole."""
    plan = Plan(columns=columns_match(table.header))
    checker = Checker(user)
    cells = {
        (recommendation_id, state_id): pk
        for pk, recommendation_id, state_id in Cell.objects.values_list(
            "pk", "recommendation_id", "state_id"
        )
    }
    seen_keys: dict[tuple, int] = {}
    seen_ids: dict[str, tuple[int, tuple]] = {}
    rejected_lines: set[int] = set()
    for chunk in _chunks(table.rows, CHUNK):
        rows: list[Row] = []
        for line, cells_of_row in chunk:
            if _comment(cells_of_row, plan.columns):
                continue
            plan.rows += 1
            row, errors = checker.check(line, cells_of_row, plan.columns)
            if errors:
                plan.reject(errors)
                rejected_lines.add(line)
            if row is not None:
                row.cell_id = cells.get((row.recommendation.pk, row.state.pk))
                rows.append(row)
        known_keys, known_ids = _in_log(rows, cells, user)
        for row in rows:
            key = row.key
            if row.external_id:
                # Seen earlier in this file (a line of it), else in the log (an update).
                earlier = None
                if row.external_id in seen_ids:
                    line_of, whole = seen_ids[row.external_id]
                    earlier = {"update": None, "line_of": line_of}
                elif row.external_id in known_ids:
                    pk, whole = known_ids[row.external_id]
                    earlier = {"update": pk, "line_of": None}
                if earlier is not None:
                    if whole == row.whole:
                        plan.mark_present({"line": row.line, **earlier})
                    else:
                        plan.mark_conflict(
                            {"line": row.line, "external_id": row.external_id, **earlier}
                        )
                    continue
                # The source system's id is the row's identity: a new id is a new row, even
                # with the content of another.
                seen_ids[row.external_id] = (row.line, row.whole)
                plan.new.append(row)
                continue
            if key in seen_keys:
                plan.mark_present({"line": row.line, "update": None, "line_of": seen_keys[key]})
                continue
            if key in known_keys:
                plan.mark_present({"line": row.line, "update": known_keys[key], "line_of": None})
                continue
            seen_keys[key] = row.line
            plan.new.append(row)
        if progress:
            progress(plan.rows)
    if not plan.rows:
        raise FileProblem(
            _("The file has a header row but no rows under it: there is nothing to import.")
        )
    plan.rows_rejected = len(rejected_lines)
    return plan


def _comment(cells: list, columns: Columns) -> bool:
    """A row whose first cell starts with "#" is a comment (the CSV template lists the allowed
    values so), unless that column holds free text, where "#" may begin a value."""
    first = cells[0] if cells else None
    return (
        isinstance(first, str)
        and first.lstrip().startswith("#")
        and not any(columns.position.get(name) == 0 for name in FREE_TEXT)
    )


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_log(rows: list[Row], cells: dict, user) -> tuple[dict, dict]:
    """The rows' identities already in the log: ``{content key: update id}`` and
    ``{external id: (update id, content key)}``, in two queries. Other people's drafts do not
    count (nobody but their author sees them)."""
    if not rows:
        return {}, {}
    in_cells = {cells.get((row.recommendation.pk, row.state.pk)) for row in rows}
    in_cells.discard(None)
    cell_of = {pk: pair for pair, pk in cells.items() if pk in in_cells}
    visible = permissions.compared_by_imports(user)
    fields = (
        "pk",
        "cell_id",
        "effective_date",
        "status",
        "source",
        "narrative",
        "external_id",
        "evidence",
    )

    def key(cell_id, effective_date, status, source, narrative) -> tuple:
        pair = cell_of.get(cell_id) or cells_reversed().get(cell_id, (None, None))
        return (*pair, effective_date, status, source, _text_key(narrative))

    reversed_cells: dict = {}

    def cells_reversed() -> dict:
        if not reversed_cells:
            reversed_cells.update({pk: pair for pair, pk in cells.items()})
        return reversed_cells

    known_keys: dict[tuple, int] = {}
    if in_cells:
        for pk, cell_id, effective_date, status, source, narrative, _external, _evidence in (
            ProgressUpdate.objects.filter(visible)
            .filter(
                cell_id__in=in_cells,
                effective_date__in={row.effective_date for row in rows},
            )
            .values_list(*fields)
        ):
            known_keys.setdefault(key(cell_id, effective_date, status, source, narrative), pk)
    known_ids: dict[str, tuple[int, tuple]] = {}
    external_ids = {row.external_id for row in rows if row.external_id}
    if external_ids:
        for pk, cell_id, effective_date, status, source, narrative, external, evidence in (
            ProgressUpdate.objects.filter(visible)
            .filter(external_id__in=external_ids)
            .order_by("pk")
            .values_list(*fields)
        ):
            whole = (
                *key(cell_id, effective_date, status, source, narrative),
                _evidence_key(evidence),
            )
            known_ids.setdefault(external, (pk, whole))
    return known_keys, known_ids
