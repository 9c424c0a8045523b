"""Progress updates: the log of what each state did, reviewed before it counts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import permissions
from .cells import Cell, CellQuerySet
from .choices import AssessmentSource, ReviewState, Status, choice_label
from .imports import ImportBatch

# Effective dates start with the United Nations: anything earlier is a typing error (year 1, say)
# that would stretch every chart over two thousand years.
EFFECTIVE_DATE_MIN = datetime.date(1945, 1, 1)


def validate_effective_date(value: datetime.date) -> None:
    """An effective date lies between 1945 and today (the database checks the lower bound)."""
    if value < EFFECTIVE_DATE_MIN:
        raise ValidationError(
            _("The date a status took effect cannot be before %(min)s."),
            params={"min": EFFECTIVE_DATE_MIN.year},
            code="effective_date_too_early",
        )
    if value > timezone.localdate():
        raise ValidationError(
            _("The date a status took effect cannot be in the future."),
            code="effective_date_in_future",
        )


# The order that decides a cell's current status: effective date, then creation time, then id.
LATEST_FIRST = ("-effective_date", "-created_at", "-id")


def previous_status() -> Coalesce:
    """The status a cell had before the outer update, by the current status's order: its
    approved update just before it (effective date, then creation time, then id), else "no
    information". Written as the log's cursor is, so that the date's bound alone is a range of
    the ``update_cell_latest`` index walked down from the outer update's place."""
    earlier = (
        ProgressUpdate.objects.approved()
        .filter(cell=OuterRef("cell"), effective_date__lte=OuterRef("effective_date"))
        .filter(
            Q(effective_date__lt=OuterRef("effective_date"))
            | Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by(*LATEST_FIRST)
    )
    return Coalesce(
        Subquery(earlier.values("status")[:1]),
        Value(Status.NO_INFORMATION.value),
        output_field=models.CharField(),
    )


class ProgressUpdateQuerySet(models.QuerySet):
    def approved(self) -> ProgressUpdateQuerySet:
        return self.filter(review_state=ReviewState.APPROVED)

    def visible_to(self, user) -> ProgressUpdateQuerySet:
        """The updates the user may see (the rule is in ``permissions``): approved ones for
        everybody, a draft for its author alone."""
        return self.filter(permissions.visible_updates(user))

    def awaiting_review(self) -> ProgressUpdateQuerySet:
        return self.filter(review_state=ReviewState.SUBMITTED)

    def by_author(self, user) -> ProgressUpdateQuerySet:
        return self.filter(reported_by=user)

    def returned(self) -> ProgressUpdateQuerySet:
        """Returned to their author: waiting for a correction."""
        return self.filter(review_state=ReviewState.RETURNED)

    def review_queue(self, user) -> ProgressUpdateQuerySet:
        """What waits for this reviewer: submitted updates they did not write (four-eyes), the
        longest waiting first."""
        return self.awaiting_review().exclude(reported_by=user).order_by("submitted_at", "id")

    def latest_first(self) -> ProgressUpdateQuerySet:
        return self.order_by(*LATEST_FIRST)

    def with_cells(self) -> ProgressUpdateQuerySet:
        """With each update's state and recommendation, for lists that name no one (the public
        log, the timelines): on PostgreSQL each join more lengthens the planning, 13 ms of a
        timeline's 18 with the authors' two."""
        return self.select_related("cell__recommendation", "cell__state")

    def for_listing(self) -> ProgressUpdateQuerySet:
        return self.select_related(
            "cell__recommendation", "cell__state", "reported_by", "reviewed_by"
        )

    def approved_within(self, since: datetime.date, until: datetime.date) -> ProgressUpdateQuerySet:
        """Approved updates whose approval fell on a day from ``since`` to ``until``, both
        included, as days of the site's time zone: an approval at 23:59 on ``until`` counts.
        One range of the (review state, reviewed at, id) index."""
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min)
        )
        return self.approved().filter(reviewed_at__gte=start, reviewed_at__lt=end)

    def newest_approval_first(self) -> ProgressUpdateQuerySet:
        return self.order_by("-reviewed_at", "-id")

    def with_previous_status(self) -> ProgressUpdateQuerySet:
        """``previous_status``: the status of the cell before each update, as the headline rule
        reads the log now: the approved update just before it by effective date, creation time
        and id ("no information" when there is none). A withdrawn or unapproved update is no
        step. One probe of the (cell, review state, effective date, created, id) index a row."""
        return self.annotate(previous_status=previous_status())

    def status_changes(self) -> ProgressUpdateQuerySet:
        """What "What changed" lists: approved updates, with the cell's status before each,
        their cell's recommendation and state, the newest approval first."""
        return (
            self.approved()
            .select_related("cell__recommendation", "cell__state")
            .defer("narrative", "evidence", "review_comment", "withdrawal_reason")
            .with_previous_status()
            .newest_approval_first()
        )

    def timeline(
        self,
        cells: CellQuerySet,
        size: int = 20,
        as_of: datetime.date | None = None,
        *,
        dates: list[datetime.date | None] | None = None,
    ) -> ProgressUpdateQuerySet:
        """The newest ``size`` approved updates of the cells, for a recommendation's or a
        state's page; with ``as_of``, the newest that took effect on or before that day. A
        cell's status date is its newest approved update's date (on that day: ``Cell.objects
        .as_of``), so at least ``size`` approved updates are as recent as the ``size``-th
        newest status date: the database sorts only those, not the cells' whole history
        (27,000 to 33,000 rows for one recommendation of the demo history at a million
        updates). ``dates``: every cell's status date on that day, already read by the page
        (``Cell.shown_date``): that floor is then taken from them, not read again."""
        if dates is None:
            floor = Coalesce(
                Subquery(
                    cells.as_of(as_of)
                    .exclude(status_date_on=None)
                    .order_by("-status_date_on")
                    .values("status_date_on")[size - 1 : size]
                ),
                Value(datetime.date.min),
            )
        else:
            newest = sorted((date for date in dates if date is not None), reverse=True)
            floor = newest[size - 1] if len(newest) >= size else datetime.date.min
        shown = self.approved().filter(cell__in=cells.values("pk"), effective_date__gte=floor)
        if as_of is not None:
            shown = shown.filter(effective_date__lte=as_of)
        return shown.with_cells().latest_first()[:size]


