"""Checking rows against the catalogue, the model's rules and the importer's scope: each row is
new, already present, a conflict, or rejected with every reason by line and column. Nothing is
written by a plan."""

import datetime
import time

import pytest
from django.utils import timezone

from recommendations import permissions
from recommendations.imports import FileProblem, plan_build
from recommendations.models import (
    AssessmentSource,
    MemberState,
    ProgressUpdate,
    ReviewState,
    Status,
)
from tests.factories import ProgressUpdateFactory, UserFactory, cell_at
from tests.imports.sheets import (
    HEADER,
    csv_bytes,
    csv_of,
    plan_of,
    rejections,
    row,
    table_of,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


def only_row(plan):
    """The one new row of a plan, failing with the rejections when there is none."""
    assert rejections(plan) == []
    (new,) = plan.new
    return new


def only_rejection(plan) -> tuple[int, str, str]:
    assert plan.new == []
    (rejection,) = rejections(plan)
    return rejection


# --------------------------------------------------------------------------------------------
# A valid row, and the file as a whole
# --------------------------------------------------------------------------------------------


def test_a_valid_row_is_new_and_carries_every_field(editor):
    plan = plan_of(
        [row(evidence="https://example.org/a https://example.org/b", external_id="T-1")],
        user=editor,
    )

    new = only_row(plan)
    assert (new.line, new.recommendation.code, new.state.iso3) == (2, "R03", "FRA")
    assert (new.status, new.source) == (Status.IN_PROGRESS, AssessmentSource.GOVERNMENT)
    assert new.effective_date == datetime.date(2024, 3, 15)
    assert new.narrative == "A national review mechanism was set up."
    assert new.evidence == "https://example.org/a\nhttps://example.org/b"
    assert new.external_id == "T-1"
    assert (plan.rows, plan.rows_rejected, plan.present, plan.conflicts) == (1, 0, [], [])
    assert not ProgressUpdate.objects.exists()


def test_a_header_without_rows_is_a_file_problem(editor):
    with pytest.raises(FileProblem, match="header row but no rows"):
        plan_of([], user=editor)


def test_missing_columns_stop_the_plan(editor):
    with pytest.raises(FileProblem, match="no column for: narrative"):
        plan_of([row()], header=HEADER[:5], user=editor)


def test_the_report_names_columns_as_written_and_lists_the_unknown(editor):
    header = ["ID", "Recommendation", "ISO3", "Status", "Source", "Effective date", "Narrative"]
    table = table_of(
        csv_bytes(
            [
                [*header, "Owner"],
                ["17", "R03", "FRA", "planned", "government", "2024-03-15", "Done.", "Ana"],
            ]
        )
    )

    plan = plan_build(table, user=editor)
    report = plan.report(table)

    assert report["unknown_columns"] == ["Owner"]
    assert report["describing_columns"] == ["ID"]
    assert "Effective date" in report["columns"]
    assert (report["format"], report["encoding"], report["delimiter"]) == ("csv", "UTF-8", "comma")


def test_progress_is_told_the_rows_read(editor):
    told = []

    plan_build(table_of(csv_of([row(), row(status="planned")])), user=editor, progress=told.append)

    assert told == [2]


def test_a_row_whose_first_cell_starts_with_a_hash_is_a_comment(editor):
    """The CSV template lists the allowed values in such rows, under its example."""
    header = ["id", *HEADER]
    rows = [
        row(id="", recommendation="R03"),
        {"id": "# Allowed values: column, value, label."},
        {"id": "#status", "recommendation": "in_progress", "iso3": "In progress"},
        {"id": " #iso3", "recommendation": "FRA", "iso3": "France"},
    ]

    plan = plan_of(rows, header=header, user=editor)

    assert (plan.rows, len(plan.new), plan.rejected) == (1, 1, [])


@pytest.mark.parametrize("first", ["narrative", "external_id"])
def test_a_hash_starting_a_free_text_column_is_data_not_a_comment(editor, first):
    header = [first, *(name for name in HEADER if name != first)]

    new = only_row(plan_of([row(**{first: "#MeToo"})], header=header, user=editor))

    assert getattr(new, first) == "#MeToo"


def test_every_reason_of_a_row_is_reported_and_the_row_counted_once(editor):
    plan = plan_of(
        [row(status="done", effective_date="yesterday", evidence="ftp://x"), row()], user=editor
    )

    assert [(line, column) for line, column, _message in rejections(plan)] == [
        (2, "status"),
        (2, "effective_date"),
        (2, "evidence"),
    ]
    assert (plan.rows, plan.rows_rejected, len(plan.new)) == (2, 1, 1)


def test_a_blank_required_cell_is_rejected_naming_its_column(editor):
    plan = plan_of(
        [
            row(
                recommendation="",
                iso3="",
                status="",
                source="",
                effective_date="",
                narrative="",
                external_id="SRC-1",
            )
        ],
        user=editor,
    )

    assert [(column, message) for _line, column, message in rejections(plan)] == [
        ("recommendation", "The recommendation's code is missing."),
        ("iso3", "The Member State is missing: give its ISO3 code or its name."),
        ("status", "The status is missing."),
        ("source", "The source is missing."),
        ("effective_date", "The effective date is missing."),
        ("narrative", "The narrative is missing."),
    ]


# --------------------------------------------------------------------------------------------
# Status and source
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["in_progress", "IN_PROGRESS", "In progress", "in progress", "EN COURS", "En cours"]
)
def test_a_status_is_its_stored_value_or_its_label_in_any_case(editor, written):
    assert only_row(plan_of([row(status=written)], user=editor)).status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    "written",
    ["civil_society", "Civil society", "CIVIL SOCIETY", "Société civile", "société civile"],
)
def test_a_source_is_its_stored_value_or_its_label_in_any_case(editor, written):
    assert only_row(plan_of([row(source=written)], user=editor)).source == "civil_society"


