"""Every write that follows a rule of the tracker.

Views, forms, admin actions and management commands call these functions; nothing else writes
the fields they own. Each is keyword-only, validates with ``full_clean()`` before saving, runs in
a transaction when it touches more than one row, and raises a clear error when a rule is broken.
"""

from __future__ import annotations

import csv
import itertools
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .models import (
    Actor,
    Cell,
    CellYearCount,
    Instrument,
    MemberState,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    SourceDocument,
    Status,
    Theme,
)

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Seeding the reference data
# --------------------------------------------------------------------------------------------


class SeedDataError(Exception):
    """A data file under recommendations/data/ is missing, malformed or inconsistent."""


@dataclass
class SeedReport:
    """What a seed run did, per model: created / updated / unchanged counts."""

    counts: dict[str, Counter] = field(default_factory=dict)
    cells_created: int = 0
    not_in_files: dict[str, list[str]] = field(default_factory=dict)

    def record(self, label: str, outcome: str) -> None:
        self.counts.setdefault(label, Counter())[outcome] += 1

    @property
    def changed(self) -> bool:
        return self.cells_created > 0 or any(
            c["created"] or c["updated"] for c in self.counts.values()
        )

    def lines(self) -> list[str]:
        lines = [
            f"{label}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for label, c in self.counts.items()
        ]
        lines.append(f"follow-up cells: {self.cells_created} created")
        for label, keys in self.not_in_files.items():
            lines.append(
                f"warning: {len(keys)} {label} in the database but not in the data files, "
                f"kept untouched: {', '.join(keys)}"
            )
        return lines


REFERENCE_FILES: list[tuple[str, type[models.Model], list[str]]] = [
    ("documents.yaml", SourceDocument, ["title", "short_title", "date", "file", "description"]),
    ("themes.yaml", Theme, ["name", "description"]),
    ("actors.yaml", Actor, ["name", "description"]),
    ("instruments.yaml", Instrument, ["name", "short_name", "description"]),
]
RECOMMENDATION_FIELDS = [
    "title",
    "text",
    "source_reference",
    "also_cited",
    "instrument_note",
]
STATE_FIELDS = ["name", "regional_group", "membership"]


