"""Editors' imports: upload a spreadsheet, read its preview, confirm it; the list of batches;
the template to fill in. Reviewers open every batch and review it in the admin's queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import DetailView, ListView

from .. import permissions, selectors, services
from ..csv_export import csv_response
from ..forms import ImportConfirmForm, ImportUploadForm, ReviewCommentForm
from ..imports import Plan, template_csv, template_xlsx
from ..models import ImportBatch, ImportState, ReviewState

# The import's columns as the upload form explains them.
COLUMN_HELP = [
    (["recommendation"], gettext_lazy("Required. The recommendation's code, as R01.")),
    (
        ["iso3", "state"],
        gettext_lazy(
            "Required, one of the two. The Member State's ISO3 code (FRA) or its name as the "
            "catalogue spells it."
        ),
    ),
    (
        ["status"],
        gettext_lazy(
            "Required. A status of the scale, as stored (in_progress) or as labelled (In progress)."
        ),
    ),
    (
        ["source"],
        gettext_lazy(
            "Required. The source of the assessment, as stored (government) or as labelled."
        ),
    ),
    (
        ["effective_date"],
        gettext_lazy(
            "Required. 2024-03-15, 15/03/2024 (day first) or a date cell; the year in full."
        ),
    ),
    (["narrative"], gettext_lazy("Required. What happened.")),
    (["evidence"], gettext_lazy("Links to evidence, http(s), separated by spaces.")),
    (
        ["external_id"],
        gettext_lazy(
            "The row's id in the system it comes from, if it has one: a re-import recognises "
            "the row by it."
        ),
    ),
]
# Rows of a report shown on the batch's page; the CSV report has them all.
REPORT_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batches(user):
    # The file's bytes stay in the database: a page about the batch never reads them.
    return ImportBatch.objects.visible_to(user).defer("content").select_related("created_by")


class ImportListView(LoginRequiredMixin, ListView):
    """The upload form (editors) and the batches the user may open, newest first."""

    template_name = "recommendations/imports/import_list.html"
    context_object_name = "batches"
    paginate_by = 25

    def get_queryset(self):
        # The list shows counts, not reports (a report holds up to 15,000 entries).
        return _batches(self.request.user).defer("report")

    def get_context_data(self, **kwargs):
        user = self.request.user
        form = kwargs.pop("form", None)
        if form is None and permissions.may_import(user):
            form = ImportUploadForm()
        return super().get_context_data(
            form=form,
            may_import=bool(permissions.may_import(user)),
            column_help=COLUMN_HELP,
            max_rows=settings.TRACKER_IMPORT_MAX_ROWS,
            max_megabytes=f"{settings.TRACKER_IMPORT_MAX_BYTES / 2**20:g}",
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        answer = permissions.may_import(request.user)
        if not answer:
            raise PermissionDenied(answer.reason)
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.batch_upload(
                    user=request.user,
                    file_name=upload.name,
                    content=upload.read(),
                    sheet=form.cleaned_data["sheet"],
                )
                services.batch_preview_start(batch=batch)
            except services.WorkflowError as error:
                form.add_error("file", str(error))
            else:
                return redirect(batch)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportDetailView(LoginRequiredMixin, DetailView):
    """A batch: its progress while the worker reads or writes it (the page polls), then its
    counts and the report row by row; the importer confirms it here."""

    context_object_name = "batch"

    def get_queryset(self):
        return _batches(self.request.user)

    def get_template_names(self):
        if self.request.htmx:
            return ["recommendations/imports/partials/batch_body.html"]
        return ["recommendations/imports/import_detail.html"]

    def get_context_data(self, **kwargs):
        batch = self.object
        report = batch.report or {}
        # Where the batch's updates stand now (one GROUP BY): the counts move as they are
        # reviewed, in the queue or here.
        review_counts = (
            [
                (state, count)
                for state, count in selectors.review_state_counts(batch.updates)
                if count
            ]
            if batch.state == ImportState.IMPORTED and batch.rows_created
            else []
        )
        kwargs.setdefault("review_form", ReviewCommentForm(auto_id="id_batch_review_%s"))
        return super().get_context_data(
            may_confirm=bool(permissions.may_import(self.request.user, batch)),
            may_review=bool(permissions.may_review(self.request.user)),
            review_answer=permissions.may_review_batch(self.request.user, batch),
            review_counts=review_counts,
            may_cancel=batch.running and permissions.may_cancel_batch(self.request.user, batch),
            waiting=dict(review_counts).get(ReviewState.SUBMITTED, 0),
            confirm_form=ImportConfirmForm(initial={"as_draft": batch.as_draft}),
            rejected=report.get("rejected", [])[:REPORT_SHOWN],
            conflicts=report.get("conflicts", [])[:REPORT_SHOWN],
            present=report.get("present", [])[:REPORT_SHOWN],
            report=report,
            report_shown=REPORT_SHOWN,
            report_kept=Plan.KEPT,
            **kwargs,
        )


class ImportConfirmView(LoginRequiredMixin, View):
    """The importer writes a previewed batch (as submitted updates, or drafts)."""

    def post(self, request, pk):
        batch = get_object_or_404(_batches(request.user), pk=pk)
        form = ImportConfirmForm(request.POST)
        as_draft = form.is_valid() and form.cleaned_data["as_draft"]
        try:
            batch = services.batch_confirm(batch=batch, user=request.user, as_draft=as_draft)
        except services.WorkflowError as error:
            messages.error(request, str(error))
            return redirect(batch)
        if batch.state == ImportState.IMPORTED:
            messages.success(request, _outcome(batch))
        elif batch.problem:
            messages.error(request, batch.problem)
        return redirect(batch)


def _outcome(batch: ImportBatch) -> str:
    if batch.as_draft:
        return ngettext(
            "%(count)s update imported as a draft: submit it from My updates.",
            "%(count)s updates imported as drafts: submit them from My updates.",
            batch.rows_created,
        ) % {"count": batch.rows_created}
    return ngettext(
        "%(count)s update imported and submitted for review.",
        "%(count)s updates imported and submitted for review.",
        batch.rows_created,
    ) % {"count": batch.rows_created}


class ImportCancelView(LoginRequiredMixin, View):
    """Stop waiting for the worker on a batch (see ``services.batch_cancel``)."""

    def post(self, request, pk):
        batch = get_object_or_404(_batches(request.user), pk=pk)
        try:
            services.batch_cancel(batch=batch, user=request.user)
        except services.WorkflowError as error:
            messages.error(request, str(error))
        return redirect(batch)


class ImportReviewView(LoginRequiredMixin, View):
    """A reviewer approves or returns every update of a batch still waiting (not their own)."""

    def post(self, request, pk):
        batch = get_object_or_404(_batches(request.user), pk=pk)
        decision = request.POST.get("decision", "")
        form = ReviewCommentForm(
            request.POST,
            auto_id="id_batch_review_%s",
            required_message=services.RETURN_NEEDS_COMMENT
            if decision == services.imports.RETURN
            else None,
        )
        if not form.is_valid():
            # Said at the field, with what was typed kept: the page again, as a 400.
            detail = ImportDetailView(request=request, kwargs={"pk": pk}, object=batch)
            return TemplateResponse(
                request,
                "recommendations/imports/import_detail.html",
                detail.get_context_data(object=batch, review_form=form),
                status=400,
            )
        comment = form.cleaned_data["comment"]
        try:
            batch = services.batch_review(
                batch=batch, user=request.user, decision=decision, comment=comment
            )
        except services.WorkflowError as error:
            messages.error(request, str(error))
            return redirect(batch)
        if not batch.review_running:
            review = batch.report["reviews"][-1]
            messages.success(request, _review_outcome(review))
            if review["refused"]:
                messages.error(request, _review_refusals(review))
        return redirect(batch)


def _review_outcome(review: dict) -> str:
    count = review["done"]
    if review["decision"] == services.imports.APPROVE:
        return ngettext("%(count)s update approved.", "%(count)s updates approved.", count) % {
            "count": count
        }
    return ngettext(
        "%(count)s update returned to the importer.",
        "%(count)s updates returned to the importer.",
        count,
    ) % {"count": count}


def _review_refusals(review: dict) -> str:
    refused = review["refused"]
    return ngettext(
        "%(count)s update refused: %(reasons)s",
        "%(count)s updates refused: %(reasons)s",
        len(refused),
    ) % {"count": len(refused), "reasons": " ".join(r["reason"] for r in refused[:5])}


class ImportReportView(LoginRequiredMixin, View):
    """The batch's whole report as CSV: one line per rejection, conflict and present row."""

    def get(self, request, pk):
        batch = get_object_or_404(_batches(request.user), pk=pk)
        report = batch.report or {}
        rows = [
            *(
                (r["line"], "rejected", r["column"], r["message"])
                for r in report.get("rejected", [])
            ),
            *(
                (r["line"], "conflict", "external_id", r["external_id"])
                for r in report.get("conflicts", [])
            ),
            *(
                (r["line"], "present", "", r.get("update") or r.get("line_of") or "")
                for r in report.get("present", [])
            ),
        ]
        rows.sort(key=lambda row: row[0])
        return csv_response(
            filename=f"import-{batch.pk}-report.csv",
            header=["line", "outcome", "column", "detail"],
            rows=rows,
        )


def import_template(request, kind: str):
    """The template to fill in: the export's columns, an example row, the allowed values."""
    if kind == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX)
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="progress-updates-template.{kind}"'
    return response
