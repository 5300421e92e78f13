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
