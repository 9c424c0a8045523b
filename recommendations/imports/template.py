"""The import template, as CSV and as XLSX: the export's columns (``exports.UPDATE_HEADER``), one
example row, and the values the import accepts with their labels in the active language.

The XLSX template holds the example on its first sheet ("Updates", the one the import reads) and
the allowed values on a second ("Allowed values"). A CSV file has one table, so the allowed
values follow the example after a blank line, each row's first cell starting with "#": the
import skips such comment rows, so the template imports as it is downloaded.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..csv_export import inert
from ..exports import UPDATE_HEADER
from ..localization import collated
from ..models import AssessmentSource, MemberState, Recommendation, Status

# The example row's state, when the catalogue has it; else the first state by code.
EXAMPLE_ISO3 = "FRA"
EXAMPLE_DATE = datetime.date(2024, 3, 15)
EXAMPLE_EVIDENCE = "https://example.org/national-action-plan-2024"
# The template's sheets (the import reads the first).
UPDATES_SHEET = "Updates"
ALLOWED_SHEET = "Allowed values"
# Column widths (in characters) of the XLSX sheets; a column not named gets DEFAULT_WIDTH.
WIDTHS = {
    "effective_date": 14,
    "recommendation": 16,
    "recommendation_title": 50,
    "state": 24,
    "regional_group": 16,
    "status": 22,
    "source": 18,
    "narrative": 70,
    "evidence": 45,
    "reported_by": 14,
    "review_state": 14,
    "reviewed_at": 14,
    "external_id": 16,
}
DEFAULT_WIDTH = 10
ALLOWED_WIDTHS = (16, 24, 70)


@dataclass
class Template:
    """What both formats hold: the example row (by column) and the allowed values."""

    example: dict[str, object]
    allowed: list[tuple[str, str, str]]  # (column, stored value, label)

    def example_row(self) -> list:
        return [self.example.get(name, "") for name in UPDATE_HEADER]


def template_build() -> Template:
    """The example row and the allowed values, from the catalogue, in the active language."""
    recommendations = list(Recommendation.objects.order_by("order", "code"))
    states = list(MemberState.objects.all())
    allowed: list[tuple[str, str, str]] = []
    allowed += [("recommendation", r.code, str(r.localized("title"))) for r in recommendations]
    allowed += [("iso3", s.iso3, s.label) for s in collated(states, key=lambda s: s.label)]
    allowed += [
        ("status", status.value, str(status.label))
        for status in Status
        if status != Status.NO_INFORMATION
    ]
    allowed += [("source", source.value, str(source.label)) for source in AssessmentSource]

    recommendation = recommendations[0] if recommendations else None
    state = next((s for s in states if s.iso3 == EXAMPLE_ISO3), None) or min(
        states, key=lambda s: s.iso3, default=None
    )
    example: dict[str, object] = {
        "effective_date": EXAMPLE_DATE,
        "recommendation": recommendation.code if recommendation else "R01",
        "recommendation_title": str(recommendation.localized("title")) if recommendation else "",
        "state": state.label if state else "",
        "iso3": state.iso3 if state else EXAMPLE_ISO3,
        "regional_group": state.regional_group if state else "",
        "status": Status.IN_PROGRESS.value,
        "source": AssessmentSource.GOVERNMENT.value,
        "narrative": _(
            "The national action plan adopted in March 2024 assigns each ministry a share of the "
            "work and a budget line; the first progress report is due next year."
        ),
        "evidence": EXAMPLE_EVIDENCE,
    }
    return Template(example=example, allowed=allowed)


def template_csv() -> bytes:
    """The template as CSV: UTF-8 with a byte-order mark (so Excel reads the accents), the
    header, the example row, a blank line, then the allowed values as "#" comment rows."""
    template = template_build()
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(UPDATE_HEADER)
    writer.writerow([_csv_cell(value) for value in template.example_row()])
    writer.writerow([])
    writer.writerow(
        [
            "# "
            + _(
                "Allowed values: column, value, label. Rows starting with # are not imported; "
                "delete them or leave them."
            )
        ]
    )
    for column, value, label in template.allowed:
        writer.writerow([f"#{column}", inert(value), inert(label)])
    return codecs.BOM_UTF8 + stream.getvalue().encode("utf-8")


def _csv_cell(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return inert(value)


def template_xlsx() -> bytes:
    """The template as an XLSX workbook: "Updates" (bold header, the example row, the date a
    real date cell) and "Allowed values" (column, value, label)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    template = template_build()
    workbook = Workbook()
    bold = Font(bold=True)

    updates = workbook.active
    updates.title = UPDATES_SHEET
    updates.append(UPDATE_HEADER)
    updates.append(template.example_row())
    for index, name in enumerate(UPDATE_HEADER, start=1):
        header = updates.cell(row=1, column=index)
        header.font = bold
        example = updates.cell(row=2, column=index)
        if isinstance(example.value, datetime.date):
            example.number_format = "yyyy-mm-dd"
        elif isinstance(example.value, str):
            example.data_type = "s"  # text, never a formula, whatever it starts with
        updates.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, DEFAULT_WIDTH)
    updates.freeze_panes = "A2"

    allowed = workbook.create_sheet(ALLOWED_SHEET)
    allowed.append([_("column"), _("value"), _("label")])
    for cell in allowed[1]:
        cell.font = bold
    for row in template.allowed:
        allowed.append(list(row))
    for row in allowed.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"
    for index, width in enumerate(ALLOWED_WIDTHS, start=1):
        allowed.column_dimensions[get_column_letter(index)].width = width
    allowed.freeze_panes = "A2"

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
