"""Every conversion of RDF terms between rdflib, pyoxigraph and the SPARQL wire formats.

One place for them, so that all paths normalise text the same way (NFC: "José" typed on a Mac
and on Windows is one literal) and check IRIs with the same (pyoxigraph's, strict) parser.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from cokg.errors import InputError, ParameterError, QueryError, StoreError
from cokg.namespaces import XSD

XSD_STRING = str(XSD.string)
XSD_INTEGER = str(XSD.integer)

Triple = tuple[Node, Node, Node]


# --- terms ---------------------------------------------------------------------------------


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term (literal text NFC-normalised)."""
    if isinstance(term, URIRef):
        try:
            return ox.NamedNode(str(term))
        except ValueError as exc:
            raise ParameterError(f"not a valid IRI: {str(term)!r} ({exc})") from None
    if isinstance(term, BNode):
        return ox.BlankNode(str(term)) if re.fullmatch(r"[A-Za-z0-9_]+", term) else ox.BlankNode()
    if isinstance(term, Literal):
        value = nfc(str(term))
        if term.language:
            return ox.Literal(value, language=term.language)
        if term.datatype is not None:
            return ox.Literal(value, datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(value)
    raise ParameterError(f"cannot use {term!r} as an RDF term")


# A listing's cells are mostly plain strings and integers. rdflib's Literal() parses every
# lexical form to find its Python value (2 us for a string, 4.5 us for an integer, a third of
# a small listing's time in cokg); for these two the value is known from the text, so the
# literal is built as rdflib builds it, without the parse. `_fast_literals_agree` checks at
# import that the result is the very literal rdflib makes, and turns this off if a version of
# rdflib builds them differently.
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,17}")  # rdflib keeps these as written
_INTEGER_REF = URIRef(XSD_INTEGER)


def _plain_literal(text: str) -> Literal:
    """Literal(text): an untyped string is its own value."""
    lit = str.__new__(Literal, text)
    lit._language = None
    lit._datatype = None
    lit._value = text
    lit._ill_typed = None
    return lit


def _integer_literal(text: str) -> Literal:
    """Literal(text, datatype=xsd:integer) for a canonical integer (no sign, no zeros first)."""
    lit = str.__new__(Literal, text)
    lit._language = None
    lit._datatype = _INTEGER_REF
    lit._value = int(text)
    lit._ill_typed = False
    return lit


def _lang_literal(text: str, language: str) -> Literal:
    """Literal(text, lang=language) for a tag rdflib accepts (`_RDFLIB_LANGUAGE`): a
    language-tagged string is its own value."""
    lit = str.__new__(Literal, text)
    lit._language = language
    lit._datatype = None
    lit._value = text
    lit._ill_typed = None
    return lit


def _iri(text: str) -> URIRef:
    """URIRef(text) for an IRI pyoxigraph has already parsed (rdflib's check only warns)."""
    return str.__new__(URIRef, text)


# the tags rdflib's Literal accepts (`rdflib.term._is_valid_langtag`); others go to Literal()
_RDFLIB_LANGUAGE = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")


def _fast_literals_agree() -> bool:
    def same(a: Literal, b: Literal) -> bool:
        return (
            a == b and hash(a) == hash(b) and a.value == b.value and type(a.value) is type(b.value)
            and a.datatype == b.datatype and a.language == b.language
            and a.ill_typed == b.ill_typed and a.n3() == b.n3()
        )  # fmt: skip

    def _same_iri(a: URIRef, b: URIRef) -> bool:
        return a == b and hash(a) == hash(b) and a.n3() == b.n3() and type(a) is type(b)

    try:
        return (
            all(same(_plain_literal(t), Literal(t)) for t in ("", "a b", "Ü"))
            and all(
                same(_integer_literal(t), Literal(t, datatype=XSD.integer))
                for t in ("0", "-7", "420")
            )
            and all(
                same(_lang_literal(t, tag), Literal(t, lang=tag))
                for t, tag in (("", "en"), ("Vårdcentral", "sv"), ("a b", "en-gb"), ("x", "en-GB"))
            )
            and all(_same_iri(_iri(t), URIRef(t)) for t in ("https://w3id.org/cokg/a", "urn:x:é"))
        )
    except Exception:  # any difference in rdflib's internals: its constructor, then
        return False


