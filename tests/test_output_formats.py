"""Edge cases of every output format: the CLI's (`cokg sparql/query --format`) and the endpoint's.

Each format is tried on each edge case: a SELECT with no variables (`SELECT * WHERE { }` has
one solution binding nothing), a SELECT with no rows, ASK true and false, a CONSTRUCT with no
triples, unbound variables in some rows, and literals with language tags, datatypes, line
breaks, commas, quotes, tabs, pipes, markup, control characters and non-finite numbers. Each
answer must be written cleanly and read back to what was asked; the endpoint's W3C formats are
also checked against the shape their specifications give, and a format that cannot hold an
answer (a table asked for as Turtle) is refused with a short 406.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

with warnings.catch_warnings():  # Starlette nudges towards httpx2; httpx is what we have
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from cokg.cli import cli
from cokg.formats import FORMATS, render
from cokg.query import QueryAnswer, run_query, run_sparql
from cokg.serve import QueryPool, ServeSettings, create_app, results
from cokg.serve.pool import DataSource
from cokg.store import MemoryStore

pytestmark = pytest.mark.timeout(180)

XSD = "http://www.w3.org/2001/XMLSchema#"
E = "http://example.org/"

# Literal values as SPARQL, with the term each one is.
LITERALS = [
    ("'chat'@fr", ox.Literal("chat", language="fr")),
    ("'colour'@en-GB", ox.Literal("colour", language="en-gb")),
    (f"'3.5'^^<{XSD}decimal>", ox.Literal("3.5", datatype=ox.NamedNode(XSD + "decimal"))),
    (
        f"'2015-06'^^<{XSD}gYearMonth>",
        ox.Literal("2015-06", datatype=ox.NamedNode(XSD + "gYearMonth")),
    ),
    ("'line one\\nline two'", ox.Literal("line one\nline two")),
    ("'carriage\\r\\nreturn'", ox.Literal("carriage\r\nreturn")),
    ("'a, b, c'", ox.Literal("a, b, c")),
    ("'say \"hi\" and \\'bye\\''", ox.Literal("say \"hi\" and 'bye'")),
    ("'tab\\there'", ox.Literal("tab\there")),
    ("'|pipe|'", ox.Literal("|pipe|")),
    ("'<b>bold</b> & co'", ox.Literal("<b>bold</b> & co")),
    ("'back\\\\slash'", ox.Literal("back\\slash")),
    ("''", ox.Literal("")),
    ("'Jönköping — ✓'", ox.Literal("Jönköping — ✓")),
    (f"<{E}thing>", ox.NamedNode(E + "thing")),
    ("true", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
    ("-7", ox.Literal("-7", datatype=ox.NamedNode(XSD + "integer"))),
]
CONTROL = ("'esc\\u001B[31mred\\u0007'", ox.Literal("esc\x1b[31mred\x07"))
NON_FINITE = [
    (f"'NaN'^^<{XSD}double>", ox.Literal("NaN", datatype=ox.NamedNode(XSD + "double"))),
    (f"'INF'^^<{XSD}double>", ox.Literal("INF", datatype=ox.NamedNode(XSD + "double"))),
    (f"'-INF'^^<{XSD}float>", ox.Literal("-INF", datatype=ox.NamedNode(XSD + "float"))),
]


def values(items: list[tuple[str, Any]]) -> str:
    return " ".join(sparql for sparql, _ in items)


@dataclass(frozen=True)
class Case:
    """An edge case: the query and the answer it must give (terms, by variable)."""

    query: str
    kind: str  # "select", "ask" or "graph"
    variables: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()


def _select(items: list[tuple[str, Any]]) -> Case:
    return Case(
        f"SELECT ?x WHERE {{ VALUES ?x {{ {values(items)} }} }}",
        "select",
        ("x",),
        tuple({"x": term} for _, term in items),
    )


def _construct(items: list[tuple[str, Any]]) -> Case:
    s, p = ox.NamedNode(E + "s"), ox.NamedNode(E + "p")
    return Case(
        f"CONSTRUCT {{ <{E}s> <{E}p> ?x }} WHERE {{ VALUES ?x {{ {values(items)} }} }}",
        "graph",
        triples=tuple(ox.Triple(s, p, term) for _, term in items),
    )


CASES = {
    "empty-projection": Case("SELECT * WHERE { }", "select", (), ({},)),
    "empty-projection-no-rows": Case("SELECT * WHERE { FILTER(false) }", "select", (), ()),
    "no-rows": Case("SELECT ?x ?y WHERE { FILTER(false) }", "select", ("x", "y"), ()),
    "ask-true": Case("ASK { }", "ask", boolean=True),
    "ask-false": Case("ASK { FILTER(false) }", "ask", boolean=False),
    "construct-no-triples": Case("CONSTRUCT { ?s ?p ?o } WHERE { FILTER(false) }", "graph"),
    "unbound": Case(
        "SELECT ?a ?b ?c WHERE { VALUES (?a ?b ?c) "
        f"{{ (1 UNDEF 'x') (UNDEF UNDEF UNDEF) (UNDEF <{E}b> UNDEF) }} }}",
        "select",
        ("a", "b", "c"),
        (
            {"a": ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")), "c": ox.Literal("x")},
            {},
            {"b": ox.NamedNode(E + "b")},
        ),
    ),
    "literals": _select(LITERALS),
    "control-characters": _select([CONTROL]),
    "non-finite-numbers": _select(NON_FINITE),
    "construct-literals": _construct(LITERALS),
    "construct-control-characters": _construct([CONTROL]),
}
CASE_PARAMS = [pytest.param(name, id=name) for name in CASES]


# --- the plain values the CLI formats show (cokg.query.to_python, then as text) -----------------


def plain(term: Any) -> str:
    """What the CLI's text formats show for a term: its lexical form (IRIs bare, NaN and INF
    as XSD writes them), nothing for unbound."""
    return "" if term is None else term.value


def same_json_value(value: Any, term: Any) -> bool:
    """A json cell against the term it stands for: numbers as numbers, the rest as text."""
    if term is None:
        return value is None
    if isinstance(value, bool):
        return term.value == ("true" if value else "false")
    if isinstance(value, int | float):
        return float(value) == float(term.value)
    return value == term.value


# --- CLI formats ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_store() -> Iterator[MemoryStore]:
    st = MemoryStore()
    yield st
    st.close()


def cli_answer(store: MemoryStore, case: Case) -> QueryAnswer:
    answer = run_sparql(case.query, store=store)
    assert answer.kind == case.kind
    return answer


def expected_rows(case: Case) -> tuple[list[str], list[dict[str, Any]]]:
    """(columns, rows) a long CLI format must hold: graphs as subject/predicate/object."""
    if case.kind == "graph":
        cols = ["subject", "predicate", "object"]
        rows = [
            dict(zip(cols, (t.subject, t.predicate, t.object), strict=True)) for t in case.triples
        ]
        return cols, rows
    return list(case.variables), [dict(r) for r in case.rows]


def read_tsv(text: str, columns: int) -> list[list[str]]:
    """The CLI's TSV: tabs, line breaks and backslashes in values escaped as \\t, \\n, \\\\."""

    def unescape(cell: str) -> str:
        return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m[1], m[1]), cell)

    assert text.endswith("\n")
    lines = text[:-1].split("\n")
    return [[unescape(c) for c in line.split("\t")] if columns else [] for line in lines]