@pytest.mark.parametrize("written", ["no_information", "No information", "Aucune information"])
def test_no_information_is_not_a_status_an_update_reports(editor, written):
    line, column, message = only_rejection(plan_of([row(status=written)], user=editor))

    assert (line, column) == (2, "status")
    assert "is not one of: not_started, planned" in message
    assert "no_information" not in message.split(":", 1)[1]


def test_an_unknown_source_lists_those_allowed(editor):
    _line, column, message = only_rejection(plan_of([row(source="the press")], user=editor))

    assert column == "source"
    assert message == (
        "“the press” is not one of: government, un_entity, civil_society, independent_review."
    )


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2024-03-15", datetime.date(2024, 3, 15)),
        ("2024-3-5", datetime.date(2024, 3, 5)),
        ("2024-03-15 00:00:00", datetime.date(2024, 3, 15)),
        ("15/03/2024", datetime.date(2024, 3, 15)),
        ("15.03.2024", datetime.date(2024, 3, 15)),
        ("7/1/2020", datetime.date(2020, 1, 7)),  # 7 January, not 1 July
        ("1945-01-01", datetime.date(1945, 1, 1)),
    ],
)
def test_a_date_is_iso_or_day_first(editor, written, day):
    assert only_row(plan_of([row(effective_date=written)], user=editor)).effective_date == day


def test_today_is_a_valid_date(editor):
    today = timezone.localdate()

    new = only_row(plan_of([row(effective_date=today.isoformat())], user=editor))

    assert new.effective_date == today


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("15/03/24", "“15/03/24” has a two-digit year: write the year in full (15/03/2024)."),
        ("3-15-24", "“3-15-24” has a two-digit year: write the year in full (15/03/2024)."),
        ("31/02/2024", "“31/02/2024” is not a date that exists."),
        ("2023-02-29", "“2023-02-29” is not a date that exists."),
        ("15/13/2024", "“15/13/2024” is not a date that exists."),
        (
            "March 15, 2024",
            "“March 15, 2024” is not a date: write 2024-03-15 or 15/03/2024 (day first).",
        ),
        ("45366", "“45366” is not a date: write 2024-03-15 or 15/03/2024 (day first)."),
        ("1944-12-31", "The date a status took effect cannot be before 1945."),
        ("0001-01-01", "The date a status took effect cannot be before 1945."),
    ],
)
def test_an_impossible_or_ambiguous_date_is_an_error_not_a_guess(editor, written, says):
    assert only_rejection(plan_of([row(effective_date=written)], user=editor)) == (
        2,
        "effective_date",
        says,
    )


