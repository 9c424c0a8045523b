"""The admin: catalogue management for administrators, and (issue 3) the reviewers' desk."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Actor,
    FollowUp,
    Instrument,
    MemberState,
    ProgressUpdate,
    Recommendation,
    SourceDocument,
    Theme,
)


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
class RecommendationAdmin(SimpleHistoryAdmin):
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

    @admin.display(description="themes")
    def theme_list(self, obj):
        return ", ".join(theme.name for theme in obj.themes.all())


@admin.register(MemberState)
class MemberStateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "iso3", "regional_group", "membership"]
    list_filter = ["regional_group", "membership"]
    search_fields = ["name", "iso3"]


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    """Cells are created by the seed and their status by approvals: read-only here."""

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
class ProgressUpdateAdmin(SimpleHistoryAdmin):
    list_display = [
        "followup",
        "status",
        "effective_date",
        "source",
        "review_state",
        "reported_by",
        "created_at",
    ]
    list_filter = [
        "review_state",
        "status",
        "source",
        "followup__recommendation__themes",
        "followup__recommendation__actors",
        "followup__state__regional_group",
    ]
    search_fields = [
        "narrative",
        "evidence",
        "followup__state__name",
        "followup__recommendation__code",
    ]
    list_select_related = ["followup__recommendation", "followup__state", "reported_by"]
    raw_id_fields = ["followup", "reported_by", "reviewed_by", "withdrawn_by"]
    date_hierarchy = "effective_date"
