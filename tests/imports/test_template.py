"""The import template and the example file import as they are: the template's one example row
is new, its allowed values are comments, and every row of docs/examples/ is new."""

import codecs
import csv
import datetime
import io

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from recommendations.exports import UPDATE_HEADER
from recommendations.imports import plan_build, table_read, template_csv, template_xlsx
from recommendations.models import Recommendation

pytestmark = pytest.mark.django_db

EXAMPLE_FILE = settings.BASE_DIR / "docs" / "examples" / "progress-updates.csv"


def plan_of(content: bytes, user, file_name: str):
    table = table_read(content, file_name=file_name, max_rows=settings.TRACKER_IMPORT_MAX_ROWS)
    return plan_build(table, user=user)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_the_templates_header_is_the_exports():
    assert csv_rows(template_csv())[0] == UPDATE_HEADER
    sheet = load_workbook(io.BytesIO(template_xlsx()))["Updates"]
    assert [cell.value for cell in sheet[1]] == UPDATE_HEADER


def test_the_csv_template_imports_its_example_row_and_skips_the_allowed_values(editor):
    plan = plan_of(template_csv(), editor, "template.csv")

    assert plan.rejected == []
    assert plan.rows_rejected == 0
    assert len(plan.new) == 1
    row = plan.new[0]
    assert row.recommendation == Recommendation.objects.order_by("order", "code").first()
    assert row.state.iso3 == "FRA"
    assert row.effective_date == datetime.date(2024, 3, 15)
    assert row.evidence.startswith("https://example.org/")


def test_the_xlsx_template_imports_its_example_row(editor):
    plan = plan_of(template_xlsx(), editor, "template.xlsx")

    assert plan.rejected == []
    assert len(plan.new) == 1
    assert plan.new[0].effective_date == datetime.date(2024, 3, 15)


def test_the_csv_template_opens_in_excel_and_lists_the_allowed_values_as_comments():
    content = template_csv()
    assert content.startswith(codecs.BOM_UTF8)

    rows = csv_rows(content)
    blank = rows.index([])
    assert blank == 2  # header, example, then a blank line
    comments = rows[blank + 1 :]
    assert all(row[0].startswith("#") for row in comments)
    assert ["#status", "in_progress", "In progress"] in comments
    assert ["#source", "government", "Government self-report"] in comments
    assert ["#iso3", "FRA", "France"] in comments
    recommendation = Recommendation.objects.order_by("order", "code").first()
    assert ["#recommendation", recommendation.code, recommendation.title] in comments
    assert not any(row[1] == "no_information" for row in comments if len(row) > 1)


def test_the_xlsx_template_has_a_bold_header_a_date_cell_and_the_allowed_values():
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["Updates", "Allowed values"]

    updates = workbook["Updates"]
    assert all(cell.font.bold for cell in updates[1])
    date_cell = updates.cell(row=2, column=UPDATE_HEADER.index("effective_date") + 1)
    assert isinstance(date_cell.value, datetime.datetime)
    assert date_cell.value.date() == datetime.date(2024, 3, 15)
    assert date_cell.number_format == "yyyy-mm-dd"
    assert updates.column_dimensions["J"].width > 20  # the narrative

    allowed = [[cell.value for cell in row] for row in workbook["Allowed values"].iter_rows()]
    assert allowed[0] == ["column", "value", "label"]
    assert ["status", "in_progress", "In progress"] in allowed
    assert ["iso3", "FRA", "France"] in allowed
    assert len({row[0] for row in allowed[1:]}) == 4  # recommendation, iso3, status, source


def test_the_allowed_values_are_labelled_in_the_active_language():
    with translation.override("fr"):
        rows = csv_rows(template_csv())
        allowed = [
            [cell.value for cell in row]
            for row in load_workbook(io.BytesIO(template_xlsx()))["Allowed values"].iter_rows()
        ]

    assert ["#status", "in_progress", "En cours"] in rows
    assert ["status", "in_progress", "En cours"] in allowed


def test_the_example_file_imports_as_it_is(editor):
    content = EXAMPLE_FILE.read_bytes()
    lines = len(csv_rows(content)) - 1

    plan = plan_of(content, editor, EXAMPLE_FILE.name)

    assert plan.rejected == []
    assert plan.present == []
    assert plan.conflicts == []
    assert len(plan.new) == plan.rows == lines >= 6
    assert any(row.external_id for row in plan.new)
    assert any("\n" in row.evidence for row in plan.new)
    assert len({row.state.iso3 for row in plan.new}) >= 4
