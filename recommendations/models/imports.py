"""Import batches: one uploaded spreadsheet of progress updates, its preview and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import permissions


class ImportState(models.TextChoices):
    """Where a batch stands: read, checked and shown (previewed), then written once (imported).
    ``queued`` and ``importing`` are the worker's, for files too large for one request."""

    QUEUED = "queued", _("Waiting to be read")
    PREVIEWED = "previewed", _("Previewed, not imported")
    IMPORTING = "importing", _("Importing")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Not readable")


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportBatchQuerySet:
        """The batches the user may open (the rule is in ``permissions``)."""
        return self.filter(permissions.visible_batches(user))


class ImportBatch(models.Model):
    """One uploaded file: who, when, what (name and sha256, the bytes kept for the worker and
    for the record), the counts of its preview and of its import, and the report row by row."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    content = models.BinaryField(_("file"), editable=False)
    # The language the report is written in: the importer's, also when the worker writes it.
    language = models.CharField(_("language"), max_length=10, default="en")
    state = models.CharField(
        _("state"), max_length=20, choices=ImportState.choices, default=ImportState.QUEUED
    )
    as_draft = models.BooleanField(_("imported as drafts"), default=False)
    # A file-level problem that stops the import (unreadable file, missing columns...).
    problem = models.TextField(_("problem"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_new = models.PositiveIntegerField(_("new rows"), default=0)
    rows_present = models.PositiveIntegerField(_("rows already present"), default=0)
    rows_conflict = models.PositiveIntegerField(_("conflicting rows"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rejected rows"), default=0)
    rows_created = models.PositiveIntegerField(_("updates created"), default=0)
    # How far the worker has read, for the progress bar.
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    # A reviewer's decision on the whole batch, being carried out by the worker.
    review_running = models.BooleanField(_("review running"), default=False)
    # {"format", "encoding", "delimiter", "sheet", "columns", "unknown_columns", "ignored_columns",
    #  "rejected": [{"line", "column", "message"}], "present": [{"line", "update", "line_of"}],
    #  "conflicts": [{"line", "external_id", "update"}], "rejections",
    #  "reviews": [{"by", "decision", "done", "refused", "at"}]}
    report = models.JSONField(_("report"), default=dict, blank=True)
    previewed_at = models.DateTimeField(_("previewed at"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="import_batch_author"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values), name="import_batch_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("recommendations:import-detail", args=[self.pk])

    @property
    def running(self) -> bool:
        return self.review_running or self.state in (ImportState.QUEUED, ImportState.IMPORTING)

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
