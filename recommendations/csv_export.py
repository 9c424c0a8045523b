"""Streamed CSV exports, shared by every list page's ``?format=csv``.

Rows are written as they are read, so an export of a hundred thousand rows never sits in memory,
and any cell a spreadsheet would run as a formula is made inert.
"""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(value) -> str:
    """A cell value a spreadsheet shows as text: formulas get a leading apostrophe (OWASP).
    A value that already starts with apostrophes before a trigger gets one more, so the import
    (:func:`restored`) takes exactly one off and every value comes back as written."""
    text = "" if value is None else str(value)
    if text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def restored(text: str) -> str:
    """The value :func:`inert` was given: one guarding apostrophe taken off."""
    if text.startswith("'") and text[1:].lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        # No byte-order mark: the header row is the first bytes, as scripts reading it expect.
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([inert(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
