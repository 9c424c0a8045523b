"""The nouns of the tracker and their invariants.

Reference data (themes, actors, instruments, source documents, recommendations, Member States)
is loaded from ``recommendations/data/`` by ``manage.py seed``. Follow-up is a grid of cells, one
per recommendation x state, each holding its current status; progress updates are the log entries
against a cell. Every write that follows a workflow rule lives in ``services.py``.

Default managers are deliberately unfiltered: the admin, ``dumpdata`` and the backup command must
see every row. Filtered reads are QuerySet methods (``ProgressUpdate.objects.approved()``).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# --------------------------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------------------------


class Status(models.TextChoices):
    """The status scale, in order of progress; ``declined`` stands apart from the scale."""

    NO_INFORMATION = "no_information", _("No information")
    NOT_STARTED = "not_started", _("Not started")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("Partially implemented")
    IMPLEMENTED = "implemented", _("Implemented")
    DECLINED = "declined", _("Declined")

    @property
    def rank(self) -> int:
        """Position on the progress scale; declined ranks -1, below no information."""
        if self is Status.DECLINED:
            return -1
        return list(Status).index(self)

    @property
    def css_class(self) -> str:
        """A Bootstrap-compatible class name; pages always show the label beside the colour."""
        return f"status-{self.value.replace('_', '-')}"


class RegionalGroup(models.TextChoices):
    AFRICAN = "african", _("African Group")
    ASIA_PACIFIC = "asia-pacific", _("Asia-Pacific Group")
    EASTERN_EUROPEAN = "eastern-european", _("Eastern European Group")
    LATIN_AMERICAN_CARIBBEAN = "latin-american-caribbean", _("Latin American and Caribbean Group")
    WESTERN_EUROPEAN_OTHERS = "western-european-others", _("Western European and Others Group")


class Membership(models.TextChoices):
    MEMBER = "member", _("Member State")
    OBSERVER = "observer", _("Non-member observer State")


class AssessmentSource(models.TextChoices):
    GOVERNMENT = "government", _("Government self-report")
    UN_ENTITY = "un_entity", _("UN entity")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    INDEPENDENT_REVIEW = "independent_review", _("Independent review")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned to author")
    # Only a superuser withdraws an approved update, with a reason; the row is kept.
    WITHDRAWN = "withdrawn", _("Withdrawn")


slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and single hyphens."
)

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------


class ReferenceData(models.Model):
    """Common shape of the small lookup tables seeded from data files."""

    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=250, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(ReferenceData):
    """One of the debate's four Ps (prevention, protection, prosecution, partnership)."""

    class Meta(ReferenceData.Meta):
        pass


class Actor(ReferenceData):
    """Who a recommendation asks to act: Member States, UNODC, ICAT, the private sector..."""

    class Meta(ReferenceData.Meta):
        pass


class Instrument(ReferenceData):
    """A legal instrument the texts name, such as the Palermo Protocol."""

    short_name = models.CharField(max_length=60, blank=True)

    class Meta(ReferenceData.Meta):
        pass

    def __str__(self) -> str:
        return self.short_name or self.name


class SourceDocument(models.Model):
    """One of the two seed documents a recommendation cites."""

    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=200)
    short_title = models.CharField(max_length=60)
    date = models.DateField()
    file = models.CharField(max_length=100, blank=True, help_text="File name under shared/seeds/")
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "date"]

    def __str__(self) -> str:
        return self.short_title


class RecommendationQuerySet(models.QuerySet):
    def with_tags(self) -> RecommendationQuerySet:
        """Everything a list page shows, in a constant number of queries."""
        return self.select_related("source_document").prefetch_related(
            "themes", "actors", "instruments"
        )


