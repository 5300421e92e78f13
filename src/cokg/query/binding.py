"""Binding a saved query's parameters: each value checked against its declared type and
turned into an RDF term, which reaches the store bound (`Store.query(bindings=...)`), never
as text pasted into the query.

Values of type `case` are checked against the cases in the store, `phase` against the
header's allowed values, `construct` resolved to one concept IRI (notation, label, prefixed
name or IRI; ambiguity is an error listing the candidates), `iri` mapped from the header's
`values`, or - with no `values` - any absolute IRI; `informant` checked against the stored
informant codes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from cokg.errors import ParameterError
from cokg.namespaces import FRAMEWORK, PREFIXES, curie
from cokg.query.saved import QueryParameter, SavedQuery, get_query
from cokg.vocabulary import PHASE_NAMES, PHASES

if TYPE_CHECKING:
    from rdflib.term import Node

    from cokg.store import Store

_MAX_LISTED = 12  # allowed values listed in one error line
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*")


def expand(name: str) -> str | None:
    """The IRI of a prefixed name with one of the project's prefixes, else None."""
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None


# --------------------------------------------------------------------------- parameters


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:_MAX_LISTED])
    return shown + (f", … ({len(values)} in all)" if len(values) > _MAX_LISTED else "")


def case_ids(store: Store) -> dict[str, str]:
    """Case ids in the store, and case numbers as extra keys: value given -> case id."""
    res = store.query(get_query("cases").body)
    out: dict[str, str] = {}
    for row in res.rows:
        cid = str(row["case_id"])
        out[cid] = cid
        if row.get("case_number") is not None:
            out.setdefault(str(row["case_number"]), cid)
    return out


def study_ids(store: Store) -> dict[str, URIRef]:
    """The studies in the store: study id (lower case) -> study IRI."""
    res = store.query(get_query("studies").body)
    return {
        str(r["study_id"]).casefold(): r["study"]
        for r in res.rows
        if isinstance(r["study"], URIRef) and r["study_id"] is not None
    }


_SCHEME_NOTATION = re.compile(r"([a-z0-9]+(?:-[a-z0-9]+)*):(\S+)")


def find_case(store: Store, value: str) -> str | None:
    """The id of the case `value` names (its id, else its number), as `case_ids` maps it. An
    id is looked up directly: listing every case of a consortium costs 50 ms at a million
    triples on disk, the lookup a few."""
    res = store.query(get_query("case-lookup").body, bindings={"value": Literal(value)})
    if res.rows:
        return str(res.rows[0]["case_id"])
    known = case_ids(store)
    if value.strip().isdigit():
        return known.get(value)
    # ids are lower case: Jonkoping-ESTHER names the case, as dnd-02 names informant DND-02
    folded = {k.casefold(): v for k, v in known.items()}
    return folded.get(value.strip().casefold())


def find_informant(query: SavedQuery, p: QueryParameter, code: str, store: Store) -> str:
    """`code` if some informant has it; else a ParameterError naming the codes nearest to it
    (a mistyped code gave an empty answer, as if the informant had said nothing)."""
    found = store.query(get_query("informant-lookup").body, bindings={"value": Literal(code)})
    if found.rows:
        return code
    rows = store.query(get_query("informant-codes").body, bookkeeping=True).rows
    cases: dict[str, set[str]] = {}
    for row in rows:
        known = cases.setdefault(str(row["code"]), set())
        if row.get("case_id") is not None:
            known.add(str(row["case_id"]))
    if not cases:
        raise ParameterError(
            f"query {query.name}: {p.name}={code!r}: the store holds no informant codes"
        )
    near = difflib.get_close_matches(code, list(cases), n=_MAX_LISTED, cutoff=0.6)
    near += [c for c in sorted(cases) if code in c and c not in near]
    shown = [f"{c} ({', '.join(sorted(cases[c]))})" if cases[c] else c for c in near]
    hint = (
        f"; did you mean: {_listing(shown)}"
        if shown
        else f"; stored codes: {_listing(sorted(cases))}"
    )
    raise ParameterError(f"query {query.name}: no informant has the code {code!r}{hint}")


@dataclass(frozen=True)
class _Concept:
    iri: str
    notations: tuple[str, ...]
    labels: tuple[str, ...]


def _concepts(store: Store) -> dict[str, _Concept]:
    res = store.query(get_query("concept-names").body)
    notations: dict[str, set[str]] = {}
    labels: dict[str, set[str]] = {}
    for row in res.rows:
        iri = row["c"]
        if not isinstance(iri, URIRef):
            continue
        notations.setdefault(str(iri), set())
        labels.setdefault(str(iri), set())
        if row.get("notation") is not None:
            notations[str(iri)].add(str(row["notation"]))
        if row.get("label") is not None:
            labels[str(iri)].add(str(row["label"]))
    return {
        iri: _Concept(iri, tuple(sorted(notations[iri])), tuple(sorted(labels[iri])))
        for iri in notations
    }


def _describe(c: _Concept) -> str:
    label = c.labels[0] if c.labels else ""
    return f"{curie(c.iri)} ({label})" if label else curie(c.iri)


