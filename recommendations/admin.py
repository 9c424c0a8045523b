"""The admin: catalogue management for administrators, and the reviewers' desk. Every "may
they" is asked of ``permissions``; every write goes through ``services``."""

import copy
import datetime
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import permissions
from .forms import ReviewCommentForm
from .models import (
    Actor,
    ApiToken,
    Cell,
    CellYearCount,
    EditorScope,
    ImportBatch,
    ImportState,
    Instrument,
    MemberState,
    ProgressUpdate,
    Recommendation,
    ReviewState,
    SourceDocument,
    Theme,
)
from .services import (
    RETURN_NEEDS_COMMENT,
    WITHDRAWAL_NEEDS_REASON,
    WorkflowError,
    data_version_bump,
    update_approve,
    update_return,
    update_withdraw,
)


class ReadableHistory(HistoricalRecordContextHelper):
    """A history page's changes as the rest of the site writes them: labels rather than stored
    codes, dates and times in the site's format, people by name, a dash for nothing (rather
    than "None" or "Deleted user (pk=None)")."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        if value is None or getattr(value, "pk", False) is None:  # a DeletedObject of no row
            return "—"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value, "DATE_FORMAT")
        if hasattr(value, "get_username"):
            return value.get_username()
        return value


class HistoryAdmin(SimpleHistoryAdmin):
    """History pages show who changed what and when; reverting from them is refused.

    django-simple-history saves a POST to a history page after checking only the view
    permission, which would let a reviewer rewrite an approved update or a cell's status
    behind the services' back.

    django-simple-history puts the ids from the URL straight into a query, so a non-numeric one
    raised a 500; here it is a 404, as on the change page.

    The history shows only what the list shows: an object outside ``get_queryset`` (another
    editor's draft) has no history page, and ``visible_history`` hides versions (a draft
    version of an update now submitted).
    """

    def visible_history(self, request, records):
        return records

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return self.visible_history(request, records)

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        user_admin = self.admin_site._registry.get(User)
        if user_admin is None or not user_admin.has_view_permission(request):
            # The list links each "changed by" to the user's page, which a reviewer may not
            # open (403); a URL name that does not resolve makes it plain text.
            extra_context = {**(extra_context or {}), "admin_user_view": ""}
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        require_valid_pk(history.model, version_id)
        versions = history.filter(**{self.model._meta.pk.attname: unquote(object_id)})
        if not self.visible_history(request, versions).filter(history_id=version_id).exists():
            raise Http404("No such version.")
        if request.method == "POST":
            raise PermissionDenied("Reverting from history is disabled.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _require_visible(self, request, object_id) -> None:
        """404 unless the id is well formed and the object is one the list would show. (Without
        this, django-simple-history falls back to the object's last version.)"""
        require_valid_pk(self.model, object_id)
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404(f"No {self.model._meta.verbose_name} with that id.")


def require_valid_pk(model, value: str) -> None:
    """404 unless the URL segment converts to the model's primary key type."""
    try:
        model._meta.pk.to_python(unquote(value))
    except (ValidationError, ValueError) as error:
        raise Http404(f"No {model._meta.verbose_name} with that id.") from error


class DateBoundedChangeList(ChangeList):
    """The date hierarchy's ?year=/month=/day= parameters, out of range, are an invalid lookup.

    Django checks them only through datetime() and then steps to the next year, month or day,
    which overflows past 9999-12-31 (?effective_date__year=9999 raised a 500). An invalid
    lookup sends the list back to itself with ?e=1, as for any other bad filter.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


DATE_PARTS = tuple(
    f"__{part}"
    for part in ("year", "iso_year", "quarter", "month", "week", "day", "week_day", "iso_week_day")
)


class HostileListQueryMixin:
    """A list's query string answers 4xx, however it is written (see the loop at the end)."""

    def get_changelist(self, request, **kwargs):
        return DateBoundedChangeList

    def response_action(self, request, queryset):
        # Ticked ids go straight into a query: ?_selected_action=abc raised a ValueError, one
        # past the database's integers an OverflowError (500s). Either is a bad request.
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                pk = self.model._meta.pk.to_python(value)
            except (ValidationError, ValueError) as error:
                raise BadRequest("Not an id.") from error
            if isinstance(pk, int) and not -(2**63) <= pk < 2**63:
                raise BadRequest("Not an id.")
        return super().response_action(request, queryset)

    def lookup_allowed(self, lookup, value, request=None):
        # A regular expression from the query string reaches the database unchecked, and an
        # invalid one, ?id__regex=(, fails only when the list is counted (500). No filter or link
        # in the admin writes one, so refusing them (400) costs nothing.
        if lookup.endswith(("__regex", "__iregex")):
            return False
        # Parts of dates come from a date hierarchy alone, which checks them (above); a date
        # range filter on a field lets Django accept ?effective_date__year=0 too, which failed
        # only when the list was counted (500).
        if lookup.endswith(DATE_PARTS) and not lookup.startswith(f"{self.date_hierarchy}__"):
            return False
        return super().lookup_allowed(lookup, value, request)


class PublicDataAdmin:
    """A model the public pages show: every save or delete here moves the data version in the
    admin's transaction, so no cached page outlives the edit (``services.data_version_bump``).
    ``save_related`` comes last in a change form, after the tags (many-to-many) are saved."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data_version_bump()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        data_version_bump()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        data_version_bump()


@admin.register(Theme, Actor)
class ReferenceDataAdmin(PublicDataAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Instrument)
class InstrumentAdmin(ReferenceDataAdmin):
    list_display = ["name", "short_name", "slug", "order"]
    search_fields = ["name", "short_name", "slug"]


@admin.register(SourceDocument)
class SourceDocumentAdmin(PublicDataAdmin, admin.ModelAdmin):
    list_display = ["short_title", "title", "date", "file"]
    search_fields = ["title", "short_title"]


@admin.register(Recommendation)
class RecommendationAdmin(PublicDataAdmin, HistoryAdmin):
    list_display = [
        "code",
        "title",
        "source_document",
        "source_reference",
        "voiced_by",
        "strength",
        "theme_list",
    ]
    list_filter = [
        "source_document",
        "voiced_by",
        "strength",
        "paraphrase",
        "themes",
        "actors",
        "instruments",
    ]
    search_fields = ["code", "title", "text", "source_reference", "voiced_by_note"]
    fieldsets = [
        (None, {"fields": ["code", "title", "text", "paraphrase", "order"]}),
        (
            _("Where it stands"),
            {"fields": ["source_document", "source_reference", "also_cited"]},
        ),
        (_("Who asked, and how strongly"), {"fields": ["voiced_by", "voiced_by_note", "strength"]}),
        (_("Tags"), {"fields": ["themes", "actors", "instruments", "instrument_note"]}),
        (_("Translations"), {"fields": ["translations"]}),
    ]
    filter_horizontal = ["themes", "actors", "instruments"]
    ordering = ["order", "code"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("source_document")
            .prefetch_related("themes")
        )

    @admin.display(description=_("themes"))
    def theme_list(self, obj):
        return ", ".join(theme.label for theme in obj.themes.all())


@admin.register(MemberState)
class MemberStateAdmin(PublicDataAdmin, HistoryAdmin):
    list_display = ["name", "iso3", "regional_group", "membership"]
    list_filter = ["regional_group", "membership"]
    search_fields = ["name", "iso3"]


class CellYearCountInline(admin.TabularInline):
    """The cell's approved updates per year and status (derived, as the dashboard counts them)."""

    model = CellYearCount
    verbose_name_plural = _("Approved updates per year")
    fields = readonly_fields = ["year", "status", "updates"]
    ordering = ["year", "status"]
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        # Derived from the cell's log: whoever may see the cell sees its counts.
        return request.user.has_perm(permissions.VIEW_CELLS)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cell)