_FAST_LITERALS = _fast_literals_agree()


def from_ox(term: Any, *, as_written: bool = False) -> Node:
    """A pyoxigraph term as an rdflib term. xsd:string literals become plain rdflib literals,
    as rdflib's own parsers and SPARQL JSON results produce them.

    `as_written=True` is for input being checked (a submission, the shapes): a typed literal
    keeps its text exactly as written (rdflib would turn "yes"^^xsd:boolean into "false" and
    drop a time zone), so what is checked is what was submitted; a term rdflib cannot hold (an
    RDF 1.2 triple term) is then an InputError rather than a StoreError. rdflib's literals have
    no base direction: "x"@en--ltr becomes "x"@en."""
    kind = type(term)  # pyoxigraph term classes cannot be subclassed: exact type checks
    if kind is ox.NamedNode:
        return _iri(term.value) if _FAST_LITERALS else URIRef(term.value)
    if kind is ox.Literal:
        if term.language:
            return _language_literal(term.value, term.language)
        return _typed_literal(term.value, term.datatype.value, as_written)
    if kind is ox.BlankNode:
        return BNode(term.value)
    if as_written:
        raise InputError(f"unsupported RDF term {term!r}")
    raise StoreError(f"unsupported RDF term in a result: {term!r}")


def _language_literal(text: str, language: str) -> Literal:
    if _FAST_LITERALS and _RDFLIB_LANGUAGE.fullmatch(language):
        return _lang_literal(text, language)
    return Literal(text, lang=language)


def _typed_literal(text: str, datatype: str, as_written: bool = False) -> Literal:
    """A literal of `datatype` (an IRI) as from_ox makes it."""
    if datatype == XSD_STRING:
        return _plain_literal(text) if _FAST_LITERALS else Literal(text)
    if datatype == XSD_INTEGER and _FAST_LITERALS and _CANONICAL_INTEGER.fullmatch(text):
        return _integer_literal(text)
    if as_written:
        return Literal(text, datatype=URIRef(datatype), normalize=False)
    return Literal(text, datatype=URIRef(datatype))


class TermMemo(dict):
    """from_ox with a memo, for one answer: `memo[term]`, None for None. A listing repeats its
    terms (case, finding, construct in every row: 68k distinct terms in 550k cells of
    `quotations` at 1M triples), and a typed rdflib Literal costs ~7 us to build (it parses its
    lexical form), so each distinct term is converted once; rdflib terms are immutable.
    `as_written` is passed on to from_ox."""

    def __init__(self, *, as_written: bool = False) -> None:
        super().__init__({None: None})
        self.as_written = as_written

    def __missing__(self, term: Any) -> Node:
        node = self[term] = from_ox(term, as_written=self.as_written)
        return node


# The short forms of the SPARQL TSV results format that pyoxigraph writes and TsvMemo reads
# itself: an integer (the other bare forms, decimals, doubles and booleans, go to its parser)
_BARE_INTEGER = re.compile(r"[+-]?[0-9]+")


class TsvMemo(dict):
    """The rdflib term of a cell of a SPARQL TSV answer as pyoxigraph writes it ("" for an
    unbound cell: None), each distinct cell converted once, for one answer.

    The cells cokg's listings are made of (IRIs, plain, language-tagged and typed literals
    without a backslash, blank nodes, integers) are read here from the text: splitting the
    answer and reading its distinct cells costs a fifth of parsing it into pyoxigraph terms
    and converting those (`constructs` at 1M triples: 3.2 -> 0.6 ms). Any other cell (an
    escape, a bare decimal, double or boolean, a triple term) goes to pyoxigraph's parser and
    from_ox, so each cell becomes exactly the term from_ox makes of the parsed answer (the
    tests compare both on every saved query and on hostile values)."""

    def __init__(self) -> None:
        super().__init__({"": None})

    def __missing__(self, cell: str) -> Node:
        node = self[cell] = _tsv_cell(cell)
        return node


