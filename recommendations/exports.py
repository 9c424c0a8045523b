"""The columns of the progress log's CSV export, written once: the export writes them, the
import matches its header against them and the import template is made of them."""

from .models import AssessmentSource

# (header, field read for the export), in the export's order. The import reads the columns that
# make an update (``imports.columns``); the others (ids, titles, review fields) describe a row
# in this tracker and are ignored on the way in.
UPDATE_COLUMNS: list[tuple[str, str]] = [
    ("id", "pk"),
    ("effective_date", "effective_date"),
    ("recommendation", "cell__recommendation__code"),
    ("recommendation_title", "cell__recommendation__title"),
    ("state", "cell__state__name"),
    ("iso3", "cell__state__iso3"),
    ("regional_group", "cell__state__regional_group"),
    ("status", "status"),
    ("source", "source"),
    ("narrative", "narrative"),
    ("evidence", "evidence"),
    ("reported_by", "reported_by__username"),
    ("review_state", "review_state"),
    ("reviewed_at", "reviewed_at"),
    ("external_id", "external_id"),
]

UPDATE_HEADER = [header for header, _ in UPDATE_COLUMNS]
UPDATE_FIELDS = [field for _, field in UPDATE_COLUMNS]

# "What changed" (``/changes/?format=csv``): one row an approved update of the window, with the
# cell's status before it. ``approved_at`` is written in the site's time zone, whose days the
# window counts.
CHANGE_COLUMNS: list[tuple[str, str]] = [
    ("id", "pk"),
    ("approved_at", "reviewed_at"),
    ("recommendation", "cell__recommendation__code"),
    ("recommendation_title", "cell__recommendation__title"),
    ("state", "cell__state__name"),
    ("iso3", "cell__state__iso3"),
    ("regional_group", "cell__state__regional_group"),
    ("previous_status", "previous_status"),
    ("status", "status"),
    ("changed", "changed"),
    ("effective_date", "effective_date"),
    ("source", "source"),
]

CHANGE_HEADER = [header for header, _ in CHANGE_COLUMNS]
CHANGE_FIELDS = [field for _, field in CHANGE_COLUMNS if field != "changed"]

# The cells of a recommendation's or a state's page (``?format=csv``, ``?as_of=`` too): the status
# shown, its date, whether the sources disagree, then each assessment source side by side: its
# status, the date it took effect and the id of the update that says so (empty: no assessment).
CELL_SOURCE_HEADER = [
    f"{source.value}_{column}"
    for source in AssessmentSource
    for column in ("status", "date", "update")
]
CELL_HEADER = ["status", "status_date", "sources_disagree", *CELL_SOURCE_HEADER]


def cell_columns(cell) -> list:
    """A cell's ``CELL_HEADER`` values (its sources from ``selectors.cells_with_sources``)."""
    row = [cell.status.value, cell.shown_date or "", "yes" if cell.shown_disagreement else "no"]
    for assessment in cell.source_columns:
        if assessment is None:
            row += ["", "", ""]
        else:
            row += [assessment.status.value, assessment.date, assessment.update_id]
    return row
