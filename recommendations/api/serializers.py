"""What the API shows and takes. Codes are the stable keys (R01, FRA, in_progress); names,
titles and labels are in the request's language (``Accept-Language``), English when untranslated."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from .. import permissions
from ..models import (
    AssessmentSource,
    MemberState,
    ProgressUpdate,
    Recommendation,
    Status,
    Strength,
    Voice,
)

REPORTED_STATUSES = [status.value for status in Status if status is not Status.NO_INFORMATION]


class StatusCountsField(serializers.DictField):
    """Cells per status, every status of the scale present: ``{"implemented": 3, ...}``."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.IntegerField(), read_only=True, **kwargs)

    def to_representation(self, value):
        return {status.value: n for status, n in value}


class SlugsField(serializers.ListField):
    """A record's tags (prefetched) as their slugs."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(), read_only=True, **kwargs)

    def to_representation(self, manager):
        return [tag.slug for tag in manager.all()]


class ReferenceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(source="label")
    description = serializers.CharField(source="description_local")


class ThemeSerializer(ReferenceSerializer):
    pass


class ActorSerializer(ReferenceSerializer):
    pass


class DocumentSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField(source="title_local")
    short_title = serializers.CharField(source="__str__")
    date = serializers.DateField()


class RecommendationSerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    source_document = serializers.CharField(source="source_document.slug")
    source_reference = serializers.CharField()
    voiced_by = serializers.ChoiceField(choices=Voice.choices, help_text=_("Who voiced the ask."))
    voiced_by_note = serializers.CharField(
        help_text=_("Who exactly: the delegations, groups or speakers the source names (English).")
    )
    strength = serializers.ChoiceField(
        choices=Strength.choices, help_text=_("How strongly the ask was made.")
    )
    paraphrase = serializers.BooleanField(
        help_text=_("True when the text paraphrases its source instead of quoting it.")
    )
    themes = SlugsField()
    actors = SlugsField()
    instruments = SlugsField()
    status_counts = StatusCountsField(
        source="distribution", help_text=_("The Member States' cells per current status.")
    )

    def get_url(self, rec) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:recommendation-detail", args=[rec.code])
        )

    def get_page(self, rec) -> str:
        return self.context["request"].build_absolute_uri(rec.get_absolute_url())

    def get_title(self, rec) -> str:
        return rec.localized("title")

    def get_text(self, rec) -> str:
        return rec.localized("text")


class StateSerializer(serializers.Serializer):
    iso3 = serializers.CharField()
    url = serializers.SerializerMethodField()
    name = serializers.CharField(source="label")
    regional_group = serializers.CharField()
    membership = serializers.CharField()

    def get_url(self, state) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:state-detail", args=[state.iso3])
        )


class SourceStatusSerializer(serializers.Serializer):
    """One assessment source's latest approved status of a cell (on the date asked for)."""

    source = serializers.ChoiceField(choices=AssessmentSource.choices)
    status = serializers.ChoiceField(choices=REPORTED_STATUSES)
    status_date = serializers.DateField(
        source="date", help_text=_("When that source's status took effect.")
    )
    update = serializers.IntegerField(
        source="update_id", help_text=_("The id of the approved update that says so.")
    )


class CellSerializer(serializers.Serializer):
    """A cell today, or as of ``?as_of=`` (the status in effect that day, and each source's)."""

    recommendation = serializers.CharField(source="recommendation.code")
    state = serializers.CharField(source="state.iso3")
    status = serializers.ChoiceField(
        choices=Status.choices,
        help_text=_(
            "The headline status: the latest approved update by effective date, whatever its "
            "source (on or before ?as_of= when given)."
        ),
    )
    status_date = serializers.DateField(source="shown_date", allow_null=True)
    latest_update = serializers.IntegerField(
        source="shown_update",
        allow_null=True,
        help_text=_("The id of the approved update the status comes from (null: none yet)."),
    )
    sources = SourceStatusSerializer(
        many=True,
        help_text=_(
            "Each assessment source's latest approved status, side by side (the sources with "
            "none are left out)."
        ),
    )
    sources_disagree = serializers.BooleanField(
        source="shown_disagreement",
        help_text=_(
            "Whether the sources disagree: two of them two or more steps apart on the scale, or "
            "one says declined while another reports progress (planned or beyond)."
        ),
    )


class StateCellSerializer(CellSerializer):
    """A cell of a state's profile: the state is the page's."""

    state = None


class StateDetailSerializer(StateSerializer):
    as_of = serializers.DateField(
        allow_null=True, help_text=_("The day the statuses are of (null: today).")
    )
    status_counts = StatusCountsField(source="distribution")
    cells = StateCellSerializer(
        many=True,
        source="listed_cells",
        help_text=_("Every recommendation's status (on ?as_of= when given), source by source."),
    )


#: text that must say something: spaces alone are trimmed to nothing and refused (for the schema)
SAYS_SOMETHING = RegexValidator(r"\S")


class TextField(serializers.CharField):
    """Text a program sends: a JSON string only. DRF's CharField also takes a number (0 as
    "0"), which the schema says is invalid input."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """A JSON true or false only. DRF's BooleanField also takes "yes", "1", 0 and more, which
    the schema says are invalid input."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class EvidenceField(serializers.ListField):
    """Links, one http(s) URL each; stored one a line."""

    def __init__(self, **kwargs):
        super().__init__(child=TextField(max_length=2000), **kwargs)

    def to_representation(self, value):
        return [line.strip() for line in value.splitlines() if line.strip()]

    def to_internal_value(self, data):
        return [line.strip() for line in super().to_internal_value(data) if line.strip()]

    def run_validation(self, data=empty):
        # Joined one a line after the validators: ``max_length`` counts the links, not the
        # characters of the joined text (a single link of 51 characters was refused).
        return "\n".join(super().run_validation(data))