class Recommendation(models.Model):
    code = models.CharField(
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^R\d{2,3}$", "Codes look like R01, R02, ... R120.")],
    )
    title = models.CharField(max_length=160)
    text = models.TextField(help_text="The ask, in the source document's own terms.")
    source_document = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="recommendations"
    )
    source_reference = models.CharField(
        max_length=160,
        help_text="Summary: paragraph (para. 8). Background paper: section and panel.",
    )
    also_cited = models.CharField(max_length=300, blank=True)
    themes = models.ManyToManyField(Theme, related_name="recommendations")
    actors = models.ManyToManyField(Actor, related_name="recommendations")
    instruments = models.ManyToManyField(Instrument, related_name="recommendations", blank=True)
    instrument_note = models.CharField(max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(m2m_fields=[themes, actors, instruments])
    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_reference=""), name="recommendation_cites_a_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:recommendation-detail", args=[self.code])

    @property
    def citation(self) -> str:
        return f"{self.source_document.short_title}, {self.source_reference}"


class MemberStateQuerySet(models.QuerySet):
    def loggable_by(self, user) -> MemberStateQuerySet:
        """The states a user may log follow-up for: none without the editor's permission, the
        assigned ones where an editor has a scope, every state otherwise."""
        if not user.is_authenticated or not user.has_perm("recommendations.add_progressupdate"):
            return self.none()
        if user.is_superuser:
            return self.all()
        if EditorScope.objects.filter(user=user, states__isnull=False).exists():
            return self.filter(editor_scopes__user=user)
        return self.all()

    def members(self) -> MemberStateQuerySet:
        return self.filter(membership=Membership.MEMBER)

    def observers(self) -> MemberStateQuerySet:
        return self.filter(membership=Membership.OBSERVER)

    def in_region(self, *groups: str) -> MemberStateQuerySet:
        return self.filter(regional_group__in=groups)


class MemberState(models.Model):
    name = models.CharField(max_length=100, unique=True)
    iso3 = models.CharField(
        "ISO 3166-1 alpha-3",
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}$", "Three capital letters, e.g. FRA.")],
    )
    regional_group = models.CharField(max_length=30, choices=RegionalGroup.choices, db_index=True)
    membership = models.CharField(
        max_length=10, choices=Membership.choices, default=Membership.MEMBER, db_index=True
    )

    history = HistoricalRecords()
    objects = MemberStateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(regional_group__in=RegionalGroup.values),
                name="state_regional_group_valid",
            ),
            models.CheckConstraint(
                condition=Q(membership__in=Membership.values), name="state_membership_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("recommendations:state-detail", args=[self.iso3])

    @property
    def region(self) -> RegionalGroup:
        """The group as its enum: ``.label`` is several times cheaper than
        ``get_regional_group_display()``, which rebuilds a dict per call (195 rows a page)."""
        return RegionalGroup(self.regional_group)


# --------------------------------------------------------------------------------------------
# Follow-up
# --------------------------------------------------------------------------------------------


class CellQuerySet(models.QuerySet):
    def for_listing(self) -> CellQuerySet:
        return self.select_related("recommendation", "state")

    def with_status(self, *statuses: str) -> CellQuerySet:
        return self.filter(current_status__in=statuses)

    def in_region(self, *groups: str) -> CellQuerySet:
        return self.filter(state__regional_group__in=groups)


class Cell(models.Model):
    """One cell of the grid: a recommendation x a Member State, holding its current status.

    ``current_status``, ``status_date`` and ``current_update`` are a cache of the latest approved
    progress update (by effective date, creation time breaking ties). Only
    ``services.cell_refresh_status`` writes them, so lists never recompute the status.
    """

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="cells"
    )
    state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="cells")
    current_status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.NO_INFORMATION
    )
    status_date = models.DateField(
        null=True, blank=True, help_text="Effective date of the update that set the current status."
    )
    current_update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CellQuerySet.as_manager()

    class Meta:
        verbose_name = "cell"
        ordering = ["recommendation__order", "state__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "state"], name="one_cell_per_recommendation_and_state"
            ),
            models.CheckConstraint(
                condition=Q(current_status__in=Status.values), name="cell_status_valid"
            ),
        ]
        indexes = [
            # Country profile and dashboard: a state's cells by status.
            models.Index(fields=["state", "current_status"], name="cell_state_status"),
            # Recommendation page and heat map: a recommendation's cells by status.
            models.Index(fields=["recommendation", "current_status"], name="cell_rec_status"),
            models.Index(fields=["current_status"], name="cell_status"),
            # "No update for N months".
            models.Index(fields=["status_date"], name="cell_status_date"),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation.code} / {self.state.iso3}"

    @property
    def status(self) -> Status:
        return Status(self.current_status)


