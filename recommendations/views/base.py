"""What every list page shares: a FilterSet, a capped page size, an htmx fragment, a CSV export."""

from operator import attrgetter

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.views.generic import ListView

from ..csv_export import csv_response
from ..localization import collated

MAX_PAGE_SIZE = 200


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows, so a page of the log never makes the database count a
    million matching rows: past the cap the page says "more than 10,000" and pages stop there
    (narrowing the filters counts them exactly)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        # Without the order: counting needs no sort (34,000 rows sorted only to be counted).
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    def page(self, number):
        if not self.capped:
            return super().page(number)
        # The count is a floor, not the total: never clip a page to it.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


class FilteredListView(ListView):
    """A list driven by a FilterSet, with a capped page size, an htmx fragment and a CSV export.

    The page and the fragment render from the same results template; ``?format=csv`` streams
    exactly the filtered rows, unpaginated.
    """

    filterset_class: type
    results_template: str
    paginate_by = 50
    csv_filename: str
    csv_header: list[str]

    def base_queryset(self):
        raise NotImplementedError  # pragma: no cover

    def csv_row(self, obj) -> list:
        raise NotImplementedError  # pragma: no cover

    def filterset_kwargs(self) -> dict:
        return {}

    @cached_property
    def filterset(self):
        # Always bound (an empty query string is valid data), so filter_queryset always runs.
        return self.filterset_class(
            self.request.GET,
            queryset=self.base_queryset(),
            request=self.request,
            **self.filterset_kwargs(),
        )

    #: for short lists (the Member States): the attribute path of the label the page sorts by,
    #: as its language sorts it; the CSV keeps the database's order.
    collate_by: str | None = None

    def get_queryset(self):
        if self.collate_by and self.request.GET.get("format") != "csv":
            return collated(self.filterset.qs, key=attrgetter(self.collate_by))
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return min(max(size, 1), MAX_PAGE_SIZE)

    def paginate_queryset(self, queryset, page_size):
        # An out-of-range or malformed page shows the last or first page instead of a 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", False)
        # A boosted link and htmx restoring a page its history cache lost both want the page.
        if htmx and not (htmx.boosted or htmx.history_restore_request):
            return [self.results_template]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter=self.filterset, results_template=self.results_template, **kwargs
        )

    def render_to_response(self, context, **response_kwargs):
        if self.request.GET.get("format") == "csv":
            rows = (self.csv_row(obj) for obj in self.csv_rows())
            return csv_response(filename=self.csv_filename, header=self.csv_header, rows=rows)
        return super().render_to_response(context, **response_kwargs)

    def csv_rows(self):
        return self.get_queryset().iterator(chunk_size=2000)