def test_a_date_in_the_future_is_rejected_with_the_models_message(editor):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    assert only_rejection(plan_of([row(effective_date=tomorrow.isoformat())], user=editor)) == (
        2,
        "effective_date",
        "The date a status took effect cannot be in the future.",
    )


# --------------------------------------------------------------------------------------------
# Member States and recommendations
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["FRA", "fra", "Fra", " FRA ", "France", "FRANCE"])
def test_a_state_is_its_iso3_code_in_any_case_or_its_name(editor, written):
    assert only_row(plan_of([row(iso3=written)], user=editor)).state.iso3 == "FRA"


@pytest.mark.parametrize(
    ("written", "iso3"),
    [
        ("France", "FRA"),
        ("Allemagne", "DEU"),  # as the French catalogue names it
        ("Côte d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),  # the apostrophe a word processor curls
        ("COTE D'IVOIRE", "CIV"),  # accents left out, as on a keyboard without them
        ("Co\u0302te d'Ivoire", "CIV"),  # decomposed, as macOS writes file names and text
        ("  united kingdom of great britain and northern ireland ", "GBR"),
    ],
)
def test_a_state_is_found_by_its_name_in_a_state_column(editor, written, iso3):
    header = [name for name in HEADER if name != "iso3"] + ["state"]

    plan = plan_of([row(state=written)], header=header, user=editor)

    if iso3 is None:
        assert only_rejection(plan)[1] == "state"
    else:
        assert only_row(plan).state.iso3 == iso3


def test_a_mistyped_state_code_is_rejected_with_a_guess(editor):
    """The issue's own example: line, column and a plain message."""
    plan = plan_of([row(), row(iso3="FRN")], user=editor)

    assert rejections(plan) == [
        (3, "iso3", "“FRN” is not a Member State code. Did you mean FRA?"),
    ]


def test_a_mistyped_state_name_is_rejected_with_a_guess(editor):
    header = [name for name in HEADER if name != "iso3"] + ["State"]

    plan = plan_of([row(State="Frence")], header=header, user=editor)

    assert only_rejection(plan) == (
        2,
        "State",
        "“Frence” is not the name of a Member State. Did you mean France?",
    )


def test_a_long_unknown_state_name_is_rejected_quickly_without_a_guess(editor):
    """Comparing 20,000 characters with a thousand names took 15 s a row."""
    header = [name for name in HEADER if name != "iso3"] + ["state"]
    name = "Côte d'Ivoire " * 1_500

    started = time.perf_counter()
    plan = plan_of([row(state=name)], header=header, user=editor)

    assert only_rejection(plan)[2] == f"“{name[:100]}” is not the name of a Member State."
    assert time.perf_counter() - started < 2


def test_past_many_distinct_wrong_values_messages_stop_guessing(editor, monkeypatch):
    """Each guess compares the value with a thousand names: a file of wrong names is checked in
    bounded time."""
    from recommendations.imports import rows

    monkeypatch.setattr(rows, "GUESSES", 2)

    plan = plan_of(
        [row(iso3="FRN"), row(iso3="DEX"), row(iso3="FRN"), row(iso3="ITX")], user=editor
    )

    assert [message for _line, _column, message in rejections(plan)] == [
        "“FRN” is not a Member State code. Did you mean FRA?",
        "“DEX” is not a Member State code. Did you mean DEU?",
        "“FRN” is not a Member State code. Did you mean FRA?",
        "“ITX” is not a Member State code.",
    ]


def test_a_blank_iso3_cell_falls_back_on_the_state_name(editor):
    plan = plan_of([row(iso3="", state="Germany")], header=[*HEADER, "state"], user=editor)

    assert only_row(plan).state.iso3 == "DEU"


def test_an_iso3_code_and_a_state_name_that_disagree_are_rejected(editor):
    plan = plan_of(
        [row(iso3="FRA", state="France"), row(iso3="FRA", state="Germany")],
        header=[*HEADER, "state"],
        user=editor,
    )

    assert rejections(plan) == [
        (3, "state", "The state “Germany” does not match the ISO3 code FRA (France).")
    ]


@pytest.mark.parametrize("written", ["R03", "r03", " R03 "])
def test_a_recommendation_code_is_matched_in_any_case(editor, written):
    assert only_row(plan_of([row(recommendation=written)], user=editor)).recommendation.code == (
        "R03"
    )


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("R3", "“R3” is not a recommendation code. Did you mean R03?"),
        ("R033", "“R033” is not a recommendation code. Did you mean R33?"),
        ("R 03", "“R 03” is not a recommendation code. Did you mean R03?"),
        ("X", "“X” is not a recommendation code."),
        ("R" + "9" * 5_000, f"“R{'9' * 49}” is not a recommendation code."),
        ("Recommendation three", "“Recommendation three” is not a recommendation code."),
    ],
)
def test_an_unknown_recommendation_code_is_rejected_with_a_guess_when_one_is_close(
    editor, written, says
):
    assert only_rejection(plan_of([row(recommendation=written)], user=editor)) == (
        2,
        "recommendation",
        says,
    )


