"""Reading a file into a table: CSV in the encodings and separators spreadsheet programs write,
XLSX workbooks, and every file that cannot be read refused with a message, never a crash."""

import codecs
import datetime
import io
import time
import zipfile

import pytest

from recommendations.imports import FileProblem, rows_estimate, table_read
from recommendations.imports.reading import CSV_FIELD_LIMIT
from tests.imports.sheets import HEADER, csv_bytes, read_all, table_of, xlsx_bytes

ROW = ["R03", "FRA", "in_progress", "government", "2024-03-15", "Set up.", "", ""]
# Excel's "CSV" on Windows in western Europe: Windows-1252, with its curly quotes.
WESTERN = ["R03", "CIV", "En cours", "government", "15/03/2024", "Côte d’Ivoire: “é” — ok", "", ""]


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "encoding", "named"),
    [
        (b"", "utf-8", "UTF-8"),
        (codecs.BOM_UTF8, "utf-8", "UTF-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
        (b"", "cp1252", "Windows-1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "windows-1252"],
)
def test_every_encoding_spreadsheets_write_reads_the_same_cells(prefix, encoding, named):
    content = prefix + csv_bytes([HEADER, WESTERN], encoding=encoding)

    table = table_of(content)

    assert table.header == HEADER  # no byte-order mark left on the first column
    assert list(table.rows) == [(2, WESTERN)]
    assert table.encoding == named


def test_excels_unicode_text_is_utf16_tab_separated():
    content = codecs.BOM_UTF16_LE + csv_bytes(
        [HEADER, WESTERN], delimiter="\t", encoding="utf-16-le"
    )

    table = table_of(content, file_name="export.txt")

    assert (table.encoding, table.describe()["delimiter"]) == ("UTF-16", "tab")
    assert list(table.rows) == [(2, WESTERN)]


def test_text_valid_in_no_encoding_read_is_refused_naming_its_line():
    # 0x81 is undefined in Windows-1252, and not UTF-8 either.
    content = csv_bytes([HEADER, ROW, ROW]) + b"R03,FRA,\x81\r\n"

    with pytest.raises(FileProblem, match=r"Line 4 cannot be read as Windows-1252 text"):
        read_all(content)


def test_a_file_mixing_utf8_and_windows_1252_is_refused_not_garbled():
    content = csv_bytes([HEADER, WESTERN]) + csv_bytes([WESTERN], encoding="cp1252")

    with pytest.raises(FileProblem, match="Line 3 is not UTF-8 text.*mixes two encodings"):
        read_all(content)


def test_a_utf16_file_cut_in_a_character_is_refused_naming_its_line():
    content = codecs.BOM_UTF16_LE + csv_bytes([HEADER, ROW], encoding="utf-16-le") + b"\x00\xd8"

    with pytest.raises(FileProblem, match=r"Line 3 cannot be read as UTF-16 text"):
        read_all(content)


# --------------------------------------------------------------------------------------------
# Separators and quoting
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delimiter", "named"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")]
)
def test_the_separator_is_detected(delimiter, named):
    content = csv_bytes([HEADER, ["R03", "FRA", "x, y; z\tw", *ROW[3:]]], delimiter=delimiter)

    table = table_of(content)

    assert table.describe()["delimiter"] == named
    assert table.header == HEADER
    assert list(table.rows)[0][1][2] == "x, y; z\tw"


def test_excels_separator_line_is_obeyed_and_skipped():
    content = b"sep=;\r\n" + csv_bytes([HEADER, ROW], delimiter=";")

    table = table_of(content)

    assert (table.header, table.delimiter) == (HEADER, ";")
    assert list(table.rows) == [(3, ROW)]


def test_quoted_cells_keep_newlines_and_separators_and_lines_count_rows():
    narrative = 'First line,\nsecond; line\r\nthird "quoted" line'
    content = csv_bytes([HEADER, [*ROW[:5], narrative, "", ""], ROW])

    header, rows = read_all(content)

    assert rows[0] == (2, [*ROW[:5], narrative, "", ""])
    # A line number is the spreadsheet's row: the cell's newlines do not shift the next row.
    assert rows[1] == (3, ROW)


