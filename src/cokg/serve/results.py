"""The SPARQL 1.1 query results formats (JSON, XML, CSV, TSV): the server's one writer of them.

Used on both sides of the worker pool: the query workers write the endpoint's answers with it
(they stop reading solutions at the result limit, so the engine's own writers cannot be used),
and the saved-query pages write their downloads with it. It therefore imports only the standard
library, like everything a worker loads.

Terms arrive encoded as plain tuples (the form that crosses the worker's socket):
`("uri", iri)`, `("bnode", id)`, `("literal", lexical, datatype IRI | None, language | None)`
(an RDF 1.2 literal with a base direction has it fifth: "ltr" or "rtl"), or `("triple", text)`
for an RDF-star triple term, which is written as a literal holding its N-Triples text (and as
that text in TSV); None is an unbound variable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Term = tuple
Row = Sequence[Term | None]  # one solution: a term (or None) per variable, in order

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SRX_NS = "http://www.w3.org/2005/sparql-results#"
ITS_NS = "http://www.w3.org/2005/11/its"  # SPARQL 1.2 results: a base direction is its:dir

# Media types written here, by the name of their writer.
RESULT_FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


def boolean_body(name: str, value: bool) -> bytes:
    """An ASK answer in the format `name` ("json", "xml", "csv" or "tsv")."""
    word = "true" if value else "false"
    if name == "json":
        return b'{"head":{},"boolean":' + word.encode() + b"}\n"
    if name == "xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{SRX_NS}">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    if name == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    return f"?_askResult\n{word}\n".encode()


def solutions_body(name: str, variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    """A SELECT answer (or triples as subject/predicate/object rows) in the format `name`."""
    if name == "json":
        return _json(variables, rows)
    if name == "xml":
        return _xml(variables, rows)
    if name == "csv":
        return _csv(variables, rows)
    return _tsv(variables, rows)


def _annotation(t: Term) -> tuple[str | None, str | None]:
    """(language, datatype) of a literal, at most one of them: a language-tagged string has no
    datatype to write, and xsd:string is the default one, written as none."""
    if t[0] != "literal":
        return None, None
    if t[3]:
        return t[3], None
    return None, (t[2] if t[2] and t[2] != XSD_STRING else None)


def _direction(t: Term) -> str | None:
    """The base direction of a language-tagged literal ("ltr", "rtl"), or None."""
    return t[4] if t[0] == "literal" and len(t) > 4 and t[3] else None


def json_term(t: Term) -> dict[str, str]:
    """A term as SPARQL 1.1 JSON writes it (a triple term as a literal of its text)."""
    if t[0] in ("uri", "bnode"):
        return {"type": t[0], "value": t[1]}
    out = {"type": "literal", "value": t[1]}
    lang, datatype = _annotation(t)
    if lang:
        out["xml:lang"] = lang
        if direction := _direction(t):
            out["its:dir"] = direction
    elif datatype:
        out["datatype"] = datatype
    return out


def _json(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    bindings = [
        {v: json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        for row in rows
    ]
    doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8") + b"\n"


def _xml_term(t: Term) -> str:
    if t[0] in ("uri", "bnode"):
        return f"<{t[0]}>{escape(t[1])}</{t[0]}>"
    lang, datatype = _annotation(t)
    attr = f" xml:lang={quoteattr(lang)}" if lang else ""
    if direction := _direction(t):
        attr += f' its:dir={quoteattr(direction)} xmlns:its="{ITS_NS}" its:version="2.0"'
    attr += f" datatype={quoteattr(datatype)}" if datatype else ""
    return f"<literal{attr}>{escape(t[1])}</literal>"


def _xml(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    parts = [f'<?xml version="1.0"?>\n<sparql xmlns="{SRX_NS}">\n<head>']
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    parts.append("</head>\n<results>\n")
    for row in rows:
        parts.append("<result>")
        for v, t in zip(variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
        parts.append("</result>\n")
    parts.append("</results>\n</sparql>\n")
    return "".join(parts).encode("utf-8")


def csv_cell(t: Term | None) -> str:
    """SPARQL 1.1 CSV: IRIs and literals by their text, blank nodes as _:label, unbound empty."""
    if t is None:
        return ""
    return "_:" + t[1] if t[0] == "bnode" else t[1]


def _csv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([csv_cell(t) for t in row] for row in rows)
    return buf.getvalue().encode("utf-8")


def _tsv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    # Terms in their N-Triples form, as the TSV format asks.
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join("" if t is None else ntriples(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# N-Triples string escapes, as the engine writes them (`str()` of a pyoxigraph term).
_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"',
            "\\": "\\\\"}  # fmt: skip
_ESCAPE_TABLE: dict[int, Any] = {
    **{c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F)},
    **{ord(k): v for k, v in _ESCAPES.items()},
}


def ntriples(t: Term) -> str:
    """A term in N-Triples syntax: <iri>, _:id, "text", "text"@lang or "text"^^<datatype>."""
    kind = t[0]
    if kind == "uri":
        return f"<{t[1]}>"
    if kind == "bnode":
        return f"_:{t[1]}"
    if kind == "triple":
        return t[1]
    lang, datatype = _annotation(t)
    text = '"' + t[1].translate(_ESCAPE_TABLE) + '"'
    direction = _direction(t)
    tag = f"@{lang}--{direction}" if direction else f"@{lang}" if lang else ""
    return text + tag + (f"^^<{datatype}>" if datatype else "")
