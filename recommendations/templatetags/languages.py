"""Template helpers for the six languages: the page in the other languages, and catalogue text
that may not be translated yet."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

from tracker.languages import alternates

register = template.Library()


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """This page in each language (``hreflang`` links, the switcher)."""
    request = context.get("request")
    return alternates(request) if request is not None else []


@register.filter
def localized(text):
    """Catalogue text in the page's language, or the English with a visible marker.

    ``text`` is a :class:`recommendations.models.Localized`; its English fallback is marked up
    ``lang="en"`` so that screen readers switch voice, and labelled as not yet translated."""
    if not getattr(text, "fallback", False):
        return str(text)
    return format_html(
        '<span lang="en" dir="ltr">{}</span> <span class="badge text-bg-light border '
        'untranslated" title="{}">{}</span>',
        text,
        gettext("Not yet translated: shown in English"),
        gettext("English"),
    )


@register.filter
def grouped(value):
    """A count as the page's locale writes it ("7 410" in French, "7,410" in English): humanize's
    ``intcomma``, skipped below 1,000, where no locale groups digits (the status bars and heat
    map print hundreds of such counts a page)."""
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)
    return intcomma(value)


@register.filter
def shorten(text, length: int = 260):
    """``text`` cut to about ``length`` characters at a space where there is one (Chinese has
    none), with an ellipsis. Django's ``truncatechars`` weighs every character for combining
    marks: a millisecond a catalogue page of translated summaries."""
    text = str(text)
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


@register.filter
def labelled(label, value):
    """ "Label: value" with the language's punctuation ("Prévue : 12" in French). The same
    catalogue entry as a ``blocktranslate``, at a tenth of its cost (status bars print seven a
    recommendation)."""
    value = grouped(value) if isinstance(value, int) else value
    return pgettext("a label and its value", "%(label)s: %(value)s") % {
        "label": label,
        "value": value,
    }
