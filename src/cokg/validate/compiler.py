"""SHACL -> SPARQL: every constraint of the shapes compiled to a SELECT query per violation.

The compiled queries run over a union default graph: a scratch store holding a submission and
its context (`cokg.validate.sparql_engine`), or a whole store (`validate_store`), which pySHACL
cannot validate at scale. What cokg's shapes use is compiled (predicate paths only; node kind,
datatype, pattern, class, sh:in, sh:or, sh:not, counts, SPARQL constraints); the tests compare
the results with pySHACL's on every fixture, so a constraint left out shows there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cokg.errors import InputError
from cokg.models import ValidationResult
from cokg.namespaces import RDF, SH, XSD, sparql_prologue
from cokg.validate import compiled_cache
from cokg.validate.locate import short
from cokg.validate.shapes import (
    SEVERITY,
    ontology_key,
    shapes_graph,
    shapes_version,
    subclasses,
)

# datatypes rdflib checks on parse: an ill-formed literal fails sh:datatype there
_LEXICAL: dict[Node, str] = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.nonNegativeInteger: r"^(\+?[0-9]+|-0+)$",
    XSD.positiveInteger: r"^\+?0*[1-9][0-9]*$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?$",
}


# On a SPARQL constraint: the same check written set-based (MINUS, aggregates) for the SPARQL
# engine, where per-focus-node NOT EXISTS is slow; `$target` is replaced by the focus nodes.
# SHACL forbids MINUS and VALUES in sh:select itself, so the two texts live side by side and
# tests check that both give the same results.
STORE_SELECT = URIRef("https://w3id.org/cokg/shapes#storeSelect")

# Oxigraph canonicalises literals of the derived integer types to xsd:integer, so the SPARQL
# engine cannot tell "1"^^xsd:integer from "1"^^xsd:positiveInteger; it checks the value range.
_INTEGER_SUBTYPES = {XSD.nonNegativeInteger, XSD.positiveInteger}


@dataclass(frozen=True)
class CompiledConstraint:
    """One shape constraint as a SPARQL SELECT returning ?this (?value) (?path) per violation."""

    query: str
    severity: str
    component: URIRef
    source_shape: Node
    path: Node | None
    message: str
    source_constraint: Node | None = None
    # batched queries: (?ps, ?comp) of a row -> the constraint that row violates
    variants: Mapping[tuple[Node | None, Node | None], CompiledConstraint] = field(
        default_factory=dict
    )
    # a SPARQL constraint on every typed record (`sh:targetSubjectsOf rdf:type`): it reads the
    # whole store, so a whole-store validation starts it first (`_job_cost`)
    every_record: bool = False

    def result(self, row: Mapping[str, Node | None]) -> ValidationResult:
        if self.variants:
            one = self.variants[(row.get("ps"), row.get("comp"))]
            return one.result({k: v for k, v in row.items() if k not in ("ps", "comp")})
        value = row.get("value")
        path = row.get("path") or self.path
        msg = self.message
        for k, v in row.items():
            if v is not None:
                msg = msg.replace("{?" + k + "}", short(v)).replace("{$" + k + "}", short(v))
        return ValidationResult(
            severity=self.severity,
            focus_node=cast(Node, row["this"]),  # every compiled query binds ?this
            path=path,
            constraint_component=self.component,
            source_shape=self.source_shape,
            message=msg,
            value=value,
            source_constraint=self.source_constraint,
        )


def _lit_str(node: Node | None) -> str:
    return str(node) if node is not None else ""


def _regex(pattern: str, flags: str = "") -> str:
    return Literal(pattern).n3() + (", " + Literal(flags).n3() if flags else "")


# value-range parameters: (parameter, the comparison a conforming value passes, component)
_RANGES = (
    (SH.minInclusive, ">=", SH.MinInclusiveConstraintComponent),
    (SH.maxInclusive, "<=", SH.MaxInclusiveConstraintComponent),
    (SH.minExclusive, ">", SH.MinExclusiveConstraintComponent),
    (SH.maxExclusive, "<", SH.MaxExclusiveConstraintComponent),
)
# What a property shape may say: anything else would be silently skipped by the compiled
# validation while pySHACL checks it, so the compiler refuses it (tests/test_shapes.py).
SUPPORTED_PROPERTY_PARAMETERS = frozenset(
    {SH.path, SH.name, SH.description, SH.message, SH.severity, SH.minCount, SH.maxCount,
     SH.datatype, SH.pattern, SH.flags, SH.nodeKind, SH["class"], SH["in"], SH["or"],
     SH["not"], SH.order, SH.group, RDF.type} | {r[0] for r in _RANGES}
)  # fmt: skip


def _value_test(shapes: Graph, shape: Node, v: str) -> list[tuple[URIRef, str]]:
    """(component, SPARQL boolean expression that is TRUE when `v` violates it)."""
    out: list[tuple[URIRef, str]] = []
    dt = shapes.value(shape, SH.datatype)
    if dt is not None:
        if dt in _INTEGER_SUBTYPES:  # Oxigraph stores these as xsd:integer
            bad = f"(!isLiteral({v}) || datatype({v}) NOT IN ({dt.n3()}, xsd:integer)"
        else:
            bad = f"(!isLiteral({v}) || datatype({v}) != {dt.n3()}"
        if dt != RDF.langString:
            # a language tag makes it rdf:langString, which Virtuoso 7 gives as xsd:string
            bad += f' || LANG({v}) != ""'
        if dt in _LEXICAL:
            bad += f" || !REGEX(STR({v}), {_regex(_LEXICAL[dt])})"
        out.append((SH.DatatypeConstraintComponent, bad + ")"))
    for pat in shapes.objects(shape, SH.pattern):
        flags = _lit_str(shapes.value(shape, SH.flags))
        out.append(
            (
                SH.PatternConstraintComponent,
                f"(isBlank({v}) || !REGEX(STR({v}), {_regex(str(pat), flags)}))",
            )
        )
    for param, op, comp in _RANGES:
        bound = shapes.value(shape, param)
        if bound is not None:
            # COALESCE: a value that cannot be compared with the bound (a string against a
            # number) is a violation too, as in SHACL
            out.append((comp, f"COALESCE(!({v} {op} {bound.n3()}), true)"))
    kind = shapes.value(shape, SH.nodeKind)
    if kind is not None:
        kinds: dict[Node, str] = {
            SH.IRI: f"!isIRI({v})",
            SH.Literal: f"!isLiteral({v})",
            SH.BlankNode: f"!isBlank({v})",
            SH.BlankNodeOrIRI: f"isLiteral({v})",
            SH.IRIOrLiteral: f"isBlank({v})",
            SH.BlankNodeOrLiteral: f"isIRI({v})",
        }
        test = kinds[kind]
        out.append((SH.NodeKindConstraintComponent, test))
    cls = shapes.value(shape, SH["class"])
    if cls is not None:  # the ontology's subclass closure, listed: cheaper than a path
        classes = ", ".join(c.n3() for c in _subclasses(cls))
        out.append(
            (
                SH.ClassConstraintComponent,
                f"NOT EXISTS {{ {v} rdf:type ?cls_ FILTER (?cls_ IN ({classes})) }}",
            )
        )
    lst = shapes.value(shape, SH["in"])
    if lst is not None:
        members = ", ".join(m.n3() for m in Collection(shapes, lst))
        out.append((SH.InConstraintComponent, f"({v} NOT IN ({members}))"))
    orl = shapes.value(shape, SH["or"])
    if orl is not None:
        alts = []
        for alt in Collection(shapes, orl):
            tests = [t for _, t in _value_test(shapes, alt, v)]
            alts.append("(" + (" || ".join(tests) if tests else "false") + ")")
        out.append((SH.OrConstraintComponent, "(" + " && ".join(alts) + ")"))
    notl = shapes.value(shape, SH["not"])
    if notl is not None:
        tests = [t for _, t in _value_test(shapes, notl, v)]
        out.append(
            (SH.NotConstraintComponent, "!(" + (" || ".join(tests) if tests else "false") + ")")
        )
    return out


def _targets(shapes: Graph, shape: Node) -> list[str]:
    """Graph patterns binding ?this to the focus nodes of a shape. Class targets use the
    ontology's subclass closure as a VALUES list: much cheaper than a property path."""
    out = []
    for c in shapes.objects(shape, SH.targetClass):
        classes = " ".join(x.n3() for x in _subclasses(c))
        out.append(f"VALUES ?type {{ {classes} }} ?this rdf:type ?type .")
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        out.append(f"?this {p.n3()} [] .")
    for p in shapes.objects(shape, SH.targetObjectsOf):
        out.append(f"[] {p.n3()} ?this .")
    for n in shapes.objects(shape, SH.targetNode):
        out.append(f"BIND ({n.n3()} AS ?this)")
    return out