# --------------------------------------------------------------------------------------------
# Text: narrative, evidence, external id
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "links"),
    [
        ("https://example.org/a", "https://example.org/a"),
        (
            "https://example.org/a https://example.org/b",
            "https://example.org/a\nhttps://example.org/b",
        ),
        (
            "https://example.org/a\n\nhttps://example.org/b\n",
            "https://example.org/a\nhttps://example.org/b",
        ),
        (
            "https://example.org/a\r\nhttps://example.org/b",
            "https://example.org/a\nhttps://example.org/b",
        ),
    ],
)
def test_evidence_links_separated_by_spaces_or_lines_are_kept_one_per_line(editor, written, links):
    assert only_row(plan_of([row(evidence=written)], user=editor)).evidence == links


@pytest.mark.parametrize(
    "written", ["javascript:alert(1)", "https://example.org/a data:text/html,<b>x</b>", "www.x"]
)
def test_evidence_that_is_not_an_http_link_is_rejected(editor, written):
    line, column, message = only_rejection(plan_of([row(evidence=written)], user=editor))

    assert (line, column) == (2, "evidence")
    assert "is not a valid http(s) URL" in message


def test_html_in_a_narrative_is_kept_as_the_text_it_is(editor):
    narrative = '<script>alert("x")</script> <b>bold</b> &amp; <a href="javascript:x">y</a>'

    assert only_row(plan_of([row(narrative=narrative)], user=editor)).narrative == narrative


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'+33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("'-5 % on last year", "-5 % on last year"),
        ("'@mention", "@mention"),
        ("''=x", "'=x"),
        ("'hello", "'hello"),
        ("=SUM(A1)", "=SUM(A1)"),
    ],
)
def test_the_exports_formula_guard_is_undone(editor, written, stored):
    assert only_row(plan_of([row(narrative=written)], user=editor)).narrative == stored


def test_a_narrative_keeps_its_lines_as_written(editor):
    """Browsers send a textarea's lines with CRLF, so the log holds them so; an exported
    narrative must come back the same for the round trip to be exact."""
    narrative = "First line.\r\nSecond line.\n\nThird line."

    assert only_row(plan_of([row(narrative=narrative)], user=editor)).narrative == narrative


def test_a_narrative_longer_than_the_model_takes_is_rejected_naming_the_column(editor):
    header = [name if name != "narrative" else "Narrative" for name in HEADER]

    plan = plan_of([row(Narrative="x" * 10_001)], header=header, user=editor)

    line, column, message = only_rejection(plan)
    assert (line, column) == (2, "Narrative")
    assert "at most 10000 characters (it has 10001)" in message


def test_a_narrative_of_the_longest_length_is_accepted(editor):
    assert len(only_row(plan_of([row(narrative="x" * 10_000)], user=editor)).narrative) == 10_000


def test_an_external_id_longer_than_the_model_takes_is_rejected(editor):
    line, column, message = only_rejection(plan_of([row(external_id="x" * 101)], user=editor))

    assert (line, column) == (2, "external_id")
    assert "at most 100 characters" in message


# --------------------------------------------------------------------------------------------
# A workbook's cells
# --------------------------------------------------------------------------------------------