@pytest.mark.parametrize("case_name", CASE_PARAMS)
@pytest.mark.parametrize("fmt", [pytest.param(f, id=f) for f in FORMATS])
def test_cli_format_edge_case(empty_store: MemoryStore, fmt: str, case_name: str) -> None:
    case = CASES[case_name]
    out = render(cli_answer(empty_store, case), fmt, width=100)
    assert out.endswith("\n") or out == ""

    if case.kind == "ask":
        word = "true" if case.boolean else "false"
        assert out == (
            json.dumps({"boolean": case.boolean}) + "\n" if fmt == "json" else word + "\n"
        )
        return

    if case.kind == "graph" and fmt == "table":  # a graph's text form: N-Triples
        got = [q.triple for q in ox.parse(out.encode(), format=ox.RdfFormat.N_TRIPLES)]
        assert got == list(case.triples)
        assert len(out.splitlines()) == len(case.triples)  # one triple, one line
        return

    cols, rows = expected_rows(case)
    if fmt == "json":
        doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
        assert doc["columns"] == cols
        assert len(doc["rows"]) == len(rows)
        for got, want in zip(doc["rows"], rows, strict=True):
            assert set(got) == set(cols)
            for c in cols:
                assert same_json_value(got[c], want.get(c)), (c, got[c], want.get(c))
    elif fmt in ("csv", "tsv"):
        table = list(csv.reader(io.StringIO(out))) if fmt == "csv" else read_tsv(out, len(cols))
        assert table[0] == cols  # no columns: an empty header line
        assert len(table) == len(rows) + 1
        for got, want in zip(table[1:], rows, strict=True):
            assert got == [plain(want.get(c)) for c in cols]
    else:  # table, md: for people
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out.replace("\n", "")), out
        if not cols:
            assert out == f"({len(rows)} row{'' if len(rows) == 1 else 's'}, no columns)\n"
            return
        lines = out.splitlines()
        if fmt == "table":
            assert all(len(line) <= 100 for line in lines)
            assert all(line[0] in "+|" and line[-1] in "+|" for line in lines)
            widths = {len(line) for line in lines}
            assert len(widths) == 1, out  # a straight grid, whatever the cells hold
        else:
            assert lines[0] == "| " + " | ".join(cols) + " |"
            assert lines[1] == "|" + "|".join("---" for _ in cols) + "|"
            assert len(lines) == len(rows) + 2  # one line per row, line breaks as <br>
            for line in lines[2:]:
                assert len(re.findall(r"(?<!\\)\|", line)) == len(cols) + 1, line
                assert "<" not in line.replace("<br>", ""), line
        for row in rows:
            for c in cols:
                text = plain(row.get(c))
                for part in text.splitlines():
                    part = part.expandtabs(4)
                    if fmt == "md":
                        part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        part = part.replace("|", "\\|")
                    if re.search(r"[\x00-\x1f]", part):
                        part = re.sub(r"[\x00-\x1f]", lambda m: f"\\x{ord(m[0]):02x}", part)
                    if len(part) <= 20:  # longer ones may wrap in the grid
                        assert part in out, (part, out)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * WHERE { }", id="empty-projection"),
        pytest.param("CONSTRUCT { ?s ?p ?o } WHERE { FILTER(false) }", id="construct-no-triples"),
        pytest.param(
            f"CONSTRUCT {{ <{E}s> <{E}p> 'a\\nb' }} WHERE {{ }}", id="construct-line-break"
        ),
        pytest.param("ASK { FILTER(false) }", id="ask-false"),
    ],
)
@pytest.mark.parametrize("fmt", [pytest.param(f, id=f) for f in FORMATS])
def test_cli_sparql_command_edge_cases(fmt: str, query: str) -> None:
    res = CliRunner().invoke(cli, ["sparql", query, "--format", fmt, "--store", "memory:"])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and "Error" not in res.output
    if fmt == "json":
        json.loads(res.output)