def _is_target(tgt: str) -> str:
    """A filter keeping the rows whose (already bound) ?this is a focus node of `tgt`."""
    return f"FILTER ({_is_target_expr(tgt)})"


def _is_target_expr(tgt: str) -> str:
    """A boolean expression: whether the (already bound) ?this is a focus node of `tgt`."""
    m = re.fullmatch(r"BIND \((.*) AS \?this\)", tgt)
    if m:  # a target node: BIND cannot rebind ?this inside EXISTS
        return f"sameTerm(?this, {m.group(1)})"
    return f"EXISTS {{ {tgt} }}"


# The ontology version being compiled against: computed once per compilation, not once for
# each of the ~130 class lookups (each would list and stat the ontology files).
_ONTOLOGY: ContextVar[tuple | None] = ContextVar("ontology", default=None)


def _subclasses(cls: Node) -> list[Node]:
    return subclasses(cls, key=_ONTOLOGY.get())


@lru_cache(maxsize=4)
def _compile(version: str, ontology: tuple) -> tuple[CompiledConstraint, ...]:
    # once per process here, once per version of the shapes, ontology and compiler on disk
    key = compiled_cache.cache_key(version, ontology)
    saved = compiled_cache.read(key)
    if saved is not None:
        return saved
    token = _ONTOLOGY.set(ontology)
    try:
        compiled = _compile_all()
    finally:
        _ONTOLOGY.reset(token)
    compiled_cache.write(key, compiled)
    return compiled


