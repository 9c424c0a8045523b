"""Matching a file's header to the import's columns: by name, in any order, ignoring case,
spaces, hyphens and underscores; what is unknown is listed, what is missing stops the import."""

import pytest

from recommendations.exports import UPDATE_HEADER
from recommendations.imports import DESCRIBING, IMPORTED, REQUIRED, FileProblem, columns_match


@pytest.mark.parametrize(
    "title",
    ["effective_date", "Effective date", "EFFECTIVE_DATE", "effectiveDate", "Effective-Date"],
)
def test_a_column_is_matched_ignoring_case_spaces_and_underscores(title):
    columns = columns_match(["Narrative", title, "RECOMMENDATION", "iso 3", "Status", "source"])

    assert columns.position == {
        "narrative": 0,
        "effective_date": 1,
        "recommendation": 2,
        "iso3": 3,
        "status": 4,
        "source": 5,
    }
    # Messages name a column as the file writes it.
    assert columns.label("effective_date") == title


def test_the_exports_header_is_matched_whole_its_describing_columns_read_past():
    columns = columns_match(UPDATE_HEADER)

    assert set(columns.position) == set(IMPORTED) | set(DESCRIBING)
    assert columns.unknown == []
    assert set(columns.describing) == {
        "id",
        "recommendation_title",
        "regional_group",
        "reported_by",
        "review_state",
        "reviewed_at",
    }


def test_unknown_columns_are_listed_and_blank_titles_ignored():
    columns = columns_match([*REQUIRED, "iso3", "Comments", "", "  ", "Owner"])

    assert columns.unknown == ["Comments", "Owner"]


def test_a_state_named_by_its_name_needs_no_iso3_column():
    columns = columns_match([*REQUIRED, "State"])

    assert "state" in columns.position
    assert "iso3" not in columns.position


def test_missing_required_columns_stop_the_import_naming_them():
    with pytest.raises(FileProblem) as problem:
        columns_match(["recommendation", "iso3", "Status", "Notes"])

    assert "no column for: source, effective_date, narrative." in str(problem.value)


def test_a_file_with_neither_iso3_nor_state_is_told_to_name_the_state():
    with pytest.raises(FileProblem, match=r"no column for: iso3 \(or state\)\."):
        columns_match(REQUIRED)


def test_a_column_named_twice_stops_the_import():
    with pytest.raises(FileProblem, match=r"Effective date.*twice.*columns 4 and 7"):
        columns_match([*REQUIRED[:4], "iso3", "narrative", "Effective date"])