def _tsv_cell(cell: str) -> Node:
    if "\\" not in cell and _FAST_LITERALS:
        first = cell[0]
        if first == "<":
            if cell[-1] == ">" and not cell.startswith("<<"):
                return _iri(cell[1:-1])
        elif first == '"':
            end = cell.rfind('"')
            if end > 0:
                text, rest = cell[1:end], cell[end + 1 :]
                if not rest:
                    return _plain_literal(text)
                # a tag rdflib takes; not one with a base direction ("x"@en--ltr)
                if rest[0] == "@" and _RDFLIB_LANGUAGE.fullmatch(rest, 1):
                    return _lang_literal(text, rest[1:])
                if rest.startswith("^^<") and rest[-1] == ">":
                    return _typed_literal(text, rest[3:-1])
        elif cell.startswith("_:"):
            return BNode(cell[2:])
        elif _BARE_INTEGER.fullmatch(cell):
            return _typed_literal(cell, XSD_INTEGER)
    parsed = ox.parse_query_results(f"?x\n{cell}\n".encode(), format=ox.QueryResultsFormat.TSV)
    assert isinstance(parsed, ox.QuerySolutions)
    term = next(iter(parsed))[0]
    if term is None:  # cannot happen for a non-empty cell; refuse rather than guess
        raise StoreError(f"unreadable cell in a result: {cell!r}")
    return from_ox(term)


def from_json(cell: Mapping[str, str]) -> Node:
    """A term of the SPARQL 1.1 JSON results format as an rdflib term."""
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang = cell.get("xml:lang")
        if lang:
            return Literal(value, lang=lang)
        dt = cell.get("datatype")
        if dt and dt != XSD_STRING:
            return Literal(value, datatype=URIRef(dt))
        return Literal(value)
    raise QueryError(f"unsupported term in the endpoint's answer: {cell!r}")


# A term on the wire between the server and its query workers (which load no rdflib):
# ("uri", iri) | ("bnode", id) | ("literal", lexical, datatype | None, language | None)
# | ("triple", text) for an RDF 1.2 triple term, shown as its text.
WireTerm = tuple


def to_wire(t: Node | None) -> WireTerm | None:
    """An rdflib term as a wire tuple."""
    if t is None:
        return None
    if isinstance(t, URIRef):
        return ("uri", str(t))
    if isinstance(t, BNode):
        return ("bnode", str(t))
    if isinstance(t, Literal):
        datatype = str(t.datatype) if t.datatype is not None else None
        return ("literal", str(t), datatype, t.language)
    return ("triple", str(t))


def from_wire(t: WireTerm | None) -> Node | None:
    """A wire tuple as an rdflib term (a triple term as a literal of its text)."""
    if t is None:
        return None
    if t[0] == "uri":
        return URIRef(t[1])
    if t[0] == "bnode":
        return BNode(t[1])
    if t[0] == "triple":
        return Literal(t[1])
    _, value, datatype, language = t
    if language:
        return Literal(value, lang=language)
    if datatype and datatype != XSD_STRING:
        return Literal(value, datatype=URIRef(datatype))
    return Literal(value)


def graph_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(str(iri))
    except ValueError:
        raise ParameterError(f"not a valid graph IRI: {iri!r}") from None


def triples_to_quads(graph: ox.NamedNode, triples: Iterable[Triple]) -> list[ox.Quad]:
    """Quads for one graph; blank nodes get fresh identifiers scoped to this graph."""
    bnodes: dict[str, ox.BlankNode] = {}

    def conv(t: Node) -> Any:
        if isinstance(t, BNode):
            if str(t) not in bnodes:
                bnodes[str(t)] = ox.BlankNode()
            return bnodes[str(t)]
        return to_ox(t)

    out = []
    for s, p, o in triples:
        out.append(ox.Quad(conv(s), conv(p), conv(o), graph))
    return out