def resolve_construct(store: Store, value: str, name: str = "construct") -> URIRef:
    """One concept IRI for a notation ("V.B.4"), a label ("External Change Agents"), a
    prefixed name (cfir09:V.B.4), a scheme and notation as cokg prints them (cfir-2022:IV.A)
    or an IRI. Unknown or ambiguous values raise ParameterError naming the parameter `name`;
    the ambiguous message lists the candidates as prefixed names."""
    text = value.strip()
    iri = text[1:-1] if text.startswith("<") and text.endswith(">") else text
    full = iri if re.match(r"^https?://", iri) else expand(iri)
    scheme = _SCHEME_NOTATION.fullmatch(text) if full is None else None
    if scheme is not None:  # "cfir-2022:IV.A", as `cokg constructs` and the mappings show it
        base = f"{FRAMEWORK}{scheme[1]}/"
        hits = [
            c.iri
            for c in _concepts(store).values()
            if c.iri.startswith(base) and scheme[2] in c.notations
        ]
        if len(hits) == 1:
            return URIRef(hits[0])
    if full is not None:
        # looked up, not listed with every concept's names; an IRI that is not one is no concept
        if (
            _ABSOLUTE_IRI.fullmatch(full)
            and store.query(get_query("concept-lookup").body, bindings={"c": URIRef(full)}).rows
        ):
            return URIRef(full)
        raise ParameterError(f"parameter {name}: no concept {curie(str(full))} in the store")
    concepts = _concepts(store)
    folded = text.casefold()
    found = [c for c in concepts.values() if text in c.notations]
    if not found:
        found = [c for c in concepts.values() if any(x.casefold() == folded for x in c.labels)]
    if len(found) > 1:
        # A framework construct wins over codes of imported QDA codebooks with the same name
        # ("Culture"): the frameworks are what queries compare across studies; a code is named
        # by its IRI or prefixed name.
        framework = [c for c in found if c.iri.startswith(str(FRAMEWORK))]
        found = framework if len(framework) == 1 else found
    if len(found) == 1:
        return URIRef(found[0].iri)
    if found:
        cands = sorted(_describe(c) for c in found)
        raise ParameterError(
            f"parameter {name}: {text!r} is ambiguous; say which: {'; '.join(cands)}"
        )
    key = scheme[2].casefold() if scheme is not None else folded
    near = sorted(
        _describe(c)
        for c in concepts.values()
        if any(key in x.casefold() for x in c.labels + c.notations)
        and (scheme is None or c.iri.startswith(f"{FRAMEWORK}{scheme[1]}/"))
    )
    hint = f"; did you mean: {'; '.join(near[:_MAX_LISTED])}" if near else ""
    raise ParameterError(
        f"parameter {name}: no concept with notation or label {text!r} "
        f"(give a notation, a label, a prefixed name or an IRI){hint}"
    )


def bind_parameters(
    query: SavedQuery, params: Mapping[str, Any], store: Store
) -> tuple[dict[str, Node], dict[str, str]]:
    """Validate `params` against the header and turn them into RDF terms by variable name.
    Returns (bindings, the values used after defaults). Raises ParameterError."""
    given = {k: v for k, v in params.items() if v is not None}
    for k in given:
        query.param(k)  # unknown names raise, listing the known ones
    bindings: dict[str, Node] = {}
    used: dict[str, str] = {}
    for p in query.params:
        raw = given.get(p.name, p.default)
        if raw is None:
            if p.required:
                raise ParameterError(  # words for the command line, Python and the web
                    f"query {query.name} needs a value for {p.name} ({p.description or p.type})"
                    f": give {p.name}=VALUE"
                )
            continue
        value = str(raw).strip()
        used[p.name] = value
        bindings[p.var] = _bind_one(query, p, value, store)
    return bindings, used


def _bind_one(query: SavedQuery, p: QueryParameter, value: str, store: Store) -> Node:
    def bad(allowed: list[str]) -> ParameterError:
        return ParameterError(
            f"query {query.name}: {p.name}={value!r} is not allowed; "
            f"allowed values: {_listing(allowed)}"
        )

    if p.type == "case":
        found = find_case(store, value)
        if found is None:
            raise bad(sorted(set(case_ids(store).values())))
        return Literal(found)
    if p.type == "phase":
        key = value.casefold()
        allowed = list(p.allowed or PHASE_NAMES)
        if key not in allowed or key not in PHASES:
            raise bad(allowed)
        return PHASES[key]
    if p.type == "iri":
        mapping = dict(p.values)
        if not mapping:  # no `values`: any absolute IRI, as given
            if not _ABSOLUTE_IRI.fullmatch(value):
                raise ParameterError(f"query {query.name}: {p.name}={value!r} is not an IRI")
            return URIRef(value)
        if value not in mapping:
            raise bad(list(mapping))
        target = mapping[value]
        return URIRef(expand(target) or target)
    if p.type == "construct":
        return resolve_construct(store, value, p.name)
    if p.type == "study":  # by the last segment of its IRI, as the template's study_id
        studies = study_ids(store)
        if value.casefold() not in studies:
            raise bad(sorted(str(iri).rsplit("/", 1)[-1] for iri in studies.values()))
        return studies[value.casefold()]
    if p.type == "informant":  # codes are capitals (DND-02): a code typed small is the same
        return Literal(find_informant(query, p, value.upper(), store))
    if p.type == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise ParameterError(f"query {query.name}: {p.name}={value!r} is not an integer")
        if p.allowed and value not in p.allowed:
            raise bad(list(p.allowed))
        return Literal(int(value), datatype=XSD.integer)
    if p.allowed and value not in p.allowed:
        raise bad(list(p.allowed))
    return Literal(value)
