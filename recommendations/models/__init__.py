"""The nouns of the tracker and their invariants, by subject.

Reference data (themes, actors, instruments, source documents, recommendations, Member States)
is loaded from ``recommendations/data/`` by ``manage.py seed``. Follow-up is a grid of cells, one
per recommendation x state, each holding its current status; progress updates are the log entries
against a cell. Every write that follows a workflow rule lives in ``services/``; every "may this
user..." in ``permissions.py``.

Default managers are deliberately unfiltered: the admin, ``dumpdata`` and the backup command must
see every row. Filtered reads are QuerySet methods (``ProgressUpdate.objects.approved()``).
"""

from .catalogue import (
    Actor,
    Instrument,
    MemberState,
    MemberStateQuerySet,
    Recommendation,
    RecommendationQuerySet,
    ReferenceData,
    SourceDocument,
    Theme,
    slug_validator,
)
from .cells import (
    GRID_COLUMNS,
    Cell,
    CellAssessment,
    CellDisagreement,
    CellQuerySet,
    CellYearCount,
    CellYearCountQuerySet,
    IsoDate,
    MonthCount,
    MonthEndGrid,
    disagreement_spans,
    month_end,
    month_end_grids,
    month_ends,
    months_ago,
    sources_disagree,
)
from .choices import (
    AssessmentSource,
    Membership,
    RegionalGroup,
    ReviewState,
    Status,
    Strength,
    Voice,
)
from .imports import ImportBatch, ImportBatchQuerySet, ImportState
from .preferences import LanguagePreference
from .scopes import EditorScope
from .tokens import ApiToken
from .updates import (
    EFFECTIVE_DATE_MIN,
    LATEST_FIRST,
    ProgressUpdate,
    ProgressUpdateQuerySet,
    validate_effective_date,
    validate_evidence_links,
)
from .versions import DataVersion, DataVersionQuerySet

__all__ = [
    "EFFECTIVE_DATE_MIN",
    "LATEST_FIRST",
    "ApiToken",
    "LanguagePreference",
    "Actor",
    "AssessmentSource",
    "Cell",
    "CellAssessment",
    "CellDisagreement",
    "CellQuerySet",
    "CellYearCount",
    "CellYearCountQuerySet",
    "GRID_COLUMNS",
    "MonthCount",
    "MonthEndGrid",
    "IsoDate",
    "DataVersion",
    "DataVersionQuerySet",
    "EditorScope",
    "ImportBatch",
    "ImportBatchQuerySet",
    "ImportState",
    "Instrument",
    "MemberState",
    "MemberStateQuerySet",
    "Membership",
    "ProgressUpdate",
    "ProgressUpdateQuerySet",
    "Recommendation",
    "RecommendationQuerySet",
    "ReferenceData",
    "RegionalGroup",
    "ReviewState",
    "disagreement_spans",
    "month_end",
    "month_end_grids",
    "month_ends",
    "months_ago",
    "SourceDocument",
    "Status",
    "Strength",
    "Voice",
    "sources_disagree",
    "Theme",
    "slug_validator",
    "validate_effective_date",
    "validate_evidence_links",
]