class CellAdmin(PublicDataAdmin, HistoryAdmin):
    """Cells are created by the seed and their status by approvals: read-only here."""

    inlines = [CellYearCountInline]

    list_display = ["recommendation", "state", "current_status", "status_date"]
    list_filter = [
        "current_status",
        "state__regional_group",
        "recommendation__themes",
        "recommendation__actors",
    ]
    search_fields = ["recommendation__code", "recommendation__title", "state__name", "state__iso3"]
    list_select_related = ["recommendation", "state"]
    raw_id_fields = ["recommendation", "state", "current_update"]
    readonly_fields = ["recommendation", "state", "current_status", "status_date", "current_update"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewQueueFilter(admin.SimpleListFilter):
    """The reviewers' list opens on what waits for them; "All updates" shows the rest.

    The queue is the default (no ``queue`` in the query string) unless a review state is picked
    in the sidebar, which asks for "All updates" (the queue holds submitted updates only)."""

    title = _("review queue")
    parameter_name = "queue"
    WAITING, ALL = "waiting", "all"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.chosen = queue_choice(request)

    def lookups(self, request, model_admin):
        return [(self.WAITING, _("Waiting for me")), (self.ALL, _("All updates"))]

    def queryset(self, request, queryset):
        if self.value() not in (None, self.WAITING, self.ALL):
            raise IncorrectLookupParameters(f"Unknown queue: {self.value()!r}")
        if self.chosen == self.WAITING:
            return queryset.review_queue(request.user)
        return queryset

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class ImportBatchFilter(admin.SimpleListFilter):
    """The updates of one import batch (``?import_batch=12``, the link on the batch's page):
    with the queue, what of the batch waits for this reviewer; select all, then approve or
    return them with the actions, one service call each."""

    title = _("import batch")
    parameter_name = "import_batch"
    SHOWN = 10

    def lookups(self, request, model_admin):
        batches = list(
            ImportBatch.objects.filter(state=ImportState.IMPORTED, rows_created__gt=0)
            .defer("content", "report")
            .order_by("-created_at", "-id")[: self.SHOWN]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(b.pk) != chosen for b in batches):
            batches += list(ImportBatch.objects.filter(pk=chosen).defer("content", "report"))
        return [(str(batch.pk), str(batch)) for batch in batches]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise IncorrectLookupParameters(f"Not a batch: {value!r}")
        return queryset.filter(import_batch_id=int(value))


def queue_choice(request) -> str | None:
    """``waiting`` or ``all`` for a reviewer's list (see ReviewQueueFilter); None for others."""
    if not permissions.is_reviewer(request.user):
        return None
    chosen = request.GET.get(ReviewQueueFilter.parameter_name)
    if chosen == ReviewQueueFilter.ALL:
        return chosen
    if chosen is None and "review_state__exact" in request.GET:
        return ReviewQueueFilter.ALL
    return ReviewQueueFilter.WAITING


class ReviewQueueChangeList(DateBoundedChangeList):
    """The column headers show the order the list is in: the queue's (longest waiting first)
    when it is shown. Django marks them from ``ordering`` and the model's, not from
    ``get_ordering(request)``."""

    def __init__(self, request, *args, **kwargs):
        self.request = request
        super().__init__(request, *args, **kwargs)

    def _get_default_ordering(self):
        return self.model_admin.get_ordering(self.request) or super()._get_default_ordering()


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HostileListQueryMixin, HistoryAdmin):
    """The reviewers' desk: the queue of submitted updates, oldest first; on an update's page,
    Approve or Return to author, then on to the next one. Bulk actions do the same for many.

    Nothing here edits or deletes an update: the form is read-only and every review calls the
    workflow service, which enforces four-eyes, locking and the current-status rule.
    """

    # What a reviewer picks an update by, in short columns: the list and its sidebar filter
    # fit a 1280 px window in all six languages (the update's page has the rest: its id, the
    # date the status took effect, the narrative and evidence).
    list_display = [
        "state_name",
        "recommendation_code",
        "status",
        "source_name",
        "author",
        "submitted_on",
        "review_state_note",
    ]
    list_display_links = ["state_name"]
    list_filter = [
        ReviewQueueFilter,
        ImportBatchFilter,
        "review_state",
        "status",
        "source",
        # Not a date hierarchy: drawing one lists the distinct years of the whole list (1.8 s
        # of every "All updates" page at a million updates); these ranges cost nothing.
        ("effective_date", admin.DateFieldListFilter),
        # Every theme, actor and state, not only those with updates: "related only" asks the
        # whole log for its distinct values on every page (0.9 s at a million updates once the
        # list hides other people's drafts from everybody).
        "cell__recommendation__themes",
        "cell__recommendation__actors",
        "cell__state__regional_group",
        "cell__state",
    ]
    search_fields = [
        "narrative",
        "evidence",
        "cell__state__name",
        "=cell__recommendation__code",
    ]
    list_select_related = ["cell__recommendation", "cell__state", "reported_by"]
    actions = ["approve", "return_to_author", "withdraw"]
    list_per_page = 50
    # The filtered count is shown; the unfiltered total beside it would count the whole log.
    show_full_result_count = False
    # Django links every foreign key on the read-only page, whether or not the viewer may open
    # the page behind it (a reviewer may not view users: "Reported by" answered 403). So the
    # links are drawn only for viewers who may follow them (get_fields); others read names.
    USER_FIELDS = {
        "reported_by": "reported_by_name",
        "reviewed_by": "reviewed_by_name",
        "withdrawn_by": "withdrawn_by_name",
    }

    def get_queryset(self, request):
        # "yours" in a row: the viewer's own submitted updates wait for another reviewer.
        return (
            super()
            .get_queryset(request)
            .visible_to(request.user)
            .annotate(
                written_by_viewer=ExpressionWrapper(
                    Q(reported_by_id=request.user.pk), output_field=BooleanField()
                )
            )
        )

    def get_changelist(self, request, **kwargs):
        return ReviewQueueChangeList

    def changelist_view(self, request, extra_context=None):
        # The site's navigation sidebar and the list's filters together left the table too
        # little of a 1280 px window: the columns a reviewer reads scrolled out of sight. The
        # breadcrumbs still lead everywhere.
        return super().changelist_view(
            request, {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        )

    def get_list_filter(self, request):
        if queue_choice(request) is None:
            return [f for f in self.list_filter if f is not ReviewQueueFilter]
        return self.list_filter

    def get_ordering(self, request):
        if queue_choice(request) == ReviewQueueFilter.WAITING:
            return ["submitted_at", "id"]  # the longest waiting first, as review_queue orders
        return super().get_ordering(request)

    def visible_history(self, request, records):
        # Versions carry the review state they had: a draft version is its author's alone.
        return records.filter(permissions.visible_updates(request.user))

    def get_fields(self, request, obj=None):
        may_view_users = self._may_view(request, User)
        fields = []
        for field in self.model._meta.fields:
            name = field.name
            if name == "id":
                continue
            if name in self.USER_FIELDS and not may_view_users:
                name = self.USER_FIELDS[name]
            elif name == "cell" and not self._may_view(request, Cell):
                name = "cell_name"
            elif name == "evidence":
                name = "evidence_links"
            fields.append(name)
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def _may_view(self, request, model) -> bool:
        model_admin = self.admin_site._registry.get(model)
        return model_admin is not None and model_admin.has_view_permission(request)

    def has_add_permission(self, request):
        return False  # updates are logged at /updates/new/, through the workflow

    def has_change_permission(self, request, obj=None):
        return False  # corrections are new updates; reviews are the actions below

    def has_delete_permission(self, request, obj=None):
        return False  # nothing logged is ever deleted; an administrator withdraws instead

    def has_review_permission(self, request):
        return bool(permissions.may_review(request.user))

    def has_withdraw_permission(self, request):
        return bool(permissions.may_withdraw(request.user))

    # ----------------------------------------------------------------------------------------
    # Columns and read-only fields
    # ----------------------------------------------------------------------------------------

    @admin.display(description=_("Member State"), ordering="cell__state__name")
    def state_name(self, obj):
        return obj.cell.state.label

    @admin.display(description=_("recommendation"), ordering="cell__recommendation__order")
    def recommendation_code(self, obj):
        return obj.cell.recommendation.code

    @admin.display(description=_("source"), ordering="source")
    def source_name(self, obj):
        return obj.get_source_display()  # under a short heading: the column is narrow

    @admin.display(description=_("author"), ordering="reported_by__username")
    def author(self, obj):
        return obj.reported_by.get_username()

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_on(self, obj):
        if obj.submitted_at is None:
            return None
        return date_format(timezone.localtime(obj.submitted_at), "DATE_FORMAT")

    @admin.display(description=_("review state"), ordering="review_state")
    def review_state_note(self, obj):
        if obj.review_state == ReviewState.SUBMITTED and getattr(obj, "written_by_viewer", False):
            return gettext("Submitted · yours: another reviewer reviews it")
        return obj.get_review_state_display()

    @property
    def empty(self) -> str:
        # A read-only field's method that returns None reads "None"; the admin's fields "-".
        return self.get_empty_value_display()

    @admin.display(description=_("reported by"))
    def reported_by_name(self, obj):
        return obj.reported_by.get_username()

    @admin.display(description=_("reviewed by"))
    def reviewed_by_name(self, obj):
        return obj.reviewed_by.get_username() if obj.reviewed_by_id else self.empty

    @admin.display(description=_("withdrawn by"))
    def withdrawn_by_name(self, obj):
        return obj.withdrawn_by.get_username() if obj.withdrawn_by_id else self.empty

    @admin.display(description=_("cell"))
    def cell_name(self, obj):
        return str(obj.cell)

    @admin.display(description=_("evidence"))
    def evidence_links(self, obj):
        """One link per line, http(s) only: the form validates them, but an older row (or a
        raw write) may hold anything, and a javascript: line must stay text."""
        lines = [line.strip() for line in obj.evidence.splitlines() if line.strip()]
        if not lines:
            return self.empty
        return format_html(
            '<ul class="evidence-links">{}</ul>',
            format_html_join(
                "",
                "<li>{}</li>",
                ((evidence_link(line),) for line in lines),
            ),
        )

    # ----------------------------------------------------------------------------------------
    # An update's page: Approve or Return to author, then the next in the queue
    # ----------------------------------------------------------------------------------------

    APPROVE, RETURN = "approve", "return"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        form = extra_context.pop("review_form", None)
        extra_context["review"] = self._review_context(request, object_id, form)
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, object_id, form=None) -> dict | None:
        """What the update's page shows reviewers: the form if they may review it, else why
        not (their own update), and the previous and next updates of their queue."""
        if not self.has_review_permission(request):
            return None
        update = self.get_object(request, unquote(object_id))
        if update is None:
            return None
        answer = permissions.may_review(request.user, update)
        previous, following = self.queue_neighbours(request, update)
        opts = self.model._meta
        return {
            "allowed": answer.allowed,
            # Only a submitted update says why not: the others are plainly not waiting.
            "reason": answer.reason if update.review_state == ReviewState.SUBMITTED else "",
            "form": form or ReviewCommentForm(auto_id="id_review_%s"),
            "url": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_review", args=[quote(update.pk)]
            ),
            "previous": previous,
            "next": following,
        }

    def queue_neighbours(self, request, update):
        """The updates before and after this one in the viewer's queue (either may be None)."""
        queue = self.get_queryset(request).review_queue(request.user).exclude(pk=update.pk)
        if update.submitted_at is None:
            return None, queue.first()
        at = update.submitted_at
        # One range of the queue's index each way, the tie on the time left to a residual
        # filter: written as an OR, SQLite merged two index searches and sorted the whole
        # queue (100 ms at 50,000 waiting updates instead of under 1).
        earlier = queue.filter(submitted_at__lte=at).exclude(submitted_at=at, pk__gte=update.pk)
        later = queue.filter(submitted_at__gte=at).exclude(submitted_at=at, pk__lte=update.pk)
        return earlier.last(), later.first()

    def review_view(self, request, object_id):
        """POST only: approve or return the update through the workflow service, then open the
        next update waiting for this reviewer (the oldest after it, else the oldest left)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_review_permission(request):
            raise PermissionDenied
        require_valid_pk(self.model, object_id)
        update = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        decision = request.POST.get("decision")
        if decision not in (self.APPROVE, self.RETURN):
            raise BadRequest("Approve or return?")
        form = ReviewCommentForm(
            request.POST,
            auto_id="id_review_%s",
            required_message=RETURN_NEEDS_COMMENT if decision == self.RETURN else None,
        )
        if not form.is_valid():
            # The page again, with the error and the comment as typed.
            page = copy.copy(request)
            page.method = "GET"
            return self.change_view(page, object_id, extra_context={"review_form": form})
        comment = form.cleaned_data["comment"]
        try:
            if decision == self.APPROVE:
                update_approve(update=update, user=request.user, comment=comment)
                done = gettext("Approved update #%(id)s.")
            else:
                update_return(update=update, user=request.user, comment=comment)
                done = gettext("Returned update #%(id)s to its author.")
        except WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect(self._change_url(update.pk))
        self.message_user(request, done % {"id": update.pk}, messages.SUCCESS)
        _previous, following = self.queue_neighbours(request, update)
        following = following or self.get_queryset(request).review_queue(request.user).first()
        if following is None:
            self.message_user(request, gettext("Nothing else waits for your review."))
            return redirect(reverse("admin:recommendations_progressupdate_changelist"))
        return redirect(self._change_url(following.pk))

    def _change_url(self, pk) -> str:
        return reverse("admin:recommendations_progressupdate_change", args=[quote(pk)])

    # ----------------------------------------------------------------------------------------
    # Bulk actions
    # ----------------------------------------------------------------------------------------

    def response_action(self, request, queryset):
        # Ticked rows are acted on (or refused, with the reason) whatever the list's filters:
        # the queue, the default, would otherwise drop a ticked update that left it (approved
        # meanwhile) without a word. "Select all" still means all the filtered list shows.
        if request.POST.get("select_across") != "1":
            queryset = self.get_queryset(request)
        return super().response_action(request, queryset)

    def _run(
        self,
        request,
        queryset,
        *,
        title,
        done,
        service,
        help_text,
        may,
        required_message=None,
    ):
        """Ask for a comment on an intermediate page, then call the service per update.

        ``done`` gives, for a number of updates, the sentence that reports them: one whole
        sentence per action, with ``%(count)s`` and ``%(ids)s``, for translators. Updates the
        service refuses are listed in one error message, each with the service's reason."""
        form = ReviewCommentForm(
            request.POST if "apply" in request.POST else None, required_message=required_message
        )
        if "apply" in request.POST and form.is_valid():
            comment = form.cleaned_data["comment"]
            finished, refused = [], []
            for update in queryset.order_by("pk"):
                try:
                    service(update, request.user, comment)
                except WorkflowError as error:
                    refused.append((update.pk, str(error)))
                else:
                    finished.append(f"#{update.pk}")
            if finished:
                self.message_user(
                    request,
                    done(len(finished))
                    % {
                        "count": number_format(len(finished), force_grouping=True),
                        "ids": ", ".join(finished),
                    },
                    messages.SUCCESS,
                )
            if refused:
                heading = ngettext(
                    "Refused %(count)s update:", "Refused %(count)s updates:", len(refused)
                ) % {"count": number_format(len(refused), force_grouping=True)}
                self.message_user(
                    request,
                    format_html(
                        '{}<ul class="refusals">{}</ul>',
                        heading,
                        format_html_join("", "<li>#{}: {}</li>", refused),
                    ),
                    messages.ERROR,
                )
            return None
        return TemplateResponse(
            request,
            "admin/recommendations/progressupdate/review_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "updates": self._foreseen(
                    request,
                    queryset.select_related("cell__recommendation", "cell__state", "reported_by"),
                    may,
                ),
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "help_text": help_text,
                "button": title,
            },
        )

    @staticmethod
    def _foreseen(request, updates, may) -> list:
        """The ticked updates, each with the reason the action will refuse it (``may`` asks
        ``permissions``), so the reviewer knows before confirming (their own, four-eyes)."""
        updates = list(updates)
        for update in updates:
            update.refusal = may(request.user, update).reason
        return updates

    @admin.action(description=_("Approve selected updates"), permissions=["review"])
    def approve(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=gettext("Approve updates"),
            done=lambda n: ngettext(
                "Approved %(count)s update: %(ids)s.", "Approved %(count)s updates: %(ids)s.", n
            ),
            help_text=gettext(
                "Approved updates count on public pages and set each cell's status. "
                "You cannot approve updates you wrote."
            ),
            may=permissions.may_review,
            service=lambda update, user, comment: update_approve(
                update=update, user=user, comment=comment
            ),
        )

    @admin.action(description=_("Return selected updates to author"), permissions=["review"])
    def return_to_author(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=gettext("Return updates to author"),
            done=lambda n: ngettext(
                "Returned %(count)s update: %(ids)s.", "Returned %(count)s updates: %(ids)s.", n
            ),
            required_message=RETURN_NEEDS_COMMENT,
            help_text=gettext(
                "The author sees your comment, corrects the update and resubmits it."
            ),
            may=permissions.may_review,
            service=lambda update, user, comment: update_return(
                update=update, user=user, comment=comment
            ),
        )

    @admin.action(description=_("Withdraw selected approved updates"), permissions=["withdraw"])
    def withdraw(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=gettext("Withdraw approved updates"),
            done=lambda n: ngettext(
                "Withdrew %(count)s update: %(ids)s.", "Withdrew %(count)s updates: %(ids)s.", n
            ),
            required_message=WITHDRAWAL_NEEDS_REASON,
            help_text=gettext(
                "The update is kept but no longer counts; each cell's status is recomputed. "
                "The reason is recorded."
            ),
            may=permissions.may_withdraw,
            service=lambda update, user, comment: update_withdraw(
                update=update, user=user, reason=comment
            ),
        )


