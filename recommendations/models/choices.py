"""The tracker's fixed vocabularies, as TextChoices: status scale, regional groups, membership,
sources of an assessment and review states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """``value``'s label in the active language, as ``get_FOO_display()`` gives it (the value
    itself when it is not a choice). Django's own hashes every label of the field's choices,
    translating each, on every call: the catalogue's 40 cards and the log's 50 rows call it
    hundreds of times a page; the models that pages list override it with this."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


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

    @property
    def symbol(self) -> str:
        """A one-character mark for dense views (the matrix), where no label fits: with the
        colour it tells the statuses apart in grey print and for colour-blind readers."""
        return _SYMBOLS[self.value]


# Text glyphs (none an emoji by default), read with the legend that names each status.
_SYMBOLS = {
    "no_information": "?",
    "not_started": "–",
    "planned": "○",
    "in_progress": "▸",
    "partially_implemented": "◐",
    "implemented": "✓",
    "declined": "✕",
}


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


class Voice(models.TextChoices):
    """Who voiced an ask in the debate's documents."""

    CONCLUSION = "conclusion", _("The debate's collective conclusion")
    PRESIDENT = "president", _("The President of the General Assembly")
    DEPUTY_SECRETARY_GENERAL = "deputy_secretary_general", _("The Deputy Secretary-General")
    DELEGATIONS = "delegations", _("Named delegations or groups")
    PANELLIST = "panellist", _("A panellist")
    BACKGROUND_PAPER = "background_paper", _("The background paper")


class Strength(models.TextChoices):
    """How strongly an ask was made, strongest first."""

    AGREED = "agreed", _("Agreed or concluded")
    URGED = "urged", _("Urged or called for")
    SUGGESTED = "suggested", _("Suggested or proposed by some")
    REPORTED = "reported", _("A reported practice or view, not an ask")


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned to author")
    # Only a superuser withdraws an approved update, with a reason; the row is kept.
    WITHDRAWN = "withdrawn", _("Withdrawn")
