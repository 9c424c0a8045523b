"""An editor brings a spreadsheet in: downloads the template, uploads a file with two bad rows,
reads the preview, fixes the file and imports it; a reviewer approves the whole batch from the
queue, and the public pages show the new statuses."""

import codecs
import csv
import io
import re

import pytest
from playwright.sync_api import expect

from recommendations.exports import UPDATE_HEADER
from tests.e2e.accessibility import serious_accessibility_violations
from tests.e2e.signing import signed_in
from tests.factories import UserFactory, in_group

pytestmark = pytest.mark.django_db(transaction=True)


# The editor's follow-up, as kept in their own spreadsheet: two rows are wrong (a misspelt ISO3
# code, a two-digit year), the fixed file corrects them.
ROWS = [
    ("R01", "BRA", "implemented", "government", "2021-05-01", "A federal law was adopted."),
    ("R02", "FRN", "planned", "un_entity", "15/03/2022", "A national plan is drafted."),
    ("R03", "NGA", "in_progress", "civil_society", "7/1/20", "Shelters opened in three states."),
    ("R04", "KEN", "partially_implemented", "government", "2023-11-30", "Police were trained."),
]
FIXES = {"FRN": "FRA", "7/1/20": "7/1/2020"}


def spreadsheet(path, rows, fixes=None):
    """The rows under the template's header (the columns the editor fills in), as a CSV file."""
    fixes = fixes or {}
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=UPDATE_HEADER)
        writer.writeheader()
        for row in rows:
            code, iso3, status, source, date, narrative = (fixes.get(v, v) for v in row)
            writer.writerow(
                {
                    "recommendation": code,
                    "iso3": iso3,
                    "status": status,
                    "source": source,
                    "effective_date": date,
                    "narrative": narrative,
                }
            )
    return path


def upload(page, path):
    page.get_by_label("Spreadsheet*", exact=True).set_input_files(path)
    page.get_by_role("button", name="Preview the import").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))


def count(page, label):
    """The figure the preview or the report gives beside ``label``."""
    return page.locator("dl.import-counts dt", has_text=label).locator("xpath=following::dd[1]")


@pytest.fixture
def editor(live_catalogue):
    return in_group(UserFactory(username="editor", is_staff=False), "Editors")


@pytest.fixture
def reviewer(live_catalogue):
    return in_group(UserFactory(username="reviewer", is_staff=True), "Reviewers")


