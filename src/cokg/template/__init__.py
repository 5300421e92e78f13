"""The spreadsheet template: how a steward enters a case, and how a stored case comes back out.

sheets      what the template holds: one sheet per kind of record, one column per property
cells       reading a workbook or a CSV folder into rows, safely, dates at their precision
concepts    the framework construct or outcome a cell names, by code or label
converting  rows -> RDF, one row at a time, with cell-level problems
writing     the blank template (or one filled with rows), with drop-downs and a README
exporting   a stored case -> rows -> a template that reads back to exactly that case
"""

from __future__ import annotations

from cokg.template.cells import date_precision, is_template_folder, sheet_name
from cokg.template.converting import Conversion, Origin, read_template
from cokg.template.exporting import CaseExport, export_case
from cokg.template.sheets import SHEETS, Column, Sheet
from cokg.template.writing import framework_codes, readme_rows, write_template

__all__ = [
    "SHEETS",
    "CaseExport",
    "Column",
    "Conversion",
    "Origin",
    "Sheet",
    "date_precision",
    "export_case",
    "framework_codes",
    "is_template_folder",
    "read_template",
    "readme_rows",
    "sheet_name",
    "write_template",
]