class UpdateSerializer(serializers.Serializer):
    """An update as the reader may see it: who reported and reviewed it, and the review's
    comment, for signed-in staff only (as on the pages)."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    recommendation = serializers.CharField(source="cell.recommendation.code")
    state = serializers.CharField(source="cell.state.iso3")
    status = serializers.ChoiceField(choices=Status.choices)
    effective_date = serializers.DateField()
    narrative = serializers.CharField()
    evidence = EvidenceField()
    source = serializers.ChoiceField(choices=AssessmentSource.choices)
    review_state = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reported_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()
    review_comment = serializers.SerializerMethodField()

    def get_url(self, update) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:update-detail", args=[update.pk])
        )

    def _staff(self) -> bool:
        if "staff" not in self.context:
            self.context["staff"] = permissions.may_see_authors(self.context["request"].user)
        return self.context["staff"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reported_by(self, update):
        return update.reported_by.get_username() if self._staff() else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewed_by(self, update):
        if not (self._staff() and update.reviewed_by_id):
            return None
        return update.reviewed_by.get_username()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_review_comment(self, update):
        return update.review_comment if self._staff() else None


class UpdateWriteSerializer(serializers.Serializer):
    """A new update, or the changes to a draft (PATCH: any of the fields)."""

    recommendation = serializers.SlugRelatedField(
        slug_field="code", queryset=Recommendation.objects.only("pk", "code")
    )
    state = serializers.SlugRelatedField(slug_field="iso3", queryset=MemberState.objects.all())
    status = serializers.ChoiceField(choices=REPORTED_STATUSES)
    effective_date = serializers.DateField(
        help_text=_("When the status took effect (1945 to today).")
    )
    narrative = TextField(
        max_length=ProgressUpdate._meta.get_field("narrative").max_length,
        validators=[SAYS_SOMETHING],
    )
    evidence = EvidenceField(
        required=False,
        max_length=50,
        # The stored text's limit, which JSON Schema cannot state of a list: said in words.
        help_text=_("Links, http(s) URLs: at most 50, and 5,000 characters in all."),
    )
    source = serializers.ChoiceField(choices=AssessmentSource.values)
    submit = FlagField(
        default=False, help_text=_("Submit for review now (else the update stays a draft).")
    )


class ReviewSerializer(serializers.Serializer):
    comment = TextField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Approving: optional. Returning: required, what the author must correct."),
    )


# What returning takes, for the schema: a comment that says something. The view reads it with
# ReviewSerializer, so that a missing or empty one is the service's refusal (rule "comment"), as
# on the review desk.
class ReturnSerializer(serializers.Serializer):
    """Returning an update: say what its author must correct."""

    comment = TextField(
        max_length=2000,
        validators=[SAYS_SOMETHING],
        help_text=_("What the author must correct."),
    )


class WithdrawSerializer(serializers.Serializer):
    reason = TextField(
        max_length=2000,
        validators=[SAYS_SOMETHING],
        help_text=_("Why the update no longer counts."),
    )


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status_counts = StatusCountsField(help_text=_("Approved updates that year, per status."))


class GroupCountsSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text=_("The theme's slug, regional group or recommendation code.")
    )
    name = serializers.CharField()
    status_counts = StatusCountsField()


class DisagreementCountSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("The theme's slug or the regional group."))
    name = serializers.CharField()
    cells = serializers.IntegerField(help_text=_("Cells whose assessment sources disagree."))


class SummarySerializer(serializers.Serializer):
    """The dashboard's figures for the cells the filters select (on ?as_of= when given)."""

    as_of = serializers.DateField(
        allow_null=True, help_text=_("The day the figures are of (null: today).")
    )
    cells = serializers.IntegerField(help_text=_("Cells selected (recommendation x state)."))
    status_counts = StatusCountsField()
    by_recommendation = GroupCountsSerializer(many=True)
    by_theme = GroupCountsSerializer(many=True)
    by_regional_group = GroupCountsSerializer(many=True)
    by_year = YearSerializer(many=True)
    stale_cells = serializers.IntegerField(
        help_text=_(
            "Cells whose latest approved update is older than TRACKER_STALE_MONTHS (counted "
            "back from ?as_of= when given)."
        )
    )
    disagreeing_cells = serializers.IntegerField(
        help_text=_("Cells whose assessment sources disagree.")
    )
    disagreement_by_theme = DisagreementCountSerializer(many=True)
    disagreement_by_regional_group = DisagreementCountSerializer(many=True)


class ChangeSerializer(serializers.Serializer):
    """An approved update of the window, with the cell's status before it."""

    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()
    cell_page = serializers.SerializerMethodField()
    recommendation = serializers.CharField(source="cell.recommendation.code")
    state = serializers.CharField(source="cell.state.iso3")
    previous_status = serializers.ChoiceField(
        choices=Status.choices,
        help_text=_(
            "The cell's status before this update: its approved update just before it by "
            "effective date (no_information: none)."
        ),
    )
    status = serializers.ChoiceField(choices=Status.choices)
    changed = serializers.SerializerMethodField(
        help_text=_("False when the update confirms the status the cell already had.")
    )
    effective_date = serializers.DateField()
    source = serializers.ChoiceField(choices=AssessmentSource.choices)
    approved_at = serializers.DateTimeField(source="reviewed_at")

    def get_url(self, update) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:update-detail", args=[update.pk])
        )

    def get_page(self, update) -> str:
        return self.context["request"].build_absolute_uri(update.get_absolute_url())

    def get_cell_page(self, update) -> str:
        return self.context["request"].build_absolute_uri(update.cell.get_absolute_url())

    def get_changed(self, update) -> bool:
        return not update.confirms