def _compile_all() -> tuple[CompiledConstraint, ...]:
    shapes = shapes_graph()
    pro = sparql_prologue()
    out: list[CompiledConstraint] = []
    cards = _Batches()
    for shape in sorted(shapes.subjects(RDF.type, SH.NodeShape), key=str):
        targets = _targets(shapes, shape)
        if not targets:
            continue
        sev = SEVERITY.get(shapes.value(shape, SH.severity), "violation")
        for tgt in targets:
            target = f"{{ SELECT DISTINCT ?this WHERE {{ {tgt} }} }}"
            is_target = _is_target(tgt)
            # node-level constraints (sh:not, sh:class ... directly on the node shape)
            for comp, test in _value_test(shapes, shape, "?this"):
                out.append(
                    CompiledConstraint(
                        query=f"{pro}SELECT DISTINCT ?this (?this AS ?value) "
                        f"WHERE {{ {target} FILTER ({test}) }}",
                        severity=sev,
                        component=comp,
                        source_shape=shape,
                        path=None,
                        message=_lit_str(shapes.value(shape, SH.message)),
                    )
                )
            out.extend(_compile_properties(shapes, shape, target, is_target, pro, cards, tgt))
            for sc in shapes.objects(shape, SH.sparql):
                out.extend(_compile_sparql(shapes, shape, sc, tgt, target, pro, sev))
    # the batches first: the property shapes' results came before the SPARQL constraints'
    # results, and merging results keeps the first of those on one record, property and value
    return (*cards.compile(pro), *out)


def compile_shapes() -> tuple[CompiledConstraint, ...]:
    """Every constraint of the shapes as a SPARQL query over the union default graph."""
    return _compile(shapes_version(), ontology_key())


def _ps_term(ps: Node) -> URIRef:
    """A property shape as the batched queries name it in VALUES, which takes no blank node:
    a shape written as `sh:property [ ... ]` gets an IRI of its own (never stored)."""
    return ps if isinstance(ps, URIRef) else URIRef(f"urn:cokg:shape:{ps}")


