"""The columns of the progress log's CSV export, written once: the export writes them, the
import matches its header against them and the import template is made of them."""

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
