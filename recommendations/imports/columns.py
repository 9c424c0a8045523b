"""The import's columns: the export's header (``exports.UPDATE_HEADER``), matched by name in any
order, ignoring case, spaces, hyphens and underscores ("Effective date" is ``effective_date``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..exports import UPDATE_HEADER
from .reading import FileProblem

# The columns that make an update, and those required. The state is named by ``iso3`` or, when
# that column is absent or the cell blank, by its name in ``state``.
IMPORTED = [
    "recommendation",
    "iso3",
    "state",
    "status",
    "source",
    "effective_date",
    "narrative",
    "evidence",
    "external_id",
]
REQUIRED = ["recommendation", "status", "source", "effective_date", "narrative"]
# The export's other columns describe a row in the tracker it came from (its id, the review):
# read past on the way in, so a file exported here imports as it is.
DESCRIBING = [name for name in UPDATE_HEADER if name not in IMPORTED]


def normalized(name: object) -> str:
    text = "" if name is None else str(name)
    return "".join(
        character
        for character in text.replace("\ufeff", "").casefold()
        if character not in " _-\t\r\n\u00a0"
    )


KNOWN = {normalized(name): name for name in IMPORTED + DESCRIBING}


@dataclass
class Columns:
    """Where each imported column is in a row, and what the header held besides."""

    position: dict[str, int]
    written: dict[str, str]  # column -> its header as the file writes it
    unknown: list[str]
    describing: list[str]

    def cell(self, row: list, name: str):
        index = self.position.get(name)
        if index is None or index >= len(row):
            return None
        return row[index]

    def label(self, name: str) -> str:
        return self.written.get(name, name)


def columns_match(header: list) -> Columns:
    """Match the header; a missing required column or a column named twice stops the import."""
    position: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    describing: list[str] = []
    for index, title in enumerate(header):
        title = "" if title is None else str(title).strip()
        name = KNOWN.get(normalized(title))
        if name is None:
            if title:
                unknown.append(title[:100])
            continue
        if name in position:
            raise FileProblem(
                _("The column “%(column)s” appears twice (columns %(first)s and %(second)s).")
                % {"column": title, "first": position[name] + 1, "second": index + 1}
            )
        if name in DESCRIBING:
            describing.append(title)
        position[name] = index
        written[name] = title
    missing = [name for name in REQUIRED if name not in position]
    if "iso3" not in position and "state" not in position:
        missing.append(_("iso3 (or state)"))
    if missing:
        raise FileProblem(
            _(
                "The file has no column for: %(columns)s. Its header row must name them (the "
                "template has every column)."
            )
            % {"columns": ", ".join(missing)}
        )
    return Columns(position=position, written=written, unknown=unknown, describing=describing)
