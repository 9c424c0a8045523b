"""Input validation only; every write is handed to a service."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .localization import CollatedModelChoiceIterator
from .models import (
    EFFECTIVE_DATE_MIN,
    AssessmentSource,
    MemberState,
    ProgressUpdate,
    Recommendation,
    Status,
    validate_effective_date,
    validate_evidence_links,
)

REPORTED_STATUSES = [(s.value, s.label) for s in Status if s is not Status.NO_INFORMATION]
# The status starts unchosen: a default would be logged by whoever forgets to pick one.
STATUS_CHOICES = [("", _("Choose a status")), *REPORTED_STATUSES]
NARRATIVE_MAX = ProgressUpdate._meta.get_field("narrative").max_length
EVIDENCE_MAX = ProgressUpdate._meta.get_field("evidence").max_length


class CollatedModelChoiceField(forms.ModelChoiceField):
    """Options in the order the page's language sorts their labels."""

    iterator = CollatedModelChoiceIterator


class ProgressUpdateForm(forms.Form):
    """Log or edit a progress update. ``user`` limits the states to the editor's scope."""

    recommendation = forms.ModelChoiceField(
        label=_("Recommendation"), queryset=Recommendation.objects.all(), to_field_name="code"
    )
    state = CollatedModelChoiceField(
        label=_("Member State"),
        queryset=MemberState.objects.none(),
        to_field_name="iso3",
        error_messages={
            "invalid_choice": _("Choose a Member State you are assigned to log updates for.")
        },
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=STATUS_CHOICES,
        error_messages={"required": _("Choose the status the state has reached.")},
    )
    effective_date = forms.DateField(
        label=_("Date the status took effect"),
        widget=forms.DateInput(attrs={"type": "date", "min": EFFECTIVE_DATE_MIN.isoformat()}),
        validators=[validate_effective_date],
        help_text=_("When the state reached this status, not today's date (1945 to today)."),
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=NARRATIVE_MAX,
        help_text=_("What happened, in a few sentences a reader can check."),
    )
    evidence = forms.CharField(
        label=_("Evidence links"),
        required=False,
        max_length=EVIDENCE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://..."}),
        validators=[validate_evidence_links],
        help_text=_("Zero or more http(s) links, one per line."),
    )
    # Like the status, the source starts unchosen: nobody reports a default by forgetting.
    source = forms.ChoiceField(
        label=_("Source of the assessment"),
        choices=[("", _("Choose a source")), *AssessmentSource.choices],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].queryset = MemberState.objects.loggable_by(user)
        # Today, where the form is drawn: the browser's date picker stops there.
        self.fields["effective_date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div(Field("recommendation"), css_class="col-md-7"),
                Div(Field("state"), css_class="col-md-5"),
                css_class="row",
            ),
            Div(
                Div(Field("status"), css_class="col-md-4"),
                Div(Field("effective_date"), css_class="col-md-4"),
                Div(Field("source"), css_class="col-md-4"),
                css_class="row",
            ),
            "narrative",
            "evidence",
            Div(
                StrictButton(
                    _("Save draft"),
                    type="submit",
                    name="action",
                    value="draft",
                    css_class="btn btn-outline-primary",
                ),
                StrictButton(
                    _("Submit for review"),
                    type="submit",
                    name="action",
                    value="submit",
                    css_class="btn btn-primary",
                ),
                css_class="d-flex flex-wrap gap-2",
            ),
        )

    @property
    def wants_submit(self) -> bool:
        return self.data.get("action") == "submit"

    def update_fields(self) -> dict:
        """The cleaned values as the services take them."""
        data = self.cleaned_data
        return {
            "status": data["status"],
            "effective_date": data["effective_date"],
            "narrative": data["narrative"],
            "evidence": "\n".join(
                line.strip() for line in data["evidence"].splitlines() if line.strip()
            ),
            "source": data["source"],
        }

    @staticmethod
    def initial_from(update: ProgressUpdate) -> dict:
        return {
            "recommendation": update.cell.recommendation.code,
            "state": update.cell.state.iso3,
            "status": update.status,
            "effective_date": update.effective_date,
            "narrative": update.narrative,
            "evidence": update.evidence,
            "source": update.source,
        }


class ReviewCommentForm(forms.Form):
    """The comment a reviewer gives when approving (optional) or returning (required: then
    ``required_message`` says why it is asked, in the service's words)."""

    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        # Review comments are internal: the public update page shows them to signed-in staff.
        help_text=_("Seen by the author and by staff; never published."),
    )

    def __init__(self, *args, required_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.required_message = required_message

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if self.required_message and not comment.strip():
            raise forms.ValidationError(self.required_message, code="required")
        return comment


class ImportUploadForm(forms.Form):
    """A spreadsheet to import: its size is checked before it is read."""

    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("CSV (comma, semicolon or tab separated) or an Excel workbook (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("For a workbook: the sheet to read. Empty: the first sheet."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.TRACKER_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; one import takes at most %(limit)s MB. Split it.")
                % {"size": f"{upload.size / 2**20:.1f}", "limit": f"{limit / 2**20:g}"},
                code="too_large",
            )
        return upload


class ImportConfirmForm(forms.Form):
    as_draft = forms.BooleanField(
        label=_("Import as drafts"),
        required=False,
        help_text=_(
            "Drafts are yours alone until you submit them. Otherwise every new row is "
            "submitted for review now."
        ),
    )


class TokenForm(forms.Form):
    """Name a new API token and choose how long it lasts."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("The program that will use it, so you know which to revoke."),
    )
    expiry = forms.TypedChoiceField(
        label=_("Expires"),
        choices=[
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
            ("", _("Never (until revoked)")),
        ],
        coerce=int,
        empty_value=None,
        initial="90",
        required=False,
    )


def validate_as_of(value) -> None:
    """A past date to read the picture at: from 1945 (the log's first possible date) to today."""
    if value < EFFECTIVE_DATE_MIN:
        raise forms.ValidationError(
            _("Choose a date from %(min)s onwards."),
            params={"min": EFFECTIVE_DATE_MIN.year},
            code="as_of_too_early",
        )
    if value > timezone.localdate():
        raise forms.ValidationError(
            _("Choose today or a date in the past."), code="as_of_in_future"
        )


def as_of_field() -> forms.DateField:
    """The "as of" date of the pages, their CSV exports and the API: ``YYYY-MM-DD`` only (a date
    picker's format; "03/01/2021" reads two ways)."""
    return forms.DateField(
        label=_("Status as of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[validate_as_of],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The status in effect on that day: approved updates dated on or before it."),
    )


class AsOfForm(forms.Form):
    """``?as_of=YYYY-MM-DD`` on a page: the picture as it stood on that day. Invalid input is
    reported on the page, which then shows today."""

    as_of = as_of_field()

    @property
    def date(self):
        """The valid date asked for, or None (today)."""
        return self.cleaned_data.get("as_of") if self.is_valid() else None

    @property
    def past(self) -> bool:
        """Whether the date asked for is before today: the page then says it shows the past
        (asked for today, it shows today's picture, and says nothing of the sort)."""
        return self.date is not None and self.date < timezone.localdate()