def test_blank_lines_are_skipped_but_keep_their_line_numbers():
    content = b"\r\n" + csv_bytes([HEADER, ROW, [""] * 8, ROW]) + b"\r\n,,,\r\n"

    header, rows = read_all(content)

    assert header == HEADER
    assert [line for line, _cells in rows] == [3, 5]


def test_old_mac_line_endings_are_lines_too():
    content = csv_bytes([HEADER, ROW, ROW], newline="\r")

    header, rows = read_all(content)

    assert header == HEADER
    assert [line for line, _cells in rows] == [2, 3]


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def test_a_workbook_is_read_from_its_first_sheet():
    content = xlsx_bytes({"Updates": [HEADER, ROW], "Allowed values": [["status"], ["planned"]]})

    table = table_of(content, file_name="tracker.xlsx")

    assert (table.format, table.sheet, table.sheets) == (
        "xlsx",
        "Updates",
        ["Updates", "Allowed values"],
    )
    assert table.header == HEADER
    # Empty cells are None in a workbook; the rows' check reads them as empty text.
    assert list(table.rows) == [(2, [*ROW[:6], None, None])]


def test_a_workbook_is_read_from_the_sheet_named_whatever_its_case():
    content = xlsx_bytes({"Notes": [["read me"]], "Updates 2024": [HEADER, ROW]})

    table = table_of(content, file_name="tracker.xlsx", sheet=" updates 2024 ")

    assert table.sheet == "Updates 2024"
    assert [line for line, _cells in table.rows] == [2]


def test_a_sheet_the_workbook_lacks_is_refused_naming_its_sheets():
    content = xlsx_bytes({"Notes": [["read me"]], "Updates": [HEADER, ROW]})

    with pytest.raises(FileProblem) as problem:
        table_of(content, file_name="tracker.xlsx", sheet="Sheet1")

    assert "Sheet1" in str(problem.value)
    assert "Notes, Updates" in str(problem.value)


def test_a_workbook_keeps_dates_as_dates_and_formulas_as_their_text():
    content = xlsx_bytes(
        {
            "Updates": [
                HEADER,
                [
                    "R03",
                    "FRA",
                    "planned",
                    "government",
                    datetime.date(2024, 3, 15),
                    "=1+1",
                    None,
                    123.0,
                ],
            ]
        }
    )

    ((line, cells),) = list(table_of(content, file_name="t.xlsx").rows)

    assert cells[4] == datetime.datetime(2024, 3, 15)
    assert cells[5] == "=1+1"  # never evaluated to 2
    assert cells[7] == 123


def test_an_empty_sheet_is_refused():
    content = xlsx_bytes({"Updates": []})

    with pytest.raises(FileProblem, match="Updates.*empty"):
        table_of(content, file_name="t.xlsx")


def test_a_far_away_row_of_a_sheet_is_refused_quickly():
    """A sheet may claim a row near Excel's last one: reading stops past twice the row limit,
    at once, rather than wading through a million empty rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    for column, value in enumerate(ROW, start=1):
        workbook.active.cell(row=1_000_000, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    started = time.perf_counter()
    with pytest.raises(FileProblem, match="more than 1,000 rows"):
        list(table_of(buffer.getvalue(), file_name="t.xlsx").rows)
    assert time.perf_counter() - started < 3


def workbook_damaged(content: bytes) -> bytes:
    """The workbook with its sheet's XML cut in half (a valid zip, broken inside)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    return buffer.getvalue()