def test_an_editor_imports_a_spreadsheet_and_a_reviewer_approves_the_batch(
    live_server, editor, reviewer, new_page, tmp_path
):
    page = signed_in(new_page, live_server, "editor")
    page.get_by_role("navigation", name="Your work").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Import a spreadsheet")).to_be_visible()

    # The template: the export's columns.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert download.value.suggested_filename == "progress-updates-template.csv"
    template = download.value.path().read_bytes().removeprefix(codecs.BOM_UTF8)
    assert next(csv.reader(io.StringIO(template.decode("utf-8")))) == UPDATE_HEADER

    # A first try: two rows are refused, each with its line, column and reason.
    upload(page, spreadsheet(tmp_path / "follow-up.csv", ROWS))
    expect(page.get_by_role("heading", name="Preview", exact=True)).to_be_visible()
    expect(count(page, "Rows read")).to_have_text("4")
    expect(count(page, "New: will be created")).to_have_text("2")
    expect(count(page, "Rejected: skipped")).to_have_text("2")
    rejected = page.get_by_role("table").filter(has_text="Problem").locator("tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0).get_by_role("cell")).to_have_text(
        ["3", "iso3", "“FRN” is not a Member State code. Did you mean FRA?"]
    )
    expect(rejected.nth(1).get_by_role("cell")).to_have_text(
        ["4", "effective_date", re.compile(r"“7/1/20” has a two-digit year")]
    )
    expect(page.get_by_role("button", name="Import 2 updates")).to_be_visible()

    # The file fixed and uploaded again: the first was never imported, so all four are new.
    page.get_by_role("link", name="Upload another file").click()
    upload(page, spreadsheet(tmp_path / "follow-up.csv", ROWS, FIXES))
    expect(count(page, "New: will be created")).to_have_text("4")
    expect(count(page, "Rejected: skipped")).to_have_text("0")
    expect(page.get_by_role("heading", name="Rejected rows")).to_have_count(0)
    page.get_by_role("button", name="Import 4 updates").click()
    expect(page.get_by_text("4 updates imported and submitted for review.")).to_be_visible()
    expect(page.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    expect(count(page, "Updates created")).to_have_text("4 (Submitted for review: 4)")
    batch_url = page.url

    # Nothing is public before review.
    public = new_page()
    public.goto(f"{live_server.url}/updates/")
    expect(public.get_by_text("No update matches these filters.")).to_be_visible()

    # The reviewer finds the batch among the imports and reviews it in the queue.
    desk = signed_in(new_page, live_server, "reviewer")
    desk.get_by_role("navigation", name="Your work").get_by_role("link", name="Imports").click()
    batches = desk.get_by_role("row").filter(has_text="follow-up.csv")
    expect(batches).to_have_count(2)
    imported = desk.get_by_role("cell", name="Imported", exact=True)
    batches.filter(has=imported).get_by_role("link").click()
    expect(desk).to_have_url(batch_url)
    desk.get_by_role("link", name="Review this batch in the queue").click()
    expect(desk.locator("#result_list tbody tr")).to_have_count(4)
    desk.locator("#action-toggle").check()
    desk.locator("select[name=action]").select_option(label="Approve selected updates")
    desk.get_by_role("button", name="Go").click()
    expect(desk.get_by_text("Will be refused")).to_have_count(0)
    desk.get_by_label("Comment").fill("Checked against the desk's spreadsheet.")
    desk.get_by_role("button", name="Approve updates").click()
    expect(desk.get_by_text(re.compile(r"Approved 4 updates: #\d+"))).to_be_visible()

    # Anyone now reads the new statuses: on a recommendation's page, a state's page, the log.
    public.goto(f"{live_server.url}/recommendations/R02/")
    france = public.get_by_role("row").filter(has_text="France")
    expect(france).to_contain_text("Planned")
    expect(france).to_contain_text("15 March 2022")
    public.goto(f"{live_server.url}/states/NGA/")
    # The recommendation's row (the row under it holds the latest narrative).
    r03 = public.locator("tbody tr:not(.cell-narrative)").filter(has_text="R03")
    expect(r03).to_contain_text("In progress")
    expect(r03).to_contain_text("7 January 2020")  # day first
    narrative = public.locator("tr.cell-narrative").filter(has_text="R03")
    expect(narrative).to_have_count(1)
    public.goto(f"{live_server.url}/updates/")
    log = public.locator("tbody tr")
    expect(log).to_have_count(4)
    for state, status in [
        ("Brazil", "Implemented"),
        ("France", "Planned"),
        ("Nigeria", "In progress"),
        ("Kenya", "Partially implemented"),
    ]:
        expect(log.filter(has_text=state)).to_contain_text(status)


@pytest.mark.parametrize("language", ["", "/ar"])
def test_the_imports_page_and_a_preview_have_no_serious_accessibility_violations(
    live_server, editor, new_page, tmp_path, language
):
    page = signed_in(new_page, live_server, "editor", bypass_csp=True)
    page.goto(f"{live_server.url}{language}/imports/")
    expect(page.locator("html")).to_have_attribute("lang", language.strip("/") or "en")
    assert serious_accessibility_violations(page) == [], "upload form"

    page.locator("form[enctype] button[type=submit]").click()  # no file chosen
    expect(page.locator(".invalid-feedback, .errorlist").first).to_be_visible()
    assert serious_accessibility_violations(page) == [], "upload form with an error"

    page.locator("input[type=file]").set_input_files(spreadsheet(tmp_path / "rows.csv", ROWS))
    page.locator("form[enctype] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{language}/imports/\d+/$"))
    expect(page.locator("tbody tr")).to_have_count(2)  # the rejected rows
    assert serious_accessibility_violations(page) == [], "preview with rejected rows"

    page.goto(f"{live_server.url}{language}/imports/")
    expect(page.get_by_role("row").filter(has_text="rows.csv")).to_be_visible()  # a state badge
    assert serious_accessibility_violations(page) == [], "the list of batches"
