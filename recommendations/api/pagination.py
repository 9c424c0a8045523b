"""Pages of the API's lists: every list answers with ``next`` (and a ``Link`` header).

- The catalogue and the cells: numbered pages (``?page=2&per_page=200``), with a count.
- The log: a keyset cursor over the log's own order (effective date, creation time, id, newest
  first), the order the log page shows and its index serves. A page deep in a million rows costs
  what the first one does: the cursor says where the previous page ended, never how many rows to
  skip. It is opaque to clients (base64 of the last row's key); a cursor that does not decode is
  a 400, never a 500.
- What changed: the same kind of cursor over approvals (reviewed at, id, newest first).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200  # as the pages (views.base.MAX_PAGE_SIZE)
ID_MAX = 2**63 - 1  # the largest id a bigint holds


def whole_number(request, name: str, default: int, maximum: int | None = None) -> int:
    """A query parameter that counts (a page, a page's size): digits, from 1 (to ``maximum``).
    Anything else answers 400 naming it, as the schema says, not a silent default."""
    text = request.query_params.get(name)
    if not text:  # absent or left empty, as a filter left empty
        return default
    digits = text.lstrip("0") if re.fullmatch(r"[0-9]+", text) else "0"
    # A number too long to read is past any page (and over any page size).
    number = int(digits or "0") if len(digits) <= 18 else 10**18
    if number < 1 or (maximum is not None and number > maximum):
        message = (
            _("Give a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
            if maximum is not None
            else _("Give a whole number from 1.")
        )
        raise ValidationError({name: [message]})
    return number


def link_header(response: Response, url: str | None) -> Response:
    if url:
        response["Link"] = f'<{url}>; rel="next"'
    return response


def encoded(key: list) -> str:
    """A cursor's text: the key of the page's last row, opaque to clients."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def in_utc(text: str) -> datetime.datetime:
    moment = datetime.datetime.fromisoformat(text)
    # In UTC, as the database compares it: a time at the calendar's edge overflows (400).
    return moment.astimezone(datetime.UTC) if moment.tzinfo is not None else moment


class NumberedPages(PageNumberPagination):
    page_size = 100
    page_size_query_param = "per_page"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return whole_number(request, self.page_size_query_param, self.page_size, MAX_PAGE_SIZE)

    def get_page_number(self, request, paginator) -> int:
        # A page past the last is DRF's 404; a page that is not a number is the client's 400.
        return whole_number(request, self.page_query_param, 1)

    def check_parameters(self, request) -> None:
        """400 for page parameters that do not validate (a CSV export, which has no pages)."""
        self.get_page_size(request)
        self.get_page_number(request, None)

    def get_schema_operation_parameters(self, view):
        page, size = super().get_schema_operation_parameters(view)
        page["schema"]["minimum"] = 1
        size["schema"].update(minimum=1, maximum=self.max_page_size)
        return [page, size]

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
        return whole_number(request, self.page_size_query_param, self.page_size, MAX_PAGE_SIZE)

    def check_parameters(self, request) -> None:
        """400 for page parameters that do not validate (a CSV export, which has no pages)."""
        self.page_size_of(request)
        if cursor := request.query_params.get(self.cursor_query_param):
            self.decode(cursor)

    @staticmethod
    def encode(update) -> str:
        return encoded(
            [update.effective_date.isoformat(), update.created_at.isoformat(), update.pk]
        )

    def parse(self, values) -> tuple:
        """The key a decoded cursor holds; ValueError or TypeError when it holds none."""
        date, created, pk = values
        return datetime.date.fromisoformat(date), in_utc(created), pk

    def after(self, queryset, key):
        """The rows after the cursor's in the order."""
        date, created, pk = key
        # (date, created, id) < the cursor's, written so that the date's bound alone is an
        # index range the database walks down from.
        return queryset.filter(effective_date__lte=date).filter(
            Q(effective_date__lt=date)
            | Q(created_at__lt=created)
            | Q(created_at=created, pk__lt=pk)
        )

    def decode(self, text: str):
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            key = self.parse(json.loads(raw))
        except (
            ValueError,
            TypeError,
            OverflowError,
            binascii.Error,
            UnicodeDecodeError,
            RecursionError,
        ):
            raise ValidationError(
                {
                    self.cursor_query_param: [
                        _("This cursor is not one the API gave. Start again from the first page.")
                    ]
                }
            ) from None
        # The API gives an aware time and a row's id: a whole number a bigint holds, from 1.
        moment, pk = key[-2], key[-1]
        if moment.tzinfo is None or type(pk) is not int or not 0 < pk <= ID_MAX:
            raise ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]})
        return key

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.size = self.page_size_of(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = self.after(queryset, self.decode(cursor))
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


class ApprovalCursor(LogCursor):
    """Keyset pagination of approvals, the newest first (``changes/``): the order of the
    (review state, reviewed at, id) index, so a deep page is one index range like the first."""

    @staticmethod
    def encode(update) -> str:
        return encoded([update.reviewed_at.isoformat(), update.pk])

    def parse(self, values) -> tuple:
        approved, pk = values
        return in_utc(approved), pk

    def after(self, queryset, key):
        approved, pk = key
        return queryset.filter(reviewed_at__lte=approved).filter(
            Q(reviewed_at__lt=approved) | Q(pk__lt=pk)
        )

    def get_schema_operation_parameters(self, view):
        cursor, size = super().get_schema_operation_parameters(view)
        size["description"] = gettext_lazy("Approved updates a page, 1 to 200 (50 by default).")
        return [cursor, size]
