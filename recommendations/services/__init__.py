"""Every write that follows a rule of the tracker, by subject.

Views, forms, admin actions and management commands call these functions; nothing else writes
the fields they own. Each is keyword-only, takes the acting person as ``user``, asks
``permissions`` before acting, validates with ``full_clean()`` before saving, runs in a
transaction when it touches more than one row, and raises a clear error when a rule is broken.

- ``catalogue``: seeding the reference data and the grid of cells;
- ``status``: a cell's current status and yearly counts, derived from the approved log;
- ``workflow``: log, edit, submit, approve, return, withdraw;
- ``roles``: the Editors and Reviewers groups, development logins;
- ``notifications``: every e-mail (review outcomes, submitted updates, the daily digests);
- ``imports``: a spreadsheet's batch: upload, preview, confirm (rows logged by ``workflow``);
- ``tokens``: a person's API tokens, made and revoked;
- ``versions``: the data version, moved by every change the public sees (the page cache's key).
"""

from .catalogue import SeedDataError, SeedReport, catalogue_seed, cells_ensure_grid
from .imports import (
    batch_cancel,
    batch_confirm,
    batch_preview,
    batch_preview_start,
    batch_review,
    batch_upload,
    batch_write,
)
from .notifications import DigestReport, digests_collect, digests_send
from .roles import EDITORS, REVIEWERS, ROLE_PERMISSIONS, dev_logins_create, roles_seed
from .status import (
    cell_assessments_rebuild,
    cell_disagreements_rebuild,
    cell_refresh_status,
    cell_year_counts_rebuild,
    cells_refresh_all,
    month_counts_rebuild,
    month_end_grids_rebuild,
    month_end_grids_update,
)
from .tokens import EXPIRY_DAYS, TOKENS_PER_PERSON, token_create, token_revoke
from .versions import data_version_bump
from .workflow import (
    EDITABLE_FIELDS,
    RETURN_NEEDS_COMMENT,
    WITHDRAWAL_NEEDS_REASON,
    WorkflowError,
    cell_for,
    update_approve,
    update_edit,
    update_log,
    update_log_within,
    update_return,
    update_submit,
    update_withdraw,
)

__all__ = [
    "batch_cancel",
    "batch_confirm",
    "batch_review",
    "batch_preview",
    "batch_preview_start",
    "batch_upload",
    "batch_write",
    "EDITABLE_FIELDS",
    "EDITORS",
    "DigestReport",
    "RETURN_NEEDS_COMMENT",
    "REVIEWERS",
    "ROLE_PERMISSIONS",
    "SeedDataError",
    "SeedReport",
    "WITHDRAWAL_NEEDS_REASON",
    "WorkflowError",
    "catalogue_seed",
    "cell_for",
    "cell_refresh_status",
    "cell_assessments_rebuild",
    "cell_disagreements_rebuild",
    "month_end_grids_rebuild",
    "month_end_grids_update",
    "cell_year_counts_rebuild",
    "cells_ensure_grid",
    "cells_refresh_all",
    "month_counts_rebuild",
    "data_version_bump",
    "dev_logins_create",
    "EXPIRY_DAYS",
    "TOKENS_PER_PERSON",
    "token_create",
    "token_revoke",
    "digests_collect",
    "digests_send",
    "roles_seed",
    "update_approve",
    "update_edit",
    "update_log",
    "update_log_within",
    "update_return",
    "update_submit",
    "update_withdraw",
]