@pytest.mark.parametrize("name", ["timeline", "cross-case", "case-features"])
@pytest.mark.parametrize("fmt", [pytest.param(f, id=f) for f in FORMATS])
def test_saved_query_with_no_rows(empty_store: MemoryStore, fmt: str, name: str) -> None:
    # `cokg query` on an empty store: no rows, pivoted (cross-case, case-features) or not.
    answer = run_query(name, store=empty_store)
    assert len(answer) == 0
    out = render(answer, fmt, width=100)
    if fmt == "json":
        assert json.loads(out)["rows"] == []
    elif fmt in ("csv", "tsv"):
        assert out.count("\n") == 1
    else:
        assert out.strip()


# --- the endpoint's media types ----------------------------------------------------------------

RESULTS_JSON = "application/sparql-results+json"
RESULT_MEDIA = {
    RESULTS_JSON: ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": None,  # lossy: checked by hand
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_MEDIA = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
SRX = "{http://www.w3.org/2005/sparql-results#}"

# XML 1.0 cannot carry most control characters (not even as character references): such an
# answer asked for as XML is refused with 406 and a pointer to the formats that carry it.
XML_CONTROL_CASES = {
    ("application/sparql-results+xml", "control-characters"),
    ("application/rdf+xml", "construct-control-characters"),
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Every edge case brings its own data (VALUES, BIND): an empty dataset serves them all.
    with QueryPool(DataSource(snapshot=None), workers=1, timeout=10.0) as pool:
        app = create_app(pool, ServeSettings(timeout=10.0, limit=1000))
        with TestClient(app) as c:
            yield c


def csv_cell(term: Any) -> str:
    # SPARQL 1.1 CSV: IRIs and literals by their string, blank nodes _:label, unbound empty.
    if term is None:
        return ""
    return term.value


def check_results_shape(media: str, body: bytes, case: Case) -> None:
    """The answer against its format's specification, then read back term for term."""
    text = body.decode("utf-8")
    if media == "application/sparql-results+json":
        doc = json.loads(text)
        if case.kind == "ask":
            assert doc == {"head": {}, "boolean": case.boolean}
            return
        assert doc["head"]["vars"] == list(case.variables)
        # `SELECT * WHERE { }`: one binding, empty
        assert len(doc["results"]["bindings"]) == len(case.rows)
        for b, row in zip(doc["results"]["bindings"], case.rows, strict=True):
            assert set(b) == set(row)  # unbound variables are left out
    elif media == "application/sparql-results+xml":
        root = ET.fromstring(body)
        assert root.tag == SRX + "sparql"
        head = root.find(SRX + "head")
        assert head is not None
        if case.kind == "ask":
            assert root.findtext(SRX + "boolean") == ("true" if case.boolean else "false")
            return
        assert [v.get("name") for v in head.findall(SRX + "variable")] == list(case.variables)
        results = root.findall(f"{SRX}results/{SRX}result")
        assert len(results) == len(case.rows)
        for res, row in zip(results, case.rows, strict=True):
            assert {b.get("name") for b in res.findall(SRX + "binding")} == set(row)
    elif media == "text/csv":
        assert text.endswith("\r\n")
        table = list(csv.reader(io.StringIO(text, newline="")))
        if case.kind == "ask":
            assert table[1] == ["true" if case.boolean else "false"]
            return
        assert text.split("\r\n", 1)[0] == ",".join(case.variables)  # no variables: empty line
        assert table[0] == list(case.variables)
        assert table[1:] == [[csv_cell(r.get(v)) for v in case.variables] for r in case.rows]
        return
    else:  # TSV
        lines = text.split("\n")
        if case.kind == "ask":
            assert lines[1] == ("true" if case.boolean else "false")
            return
        assert lines[0] == "\t".join("?" + v for v in case.variables)
        assert len(lines) == len(case.rows) + 2 and lines[-1] == ""  # one line per row
    if case.kind == "select":
        solutions = ox.parse_query_results(body, format=RESULT_MEDIA[media])
        assert [v.value for v in solutions.variables] == list(case.variables)
        got = [{v: s[v] for v in case.variables if s[v] is not None} for s in solutions]
        assert got == [dict(r) for r in case.rows]


MEDIA_PARAMS = [
    pytest.param(m, id=m.split("/")[1]) for m in [*RESULT_MEDIA, *GRAPH_MEDIA, "text/html"]
]


@pytest.mark.parametrize("case_name", CASE_PARAMS)
@pytest.mark.parametrize("media", MEDIA_PARAMS)
def test_endpoint_media_type_edge_case(client: TestClient, media: str, case_name: str) -> None:
    case = CASES[case_name]
    r = client.get("/sparql", params={"query": case.query}, headers={"accept": media})
    if (media, case_name) in XML_CONTROL_CASES:
        assert r.status_code == 406, r.text
        assert "XML 1.0" in r.text and "JSON" in r.text
        return
    wants_graph = media in GRAPH_MEDIA
    if media != "text/html" and wants_graph != (case.kind == "graph"):
        # a table asked for as Turtle, a graph as CSV: refused at once, in a few words
        assert r.status_code == 406, r.text
        assert len(r.text) < 400 and "Error:" not in r.text
        return
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    if media == "text/html":
        if case.kind == "ask":
            assert "Answer: <strong>" + ("yes" if case.boolean else "no") in r.text
        elif case.variables or case.kind == "graph":
            assert "<table" in r.text
        else:
            assert "<table" not in r.text and "No columns" in r.text
        assert "\x1b" not in r.text and "<b>bold" not in r.text  # data is escaped
        return
    if wants_graph:
        if media == "application/rdf+xml":
            ET.fromstring(r.content)  # well-formed XML, not only what pyoxigraph reads
        got = [q.triple for q in ox.parse(r.content, format=GRAPH_MEDIA[media])]
        assert sorted(map(str, got)) == sorted(map(str, case.triples))
        return
    check_results_shape(media, r.content, case)


def test_endpoint_empty_projection_json_is_one_empty_binding(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { }"})
    assert r.status_code == 200
    assert r.json() == {"head": {"vars": []}, "results": {"bindings": [{}]}}


def test_endpoint_empty_projection_csv_header_is_empty(client: TestClient) -> None:
    r = client.get(
        "/sparql", params={"query": "SELECT * WHERE { }"}, headers={"accept": "text/csv"}
    )
    assert r.status_code == 200
    assert r.text == "\r\n\r\n"  # an empty header line, then the one (empty) solution


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param("application/json", "application/ld+json", id="json-means-json-ld"),
        pytest.param("application/xml", "application/rdf+xml", id="xml-means-rdf-xml"),
        pytest.param("text/plain", "application/n-triples", id="plain-means-n-triples"),
        pytest.param(
            "text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json", id="q-values"
        ),
        pytest.param(
            "text/turtle;q=nan, application/n-triples;q=0.1",
            "application/n-triples",
            id="q-nan-is-0",
        ),
    ],
)
def test_endpoint_graph_aliases(client: TestClient, accept: str, expected: str) -> None:
    q = f"CONSTRUCT {{ <{E}s> <{E}p> 'o' }} WHERE {{ }}"
    r = client.get("/sparql", params={"query": q}, headers={"accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected
    # and the same alias still means SPARQL results for a SELECT
    if accept in ("application/json", "application/xml"):
        r = client.get("/sparql", params={"query": "SELECT * { }"}, headers={"accept": accept})
        assert r.headers["content-type"].startswith("application/sparql-results+")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        pytest.param(None, (RESULTS_JSON, "text/turtle"), id="none"),
        pytest.param("image/png", (None, None), id="nothing-we-write"),
        pytest.param("not a media type", (None, None), id="garbage"),
        pytest.param("application/json", (RESULTS_JSON, "application/ld+json"), id="json-alias"),
        pytest.param(
            "application/json, application/ld+json;q=0",
            (RESULTS_JSON, None),
            id="exact-q0-beats-alias",
        ),
        pytest.param("text/csv;q=1.5", ("text/csv", None), id="q-above-1-is-1"),
        pytest.param(
            "text/turtle;q=nan, */*;q=0.1",
            (RESULTS_JSON, "application/n-triples"),
            id="q-nan-is-0",
        ),
        pytest.param(
            "text/turtle;q=0.5, text/turtle;q=0.9, application/rdf+xml;q=0.8",
            (None, "text/turtle"),
            id="repeated-range-best-q",
        ),
    ],
)
def test_choose_media_types(accept: str | None, expected: tuple[str | None, str | None]) -> None:
    from cokg.serve.protocol import choose

    assert choose(accept, None, html=True) == expected


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_saved_query_download_with_no_rows(client: TestClient, fmt: str) -> None:
    # /query/<name>?format=...: the endpoint's dataset is empty here, so no rows.
    r = client.get("/query/timeline", params={"format": fmt})
    assert r.status_code == 200, r.text
    if fmt == "csv":
        assert r.text.count("\r\n") == 1 and r.text.startswith("case_")
    elif fmt == "json":
        doc = r.json()
        assert doc["head"]["vars"] and doc["results"]["bindings"] == []
    else:
        assert "0 rows" in r.text


# --- the one results writer (cokg.serve.results) ------------------------------------------------


def wire(term: Any) -> tuple:
    """A pyoxigraph term as the tuple the writer takes (as the query workers encode it)."""
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    return ("literal", term.value, term.datatype.value, term.language)


ODD_TEXT = "".join(map(chr, [*range(0x20), 0x7F, 0x80, 0x2028])) + '"\\é✓'
WRITER_TERMS = [
    *(term for _, term in [*LITERALS, CONTROL, *NON_FINITE]),
    ox.BlankNode("b0"),
    ox.Literal(ODD_TEXT),
    ox.Literal(ODD_TEXT, language="en-gb"),
    ox.Literal(ODD_TEXT, datatype=ox.NamedNode(E + "type")),
]


@pytest.mark.parametrize("term", [pytest.param(t, id=str(i)) for i, t in enumerate(WRITER_TERMS)])
def test_tsv_terms_are_written_as_the_engine_writes_them(term: Any) -> None:
    assert results.ntriples(wire(term)) == str(term)


def test_writer_round_trips_through_the_engines_parsers() -> None:
    rows = [tuple(wire(t) if i % 3 else None for i in range(3)) for t in WRITER_TERMS]
    variables = ["a", "b", "c"]
    for name, fmt in [
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ]:
        if name == "xml":  # XML 1.0 cannot carry control characters: the endpoint refuses them
            kept = [r for r, t in zip(rows, WRITER_TERMS, strict=True) if not _has_control(t)]
        else:
            kept = rows
        body = results.solutions_body(name, variables, kept)
        parsed = ox.parse_query_results(body, format=fmt)
        got = [tuple(wire(s[v]) if s[v] is not None else None for v in variables) for s in parsed]
        assert got == kept, name
    for value in (True, False):
        for name, fmt in [("json", ox.QueryResultsFormat.JSON), ("xml", ox.QueryResultsFormat.XML)]:
            body = results.boolean_body(name, value)
            assert bool(ox.parse_query_results(body, format=fmt)) is value


def _has_control(term: Any) -> bool:
    return any(ord(c) < 0x20 and c not in "\t\n\r" for c in getattr(term, "value", ""))


def test_saved_query_download_writes_blank_nodes_as_the_endpoint_does() -> None:
    from rdflib import BNode, Literal, URIRef

    from cokg.query import Row
    from cokg.serve.pages import download

    terms = {"b": BNode("x1"), "i": URIRef(E + "i"), "n": Literal(3), "u": None}
    answer = QueryAnswer(
        name="x",
        kind="select",
        variables=("b", "i", "n", "u"),
        rows=(Row(data={}, terms=terms),),
    )
    assert download(answer, "csv") == f"b,i,n,u\r\n_:x1,{E}i,3,\r\n".encode()
    doc = json.loads(download(answer, "json"))
    assert doc["results"]["bindings"] == [
        {
            "b": {"type": "bnode", "value": "x1"},
            "i": {"type": "uri", "value": E + "i"},
            "n": {"type": "literal", "value": "3", "datatype": XSD + "integer"},
        }
    ]


# A CONSTRUCT's answer is a graph: a triple several solutions make comes once. The engine
# repeats one whose subject is a blank node of the data (the ontology's owl:AllDifferent
# nodes, once per statement about them).
REPEATS = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . ?s ?p ?o . FILTER(isBlank(?s)) }"


