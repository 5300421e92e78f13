"""A query answer as text for people: the boxed table `cokg query` prints and Markdown (with a
pivoted query as the paper's tables), and a graph answer as N-Triples. In the query layer so
that an answer can print itself (`print(answer)`, a notebook's table); `cokg.formats` adds the
formats for programs (csv, tsv, json, Turtle, JSON-LD) and the other commands' results."""

from __future__ import annotations

import dataclasses
import html
import math
import re
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rdflib.term import BNode, Literal, Node, URIRef

from cokg.errors import ParameterError
from cokg.namespaces import curie
from cokg.query.answers import PivotTable, Row, pivot, to_python

if TYPE_CHECKING:
    from cokg.query.answers import QueryAnswer

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def answer_text(
    answer: QueryAnswer, fmt: str = "table", *, long: bool = False, width: int | None = None
) -> str:
    """The answer as a boxed table (`table`) or Markdown (`md`); `long` turns the pivot off.
    An ASK answer is `true` or `false`; a graph, N-Triples in a table and one row per triple
    in Markdown."""
    if answer.kind == "ask":
        return ("true" if answer.boolean else "false") + "\n"
    if answer.kind == "graph":
        if fmt == "table":
            return ntriples(answer.triples)
        answer = graph_rows(answer)
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
    if not columns:  # SELECT * WHERE { }: rows without columns, which no grid can draw
        return _no_columns(len(answer.rows))
    body = [[_shown(r, v).splitlines() or [""] for v in columns] for r in answer.rows]
    if fmt == "md":
        return _md(columns, body)
    # Spaced headers can wrap between words like the cells do.
    return _grid([c.replace("_", " ") for c in columns], body, width)


TRIPLE_COLUMNS = ("subject", "predicate", "object")


def graph_rows(answer: QueryAnswer) -> QueryAnswer:
    """A graph answer as a table answer: one row per triple, columns subject/predicate/object."""
    rows = tuple(
        Row(
            data={c: to_python(t) for c, t in zip(TRIPLE_COLUMNS, triple, strict=True)},
            terms=dict(zip(TRIPLE_COLUMNS, triple, strict=True)),
        )
        for triple in answer.triples
    )
    return dataclasses.replace(answer, kind="select", variables=TRIPLE_COLUMNS, rows=rows)


def non_finite(value: Any) -> str | None:
    """The XSD lexical form of a NaN or infinite number, else None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    if isinstance(value, Decimal) and not value.is_finite():
        return "NaN" if value.is_nan() else ("INF" if value > 0 else "-INF")
    return None


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    special = non_finite(value)
    return special if special is not None else str(value)


def _shown(row: Any, column: str) -> str:
    """A cell as table and md show it: an IRI with one of cokg's prefixes as a prefixed name
    (cfir22:III.E, cokgid:case/dundee-mrr), which names the framework a bare notation ("5.1")
    did not; csv, tsv and json keep the whole IRI."""
    term = row.terms.get(column) if hasattr(row, "terms") else None
    if isinstance(term, URIRef):
        short = curie(str(term), slashes=True)
        return str(term) if short.startswith("<") else short
    return text_of(row.data.get(column))


# Characters a terminal or a Markdown renderer would act on rather than show.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(line: str) -> str:
    """One line of a cell as shown by table and md: tabs as spaces, control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", line.expandtabs(4))


# -- N-Triples, for graphs in the table format ----------------------------------------------

_NT_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_NT_LITERAL = re.compile(r'[\\"\x00-\x1f\x7f]')
_NT_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _nt_term(term: Node) -> str:
    """A term in its N-Triples form (literal text escaped, so that one triple is one line)."""
    if isinstance(term, URIRef):
        return "<" + _NT_IRI.sub(lambda m: f"\\u{ord(m[0]):04X}", str(term)) + ">"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = _NT_LITERAL.sub(lambda m: _NT_ESCAPES.get(m[0], f"\\u{ord(m[0]):04X}"), str(term))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return f'"{text}"^^{_nt_term(URIRef(str(term.datatype)))}'
        return f'"{text}"'
    raise ParameterError(f"cannot write {term!r} as N-Triples")


def ntriples(triples: Iterable[tuple[Node, Node, Node]]) -> str:
    """Triples as N-Triples text, one line each ("" for none)."""
    return "".join(f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} .\n" for s, p, o in triples)


def _no_columns(rows: int) -> str:
    return f"({rows} row{'' if rows == 1 else 's'}, no columns)\n"


def _md_text(line: str) -> str:
    return html.escape(_visible(line), quote=False).replace("|", "\\|")


def _md_cell(lines: Sequence[str]) -> str:
    return "<br>".join(_md_text(x) for x in lines)


def _md(header: list[str], body: list[list[list[str]]]) -> str:
    if not header:
        return _no_columns(len(body))
    out = ["| " + " | ".join(_md_text(h) for h in header) + " |"]
    out.append("|" + "|".join("---" for _ in header) + "|")
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
    if not header:
        return _no_columns(len(body))
    header = [_visible(h) for h in header]
    body = [[[_visible(x) for x in cell] for cell in row] for row in body]
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

        def wider(k: int, lim: list[int] = limit) -> tuple[bool, int]:
            return widths[k] > lim[k], widths[k]

        while sum(widths) > budget:
            i = max(range(n), key=wider)
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
