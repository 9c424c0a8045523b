"""The admin: catalogue management for administrators, and the reviewers' desk. Every "may
they" is asked of ``permissions``; every write goes through ``services``."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import permissions
from .forms import ReviewCommentForm
from .models import (
    Actor,
    Cell,
    CellYearCount,
    EditorScope,
    Instrument,
    MemberState,
    ProgressUpdate,
    Recommendation,
    SourceDocument,
    Theme,
)
from .services import (
    WorkflowError,
    update_approve,
    update_return,
    update_withdraw,
)


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

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        records = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return self.visible_history(request, records)

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
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


class HostileListQueryMixin:
    """A list's query string answers 4xx, however it is written (see the loop at the end)."""

    def get_changelist(self, request, **kwargs):
        return DateBoundedChangeList

    def lookup_allowed(self, lookup, value, request=None):
        # A regular expression from the query string reaches the database unchecked, and an
        # invalid one, ?id__regex=(, fails only when the list is counted (500). No filter or link
        # in the admin writes one, so refusing them (400) costs nothing.
        if lookup.endswith(("__regex", "__iregex")):
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(Theme, Actor)
class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Instrument)
class InstrumentAdmin(ReferenceDataAdmin):
    list_display = ["name", "short_name", "slug", "order"]
    search_fields = ["name", "short_name", "slug"]


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ["short_title", "title", "date", "file"]
    search_fields = ["title", "short_title"]


@admin.register(Recommendation)
class RecommendationAdmin(HistoryAdmin):
    list_display = ["code", "title", "source_document", "source_reference", "theme_list"]
    list_filter = ["source_document", "themes", "actors", "instruments"]
    search_fields = ["code", "title", "text", "source_reference"]
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
class MemberStateAdmin(HistoryAdmin):
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
class CellAdmin(HistoryAdmin):
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


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(HistoryAdmin):
    """The reviewers' desk: filter, search, then Approve or Return to author.

    Nothing here edits or deletes an update: the form is read-only and every action calls the
    workflow service, which enforces four-eyes, locking and the current-status rule.
    """

    list_display = [
        "id",
        "cell",
        "status",
        "effective_date",
        "source",
        "review_state",
        "reported_by",
        "submitted_at",
    ]
    list_display_links = ["id", "cell"]
    list_filter = [
        "review_state",
        "status",
        "source",
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
    date_hierarchy = "effective_date"
    actions = ["approve", "return_to_author", "withdraw"]
    list_per_page = 50
    # The filtered count is shown; the unfiltered total beside it would count the whole log.
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def visible_history(self, request, records):
        # Versions carry the review state they had: a draft version is its author's alone.
        return records.filter(permissions.visible_updates(request.user))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

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

    def _run(self, request, queryset, *, title, done, comment_required, service, help_text):
        """Ask for a comment on an intermediate page, then call the service per update.

        ``done`` gives, for a number of updates, the sentence that reports them: one whole
        sentence per action, with ``%(count)s`` and ``%(ids)s``, for translators."""
        form = ReviewCommentForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            comment = form.cleaned_data["comment"]
            if comment_required and not comment.strip():
                form.add_error("comment", gettext("A comment is required: say why."))
            else:
                finished = []
                for update in queryset:
                    try:
                        service(update, request.user, comment)
                    except WorkflowError as error:
                        self.message_user(request, str(error), messages.ERROR)
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
                return None
        return TemplateResponse(
            request,
            "admin/recommendations/progressupdate/review_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "updates": queryset.select_related(
                    "cell__recommendation", "cell__state", "reported_by"
                ),
                "form": form,
                "action": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "help_text": help_text,
                "button": title,
            },
        )

    @admin.action(description=_("Approve selected updates"), permissions=["review"])
    def approve(self, request, queryset):
        return self._run(
            request,
            queryset,
            title=gettext("Approve updates"),
            done=lambda n: ngettext(
                "Approved %(count)s update: %(ids)s.", "Approved %(count)s updates: %(ids)s.", n
            ),
            comment_required=False,
            help_text=gettext(
                "Approved updates count on public pages and set each cell's status. "
                "You cannot approve updates you wrote."
            ),
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
            comment_required=True,
            help_text=gettext(
                "The author sees your comment, corrects the update and resubmits it."
            ),
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
            comment_required=True,
            help_text=gettext(
                "The update is kept but no longer counts; each cell's status is recomputed. "
                "The reason is recorded."
            ),
            service=lambda update, user, comment: update_withdraw(
                update=update, user=user, reason=comment
            ),
        )


class EditorScopeInline(admin.StackedInline):
    model = EditorScope
    can_delete = False
    filter_horizontal = ["states"]
    verbose_name_plural = _(
        "Member States this person works on: editors log only for these, reviewers are "
        "notified only about these (none selected: every state)"
    )


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