def evidence_link(line: str):
    """An http(s) URL as a link that passes no referrer or ranking; anything else as text."""
    try:
        scheme = urlsplit(line).scheme.lower()
    except ValueError:  # "http://[" and the like
        return line
    if scheme not in ("http", "https"):
        return line
    return format_html('<a href="{}" rel="noopener noreferrer nofollow">{}</a>', line, line)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Every import: who, when, which file (its SHA-256), the counts; read-only. The report is
    on the batch's own page; its updates in the review queue's "import batch" filter."""

    list_display = [
        "id",
        "file_name",
        "created_by",
        "created_at",
        "state",
        "rows_total",
        "rows_created",
        "rows_present",
        "rows_rejected",
        "batch_links",
    ]
    list_display_links = ["id", "file_name"]
    list_filter = ["state", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["file_name", "=sha256", "created_by__username"]
    list_select_related = ["created_by"]
    exclude = ["content", "report"]
    readonly_fields = ["batch_links"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "report")

    @admin.display(description=_("report and updates"))
    def batch_links(self, batch):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}?import_batch={}&amp;queue=all">{}</a>',
            batch.get_absolute_url(),
            _("report"),
            reverse("admin:recommendations_progressupdate_changelist"),
            batch.pk,
            _("updates"),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EditorScopeInline(admin.StackedInline):
    model = EditorScope
    can_delete = False
    filter_horizontal = ["states"]
    # One scope a user: Django heads the box with the singular name.
    verbose_name = verbose_name_plural = _("Member States this person works on")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["help_text"] = _(
            "Editors log only for these; reviewers are told only about these. None selected: "
            "every state."
        )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Administrators see who holds which tokens and revoke a leaked one (delete). Tokens are
    made by their owners on the Tokens page, where the text is shown once: none is made here."""

    list_display = ["name", "user", "token_key", "created", "expiry"]
    list_filter = ["created", "expiry"]
    search_fields = ["name", "token_key", "user__username"]
    list_select_related = ["user"]
    fields = ["name", "user", "token_key", "created", "expiry"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(User)


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    inlines = [EditorScopeInline]
    list_filter = [*UserAdmin.list_filter, "editor_scope__states__regional_group"]


# Every list on the site, the installed apps' included (django-axes' records have a date
# hierarchy too), takes the query-string protection above; admin modules register in
# INSTALLED_APPS order and this app is last.
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, HostileListQueryMixin):
        admin.site.unregister(_model)
        admin.site.register(
            _model,
            type(type(_model_admin).__name__, (HostileListQueryMixin, type(_model_admin)), {}),
        )
