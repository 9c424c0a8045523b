"""What drf-spectacular cannot see in the views, added to the schema after it is built; and the
view that serves the schema."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView


def empty_values_allowed(result, generator, request, public):
    """In this API a query parameter left empty (``?since=&page=``) is one not given, as in a
    page's form: the filters, the page parameters, the cursor and ``format`` all ignore it. The
    schema says so of every optional one with a single value (a list's empty item is refused)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter.get("in") == "query"
                    and not parameter.get("required")
                    and parameter.get("schema", {}).get("type") != "array"
                ):
                    parameter["allowEmptyValue"] = True
    return result


class SchemaView(SpectacularAPIView):
    """drf-spectacular's view of the schema, reading ``?lang=`` only when it names one of the
    site's languages. drf-spectacular hands any text to ``translation.override``, and Django
    keeps a catalogue for every code it is given for the life of the process: a ``?lang=`` of
    its own on each request grew the server's memory without end. Any other value is ignored
    (the schema in English, as without it)."""

    def initial(self, request, *args, **kwargs):
        if lang := request.query_params.get("lang"):
            params = request._request.GET.copy()
            try:
                # As settings.LANGUAGES spells it: "FR" is French, not one more catalogue.
                params["lang"] = translation.get_supported_language_variant(lang).lower()
            except LookupError:
                del params["lang"]
            request._request.GET = params
        super().initial(request, *args, **kwargs)
