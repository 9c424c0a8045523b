"""Spreadsheet import of progress updates: reading a file (``reading``), matching its header
(``columns``), checking its rows (``rows``) and the template to fill in (``template``). Nothing
here writes: ``services.imports`` runs a batch and writes through ``services.workflow``."""

from .columns import DESCRIBING, IMPORTED, REQUIRED, columns_match
from .reading import FileProblem, Table, rows_estimate, table_read
from .rows import Plan, Row, plan_build
from .template import template_csv, template_xlsx

__all__ = [
    "DESCRIBING",
    "IMPORTED",
    "REQUIRED",
    "FileProblem",
    "Plan",
    "Row",
    "Table",
    "columns_match",
    "plan_build",
    "rows_estimate",
    "table_read",
    "template_csv",
    "template_xlsx",
]
