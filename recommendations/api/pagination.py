"""Pages of the API's lists: every list answers with ``next`` (and a ``Link`` header).

- The catalogue and the cells: numbered pages (``?page=2&per_page=200``), with a count.
- The log: a keyset cursor over the log's own order (effective date, creation time, id, newest
  first), the order the log page shows and its index serves. A page deep in a million rows costs
  what the first one does: the cursor says where the previous page ended, never how many rows to
  skip. It is opaque to clients (base64 of the last row's key); a cursor that does not decode is
  a 400, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200  # as the pages (views.base.MAX_PAGE_SIZE)


def link_header(response: Response, url: str | None) -> Response:
    if url:
        response["Link"] = f'<{url}>; rel="next"'
    return response


class NumberedPages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "per_page"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        return link_header(response, response.data["next"])


class LogCursor(BasePagination):
    """Keyset pagination of updates, newest first: ``?cursor=...&per_page=50``."""

    cursor_query_param = "cursor"
    page_size = 50
    page_size_query_param = "per_page"
    max_page_size = MAX_PAGE_SIZE

    def page_size_of(self, request) -> int:
        try:
            size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        except ValueError:
            raise ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to 200.")]}
            ) from None
        return min(max(size, 1), self.max_page_size)

    @staticmethod
    def encode(update) -> str:
        key = [update.effective_date.isoformat(), update.created_at.isoformat(), update.pk]
        return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")

    def decode(self, text: str):
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            date, created, pk = json.loads(raw)
            key = (
                datetime.date.fromisoformat(date),
                datetime.datetime.fromisoformat(created),
                int(pk),
            )
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor is not one the API gave. Start again from the first page.")
                    ]
                }
            ) from None
        if key[1].tzinfo is None:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]})
        return key

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.page_size_of(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            date, created, pk = self.decode(cursor)
            # (date, created, id) < the cursor's, written so that the date's bound alone is an
            # index range the database walks down from.
            queryset = queryset.filter(effective_date__lte=date).filter(
                Q(effective_date__lt=date)
                | Q(created_at__lt=created)
                | Q(created_at=created, pk__lt=pk)
            )
        rows = list(queryset[: self.size + 1])
        self.has_next = len(rows) > self.size
        self.page = rows[: self.size]
        return self.page

    def next_link(self) -> str | None:
        if not (self.has_next and self.page):
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.encode(self.page[-1]))

    def first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data):
        next_url = self.next_link()
        response = Response({"next": next_url, "first": self.first_link(), "results": data})
        return link_header(response, next_url)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "first", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "first": {"type": "string", "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": gettext_lazy(
                    "Where the previous page ended: the `next` link gives it."
                ),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": gettext_lazy("Updates a page, 1 to 200 (50 by default)."),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