def validate_evidence_links(value: str) -> None:
    """Evidence is one http(s) URL per line; every line must be a valid URL."""
    check = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(value.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            check(line)
        except ValidationError:
            raise ValidationError(
                _("Line %(number)s is not a valid http(s) URL: %(line)s"),
                params={"number": number, "line": line[:200]},
                code="invalid_evidence_url",
            ) from None


class ProgressUpdate(models.Model):
    """A log entry against a follow-up cell. It counts only once a reviewer has approved it."""

    cell = models.ForeignKey(
        Cell, on_delete=models.PROTECT, related_name="updates", verbose_name=_("cell")
    )
    status = models.CharField(_("status"), max_length=30, choices=Status.choices)
    effective_date = models.DateField(
        _("effective date"),
        help_text=_("The date the status took effect."),
        validators=[validate_effective_date],
    )
    # TextField's max_length only sizes the widget; the validators make full_clean enforce it.
    narrative = models.TextField(
        _("narrative"), max_length=10_000, validators=[MaxLengthValidator(10_000)]
    )
    evidence = models.TextField(
        _("evidence"),
        blank=True,
        max_length=5_000,
        validators=[MaxLengthValidator(5_000), validate_evidence_links],
        help_text=_("Links to evidence, one http(s) URL per line."),
    )
    source = models.CharField(
        _("source of the assessment"), max_length=30, choices=AssessmentSource.choices
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="progress_updates",
        verbose_name=_("reported by"),
    )
    review_state = models.CharField(
        _("review state"), max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_updates",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(
        _("review comment"), blank=True, max_length=2_000, validators=[MaxLengthValidator(2_000)]
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawn_updates",
        verbose_name=_("withdrawn by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(
        _("withdrawal reason"),
        blank=True,
        max_length=2_000,
        validators=[MaxLengthValidator(2_000)],
    )
    # Imported updates: the batch they came in with, and the source system's own id of the row
    # when it had one (a re-import recognises the row by it; blank otherwise).
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name=_("import batch"),
    )
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        blank=True,
        help_text=_("The row's id in the system it was imported from."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Named here: django-simple-history would otherwise read the lazy names at import time.
    history = HistoricalRecords(
        verbose_name=_("historical progress update"),
        verbose_name_plural=_("historical progress updates"),
    )
    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = list(LATEST_FIRST)
        permissions = [
            (
                permissions.codename(permissions.REVIEW),
                "Can approve or return submitted progress updates",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values) & ~Q(status=Status.NO_INFORMATION),
                name="update_status_is_a_reported_status",
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=ReviewState.values), name="update_review_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=AssessmentSource.values), name="update_source_valid"
            ),
            # A withdrawn update keeps its date as it was logged (nothing is edited in place);
            # withdrawing is how an administrator takes a mistyped approved date out of count.
            models.CheckConstraint(
                condition=Q(effective_date__gte=EFFECTIVE_DATE_MIN)
                | Q(review_state=ReviewState.WITHDRAWN),
                name="update_effective_date_from_1945",
            ),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.APPROVED)
                | (Q(reviewed_by__isnull=False) & Q(reviewed_at__isnull=False)),
                name="approved_update_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(review_state=ReviewState.APPROVED)
                | ~Q(reviewed_by=models.F("reported_by")),
                name="approved_update_four_eyes",
            ),
        ]
        indexes = [
            # Current status: the latest approved update of a cell, read from the top. It ends
            # with the id, as the order does: were only the log's index (below) to end so,
            # SQLite would walk the whole approved log for each cell's latest update. The status
            # after it answers "the status on a date" from the index alone, a cell at a time
            # (Cell.objects.as_of: 32 ms instead of 56 for the 7,410 cells at a million updates).
            models.Index(
                fields=["cell", "review_state", "-effective_date", "-created_at", "-id", "status"],
                name="update_cell_latest",
            ),
            # The public progress log (page and API), newest first, and its date-range filter.
            # The id ends it as it ends the log's order: without it SQLite at a million updates
            # sorted all 880,000 approved ones to return 50 (0.7 s a page).
            # The cell and status after them: a past day's statuses read a stretch of the log
            # (a month at most, ``CellQuerySet.statuses_on``) from this index alone.
            models.Index(
                fields=["review_state", "-effective_date", "-created_at", "-id", "cell", "status"],
                name="update_log",
            ),
            # The log filtered by cells (theme, actor, region, state...), status and dates.
            models.Index(
                fields=["cell", "review_state", "status", "effective_date"],
                name="update_cell_status_date",
            ),
            # A cell's latest approved update from each assessment source.
            models.Index(
                fields=["cell", "review_state", "source", "-effective_date", "-created_at", "-id"],
                name="update_cell_source_latest",
            ),
            # What changed: approved updates by the time they were approved, newest first.
            models.Index(fields=["review_state", "-reviewed_at", "-id"], name="update_approved_at"),
            # The log by status and dates; with the review state after them, the approved updates
            # of part of a year per status from the index alone (the dashboard as of a date: 2 ms
            # instead of 55 for half a year at a million updates).
            models.Index(
                fields=["status", "effective_date", "review_state"], name="update_status_date"
            ),
            models.Index(fields=["source"], name="update_source"),
            # "My updates": its counts and the returned ones; the list, latest changed first.
            models.Index(fields=["reported_by", "review_state"], name="update_author"),
            models.Index(fields=["reported_by", "-updated_at", "-id"], name="update_author_recent"),
            # The admin's "All updates", newest first, whatever the review state: without it the
            # database sorted every update a reviewer may see (190 ms at a million updates).
            models.Index(fields=["-effective_date", "-created_at", "-id"], name="update_latest"),
            # The reviewers' queue, longest waiting first, and its count in the header.
            models.Index(fields=["review_state", "submitted_at", "id"], name="update_review_queue"),
            # A re-import recognises rows by the source system's id.
            models.Index(
                fields=["external_id"],
                name="update_external_id",
                condition=~Q(external_id=""),
            ),
        ]

    def __str__(self) -> str:
        # The date as pages show it (DATE_FORMAT): the admin's titles and breadcrumbs use this.
        return f"{self.cell} {self.get_status_display()} ({date_format(self.effective_date)})"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:update-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        """Only drafts and returned updates change; an approved one is corrected by a new update."""
        return self.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    def get_status_display(self) -> str:
        return choice_label(Status, self.status)

    def get_source_display(self) -> str:
        return choice_label(AssessmentSource, self.source)

    def get_review_state_display(self) -> str:
        return choice_label(ReviewState, self.review_state)

    @property
    def previous_status_enum(self) -> Status:
        """The cell's status before this update (read with ``with_previous_status``)."""
        return Status(self.previous_status)

    @property
    def confirms(self) -> bool:
        """Whether this update repeats the status the cell had before it (``with_previous_status``):
        a confirmation, not a change."""
        return self.previous_status == self.status

    @property
    def evidence_links(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]

    def clean(self) -> None:
        super().clean()
        if self.status == Status.NO_INFORMATION:
            raise ValidationError({"status": gettext("Choose the status the state has reached.")})
        if self.narrative is not None and not self.narrative.strip():
            raise ValidationError({"narrative": gettext("Describe what happened.")})
