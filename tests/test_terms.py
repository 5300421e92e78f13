"""Terms from the engine become exactly the rdflib terms rdflib itself would make.

`cokg.terms.from_ox` builds plain strings and canonical integers without rdflib's parse of the
lexical form (the larger part of converting a small listing); every other literal goes through
rdflib's constructor. These tests hold the two ways to the same literal, term by term.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from cokg import namespaces
from cokg.terms import _FAST_LITERALS, TermMemo, from_ox


def _same(got: object, want: Literal) -> None:
    assert isinstance(got, Literal)
    assert got == want and hash(got) == hash(want)
    assert got.value == want.value and type(got.value) is type(want.value)
    assert got.datatype == want.datatype and got.language == want.language
    assert got.ill_typed == want.ill_typed and got.n3() == want.n3()
    assert str(got) == str(want)


def test_the_fast_literals_are_on_with_this_rdflib() -> None:
    # off, every literal would take rdflib's constructor: correct, only slower
    assert _FAST_LITERALS


@pytest.mark.parametrize(
    "text", ["", "x", "Jönköping", "line\nbreak", "  spaced  ", '"quoted"', "2015", "+5", "𝔘"]
)
def test_a_string_is_the_literal_rdflib_makes(text: str) -> None:
    _same(from_ox(ox.Literal(text)), Literal(text))


@pytest.mark.parametrize(
    "text",
    ["0", "7", "-7", "2015", "123456789012345678", "-0", "+5", "007", "1234567890123456789012",
     " 5", "5.0", "x", ""],
)  # fmt: skip
def test_an_integer_is_the_literal_rdflib_makes(text: str) -> None:
    # canonical ones are built directly; the rest ("-0", "+5", "007", too long, ill-typed) by
    # rdflib, which normalises or flags them
    term = ox.Literal(text, datatype=ox.NamedNode(str(namespaces.XSD.integer)))
    _same(from_ox(term), Literal(text, datatype=namespaces.XSD.integer))


@pytest.mark.parametrize(
    ("text", "name"),
    [("2015", "gYear"), ("2015-06", "gYearMonth"), ("1.50", "decimal"), ("true", "boolean"),
     ("2015-06-24", "date"), ("abc", "token")],
)  # fmt: skip
def test_other_literals_take_rdflib_s_constructor(text: str, name: str) -> None:
    datatype = URIRef(str(namespaces.XSD) + name)
    term = ox.Literal(text, datatype=ox.NamedNode(str(datatype)))
    _same(from_ox(term), Literal(text, datatype=datatype))
    _same(from_ox(ox.Literal(text, language="en")), Literal(text, lang="en"))


def test_a_memo_converts_each_term_once() -> None:
    memo = TermMemo()
    a = memo[ox.Literal("same")]
    assert memo[ox.Literal("same")] is a and memo[None] is None
    assert memo[ox.NamedNode("https://example.org/x")] == URIRef("https://example.org/x")


# --- answers read from the TSV text the query child sends -------------------------------------

_HOSTILE_VALUES = r"""
SELECT * WHERE {
  VALUES (?a ?b) {
    (1 "x") (-5 "t\ta\nb\\c\"d\u0001") (1.5 "é"@en-GB) (1e3 "2015"^^xsd:gYear)
    (true <http://example.org/ü#x>) ("007"^^xsd:integer UNDEF) ("abc"^^xsd:integer "")
    ("x"@en "1.50"^^xsd:decimal) ("+3"^^xsd:integer "false"^^xsd:boolean)
    ("1"^^xsd:boolean "INF"^^xsd:double) ("Jönköping"@sv "é\r"^^<http://example.org/é>)
    ("tab\there"@en "2015-06"^^xsd:gYearMonth) ("x"^^xsd:token " 2015 "^^xsd:gYear)
    ("123456789012345678901234567890"^^xsd:integer "-0"^^xsd:integer)
    ("2015-06-24"^^xsd:date "\"only quotes\"") (UNDEF UNDEF) ("𝔘 '"@de-CH-1996 "<not an iri>")
    ("  spaced  " "  spaced  "@en) ("rtl"@ar--rtl "ltr"@en-GB--ltr)
  }
  BIND(BNODE() AS ?c)
}"""


def _same_term(got: object, want: object) -> None:
    assert type(got) is type(want)
    if isinstance(want, Literal):
        _same(got, want)
    else:
        assert got == want and hash(got) == hash(want)


def _both_ways(store: ox.Store, sparql: str, keep: int | None = None) -> tuple[object, object]:
    from cokg.store.oxigraph import _select, _select_tsv

    result = store.query(sparql, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    tsv = result.serialize(format=ox.QueryResultsFormat.TSV)
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    return _select_tsv(tsv, keep), _select(parsed, keep)


def _assert_alike(fast: object, slow: object) -> None:
    assert fast is not None and slow is not None
    assert fast.variables == slow.variables and fast.unread == slow.unread
    assert len(fast.rows) == len(slow.rows)
    for got_row, want_row in zip(fast.rows, slow.rows, strict=True):
        assert got_row.keys() == want_row.keys()
        for v in want_row:
            _same_term(got_row[v], want_row[v])


@pytest.mark.parametrize("keep", [None, 0, 3, 100])
def test_a_tsv_answer_reads_as_the_parsed_answer_on_hostile_values(keep: int | None) -> None:
    # escapes, short forms, odd datatypes, language tags, blank nodes, unbound cells: the cells
    # read in Python and those left to pyoxigraph's parser give from_ox's very terms
    store = ox.Store()
    prefix = f"PREFIX xsd: <{namespaces.XSD}>\n"
    fast, slow = _both_ways(store, prefix + _HOSTILE_VALUES, keep)
    _assert_alike(fast, slow)
    if keep is None:
        assert len(fast.rows) == 19 and fast.unread == 0
        assert fast.rows[1]["b"] == Literal('t\ta\nb\\c"d\x01')  # escapes undone
        assert fast.rows[15]["a"] is None and fast.rows[15]["b"] is None
        # rdflib's literals have no base direction (RDF 1.2): the language tag alone is kept
        assert fast.rows[18]["a"] == Literal("rtl", lang="ar")
        assert fast.rows[18]["b"] == Literal("ltr", lang="en-GB")


def test_an_answer_without_variables_is_left_to_the_parser() -> None:
    from cokg.store.oxigraph import _result

    store = ox.Store()
    for sparql in ("SELECT * WHERE {}", "SELECT * WHERE { FILTER(false) }"):
        result = store.query(sparql)
        assert isinstance(result, ox.QuerySolutions)
        answer = _result(("select", result.serialize(format=ox.QueryResultsFormat.TSV)))
        assert answer.rows == ([{}] if "false" not in sparql else [])


def test_every_saved_query_reads_alike_both_ways(built_store: object) -> None:
    # the founding store's every listing, through the text and through the parser
    from cokg.query.saved import list_queries

    store = ox.Store.read_only(str(built_store))
    compared = 0
    for query in list_queries():
        if query.returns and "SELECT" in query.body.upper():
            fast, slow = _both_ways(store, query.body)
            _assert_alike(fast, slow)
            compared += len(slow.rows)
    assert compared > 1000