@dataclass
class _Batches:
    """The property shapes' checks of every node shape, compiled to a few queries per
    predicate for the whole set of shapes rather than one query per check (365 -> 177).

    Each query reads a predicate's triples once, whatever the number of shapes using it,
    and joins by hashing: on the on-disk store an index lookup per focus node and property
    (FILTER NOT EXISTS, or the self-join `?this ?p ?v1 . ?this ?p ?v2`) costs 4-8x more than
    in memory, and those lookups took most of the whole-store validation time (10 s of 23 s
    at 1M triples). Maximum counts: each subject's values of the predicates counted, the few
    pairs above a maximum kept, then whether those subjects are focus nodes of the shape
    concerned. Minimum counts: an anti-join (MINUS) of focus node x property against the
    subjects having the property. Value checks: the failing values first, then their focus
    nodes. Rows name their property shape (?ps) and component (?comp)."""

    # target pattern -> (property shape, predicate) with sh:minCount 1
    mins: dict[str, list[tuple[Node, URIRef]]] = field(default_factory=dict)
    # target pattern -> (property shape, predicate, maximum)
    maxs: dict[str, list[tuple[Node, URIRef, int]]] = field(default_factory=dict)
    min_variants: dict[tuple[Node | None, Node | None], CompiledConstraint] = field(
        default_factory=dict
    )
    max_variants: dict[tuple[Node | None, Node | None], CompiledConstraint] = field(
        default_factory=dict
    )

    # predicate -> (property shape, component, test on ?value, target pattern, constraint):
    # the value checks that read no other triple, run one query per predicate
    values: dict[URIRef, list[tuple[Node, URIRef, str, str, CompiledConstraint]]] = field(
        default_factory=dict
    )

    # (predicate, the class and its subclasses) -> the sh:class checks on them, as above
    classes: dict[tuple[URIRef, str], list[tuple[Node, URIRef, str, str, CompiledConstraint]]] = (
        field(default_factory=dict)
    )

    def compile(self, pro: str) -> list[CompiledConstraint]:
        out = []
        for p, checks in sorted(self.values.items()):
            tests = " || ".join(dict.fromkeys(t for _, _, t, _, _ in checks))
            out.append(self._value_query(pro, p, f"?this {p.n3()} ?value FILTER ({tests})", checks))
        # sh:class: an anti-join (MINUS: one hash of the class's instances) rather than a NOT
        # EXISTS lookup per value (0.14 s -> 0.02 s for a finding's case at 1M)
        for (p, classes), checks in sorted(self.classes.items()):
            lacking = (
                f"?this {p.n3()} ?value "
                f"MINUS {{ VALUES ?cls_ {{ {classes} }} ?value rdf:type ?cls_ }}"
            )
            out.append(self._value_query(pro, p, lacking, checks))
        if self.maxs:
            out.append(self._max_query(pro))
        if self.mins:
            out.append(self._min_query(pro))
        return out

    def _value_query(
        self,
        pro: str,
        p: URIRef,
        failing: str,
        checks: list[tuple[Node, URIRef, str, str, CompiledConstraint]],
    ) -> CompiledConstraint:
        """The value checks of every shape on predicate `p`: its triples read once, those
        `failing` some check kept, then each (few) failing value matched with the checks it
        fails on focus nodes of their shapes. ORDER BY keeps the checks' order (one query each
        before), which breaks ties in a report."""
        rows, dispatch = [], []
        variants: dict[tuple[Node | None, Node | None], CompiledConstraint] = {}
        for k, (ps, comp, test, tgt, c) in enumerate(checks):
            rows.append(f"({_ps_term(ps).n3()} {comp.n3()} {k})")
            dispatch.append(f"(?k = {k} && ({test}) && {_is_target_expr(tgt)})")
            variants[(_ps_term(ps), comp)] = c
        q = (f"{pro}SELECT ?this ?value ?ps ?comp WHERE {{ {{ SELECT ?this ?value WHERE {{ "
             f"{failing} }} GROUP BY ?this ?value }} "
             f"VALUES (?ps ?comp ?k) {{ {' '.join(rows)} }} "
             f"FILTER ({' || '.join(dispatch)}) }} ORDER BY ?k")  # fmt: skip
        return CompiledConstraint(q, "", SH.Shape, SH.Shape, p, "", variants=variants)

    def _max_query(self, pro: str) -> CompiledConstraint:
        targets = sorted(self.maxs)
        rows, floor = [], dict[URIRef, int]()
        for k, tgt in enumerate(targets):
            for ps, p, mx in sorted(set(self.maxs[tgt]), key=str):
                rows.append(f"({_ps_term(ps).n3()} {p.n3()} {mx} {k})")
                floor[p] = min(mx, floor.get(p, mx))
        # Subjects with two triples or more of a predicate (COUNT(*): cheaper than counting
        # distinct values, and a superset of them, as a union default graph may repeat a
        # triple), then their distinct values counted; a predicate whose maximum is 0
        # somewhere has every subject counted.
        many = " ".join(p.n3() for p, n in sorted(floor.items(), key=str) if n > 0)
        none = " ".join(p.n3() for p, n in sorted(floor.items(), key=str) if n == 0)
        counted = []
        if many:
            counted.append(
                f"{{ SELECT ?this ?p (COUNT(DISTINCT ?v) AS ?n) WHERE {{ "
                f"{{ SELECT ?this ?p WHERE {{ VALUES ?p {{ {many} }} ?this ?p ?v }} "
                f"GROUP BY ?this ?p HAVING (COUNT(*) > 1) }} ?this ?p ?v }} GROUP BY ?this ?p }}"
            )
        if none:
            counted.append(
                f"{{ SELECT ?this ?p (COUNT(DISTINCT ?v) AS ?n) WHERE {{ "
                f"VALUES ?p {{ {none} }} ?this ?p ?v }} GROUP BY ?this ?p }}"
            )
        dispatch = " || ".join(
            f"(?t = {k} && {_is_target_expr(tgt)})" for k, tgt in enumerate(targets)
        )
        # The counts meet their maxima by FILTER, not by a join on ?p: Virtuoso 7 joined the
        # counts of a subject's every predicate with each maximum (a violation of one maximum
        # became one of every property the subject has). As fast on Oxigraph (324k triples).
        q = (f"{pro}SELECT DISTINCT ?this ?ps WHERE {{ {{ {' UNION '.join(counted)} }} "
             f"VALUES (?ps ?max_p ?max ?t) {{ {' '.join(rows)} }} "
             f"FILTER (?p = ?max_p && ?n > ?max) FILTER ({dispatch}) }}")  # fmt: skip
        return CompiledConstraint(q, "", SH.Shape, SH.Shape, None, "", variants=self.max_variants)

    def _min_query(self, pro: str) -> CompiledConstraint:
        branches, preds = [], set[URIRef]()
        for tgt in sorted(self.mins):
            pairs = sorted(set(self.mins[tgt]), key=str)
            preds.update(p for _, p in pairs)
            values = " ".join(f"({_ps_term(ps).n3()} {p.n3()})" for ps, p in pairs)
            focus = f"{{ SELECT DISTINCT ?this WHERE {{ {tgt} }} }}"
            branches.append(f"{{ {focus} VALUES (?ps ?p) {{ {values} }} }}")
        have = " ".join(p.n3() for p in sorted(preds, key=str))
        q = (f"{pro}SELECT ?this ?ps WHERE {{ {' UNION '.join(branches)} "
             f"MINUS {{ VALUES ?p {{ {have} }} ?this ?p ?v }} }}")  # fmt: skip
        return CompiledConstraint(q, "", SH.Shape, SH.Shape, None, "", variants=self.min_variants)


