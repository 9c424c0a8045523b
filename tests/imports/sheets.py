"""Spreadsheets built in the test, as the import receives them: bytes of a CSV file (any
encoding, any separator) or of an XLSX workbook, and the plan of a few rows."""

from __future__ import annotations

import csv
import io

from recommendations.imports import plan_build, table_read

# The columns a desk's own spreadsheet usually has, in the export's names.
HEADER = [
    "recommendation",
    "iso3",
    "status",
    "source",
    "effective_date",
    "narrative",
    "evidence",
    "external_id",
]


def row(**values) -> dict:
    """A valid row (R03, France, in progress, 15 March 2024), with ``values`` changed."""
    return {
        "recommendation": "R03",
        "iso3": "FRA",
        "status": "in_progress",
        "source": "government",
        "effective_date": "2024-03-15",
        "narrative": "A national review mechanism was set up.",
        "evidence": "",
        "external_id": "",
        **values,
    }


def csv_bytes(
    rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8", newline: str = "\r\n"
) -> bytes:
    """``rows`` written by ``csv.writer`` (quoting what needs it), then encoded."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def csv_of(rows: list[dict], header: list[str] = HEADER, **options) -> bytes:
    return csv_bytes([header, *[[r.get(name, "") for name in header] for r in rows]], **options)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per entry, in order; a cell starting with ``=`` is written as a
    formula, as a spreadsheet program would keep it."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_of(content: bytes, *, file_name: str = "updates.csv", sheet: str = "", max_rows=1000):
    return table_read(content, file_name=file_name, sheet=sheet, max_rows=max_rows)


def read_all(content: bytes, **options) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and every row of a file, read to the end."""
    table = table_of(content, **options)
    return table.header, list(table.rows)


def plan_of(rows: list[dict], *, user, header: list[str] = HEADER, **options):
    """The plan of a CSV file holding ``rows``: nothing is written."""
    return plan_build(table_of(csv_of(rows, header, **options)), user=user)


def rejections(plan) -> list[tuple[int, str, str]]:
    """(line, column, message) of every rejection, in file order."""
    return [(r["line"], r["column"], r["message"]) for r in plan.rejected]
