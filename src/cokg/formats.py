"""Render query answers as text: table, md, csv, tsv, json.

`table` and `md` show a query that declares a pivot as the paper's tables (one row per element,
one column per case, "• " bullets inside multi-line cells); csv, tsv and json always give the
long format, one record per result row, for other programs.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cokg.errors import ParameterError
from cokg.query import PivotTable, QueryAnswer, pivot

FORMATS = ("table", "csv", "tsv", "json", "md")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return str(value)


def render(
    answer: QueryAnswer, fmt: str = "table", *, long: bool = False, width: int | None = None
) -> str:
    """The answer as text in one of FORMATS. `long` turns the pivot off for table/md."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if answer.kind == "ask":
        return (
            json.dumps({"boolean": answer.boolean}) + "\n"
            if fmt == "json"
            else (("true" if answer.boolean else "false") + "\n")
        )
    if answer.kind == "graph":
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in answer.triples)
    if fmt == "json":
        return _json(answer)
    if fmt in ("csv", "tsv"):
        return _delimited(answer, fmt)
    if answer.pivot is not None and not long:
        table = pivot(answer)
        if fmt == "md":
            return _md_pivot(table)
        return _grid(
            list(table.header),
            [[[rk], *[table.cell_lines(c) for c in cells]] for rk, cells in table.rows],
            width,
        )
    columns = list(answer.display or answer.variables)
    body = [[_text(r.data.get(v)).splitlines() or [""] for v in columns] for r in answer.rows]
    if fmt == "md":
        return _md(columns, body)
    # Spaced headers can wrap between words like the cells do.
    return _grid([c.replace("_", " ") for c in columns], body, width)


def _json(answer: QueryAnswer) -> str:
    doc = {
        "query": answer.name,
        "parameters": answer.parameters,
        "columns": list(answer.variables),
        "rows": [dict(r.data) for r in answer.rows],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def _delimited(answer: QueryAnswer, fmt: str) -> str:
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(answer.variables)
        for r in answer.rows:
            writer.writerow([_text(r.data.get(v)) for v in answer.variables])
        return buf.getvalue()

    # TSV cannot hold tabs or line breaks inside a field: escape them as \t and \n.
    def esc(s: str) -> str:
        return (
            s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        )

    lines = ["\t".join(answer.variables)]
    lines += ["\t".join(esc(_text(r.data.get(v))) for v in answer.variables) for r in answer.rows]
    return "\n".join(lines) + "\n"


def _md_cell(lines: Sequence[str]) -> str:
    return "<br>".join(x.replace("|", "\\|") for x in lines)


def _md(header: list[str], body: list[list[list[str]]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in body]
    return "\n".join(out) + "\n"


def _md_pivot(table: PivotTable) -> str:
    body = [[[rk], *[table.cell_lines(c) for c in cells]] for rk, cells in table.rows]
    return _md(list(table.header), body)


def _wrap(lines: list[str], width: int) -> list[str]:
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        indent = "  " if line.startswith("• ") else ""
        out += textwrap.wrap(line, width=width, subsequent_indent=indent, break_on_hyphens=False)
    return out


def _grid(header: list[str], body: list[list[list[str]]], width: int | None) -> str:
    """A boxed text table whose cells may hold several lines, wrapped to fit `width`."""
    total = width or shutil.get_terminal_size((120, 24)).columns
    n = len(header)
    natural = [len(h) for h in header]
    for row in body:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], *(len(x) for x in cell), 1)
    # Columns shrink first down to their longest word (so words stay whole while there is room),
    # then, if the table still does not fit, down to a few characters; widest column first.
    floors = []
    for i, h in enumerate(header):
        words = [len(w) for row in [[[h]], *body] for line in row[min(i, len(row) - 1)]
                 for w in line.split()] or [1]  # fmt: skip
        floors.append(min(natural[i], max(min(max(words), 24), 6)))
    widths = list(natural)
    budget = total - (3 * n + 1)
    for limit in (floors, [min(natural[i], 6) for i in range(n)]):
        while sum(widths) > budget:
            i = max(range(n), key=lambda k, lim=limit: (widths[k] > lim[k], widths[k]))
            if widths[i] <= limit[i]:
                break
            widths[i] -= 1
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    head_rule = rule.replace("-", "=")

    def emit(cells: list[list[str]]) -> list[str]:
        wrapped = [_wrap(c, widths[i]) for i, c in enumerate(cells)]
        height = max(1, *(len(c) for c in wrapped))
        return [
            "| " + " | ".join(
                (c[k] if k < len(c) else "").ljust(widths[i]) for i, c in enumerate(wrapped)
            ) + " |"
            for k in range(height)
        ]  # fmt: skip

    out = [rule, *emit([[h] for h in header]), head_rule]
    for row in body:
        out += emit(row)
        out.append(rule)
    if not body:
        out.append(rule)
    return "\n".join(out) + "\n"


__all__ = ["FORMATS", "render"]