def _compile_properties(
    shapes: Graph,
    shape: Node,
    target: str,
    is_target: str,
    pro: str,
    cards: _Batches | None = None,
    tgt: str = "",
) -> list[CompiledConstraint]:
    """Queries for the property shapes of one node shape: one query per value check
    (datatype, pattern, class, in, or, ...) and per sh:minCount above 1; its sh:minCount 1
    and sh:maxCount constraints go to `cards` (the focus nodes given by the target pattern
    `tgt`), compiled with every other shape's."""
    out: list[CompiledConstraint] = []
    collect = cards is not None
    cards = cards if cards is not None else _Batches()
    for ps in sorted(shapes.objects(shape, SH.property), key=str):
        path = shapes.value(ps, SH.path)
        if not isinstance(path, URIRef):
            raise InputError(f"only predicate paths are supported (shape {ps})")
        unknown = set(shapes.predicates(ps, None)) - SUPPORTED_PROPERTY_PARAMETERS
        if unknown:
            names = ", ".join(sorted(str(u) for u in unknown))
            raise InputError(f"shape {ps} uses {names}, which the compiled validation lacks")
        sev = SEVERITY.get(shapes.value(ps, SH.severity), "violation")
        msg = _lit_str(shapes.value(ps, SH.message))
        p = path.n3()

        def one(comp: URIRef, query: str = "", ps: Node = ps, path: Node = path,
                sev: str = sev, msg: str = msg) -> CompiledConstraint:  # fmt: skip
            return CompiledConstraint(query, sev, comp, ps, path, msg)

        mn = shapes.value(ps, SH.minCount)
        if mn is not None and int(str(mn)) == 1:
            cards.mins.setdefault(tgt, []).append((ps, path))
            cards.min_variants[(_ps_term(ps), None)] = one(SH.MinCountConstraintComponent)
        elif mn is not None and int(str(mn)) > 1:
            out.append(one(SH.MinCountConstraintComponent,
                           f"{pro}SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {p} ?v }} }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {mn})"))  # fmt: skip
        mx = shapes.value(ps, SH.maxCount)
        if mx is not None:
            cards.maxs.setdefault(tgt, []).append((ps, path, int(str(mx))))
            cards.max_variants[(_ps_term(ps), None)] = one(SH.MaxCountConstraintComponent)
        # value checks: the predicate's triples first and the test on them, then whether the
        # (few) failing subjects are focus nodes: a scan of the predicate's index instead of
        # one lookup per focus node (7x faster at 1M for an sh:in). Batched per predicate
        # (`cards`) when compiling all shapes; one query each here otherwise. Tests that look
        # up triples (sh:class inside sh:or / sh:not) start from the focus nodes.
        for comp, test in _value_test(shapes, ps, "?value"):
            cls = shapes.value(ps, SH["class"])
            if comp == SH.ClassConstraintComponent and cls is not None and collect:
                classes = " ".join(c.n3() for c in _subclasses(cls))
                cards.classes.setdefault((path, classes), []).append(
                    (ps, comp, "true", tgt, one(comp))
                )
                continue
            if comp == SH.ClassConstraintComponent and cls is not None:
                classes = " ".join(c.n3() for c in _subclasses(cls))
                q = (f"{pro}SELECT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE "
                     f"{{ ?this {p} ?value MINUS {{ VALUES ?cls_ {{ {classes} }} "
                     f"?value rdf:type ?cls_ }} }} GROUP BY ?this ?value }} "
                     f"{is_target} }}")  # fmt: skip
            elif "EXISTS" in test:
                q = (f"{pro}SELECT DISTINCT ?this ?value WHERE {{ {target} "
                     f"?this {p} ?value FILTER ({test}) }}")  # fmt: skip
            elif collect:
                cards.values.setdefault(path, []).append((ps, comp, test, tgt, one(comp)))
                continue
            else:
                q = (f"{pro}SELECT ?this ?value WHERE {{ {{ SELECT ?this ?value WHERE "
                     f"{{ ?this {p} ?value FILTER ({test}) }} GROUP BY ?this ?value }} "
                     f"{is_target} }}")  # fmt: skip
            out.append(one(comp, q))
    return out


