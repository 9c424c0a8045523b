"""Reading a spreadsheet: a CSV file (its encoding and separator detected) or an XLSX workbook,
into a header and rows of cells. Nothing here knows what an update is.

Every problem with the file as a whole is a :class:`FileProblem` whose message a person can act
on; the caller shows it and writes nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# The first bytes of an OLE2 compound file: an old .xls workbook, or an .xlsx saved with a
# password (Excel encrypts it into such a container).
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
SEPARATORS = (",", ";", "\t")
SEPARATOR_HINT = re.compile(r"sep=([,;\t|])", re.IGNORECASE)
# What a workbook may unpack to: its shared strings (openpyxl reads them whole; 10,000 rows of
# the export's columns take about 3 MB) and its largest sheet (read as a stream).
MAX_SHARED_STRINGS = 24 * 2**20
MAX_SHEET_XML = 128 * 2**20
# Columns read from a sheet: a workbook may claim 16,384 of them on every row.
MAX_COLUMNS = 200
# The longest cell the CSV reader takes (the default, 131,072 characters); the longest text an
# update holds is far shorter, and the rows' check names that limit.
CSV_FIELD_LIMIT = csv.field_size_limit()


class FileProblem(Exception):
    """The file cannot be read as a table: nothing is imported; the message says why."""


@dataclass
class Table:
    """What was read: the header as written and the rows, each with its line number (the
    spreadsheet's row number: the header is line 1). Rows are read lazily, and reading them may
    raise :class:`FileProblem` (too many rows, a broken quote)."""

    header: list[str]
    rows: Iterator[tuple[int, list]]
    format: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        return {
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": {",": "comma", ";": "semicolon", "\t": "tab"}.get(self.delimiter, ""),
            "sheet": self.sheet,
        }


def table_read(content: bytes, *, file_name: str, sheet: str = "", max_rows: int) -> Table:
    """Read ``content`` as XLSX when it is a zip (whatever its name says), else as CSV."""
    if not content.strip():
        raise FileProblem(_("The file is empty."))
    if content.startswith(OLE2_SIGNATURE):
        raise FileProblem(
            _(
                "This workbook is protected by a password, or is an old .xls file. Save it as "
                ".xlsx without a password, or as CSV, and upload it again."
            )
        )
    if content.startswith(ZIP_SIGNATURE):
        return _xlsx_read(content, sheet=sheet, max_rows=max_rows)
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise FileProblem(
            _("This file is named like a workbook but is not one. Upload an .xlsx or .csv file.")
        )
    return _csv_read(content, max_rows=max_rows)


def rows_estimate(content: bytes) -> int:
    """A cheap upper bound of the data rows, to choose between the request and the worker:
    lines of a CSV file; for a workbook, its largest sheet unpacked (a row of the export's
    columns takes well over 150 bytes of XML), so a small zip of many rows is not taken for a
    small file."""
    if content.startswith(ZIP_SIGNATURE):
        try:
            parts = _zip_parts(content)
        except FileProblem:
            return 0  # refused when read, at once
        sheets = [size for name, size in parts.items() if name.startswith("xl/worksheets/")]
        return max(sheets, default=0) // 150
    # Lines end with LF, CRLF or (old Mac files) CR alone: count whichever the file uses more.
    # The header is a line too, and the last line may end without one.
    if content.startswith(codecs.BOM_UTF16_LE):
        lines = max(content.count(b"\n\x00"), content.count(b"\r\x00"))
    elif content.startswith(codecs.BOM_UTF16_BE):
        lines = max(content.count(b"\x00\n"), content.count(b"\x00\r"))
    else:
        lines = max(content.count(b"\n"), content.count(b"\r"))
    return max(lines - 1, 1)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def _decoded(content: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without a byte-order mark),
    UTF-16 with its mark, else Windows-1252 as Excel writes CSV on Windows."""
    if content.startswith(codecs.BOM_UTF8):
        return _decode(content[len(codecs.BOM_UTF8) :], "utf-8"), "UTF-8"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(content, "utf-16"), "UTF-16"
    if b"\x00" in content[:4096]:
        raise FileProblem(
            _(
                "This file is not text: it holds binary data. Upload a CSV file (text) or an "
                ".xlsx workbook."
            )
        )
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as error:
        if not content[: error.start].isascii():
            # Accented text read as UTF-8 up to here, then a byte that is not: a file pasted
            # together from two encodings. Read as Windows-1252, its UTF-8 part would be
            # stored garbled ("CÃ´te d'Ivoire"); say where instead.
            raise FileProblem(
                _(
                    "Line %(line)s is not UTF-8 text, though the lines before it are: the file "
                    "mixes two encodings. Save it as CSV UTF-8 and upload it again."
                )
                % {"line": _line_at(content, error.start, "utf-8")}
            ) from None
        return _decode(content, "cp1252"), "Windows-1252"


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise FileProblem(
            _(
                "Line %(line)s cannot be read as %(encoding)s text (byte %(position)s). Save the "
                "file as CSV UTF-8 and upload it again."
            )
            % {
                "line": _line_at(content, error.start, encoding),
                "encoding": {"cp1252": "Windows-1252"}.get(encoding, encoding.upper()),
                "position": error.start + 1,
            }
        ) from None


def _line_at(content: bytes, position: int, encoding: str) -> int:
    """The line (of the file's text) that holds byte ``position``."""
    return content[:position].decode(encoding, errors="replace").count("\n") + 1


def _separator(header_line: str) -> str:
    """The separator the header line uses most: comma, semicolon (Excel where the decimal mark
    is a comma) or tab (Excel's "Unicode text")."""
    counts = {separator: header_line.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _csv_read(content: bytes, *, max_rows: int) -> Table:
    text, encoding = _decoded(content)
    if "\x00" in text:
        raise FileProblem(
            _(
                "This file is not text: it holds binary data. Upload a CSV file (text) or an "
                ".xlsx workbook."
            )
        )
    stream = io.StringIO(text, newline="")
    first = next((line for line in stream if line.strip()), "")
    stream.seek(0)
    # Excel's own hint, "sep=;" on a line of its own before the header, names the separator.
    hint = SEPARATOR_HINT.fullmatch(first.rstrip("\r\n").strip(" "))
    delimiter = hint.group(1) if hint else _separator(first)
    skip_hint = bool(hint)
    reader = csv.reader(stream, delimiter=delimiter, strict=False)
    # A line number is the spreadsheet's row number: records are counted, not the file's lines
    # (a quoted cell may hold newlines), blank ones included.
    line = 0
    header: list[str] | None = None
    try:
        for row in reader:
            line += 1
            if not any(cell.strip() for cell in row):
                continue
            if skip_hint:
                skip_hint = False
                continue
            header = row
            break
    except csv.Error as error:
        raise FileProblem(_csv_problem(line + 1, error)) from None
    if header is None:
        raise FileProblem(_("The file is empty."))
    header_line = line

    def rows() -> Iterator[tuple[int, list]]:
        line = header_line
        count = 0
        try:
            for row in reader:
                line += 1
                if not any(cell.strip() for cell in row):
                    continue
                count += 1
                if count > max_rows:
                    raise FileProblem(_too_many(max_rows))
                yield line, row
        except csv.Error as error:
            raise FileProblem(_csv_problem(line + 1, error)) from None

    return Table(header=header, rows=rows(), format="csv", encoding=encoding, delimiter=delimiter)


def _csv_problem(line: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return _(
            "Line %(line)s: a cell is longer than %(limit)s characters; no cell of an update is "
            "that long. Check the file's quotes."
        ) % {"line": line, "limit": f"{CSV_FIELD_LIMIT:,}"}
    return _("Line %(line)s cannot be read as CSV: %(error)s.") % {"line": line, "error": error}


def _too_many(max_rows: int) -> str:
    return _(
        "The file has more than %(max)s rows, the most one import takes. Split it into smaller "
        "files."
    ) % {"max": f"{max_rows:,}"}


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def _zip_parts(content: bytes) -> dict[str, int]:
    """The workbook's parts and their unpacked sizes, from the zip's directory (nothing is
    unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileProblem(
            _(
                "This workbook cannot be opened (%(error)s). Open it in a spreadsheet program, "
                "save it again as .xlsx, and upload it again."
            )
            % {"error": "BadZipFile"}
        ) from None


def _refuse_bombs(content: bytes) -> None:
    """A workbook is a zip: a few kilobytes can unpack to gigabytes of XML. Its text (shared
    strings, read whole by openpyxl) and its sheets are measured before anything is unpacked."""
    parts = _zip_parts(content)
    strings = sum(size for name, size in parts.items() if name.startswith("xl/sharedStrings"))
    sheets = max(
        (size for name, size in parts.items() if name.startswith("xl/worksheets/")), default=0
    )
    if strings > MAX_SHARED_STRINGS or sheets > MAX_SHEET_XML:
        raise FileProblem(
            _(
                "This workbook unpacks to more text than one import reads (%(size)s MB). Save "
                "the sheet as CSV and upload that, or split it."
            )
            % {"size": f"{max(strings, sheets) / 2**20:,.0f}"}
        )


def _xlsx_read(content: bytes, *, sheet: str, max_rows: int) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _refuse_bombs(content)
    try:
        # read_only streams the sheet; data_only=False keeps a formula as its text ("=A1*2"),
        # never a computed value: nothing in the file is evaluated.
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileProblem(
            _(
                "This workbook cannot be opened (%(error)s). Open it in a spreadsheet program, "
                "save it again as .xlsx, and upload it again."
            )
            % {"error": type(error).__name__}
        ) from None
    except Exception:  # openpyxl raises what its XML parser raises on a corrupt part
        raise FileProblem(
            _(
                "This workbook cannot be opened: it is damaged. Open it in a spreadsheet "
                "program, save it again as .xlsx, and upload it again."
            )
        ) from None
    names = list(workbook.sheetnames)
    if sheet:
        matches = [name for name in names if name.strip().casefold() == sheet.strip().casefold()]
        if not matches:
            raise FileProblem(
                _("The workbook has no sheet named “%(sheet)s”. Its sheets: %(sheets)s.")
                % {"sheet": sheet, "sheets": ", ".join(names)}
            )
        worksheet = workbook[matches[0]]
    elif names:
        worksheet = workbook[names[0]]
    else:
        raise FileProblem(_("The workbook has no sheet."))
    values = _sheet_rows(worksheet)
    header: list[str] | None = None
    header_line = 0
    for line, row in values:
        if not _blank(row):
            # Cells right of the header's last title belong to no column: rows are cut there.
            width = max(index for index, cell in enumerate(row) if _filled(cell)) + 1
            header = ["" if cell is None else str(cell) for cell in row[:width]]
            header_line = line
            break
    if header is None:
        raise FileProblem(_("The sheet “%(sheet)s” is empty.") % {"sheet": worksheet.title})

    def rows() -> Iterator[tuple[int, list]]:
        count = 0
        for line, row in values:
            if line > 2 * max_rows + 1000:  # a sheet of blank rows reads for minutes
                raise FileProblem(_too_many(max_rows))
            if line <= header_line or _blank(row[:width]):
                continue
            count += 1
            if count > max_rows:
                raise FileProblem(_too_many(max_rows))
            yield line, list(row[:width])

    return Table(header=header, rows=rows(), format="xlsx", sheet=worksheet.title, sheets=names)


def _sheet_rows(worksheet) -> Iterator[tuple[int, tuple]]:
    try:
        rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        yield from enumerate(rows, start=1)
    except FileProblem:
        raise
    except Exception:
        raise FileProblem(
            _(
                "The workbook's sheet cannot be read: it is damaged. Open it in a spreadsheet "
                "program, save it again as .xlsx, and upload it again."
            )
        ) from None


def _filled(cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def _blank(row: tuple) -> bool:
    # Counting the empty cells runs in C: a sheet may hold a million empty rows before its last.
    return row.count(None) == len(row) or not any(_filled(cell) for cell in row)