class CellYearCountQuerySet(models.QuerySet):
    def of_cells(self, cells: CellQuerySet) -> CellYearCountQuerySet:
        return self.filter(cell__in=cells.values("pk"))

    def approved_total(self) -> int:
        """Approved updates in all: the sum of the counts, not a count of the whole log."""
        return self.aggregate(n=Sum("updates"))["n"] or 0

    def per_year_and_status(self):
        """Rows of ``year``, ``status`` and ``n`` (approved updates), oldest year first."""
        return self.values("year", "status").annotate(n=Sum("updates")).order_by("year", "status")


class CellYearCount(models.Model):
    """How many approved updates of one cell took effect in one year with one status.

    Derived from the log so that the dashboard's chart of the years sums a few rows per cell
    instead of reading every approved update (1.7 s at a million updates on SQLite, against
    milliseconds here). Written from the approved log only, by the services that refresh a
    cell's status (``cell_refresh_status``, ``cells_refresh_all``) and by a restore
    (``cell_year_counts_rebuild``); ``manage.py refresh_statuses`` repairs data written around
    them.
    """

    cell = models.ForeignKey(Cell, on_delete=models.CASCADE, related_name="year_counts")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=30, choices=Status.choices)
    updates = models.PositiveIntegerField()

    objects = CellYearCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cell", "year", "status"], name="cell_year_status"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="cell_year_count_status_valid"
            ),
            models.CheckConstraint(condition=Q(updates__gt=0), name="cell_year_count_positive"),
        ]
        # The unfiltered chart reads this index alone; filtered ones go through the unique one.
        indexes = [models.Index(fields=["year", "status", "updates"], name="cell_year_totals")]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.year} {self.status}: {self.updates}"


# The order that decides a cell's current status: effective date, then creation time, then id.
LATEST_FIRST = ("-effective_date", "-created_at", "-id")


class ProgressUpdateQuerySet(models.QuerySet):
    def approved(self) -> ProgressUpdateQuerySet:
        return self.filter(review_state=ReviewState.APPROVED)

    def visible_to(self, user) -> ProgressUpdateQuerySet:
        """Approved updates are public; authors see their own; reviewers see everything but
        other people's drafts; administrators see all."""
        if not user.is_authenticated:
            return self.approved()
        if user.is_superuser:
            return self.all()
        visible = Q(review_state=ReviewState.APPROVED) | Q(reported_by=user)
        if user.has_perm("recommendations.review_progressupdate"):
            visible |= ~Q(review_state=ReviewState.DRAFT)
        return self.filter(visible)

    def awaiting_review(self) -> ProgressUpdateQuerySet:
        return self.filter(review_state=ReviewState.SUBMITTED)

    def by_author(self, user) -> ProgressUpdateQuerySet:
        return self.filter(reported_by=user)

    def latest_first(self) -> ProgressUpdateQuerySet:
        return self.order_by(*LATEST_FIRST)

    def for_listing(self) -> ProgressUpdateQuerySet:
        return self.select_related(
            "cell__recommendation", "cell__state", "reported_by", "reviewed_by"
        )

    def timeline(self, cells: CellQuerySet, size: int = 20) -> ProgressUpdateQuerySet:
        """The newest ``size`` approved updates of the cells, for a recommendation's or a
        state's page. A cell's status date is its newest approved update's date, so at least
        ``size`` approved updates are as recent as the ``size``-th newest status date: the
        database sorts only those, not the cells' whole history (27,000 to 33,000 rows
        for one recommendation of the demo history at a million updates)."""
        floor = (
            cells.exclude(status_date=None)
            .order_by("-status_date")
            .values("status_date")[size - 1 : size]
        )
        return (
            self.approved()
            .filter(
                cell__in=cells.values("pk"),
                effective_date__gte=Coalesce(Subquery(floor), Value(datetime.date.min)),
            )
            .for_listing()
            .latest_first()[:size]
        )


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
                "Line %(number)s is not a valid http(s) URL: %(line)s",
                params={"number": number, "line": line[:200]},
                code="invalid_evidence_url",
            ) from None


