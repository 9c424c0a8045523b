"""What drf-spectacular cannot see in the views, added to the schema after it is built."""

from __future__ import annotations


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