WORKBOOK = xlsx_bytes({"Updates": [HEADER, ROW]})


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (WORKBOOK[: len(WORKBOOK) // 2], "cannot be opened"),
        (WORKBOOK[:100], "cannot be opened"),
        (workbook_damaged(WORKBOOK), "damaged"),
        (zip_of({"readme.txt": b"not a workbook"}), "cannot be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8, "password"),
        (bytes(range(256)) * 8, "not one"),
        (b"recommendation,iso3\r\nR03,FRA\r\n", "not one"),
    ],
    ids=["truncated", "only its start", "sheet damaged", "another zip", "ole2", "random", "csv"],
)
def test_a_workbook_that_cannot_be_read_is_refused_with_a_message(content, says):
    with pytest.raises(FileProblem, match=says):
        read_all(content, file_name="tracker.xlsx")


# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b" \r\n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + " \r\n".encode("utf-16-le")],
    ids=["empty", "whitespace", "utf-8 mark only", "utf-16 whitespace"],
)
def test_an_empty_file_is_refused(content):
    with pytest.raises(FileProblem, match="empty"):
        read_all(content)


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 40,
        csv_bytes([HEADER, ROW]) + b"R03,FRA\x00\x00\r\n",
        csv_bytes([HEADER] + [ROW] * 200) + b"\x00",
    ],
    ids=["binary", "a NUL in a row", "a NUL after the first 4 KB"],
)
def test_a_binary_file_named_csv_is_refused(content):
    with pytest.raises(FileProblem, match="not text"):
        read_all(content, file_name="updates.csv")


def test_more_rows_than_the_limit_are_refused():
    table = table_of(csv_bytes([HEADER, ROW, ROW, ROW]), max_rows=2)

    with pytest.raises(FileProblem, match="more than 2 rows"):
        list(table.rows)


def test_more_rows_than_the_limit_are_refused_in_a_workbook_too():
    table = table_of(
        xlsx_bytes({"Updates": [HEADER, ROW, ROW, ROW]}), file_name="t.xlsx", max_rows=2
    )

    with pytest.raises(FileProblem, match="more than 2 rows"):
        list(table.rows)


def test_the_limit_counts_rows_not_blank_lines():
    table = table_of(csv_bytes([HEADER, ROW, [], [], ROW]), max_rows=2)

    assert len(list(table.rows)) == 2


def test_a_cell_longer_than_the_csv_limit_is_refused_naming_its_line():
    content = csv_bytes([HEADER, ROW, [*ROW[:5], "x" * (CSV_FIELD_LIMIT + 1), "", ""], ROW])

    with pytest.raises(FileProblem, match="Line 3: a cell is longer than"):
        read_all(content)


def test_a_quote_never_closed_is_refused_naming_the_line_it_opens():
    content = (
        csv_bytes([HEADER, ROW])
        + b'R03,FRA,planned,government,2024-03-15,"Open\r\n'
        + (b"more text\r\n" * (CSV_FIELD_LIMIT // 10))
    )

    with pytest.raises(FileProblem, match="Line 3"):
        read_all(content)


# --------------------------------------------------------------------------------------------
# The estimate that chooses between the request and the worker
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "encoding", "newline"),
    [
        (b"", "utf-8", "\r\n"),
        (b"", "utf-8", "\r"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "\r\n"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "\r\n"),
    ],
    ids=["crlf", "cr", "utf-16-le", "utf-16-be"],
)
def test_the_rows_estimate_is_close_to_the_rows(prefix, encoding, newline):
    """The data rows, the header not counted (the progress bar's "of about N rows")."""
    content = prefix + csv_bytes([HEADER] + [ROW] * 99, encoding=encoding, newline=newline)

    assert 99 <= rows_estimate(content) <= 109


def test_a_workbook_that_unpacks_to_too_much_text_is_refused_before_it_is_read():
    """A zip bomb: a few kilobytes of shared strings that unpack past the limit."""
    import zipfile

    from recommendations.imports import reading

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "xl/sharedStrings.xml", "<sst>" + "<si><t>a</t></si>" * 2_000_000 + "</sst>"
        )
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    content = buffer.getvalue()
    assert len(content) < 200_000

    with pytest.raises(FileProblem, match="unpacks to more text than one import reads"):
        table_read(content, file_name="bomb.xlsx", max_rows=50_000)
    assert reading.MAX_SHARED_STRINGS < 2_000_000 * 17


def test_a_small_workbook_of_many_rows_goes_to_the_worker():
    """The estimate reads the sheet's unpacked size, not the zip's."""
    from openpyxl import Workbook

    from recommendations.imports import rows_estimate

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["recommendation", "iso3", "status", "source", "effective_date", "narrative"])
    for _ in range(5_000):
        sheet.append(["R01", "FRA", "planned", "government", "2024-03-15", "Same text."])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert rows_estimate(buffer.getvalue()) >= 1_000