class ProgressUpdate(models.Model):
    """A log entry against a follow-up cell. It counts only once a reviewer has approved it."""

    cell = models.ForeignKey(
        Cell, on_delete=models.PROTECT, related_name="updates", verbose_name="cell"
    )
    status = models.CharField(max_length=30, choices=Status.choices)
    effective_date = models.DateField(help_text="The date the status took effect.")
    # TextField's max_length only sizes the widget; the validators make full_clean enforce it.
    narrative = models.TextField(max_length=10_000, validators=[MaxLengthValidator(10_000)])
    evidence = models.TextField(
        blank=True,
        max_length=5_000,
        validators=[MaxLengthValidator(5_000), validate_evidence_links],
        help_text="Links to evidence, one http(s) URL per line.",
    )
    source = models.CharField(
        "source of the assessment", max_length=30, choices=AssessmentSource.choices
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="progress_updates"
    )
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, default=ReviewState.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_updates",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(
        blank=True, max_length=2_000, validators=[MaxLengthValidator(2_000)]
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawn_updates",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(
        blank=True, max_length=2_000, validators=[MaxLengthValidator(2_000)]
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ProgressUpdateQuerySet.as_manager()

    class Meta:
        ordering = list(LATEST_FIRST)
        permissions = [
            ("review_progressupdate", "Can approve or return submitted progress updates"),
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
            # Current status: the latest approved update of a cell.
            models.Index(
                fields=["cell", "review_state", "-effective_date", "-created_at"],
                name="update_cell_latest",
            ),
            # The public progress log, newest first, and its date-range filter.
            models.Index(
                fields=["review_state", "-effective_date", "-created_at"], name="update_log"
            ),
            # The log filtered by cells (theme, actor, region, state...), status and dates.
            models.Index(
                fields=["cell", "review_state", "status", "effective_date"],
                name="update_cell_status_date",
            ),
            models.Index(fields=["status", "effective_date"], name="update_status_date"),
            models.Index(fields=["source"], name="update_source"),
            # "My updates".
            models.Index(fields=["reported_by", "review_state"], name="update_author"),
        ]

    def __str__(self) -> str:
        return f"{self.cell} {self.get_status_display()} ({self.effective_date:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:update-detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        """Only drafts and returned updates change; an approved one is corrected by a new update."""
        return self.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def evidence_links(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]

    def clean(self) -> None:
        super().clean()
        if self.effective_date and self.effective_date > timezone.localdate():
            raise ValidationError(
                {"effective_date": "The date a status took effect cannot be in the future."}
            )
        if self.status == Status.NO_INFORMATION:
            raise ValidationError({"status": "Choose the status the state has reached."})
        if self.narrative is not None and not self.narrative.strip():
            raise ValidationError({"narrative": "Describe what happened."})


class EditorScope(models.Model):
    """The Member States an editor may log for, assigned in the admin. No states: any state."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editor_scope"
    )
    states = models.ManyToManyField(MemberState, blank=True, related_name="editor_scopes")

    history = HistoricalRecords(m2m_fields=[states])

    class Meta:
        verbose_name = "editor scope"

    def __str__(self) -> str:
        return f"Scope of {self.user}"