def test_a_workbooks_date_cells_numbers_and_formulas_are_read_as_written(editor):
    content = xlsx_bytes(
        {
            "Updates": [
                HEADER,
                [
                    "R03",
                    "FRA",
                    "planned",
                    "government",
                    datetime.datetime(2020, 1, 7),
                    "=1+1",
                    None,
                    123.0,
                ],
                ["R04", "FRA", "planned", "government", datetime.date(2021, 5, 2), "Text", "", 7],
                ["R05", "FRA", "planned", "government", "7/1/2020", 2024, None, "A-1"],
            ]
        }
    )

    plan = plan_build(table_of(content, file_name="t.xlsx"), user=editor)

    assert rejections(plan) == []
    first, second, third = plan.new
    assert (first.effective_date, first.narrative, first.external_id) == (
        datetime.date(2020, 1, 7),
        "=1+1",  # a formula is text, never evaluated
        "123",  # not "123.0"
    )
    assert (second.effective_date, second.external_id) == (datetime.date(2021, 5, 2), "7")
    assert (third.effective_date, third.narrative) == (datetime.date(2020, 1, 7), "2024")


def test_a_workbooks_date_cell_out_of_range_is_rejected(editor):
    content = xlsx_bytes(
        {
            "Updates": [
                HEADER,
                ["R03", "FRA", "planned", "government", datetime.date(1900, 1, 1), "x"],
            ]
        }
    )

    plan = plan_build(table_of(content, file_name="t.xlsx"), user=editor)

    assert only_rejection(plan) == (
        2,
        "effective_date",
        "The date a status took effect cannot be before 1945.",
    )


# --------------------------------------------------------------------------------------------
# Identity: present, conflicts
# --------------------------------------------------------------------------------------------


def logged(author, **values):
    """An update in the log as the row ``row()`` describes it."""
    fields = {
        "cell": cell_at("R03", "FRA"),
        "status": Status.IN_PROGRESS,
        "source": AssessmentSource.GOVERNMENT,
        "effective_date": datetime.date(2024, 3, 15),
        "narrative": "A national review mechanism was set up.",
        "reported_by": author,
        "review_state": ReviewState.SUBMITTED,
        **values,
    }
    return ProgressUpdateFactory(**fields)


def test_a_row_twice_in_the_file_is_new_once_then_present(editor):
    plan = plan_of([row(), row(status="planned"), row()], user=editor)

    assert [new.line for new in plan.new] == [2, 3]
    assert plan.present == [{"line": 4, "update": None, "line_of": 2}]


@pytest.mark.parametrize(
    "review_state", [ReviewState.SUBMITTED, ReviewState.APPROVED, ReviewState.RETURNED]
)
def test_a_row_already_in_the_log_is_present_with_its_update(editor, review_state):
    author = UserFactory()
    update = logged(
        author, review_state=review_state, reviewed_by=UserFactory(), reviewed_at=timezone.now()
    )

    plan = plan_of([row(), row(status="planned")], user=editor)

    assert plan.present == [{"line": 2, "update": update.pk, "line_of": None}]
    assert [new.line for new in plan.new] == [3]


def test_a_narrative_differing_only_in_spaces_and_line_ends_is_the_same_row(editor):
    update = logged(editor, narrative="First line.  \r\nSecond line.")

    plan = plan_of([row(narrative="  First line.\nSecond line.\n")], user=editor)

    assert plan.present == [{"line": 2, "update": update.pk, "line_of": None}]


@pytest.mark.parametrize(
    "changed",
    [
        {"status": "planned"},
        {"source": "civil_society"},
        {"effective_date": "2024-03-16"},
        {"narrative": "Another narrative."},
        {"iso3": "DEU"},
        {"recommendation": "R04"},
    ],
)
def test_a_row_differing_in_any_part_of_its_identity_is_new(editor, changed):
    logged(UserFactory())

    plan = plan_of([row(**changed)], user=editor)

    assert (len(plan.new), plan.present) == (1, [])


def test_another_users_draft_does_not_count_as_present(editor):
    logged(UserFactory(), review_state=ReviewState.DRAFT)

    assert len(plan_of([row()], user=editor).new) == 1


def test_the_importers_own_draft_counts_as_present(editor):
    update = logged(editor, review_state=ReviewState.DRAFT)

    assert plan_of([row()], user=editor).present == [
        {"line": 2, "update": update.pk, "line_of": None}
    ]


def test_an_external_id_in_the_log_with_the_same_content_is_present(editor):
    update = logged(UserFactory(), external_id="SRC-7")

    plan = plan_of([row(external_id="SRC-7")], user=editor)

    assert plan.present == [{"line": 2, "update": update.pk, "line_of": None}]