@pytest.mark.parametrize(("name", "parse_as"), [
    ("g.nt", ox.RdfFormat.N_TRIPLES), ("g.ttl", ox.RdfFormat.TURTLE),
    ("g.jsonld", ox.RdfFormat.JSON_LD),
])  # fmt: skip
def test_cli_sparql_writes_a_graph_in_the_files_format(
    tmp_path: Any, name: str, parse_as: Any
) -> None:
    out = tmp_path / name
    res = CliRunner().invoke(cli, ["sparql", REPEATS, "-o", str(out), "--store", "memory:"])
    assert res.exit_code == 0, res.output
    got = list(ox.parse(out.read_bytes(), format=parse_as))
    assert len(got) > 10 and all(t.predicate.value.endswith("#type") for t in got)
    if name == "g.nt":  # each triple once (blank nodes keep their labels in N-Triples)
        lines = out.read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(set(lines))
        assert f"({len(lines)} triples)" in res.output


def test_cli_sparql_refuses_a_table_in_a_graph_file(tmp_path: Any) -> None:
    out = tmp_path / "rows.ttl"
    res = CliRunner().invoke(
        cli, ["sparql", "SELECT * WHERE { }", "-o", str(out), "--store", "memory:"]
    )
    assert res.exit_code == 2, res.output
    assert "only CONSTRUCT and DESCRIBE give" in res.output and not out.exists()