def _compile_sparql(
    shapes: Graph, shape: Node, sc: Node, tgt: str, target: str, pro: str, sev: str
) -> list[CompiledConstraint]:
    """A SPARQL-based constraint: its cokgsh:storeSelect queries when it has them (their
    results are united), else its sh:select with the focus nodes joined in first."""
    queries = [
        str(q).replace("$targetPattern", tgt).replace("$target", target).replace("$this", "?this")
        for q in sorted(shapes.objects(sc, STORE_SELECT), key=str)
    ]
    if not queries:
        select = str(shapes.value(sc, SH.select)).replace("$this", "?this")
        m = re.search(r"\bWHERE\s*\{", select, re.IGNORECASE)
        if m is None:
            raise InputError(f"SPARQL constraint {sc} has no WHERE clause")
        queries = [select[: m.end()] + f" {target} " + select[m.end() :]]
    return [
        CompiledConstraint(
            query=pro + q,
            severity=SEVERITY.get(shapes.value(sc, SH.severity), sev),
            component=SH.SPARQLConstraintComponent,
            source_shape=shape,
            path=None,
            message=_lit_str(shapes.value(sc, SH.message)),
            source_constraint=sc if isinstance(sc, URIRef) else None,
            every_record=(shape, SH.targetSubjectsOf, RDF.type) in shapes,
        )
        for q in queries
    ]