def test_an_external_id_in_the_log_with_other_content_is_a_conflict(editor):
    update = logged(UserFactory(), external_id="SRC-7")

    plan = plan_of([row(external_id="SRC-7", status="implemented")], user=editor)

    assert plan.conflicts == [
        {"line": 2, "external_id": "SRC-7", "update": update.pk, "line_of": None}
    ]
    assert (plan.new, plan.present) == ([], [])


def test_an_external_id_of_another_users_draft_is_no_conflict(editor):
    logged(UserFactory(), external_id="SRC-7", review_state=ReviewState.DRAFT)

    plan = plan_of([row(external_id="SRC-7", status="implemented")], user=editor)

    assert (len(plan.new), plan.conflicts) == (1, [])


def test_an_external_id_twice_in_the_file_with_other_content_is_a_conflict(editor):
    plan = plan_of(
        [row(external_id="SRC-7"), row(external_id="SRC-7", narrative="Changed.")], user=editor
    )

    assert [new.line for new in plan.new] == [2]
    assert plan.conflicts == [{"line": 3, "external_id": "SRC-7", "update": None, "line_of": 2}]


def test_an_external_id_twice_in_the_file_with_the_same_content_is_present(editor):
    plan = plan_of([row(external_id="SRC-7"), row(external_id="SRC-7")], user=editor)

    assert [new.line for new in plan.new] == [2]
    assert plan.present == [{"line": 3, "update": None, "line_of": 2}]


def test_identity_holds_across_the_chunks_a_plan_reads(editor, monkeypatch):
    from recommendations.imports import rows

    monkeypatch.setattr(rows, "CHUNK", 2)
    update = logged(UserFactory())

    plan = plan_of(
        [row(status="planned"), row(status="declined"), row(), row(status="planned")],
        user=editor,
    )

    assert [new.line for new in plan.new] == [2, 3]
    assert plan.present == [
        {"line": 4, "update": update.pk, "line_of": None},
        {"line": 5, "update": None, "line_of": 2},
    ]


def test_a_plan_of_a_thousand_rows_asks_few_queries(editor, django_assert_max_num_queries):
    rows = [
        row(effective_date=f"{day % 28 + 1}/{day % 12 + 1}/20{day % 20:02}") for day in range(1000)
    ]
    for index, values in enumerate(rows):
        values["narrative"] = f"Row {index}."
        values["external_id"] = f"SRC-{index}"

    with django_assert_max_num_queries(20):
        plan = plan_of(rows, user=editor)

    assert (len(plan.new), plan.rows_rejected) == (1000, 0)


# --------------------------------------------------------------------------------------------
# Scope: the permissions module answers for every row
# --------------------------------------------------------------------------------------------


def test_a_scoped_editor_sees_rows_of_other_states_rejected_with_the_reason(scoped_editor):
    germany = MemberState.objects.get(iso3="DEU")

    plan = plan_of(
        [row(iso3="FRA"), row(iso3="DEU"), row(iso3="deu", status="planned")], user=scoped_editor
    )

    reason = permissions.may_log(scoped_editor, germany).reason
    assert "outside the Member States assigned to you" in reason
    assert rejections(plan) == [(3, "iso3", reason), (4, "iso3", reason)]
    assert [new.state.iso3 for new in plan.new] == ["FRA"]


def test_a_scope_refusal_names_the_column_that_named_the_state(scoped_editor):
    plan = plan_of([row(iso3="", state="Germany")], header=[*HEADER, "state"], user=scoped_editor)

    assert only_rejection(plan)[1] == "state"


def test_a_user_who_is_no_editor_has_every_row_rejected(reviewer):
    plan = plan_of([row()], user=reviewer)

    assert only_rejection(plan) == (2, "iso3", "Only editors may log progress updates.")


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("Iran", "Iran (Islamic Republic of)"),
        ("Bolivia", "Bolivia (Plurinational State of)"),
        ("Venezuela", "Venezuela (Bolivarian Republic of)"),
    ],
)
def test_a_common_name_is_offered_the_official_one_it_begins(editor, written, official):
    plan = plan_of([row(iso3="", state=written)], user=editor, header=[*HEADER, "state"])

    assert f"Did you mean {official}?" in plan.rejected[0]["message"]
