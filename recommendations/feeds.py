"""Atom feeds, so a desk can follow one recommendation or one Member State in a feed reader:
the newest approved updates, newest approval first (Django's syndication framework).

The feeds speak the request's language as the pages do (the URL's prefix, else the reader's
choice), and name each update's source of assessment as its author, never a person. The XML
writer escapes text; what XML 1.0 cannot carry at all (control characters, which a narrative
imported from a spreadsheet may hold) is dropped here, so a feed is always well-formed.
"""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext

from .caching import public_page
from .models import MemberState, ProgressUpdate, Recommendation

#: How many approved updates a feed carries.
FEED_SIZE = 50

# Characters XML 1.0 forbids (tab, line feed and carriage return are allowed), and the two
# non-characters U+FFFE and U+FFFF. Django's XML writer refuses them with an error.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value) -> str:
    """``value`` as text XML 1.0 can carry: its forbidden characters dropped."""
    return NOT_IN_XML.sub("", str(value))


@method_decorator(public_page, name="__call__")
class ApprovedUpdatesFeed(Feed):
    """The newest approved updates of some cells, as Atom entries. Subclasses say which cells
    (``cells_filter``), and the feed's title and page."""

    feed_type = Atom1Feed

    def cells_filter(self, obj) -> dict:
        raise NotImplementedError  # pragma: no cover

    def items(self, obj):
        return (
            ProgressUpdate.objects.approved()
            .filter(**self.cells_filter(obj))
            .select_related("cell__recommendation", "cell__state")
            .order_by("-reviewed_at", "-id")[:FEED_SIZE]
        )

    def link(self, obj) -> str:
        return obj.get_absolute_url()

    def author_name(self, obj) -> str:
        return gettext("Debate Tracker")

    def item_title(self, update: ProgressUpdate) -> str:
        # Atom titles are plain text: the writer escapes them once (Django's default escapes
        # them twice, for RSS readers that read titles as HTML).
        return xml_text(
            gettext("%(code)s · %(state)s: %(status)s (%(date)s)")
            % {
                "code": update.cell.recommendation.code,
                "state": update.cell.state.label,
                "status": update.status_enum.label,
                "date": date_format(update.effective_date, "DATE_FORMAT"),
            }
        )

    def item_description(self, update: ProgressUpdate) -> str:
        # Atom's summary is HTML here: the narrative is escaped into it, so its text, whatever
        # it holds, reads as text in the feed reader.
        return linebreaksbr(xml_text(update.narrative), autoescape=True)

    def item_link(self, update: ProgressUpdate) -> str:
        return update.get_absolute_url()

    def item_author_name(self, update: ProgressUpdate) -> str:
        """Who assessed it: the source (a government, a UN entity...), never a username."""
        return str(update.get_source_display())

    def item_pubdate(self, update: ProgressUpdate):
        """Published on the tracker when a reviewer approved it."""
        return update.reviewed_at

    def item_updateddate(self, update: ProgressUpdate):
        return update.reviewed_at


class RecommendationFeed(ApprovedUpdatesFeed):
    def get_object(self, request, code: str) -> Recommendation:
        return get_object_or_404(Recommendation, code=code)

    def cells_filter(self, obj: Recommendation) -> dict:
        return {"cell__recommendation": obj}

    def feed_url(self, obj: Recommendation) -> str:
        # Its own address as the site writes it, however it was asked for (r03): a reader
        # subscribed under both spellings sees one feed.
        return reverse("recommendations:recommendation-feed", args=[obj.code])

    def title(self, obj: Recommendation) -> str:
        return xml_text(
            gettext("%(code)s · %(title)s: approved updates")
            % {"code": obj.code, "title": obj.title_local}
        )

    def subtitle(self, obj: Recommendation) -> str:
        return gettext(
            "The newest approved progress updates on this recommendation, across Member States."
        )


class StateFeed(ApprovedUpdatesFeed):
    def get_object(self, request, iso3: str) -> MemberState:
        return get_object_or_404(MemberState, iso3=iso3)

    def cells_filter(self, obj: MemberState) -> dict:
        return {"cell__state": obj}

    def feed_url(self, obj: MemberState) -> str:
        return reverse("recommendations:state-feed", args=[obj.iso3])  # FRA, asked as fra

    def title(self, obj: MemberState) -> str:
        return xml_text(gettext("%(state)s: approved updates") % {"state": obj.label})

    def subtitle(self, obj: MemberState) -> str:
        return gettext(
            "The newest approved progress updates for this Member State, across recommendations."
        )
