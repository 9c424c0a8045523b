"""The whole picture (issue 17): every recommendation against every Member State in one grid
(``/matrix/``), and per regional group the grid transposed, its Member States as rows
(``/matrix/<group>/``). Filtered by the dashboard's FilterSet; ``?format=csv`` exports the grid.
The grid itself is written by ``recommendations.matrix``: the view picks the cells and renders.
"""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from .. import matrix
from ..caching import public_page
from ..csv_export import csv_response
from ..filters import CellFilter
from ..models import Cell, RegionalGroup


@method_decorator(public_page, name="dispatch")
class MatrixView(TemplateView):
    template_name = "recommendations/matrix.html"
    #: the filters offered: what the issue asks for, with the day and the disagreement flag
    filters = ["as_of", "theme", "actor", "region", "status", "disagreement"]

    @cached_property
    def group(self) -> RegionalGroup | None:
        if "group" not in self.kwargs:
            return None
        try:
            return RegionalGroup(self.kwargs["group"])
        except ValueError:
            raise Http404("No such regional group") from None

    @cached_property
    def filterset(self) -> CellFilter:
        cells, only = Cell.objects.all(), self.filters
        if self.group is not None:
            # One group's cells; its own page needs no region filter.
            cells = cells.filter(state__regional_group=self.group)
            only = [name for name in only if name != "region"]
        return CellFilter(
            self.request.GET, queryset=cells, request=self.request, only=only, dated_apart=True
        )

    @cached_property
    def grid(self) -> matrix.Grid:
        return matrix.grid(self.filterset.qs, as_of=self.filterset.as_of_date, group=self.group)

    def get(self, request, *args, **kwargs):
        self.group  # noqa: B018 -- an unknown group is a 404 before anything is read
        if request.GET.get("format") == "csv":
            return self.csv()
        return super().get(request, *args, **kwargs)

    def csv(self):
        as_of = self.filterset.as_of_date
        parts = ["matrix", self.group or "", as_of.isoformat() if as_of else ""]
        name = "-".join(part for part in parts if part)
        return csv_response(
            filename=f"{name}.csv", header=self.grid.csv_header(), rows=self.grid.csv_rows()
        )

    def get_context_data(self, **kwargs):
        kwargs.pop("group", None)  # the URL's slug; the page reads the group itself
        return super().get_context_data(
            filter=self.filterset,
            as_of_form=self.filterset.as_of_form,
            as_of=self.filterset.as_of_date,
            grid=self.grid,
            group=self.group,
            groups=list(RegionalGroup),
            **kwargs,
        )