def _read_yaml(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SeedDataError(f"{path.name}: file not found in {path.parent}.")
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SeedDataError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SeedDataError(f"{path.name}: expected a list of records.")
    return rows


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise SeedDataError(f"{path.name}: file not found in {path.parent}.")
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _upsert(
    model: type[models.Model],
    *,
    lookup: dict[str, Any],
    values: dict[str, Any],
    where: str,
    create_only: bool = False,
) -> tuple[models.Model, str]:
    """Create or update one row; save only if a value differs, so re-runs write nothing."""
    instance = model.objects.filter(**lookup).first()
    outcome = "unchanged"
    if instance is None:
        instance = model(**lookup, **values)
        outcome = "created"
    elif not create_only:
        for name, value in values.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                outcome = "updated"
    if outcome != "unchanged":
        try:
            instance.full_clean()
        except ValidationError as error:
            raise SeedDataError(f"{where}: {_format_errors(error)}") from error
        instance.save()
    return instance, outcome


def _format_errors(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.message_dict.items())
    return " ".join(error.messages)


def _set_m2m(instance: models.Model, name: str, targets: list[models.Model]) -> bool:
    manager = getattr(instance, name)
    wanted = {obj.pk for obj in targets}
    if set(manager.values_list("pk", flat=True)) == wanted:
        return False
    manager.set(targets)
    return True


def _slugs(record: dict[str, Any], key: str, known: dict[str, models.Model], where: str):
    value = record.get(key) or []
    if isinstance(value, str):
        value = [value]
    unknown = [slug for slug in value if slug not in known]
    if unknown:
        raise SeedDataError(
            f"{where}: unknown {key} {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}."
        )
    return [known[slug] for slug in value]


@transaction.atomic
def catalogue_seed(*, data_dir: Path, create_only: bool = False) -> SeedReport:
    """Load documents, themes, actors, instruments, recommendations and states; add missing cells.

    Idempotent: a record whose data has not changed is not saved (and so writes no history row).
    Records present in the database but gone from the files are reported, never deleted, because
    logged follow-up may point at them. Progress updates are never touched. Any error rolls the
    whole run back. ``create_only`` adds what is missing and leaves existing records as they
    are, so edits made in the admin survive (``make run`` seeds this way).
    """
    report = SeedReport()
    by_slug: dict[type[models.Model], dict[str, models.Model]] = {}

    for filename, model, fields in REFERENCE_FILES:
        label = model._meta.verbose_name_plural
        report.counts.setdefault(label, Counter())
        known: dict[str, models.Model] = {}
        for order, record in enumerate(_read_yaml(data_dir / filename), start=1):
            slug = str(record.get("slug", "")).strip()
            where = f"{filename}, record {order} ({slug or 'no slug'})"
            if not slug:
                raise SeedDataError(f"{where}: every record needs a slug.")
            if slug in known:
                raise SeedDataError(f"{where}: slug {slug!r} appears twice.")
            values = {name: record.get(name, "") or "" for name in fields}
            values["order"] = order
            instance, outcome = _upsert(
                model, lookup={"slug": slug}, values=values, where=where, create_only=create_only
            )
            known[slug] = instance
            report.record(label, outcome)
        by_slug[model] = known

    report.counts.setdefault("recommendations", Counter())
    codes: set[str] = set()
    for order, record in enumerate(_read_yaml(data_dir / "recommendations.yaml"), start=1):
        code = str(record.get("code", "")).strip()
        where = f"recommendations.yaml, {code or f'record {order}'}"
        if not code:
            raise SeedDataError(f"{where}: every recommendation needs a code.")
        if code in codes:
            raise SeedDataError(f"{where}: code {code} appears twice.")
        codes.add(code)
        documents = _slugs(record, "source_document", by_slug[SourceDocument], where)
        themes = _slugs(record, "themes", by_slug[Theme], where)
        actors = _slugs(record, "actors", by_slug[Actor], where)
        instruments = _slugs(record, "instruments", by_slug[Instrument], where)
        if len(documents) != 1:
            raise SeedDataError(f"{where}: name exactly one source_document.")
        if not themes or not actors:
            raise SeedDataError(f"{where}: every recommendation needs a theme and an actor.")
        values = {name: str(record.get(name) or "").strip() for name in RECOMMENDATION_FIELDS}
        values.update(source_document=documents[0], order=order)
        recommendation, outcome = _upsert(
            Recommendation,
            lookup={"code": code},
            values=values,
            where=where,
            create_only=create_only,
        )
        m2m_changed = (
            []
            if create_only and outcome == "unchanged"
            else [
                _set_m2m(recommendation, "themes", themes),
                _set_m2m(recommendation, "actors", actors),
                _set_m2m(recommendation, "instruments", instruments),
            ]
        )
        if outcome == "unchanged" and any(m2m_changed):
            outcome = "updated"
        report.record("recommendations", outcome)

    report.counts.setdefault("member states", Counter())
    isos: set[str] = set()
    for line, row in enumerate(_read_csv(data_dir / "member_states.csv"), start=2):
        iso3 = row.get("iso3", "")
        where = f"member_states.csv, line {line} ({iso3 or 'no iso3'})"
        if iso3 in isos:
            raise SeedDataError(f"{where}: iso3 {iso3} appears twice.")
        isos.add(iso3)
        values = {name: row.get(name, "") for name in STATE_FIELDS}
        _, outcome = _upsert(
            MemberState,
            lookup={"iso3": iso3},
            values=values,
            where=where,
            create_only=create_only,
        )
        report.record("member states", outcome)

    report.not_in_files = {
        label: sorted(keys)
        for label, keys in (
            ("recommendations", set(Recommendation.objects.values_list("code", flat=True)) - codes),
            ("member states", set(MemberState.objects.values_list("iso3", flat=True)) - isos),
        )
        if keys
    }
    report.cells_created = cells_ensure_grid()
    return report


def cells_ensure_grid() -> int:
    """Create the missing follow-up cells, one per recommendation x state. Returns how many."""
    existing = set(Cell.objects.values_list("recommendation_id", "state_id"))
    state_ids = list(MemberState.objects.values_list("pk", flat=True))
    missing = [
        Cell(recommendation_id=rec_id, state_id=state_id)
        for rec_id in Recommendation.objects.values_list("pk", flat=True)
        for state_id in state_ids
        if (rec_id, state_id) not in existing
    ]
    bulk_create_with_history(missing, Cell, batch_size=1000)
    return len(missing)


# --------------------------------------------------------------------------------------------
# Current status
# --------------------------------------------------------------------------------------------


def cell_refresh_status(*, cell: Cell) -> Cell:
    """Set the cell's current status from its latest approved update, by effective date.

    Creation time, then id, break ties between updates that took effect the same day. With no
    approved update the cell goes back to "no information". The caller holds the transaction
    and, where the database has it, a row lock on the cell (see ``update_approve``).
    """
    latest = ProgressUpdate.objects.approved().filter(cell=cell).latest_first().first()
    cell.current_update = latest
    cell.current_status = latest.status if latest else Status.NO_INFORMATION
    cell.status_date = latest.effective_date if latest else None
    cell.save(update_fields=["current_update", "current_status", "status_date", "updated_at"])
    cell_year_counts_rebuild(cells=Cell.objects.filter(pk=cell.pk))
    return cell


def cell_year_counts_rebuild(*, cells: models.QuerySet | None = None) -> None:
    """Rewrite the cells' yearly counts (every cell's when None) from their approved updates:
    part of refreshing a cell's status, and of restoring a backup (the counts are derived, so
    they are recomputed from the restored log rather than trusted)."""
    counts = CellYearCount.objects.all()
    log = ProgressUpdate.objects.approved()
    if cells is not None:
        counts = counts.filter(cell__in=cells)
        log = log.filter(cell__in=cells)
    counts.delete()
    rows = (
        log.annotate(year=ExtractYear("effective_date"))
        .values_list("cell_id", "year", "status")
        .annotate(n=Count("id"))
        .order_by()
        .iterator(chunk_size=5_000)
    )
    while batch := list(itertools.islice(rows, 5_000)):  # bounded memory at any log size
        CellYearCount.objects.bulk_create(
            CellYearCount(cell_id=cell, year=year, status=status, updates=n)
            for cell, year, status, n in batch
        )


def cells_refresh_all() -> int:
    """Recompute every cell's current status and yearly counts set-wise, by the same rule as
    ``cell_refresh_status`` (for bulk loads such as demo data, and repairs). Returns the
    number of cells."""
    latest = ProgressUpdate.objects.approved().filter(cell=OuterRef("pk")).latest_first()
    with transaction.atomic():
        Cell.objects.update(current_update=Subquery(latest.values("pk")[:1]))
        current = ProgressUpdate.objects.filter(pk=OuterRef("current_update"))
        cells = Cell.objects.update(
            current_status=Coalesce(
                Subquery(current.values("status")[:1]), Value(Status.NO_INFORMATION.value)
            ),
            status_date=Subquery(current.values("effective_date")[:1]),
            updated_at=timezone.now(),
        )
        cell_year_counts_rebuild()
    return cells


# --------------------------------------------------------------------------------------------
# The review workflow: log, edit, submit, approve, return, withdraw
# --------------------------------------------------------------------------------------------


class WorkflowError(Exception):
    """A workflow rule refused the action; the message says which, in words a person can act on."""


REVIEW_PERMISSION = "recommendations.review_progressupdate"
EDITABLE_FIELDS = ["status", "effective_date", "narrative", "evidence", "source"]


def cell_for(*, recommendation: Recommendation, state: MemberState) -> Cell:
    """The cell of a recommendation x state, created if the grid lacks it (a race-safe get)."""
    cell, _ = Cell.objects.get_or_create(recommendation=recommendation, state=state)
    return cell


def _check_can_log(*, user, cell: Cell) -> None:
    if not MemberState.objects.loggable_by(user).filter(pk=cell.state_id).exists():
        if not user.has_perm("recommendations.add_progressupdate"):
            raise WorkflowError("Only editors may log progress updates.")
        raise WorkflowError(
            f"You may not log updates for {cell.state.name}: it is outside the Member States "
            "assigned to you."
        )


def _save(update: ProgressUpdate, *, user, reason: str) -> ProgressUpdate:
    """Validate and save, recording who did it and why in the update's history."""
    update.full_clean()
    update._history_user = user
    update._change_reason = reason
    update.save()
    return update


@transaction.atomic
def update_log(
    *,
    author,
    recommendation: Recommendation,
    state: MemberState,
    status: str,
    effective_date,
    narrative: str,
    source: str,
    evidence: str = "",
    submit: bool = False,
) -> ProgressUpdate:
    """An editor logs a new update, as a draft or straight into review."""
    cell = cell_for(recommendation=recommendation, state=state)
    _check_can_log(user=author, cell=cell)
    update = ProgressUpdate(
        cell=cell,
        status=status,
        effective_date=effective_date,
        narrative=narrative,
        evidence=evidence,
        source=source,
        reported_by=author,
    )
    if submit:
        update.review_state = ReviewState.SUBMITTED
        update.submitted_at = timezone.now()
    return _save(update, user=author, reason="submitted" if submit else "logged as draft")


def _locked(update: ProgressUpdate) -> ProgressUpdate:
    """Re-read the update under a row lock (its row only), so two people acting at once see
    each other's work."""
    return (
        ProgressUpdate.objects.select_for_update(of=("self",))
        .select_related("cell__state", "cell__recommendation")
        .get(pk=update.pk)
    )


def _locked_with_cell(update: ProgressUpdate) -> tuple[ProgressUpdate, Cell]:
    """Lock the update's cell, then the update: the same order on every path, so concurrent
    reviews of one cell queue instead of deadlocking. The cell is read from the database, not
    from the caller's copy, which may predate an edit that moved the update to another cell."""
    cell_id = ProgressUpdate.objects.filter(pk=update.pk).values("cell_id")
    cell = Cell.objects.select_for_update().get(pk__in=cell_id)
    update = _locked(update)
    if update.cell_id != cell.pk:
        raise WorkflowError(f"Update #{update.pk} changed meanwhile; reload it and try again.")
    return update, cell


@transaction.atomic
def update_edit(
    *,
    update: ProgressUpdate,
    author,
    submit: bool = False,
    recommendation: Recommendation | None = None,
    state: MemberState | None = None,
    **changes,
) -> ProgressUpdate:
    """The author changes a draft or returned update (its cell too), and may (re)submit it."""
    update = _locked(update)
    if update.reported_by_id != author.pk:
        raise WorkflowError("Only the author of an update may edit it.")
    if not update.is_editable:
        raise WorkflowError(
            f"This update is {update.get_review_state_display().lower()} and can no longer be "
            "edited. Log a new update to correct it."
        )
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise WorkflowError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    if recommendation or state:
        update.cell = cell_for(
            recommendation=recommendation or update.cell.recommendation,
            state=state or update.cell.state,
        )
    for name, value in changes.items():
        setattr(update, name, value)
    _check_can_log(user=author, cell=update.cell)
    if submit:
        update.review_state = ReviewState.SUBMITTED
        update.submitted_at = timezone.now()
    return _save(update, user=author, reason="resubmitted" if submit else "edited")


@transaction.atomic
def update_submit(*, update: ProgressUpdate, author) -> ProgressUpdate:
    return update_edit(update=update, author=author, submit=True)


def _check_reviewer(*, update: ProgressUpdate, reviewer) -> None:
    if not reviewer.has_perm(REVIEW_PERMISSION):
        raise WorkflowError("Only reviewers may approve or return updates.")
    if update.review_state != ReviewState.SUBMITTED:
        raise WorkflowError(
            f"Update #{update.pk} is {update.get_review_state_display().lower()}, not awaiting "
            "review."
        )
    if update.reported_by_id == reviewer.pk:
        raise WorkflowError(
            f"You wrote update #{update.pk}: another reviewer must approve or return it "
            "(four-eyes rule)."
        )


@transaction.atomic
def update_approve(*, update: ProgressUpdate, reviewer, comment: str = "") -> ProgressUpdate:
    """A second person approves a submitted update; the cell's current status follows.

    The cell is locked first, then the update, in the same order on every path, so two reviewers
    approving updates of one cell at once serialise instead of overwriting each other's status.
    """
    update, cell = _locked_with_cell(update)
    _check_reviewer(update=update, reviewer=reviewer)
    update.review_state = ReviewState.APPROVED
    update.reviewed_by = reviewer
    update.reviewed_at = timezone.now()
    update.review_comment = comment.strip()
    _save(update, user=reviewer, reason="approved")
    cell._history_user = reviewer
    cell_refresh_status(cell=cell)
    _notify_author(update, "approved")
    return update


@transaction.atomic
def update_return(*, update: ProgressUpdate, reviewer, comment: str) -> ProgressUpdate:
    """A reviewer sends a submitted update back to its author, saying why."""
    update = _locked(update)
    _check_reviewer(update=update, reviewer=reviewer)
    if not comment.strip():
        raise WorkflowError("Say why the update is returned, so its author can correct it.")
    update.review_state = ReviewState.RETURNED
    update.reviewed_by = reviewer
    update.reviewed_at = timezone.now()
    update.review_comment = comment.strip()
    _save(update, user=reviewer, reason="returned to author")
    _notify_author(update, "returned")
    return update


@transaction.atomic
def update_withdraw(*, update: ProgressUpdate, user, reason: str) -> ProgressUpdate:
    """A superuser withdraws an approved update, with a reason; the row is kept, the status
    recomputed."""
    if not user.is_superuser:
        raise WorkflowError("Only an administrator may withdraw an approved update.")
    update, cell = _locked_with_cell(update)
    if update.review_state != ReviewState.APPROVED:
        raise WorkflowError(
            f"Update #{update.pk} is not approved; only approved updates are withdrawn."
        )
    if not reason.strip():
        raise WorkflowError("Give the reason for withdrawing the update.")
    update.review_state = ReviewState.WITHDRAWN
    update.withdrawn_by = user
    update.withdrawn_at = timezone.now()
    update.withdrawal_reason = reason.strip()
    _save(update, user=user, reason="withdrawn")
    cell._history_user = user
    cell_refresh_status(cell=cell)
    return update


def _notify_author(update: ProgressUpdate, outcome: str) -> None:
    """E-mail the author once the transaction has committed (never for a rolled-back review)."""
    author = update.reported_by
    if not author.email:
        return
    cell = update.cell
    subject = f"Your update on {cell.recommendation.code} / {cell.state.name} was {outcome}"
    lines = [
        f"Your progress update #{update.pk} ({update.get_status_display()}, effective "
        f"{update.effective_date:%d %B %Y}) was {outcome} by {update.reviewed_by}.",
    ]
    if update.review_comment:
        lines += ["", "Reviewer's comment:", update.review_comment]
    if outcome == "returned":
        lines += ["", "You can correct it and submit it again from My updates."]
    body = "\n".join(lines)

    def send() -> None:
        try:
            send_mail(subject, body, None, [author.email])
        except Exception:  # a mail outage must not undo or block a review that has committed
            logger.exception("Could not e-mail %s about update #%s", author.email, update.pk)

    transaction.on_commit(send)


# --------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------


EDITORS = "Editors"
REVIEWERS = "Reviewers"
ROLE_PERMISSIONS = {
    EDITORS: ["add_progressupdate"],
    REVIEWERS: [
        "view_progressupdate",
        "review_progressupdate",
        "view_cell",
        "view_recommendation",
        "view_memberstate",
    ],
}


@transaction.atomic
def roles_seed() -> list[str]:
    """Create the Editors and Reviewers groups with exactly their permissions. Idempotent."""
    from django.contrib.auth.models import Group, Permission

    changed = []
    for name, codenames in ROLE_PERMISSIONS.items():
        group, created = Group.objects.get_or_create(name=name)
        wanted = set(
            Permission.objects.filter(
                content_type__app_label="recommendations", codename__in=codenames
            )
        )
        if len(wanted) != len(codenames):
            raise SeedDataError(f"Permissions missing for {name}: run migrate first.")
        if created or set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
            changed.append(name)
    return changed


@transaction.atomic
def dev_logins_create(*, password_factory) -> list[tuple[str, str, str]]:
    """Create the development logins; returns (username, password, role) for each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    roles_seed()
    User = get_user_model()
    logins = []
    admin_password = password_factory()
    User.objects.create_superuser(
        username="admin", email="admin@localhost", password=admin_password
    )
    logins.append(("admin", admin_password, "administrator (superuser)"))
    for username, group, is_staff, role in [
        ("editor", EDITORS, False, "editor: logs updates for any state"),
        ("reviewer", REVIEWERS, True, "reviewer: approves in the admin"),
    ]:
        password = password_factory()
        user = User.objects.create_user(
            username=username, email=f"{username}@localhost", password=password, is_staff=is_staff
        )
        user.groups.add(Group.objects.get(name=group))
        logins.append((username, password, role))
    return logins
