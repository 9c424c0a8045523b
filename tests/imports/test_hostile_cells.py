"""Hostile cells, generated: whatever a spreadsheet holds, reading and checking it ends in a plan
or a ``FileProblem`` (the page's message), never another exception, and a plan accounts for
every row once. Examples are derandomized so CI is repeatable."""

import csv
import datetime
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommendations.csv_export import inert, restored
from recommendations.exports import UPDATE_HEADER
from recommendations.imports import FileProblem, plan_build, table_read
from recommendations.models import ProgressUpdate
from tests.imports.sheets import HEADER, row, xlsx_bytes

pytestmark = pytest.mark.django_db

FRAGMENTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eFRA\u202c",  # right-to-left override
    "\u200f\u200e\u061c",  # right-to-left and left-to-right marks
    "\ufeff",
    "\r",
    "\r\n\r\n",
    '"',
    '""quoted""',
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "'=SUM(A1)",
    "''=x",
    "+33 1",
    "-1",
    "@SUM(A1)",
    "\t=cmd",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1",
    "#comment",
    "sep=;",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/02/2024",
    "15/03/24",
    "99/99/9999",
    "\u0662\u0660\u0662\u0664-03-15",  # Arabic-Indic digits
    "1e309",
    "NaN",
    "FRN",
    "R3",
    "no_information",
    "x" * 10_001,
    "1" * 5_000,
    "R" + "0" * 5_000 + "3",
    "é" * 20_000,
    "😀" * 500,
    "Côte d’Ivoire",
    "Co\u0302te d'Ivoire" * 50,
]
hostile = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=60))
# Valid values too, so that rows get past the first check and reach the model and the log.
VALID = {
    "recommendation": ["R03", "r04"],
    "iso3": ["FRA", "deu", "France", ""],
    "state": ["France", "Germany"],
    "status": ["in_progress", "Planned"],
    "source": ["government", "Civil society"],
    "effective_date": ["2024-03-15", "7/1/2020"],
    "narrative": ["Done.", "A review was set up."],
    "evidence": ["https://example.org/a", ""],
    "external_id": ["", "SRC-1"],
}


@st.composite
def hostile_row(draw, header: list[str]) -> list[str]:
    """A valid row with up to three of its cells hostile, so that the others get past their
    checks and the row reaches the model's rules and the log."""
    cells = [draw(st.sampled_from(VALID.get(name, [""]))) for name in header]
    for index in draw(st.sets(st.integers(0, len(header) - 1), max_size=3)):
        cells[index] = draw(hostile)
    return cells


def rows_of(header):
    return st.lists(hostile_row(header), min_size=1, max_size=4)


examples = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def planned(content: bytes, user, file_name: str):
    """The plan of a file, or None when the file as a whole is refused."""
    message = ""
    try:
        table = table_read(content, file_name=file_name, max_rows=100)
        return plan_build(table, user=user)
    except FileProblem as problem:
        message = str(problem)
    assert message  # a person is told why
    return None


def assert_accounts_for_every_row(plan):
    if plan is None:
        return
    assert len(plan.new) + len(plan.present) + len(plan.conflicts) + plan.rows_rejected == plan.rows
    rejected_lines = {rejection["line"] for rejection in plan.rejected}
    assert len(rejected_lines) == plan.rows_rejected
    assert not rejected_lines & {new.line for new in plan.new}
    assert all(rejection["message"] for rejection in plan.rejected)


@examples
@given(
    header=st.sampled_from(
        [
            HEADER,
            UPDATE_HEADER,
            [*HEADER[:2], "state", *HEADER[2:]],
            [HEADER[0], "state", *HEADER[2:]],
        ]
    ),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_hostile_csv_cells_end_in_a_plan_or_a_file_problem(
    editor, header, data, delimiter, encoding
):
    rows = data.draw(rows_of(header), label="rows")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)

    plan = planned(buffer.getvalue().encode(encoding), editor, "hostile.csv")

    assert_accounts_for_every_row(plan)
    assert not ProgressUpdate.objects.exists()


@examples
@given(header=st.lists(hostile, min_size=1, max_size=12), data=st.data())
def test_a_hostile_header_ends_in_a_plan_or_a_file_problem(editor, header, data):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(data.draw(st.lists(st.lists(hostile, max_size=12), max_size=3)))

    assert_accounts_for_every_row(planned(buffer.getvalue().encode(), editor, "hostile.csv"))


@examples
@given(content=st.binary(max_size=2_000), file_name=st.sampled_from(["a.csv", "a.xlsx", "a"]))
def test_any_bytes_end_in_a_plan_or_a_file_problem(editor, content, file_name):
    assert_accounts_for_every_row(planned(content, editor, file_name))


def workbook_text(text: str) -> str:
    """What a workbook can hold: XML has no room for most control characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)[:32_767]


workbook_cell = st.one_of(
    hostile.map(workbook_text),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 1, 1)),
    st.none(),
)


@settings(examples, max_examples=25)
@given(rows=st.lists(st.lists(workbook_cell, min_size=8, max_size=8), min_size=1, max_size=3))
def test_hostile_workbook_cells_end_in_a_plan_or_a_file_problem(editor, rows):
    content = xlsx_bytes({"Updates": [HEADER, *rows]})

    assert_accounts_for_every_row(planned(content, editor, "hostile.xlsx"))


# --------------------------------------------------------------------------------------------
# The export's formula guard, undone on the way in
# --------------------------------------------------------------------------------------------


@examples
@given(text=st.text())
def test_the_formula_guard_is_undone_exactly(text):
    assert restored(inert(text)) == text


@examples
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        min_size=1,
        max_size=200,
    ).filter(lambda text: text == text.strip())
    | st.sampled_from(["=SUM(A1)", "'=x", "''@y", "'hello", "-5 %", "+1", "@a", "'"])
)
def test_a_narrative_exported_then_imported_comes_back_as_written(editor, text):
    """The export guards a narrative that a spreadsheet would run; the import takes the guard
    off, so the narrative is stored as it was written."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([inert(value) for value in row(narrative=text).values()])

    plan = plan_build(
        table_read(buffer.getvalue().encode(), file_name="export.csv", max_rows=10), user=editor
    )

    (new,) = plan.new
    assert new.narrative == text
