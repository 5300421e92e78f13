"""One message per mistake, in the steward's words.

Validation finds some mistakes more than once: a shape and a QC check both see a finding with
no construct; a link to a record that does not exist also fails the link's sh:class and any
SPARQL constraint on its value; a spreadsheet row the converter could not read leaves every
link to its record dangling. `merge` keeps one result per mistake (the clearest), `suggest`
adds "did you mean" to unknown ids and codes, and `plain` rewrites a message without cokg:
terms for the text report.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.term import Node

from cokg.models import ValidationResult
from cokg.namespaces import COKG, COKGID, RDFS, SH, curie
from cokg.validate.locate import short
from cokg.validate.shapes import ontology_index, ontology_key

_SHAPES = "https://w3id.org/cokg/shapes#"
REFERENCE_SHAPE = URIRef(_SHAPES + "ReferenceShape")
_NOT_EXIST = "does not exist"
# a record whose id is made from its case's: cokgid:<kind>/<case id>/<own id>
_OF_A_CASE = re.compile(re.escape(str(COKGID)) + r"[^/]+/([^/]+)/")
# the words of shapes/common.ttl (cokgsh:Reference-known) for a record known nowhere
MISSING_RECORD = (
    "does not exist in this submission or in the store — check the spelling, or submit that "
    "record too"
)


def is_missing_record(r: ValidationResult) -> bool:
    """A result saying a linked record or term does not exist (not an unknown property)."""
    return (
        r.source_shape == REFERENCE_SHAPE
        and r.value is not None
        and r.value != r.path
        and _NOT_EXIST in r.message
    )


_IN_STORE = " or in the store"


def without_store(results: Sequence[ValidationResult]) -> list[ValidationResult]:
    """The results of a validation with no store to ask (`cokg validate --no-store`): a
    missing record was looked for in the submission only, and its message says so."""
    return [
        replace(r, message=r.message.replace(_IN_STORE, " (checked without a store)", 1))
        if is_missing_record(r) and _IN_STORE in r.message
        else r
        for r in results
    ]


_GRAVITY = {"violation": 0, "warning": 1, "info": 2}


def merge(
    results: Sequence[ValidationResult],
    dropped: Iterable[Node] = (),
    same_as: Mapping[str, frozenset[URIRef]] | None = None,
) -> list[ValidationResult]:
    """One result per mistake; the result kept takes the gravest severity of those it stands for.

    - A QC check's result about a record that a shape also reports is left out (the shape's
      result names the column): a shape the check names as reporting the same problem
      (`same_as`: check name -> shapes, from its `#+ same_as_shapes:` header), or a shape
      result on the same value.
    - A link to a record that does not exist is reported once, as such: other results on the
      same record and value (its sh:class, SPARQL constraints on the value) are left out; so
      are repeats on one record, property and value (an unknown construct code fails both
      its sh:class and the known-frameworks constraint).
    - A link to a record of a case that does not exist (informant/<case>/X, finding/<case>/Y:
      ids made from the row's case id) follows from that case's own "does not exist": a case
      id mistyped in one row is one line, not one per id made from it.
    - Links to records the converter dropped (`dropped`: a spreadsheet row it could not read,
      reported with the row) are left out: they only follow from that row."""
    same_as = same_as or {}
    gone = set(dropped)
    out = [r for r in results if r.value not in gone and r.focus_node not in gone]
    # (record, value) -> index of the "does not exist" result standing for it
    missing = {(r.focus_node, r.value): i for i, r in enumerate(out) if is_missing_record(r)}
    said: dict[Node, dict[Node, int]] = {}  # record -> shape, value -> a shape result
    first: dict[tuple, int] = {}  # (record, property, value) -> its first shape result
    for i, r in enumerate(out):
        if not isinstance(r.source_constraint, Literal):
            for n in (r.source_shape, r.source_constraint, r.value):
                if n is not None:
                    said.setdefault(r.focus_node, {}).setdefault(n, i)
    into: dict[int, int] = {}  # a result left out -> the result that reports its mistake
    for i, r in enumerate(out):
        if is_missing_record(r):
            continue
        if r.value is not None and (r.focus_node, r.value) in missing:
            into[i] = missing[(r.focus_node, r.value)]
        elif isinstance(r.source_constraint, Literal):  # a QC check's result
            same = same_as.get(str(r.source_constraint), frozenset()) | (
                {r.value} if r.value is not None else set()
            )
            hit = [said[r.focus_node][n] for n in same if n in said.get(r.focus_node, {})]
            if hit:
                into[i] = min(hit)
        elif r.value is not None and r.path is not None:
            key = (r.focus_node, r.path, r.value)
            if key in first:
                into[i] = first[key]
            else:
                first[key] = i
    case_space = str(COKGID["case/"])
    unknown_cases = {
        str(v)[len(case_space) :]: i
        for (_f, v), i in missing.items()
        if str(v).startswith(case_space) and "/" not in str(v)[len(case_space) :]
    }
    if unknown_cases:
        for (_f, v), i in missing.items():
            m = _OF_A_CASE.match(str(v))
            if m and m[1] in unknown_cases and i not in into and not str(v).startswith(case_space):
                into[i] = unknown_cases[m[1]]
    worst: dict[int, str] = {}  # the kept result takes the gravest severity of its group
    for i, j in into.items():
        while j in into:
            j = into[j]
        if _GRAVITY.get(out[i].severity, 3) < _GRAVITY.get(worst.get(j, out[j].severity), 3):
            worst[j] = out[i].severity
    return [
        replace(r, severity=worst[i]) if i in worst else r
        for i, r in enumerate(out)
        if i not in into
    ]


def suggest(results: Sequence[ValidationResult], known: Iterable[Node]) -> list[ValidationResult]:
    """Each result about an unknown id or code (a record that does not exist, or a link whose
    value is known nowhere) with the closest known id or code of the same kind (same namespace
    up to its last / or #, compared case-insensitively) as "did you mean"."""
    index = ontology_index()
    seen = set(known)

    def unknown(r: ValidationResult) -> bool:
        if is_missing_record(r):
            return True
        return (
            r.constraint_component == SH.ClassConstraintComponent
            and isinstance(r.value, URIRef)
            and r.value not in seen
            and r.value not in index
        )

    wanted = {_space(str(r.value)) for r in results if unknown(r)}
    if not wanted:
        return list(results)
    pools: dict[str, dict[str, str]] = {}
    for n in (*seen, *index):
        if isinstance(n, URIRef):
            s = str(n)
            space = _space(s)
            if space in wanted:
                pools.setdefault(space, {})[s[len(space) :].lower()] = s
    out = []
    for r in results:
        if unknown(r):
            v = str(r.value)
            space = _space(v)
            pool = pools.get(space, {})
            close = difflib.get_close_matches(v[len(space) :].lower(), list(pool), n=1, cutoff=0.6)
            if close and pool[close[0]] != v:
                hint = f"did you mean '{short(URIRef(pool[close[0]]))}'?"
                head, sep, _ = r.message.partition(" — ")
                r = replace(r, message=f"{head} — {hint}" if sep else f"{r.message} ({hint})")
        out.append(r)
    return out


def _space(iri: str) -> str:
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[: cut + 1]


# --- plain words ------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    """cokg term local name -> its English label (cached per ontology version)."""
    return _labels_for(ontology_key())


@lru_cache(maxsize=4)
def _labels_for(key: tuple) -> dict[str, str]:
    out: dict[str, str] = {}
    for s, triples in ontology_index().items():
        if isinstance(s, URIRef) and str(s).startswith(str(COKG)):
            for _, p, o in triples:
                if p == RDFS.label and (not isinstance(o, Literal) or o.language in (None, "en")):
                    out[str(s)[len(str(COKG)) :]] = str(o)
    return out


def _term_words(m: re.Match[str]) -> str:
    local = m.group(1)
    label = _labels().get(local)
    if label is None:
        label = re.sub(r"(?<!^)(?=[A-Z])", " ", local).lower()
    return label


_COKG_TERM = re.compile(r"\bcokg:([A-Za-z][\w-]*[\w])")
_COKGID = re.compile(r"\bcokgid:")


def plain(message: str) -> str:
    """`message` in the steward's words: cokg: terms by their labels ("cokg:GuidingQuestion"
    -> "guiding question"), records by their id path ("cokgid:org/bbc" -> "org/bbc")."""
    msg = _COKG_TERM.sub(_term_words, message)
    msg = msg.replace("cokgid: IRI", f"IRI (under {COKGID})")
    return _COKGID.sub("", msg)


def missing_message(r: ValidationResult, path_text: str) -> str | None:
    """For a missing value (sh:minCount) whose shape message speaks of a bad value
    ("'{$value}' is not ..."), a message about the missing value: "missing P — hint"."""
    if r.constraint_component != SH.MinCountConstraintComponent:
        return None
    if not r.message.startswith("'{$value}'"):
        return None
    hint = r.message.split(" — ", 1)[1] if " — " in r.message else ""
    return f"missing {path_text}" + (f" — {hint}" if hint else "")


def datatype_message(r: ValidationResult, path_text: str) -> str | None:
    """For a value of the wrong kind (sh:datatype) where the shape's message speaks of how many
    values there must be ("a finding needs exactly one statement"), a message about the value
    itself: a language tag where plain text belongs, or another datatype."""
    if r.constraint_component != SH.DatatypeConstraintComponent or "{$value}" in r.message:
        return None
    v = r.value
    wanted = _expected_datatype(r.source_shape)
    as_wanted = f"write it as {curie(wanted)}" if wanted is not None else "check its type"
    if isinstance(v, Literal) and v.language:
        text = textwrap.shorten(str(v), 60, placeholder="...")
        return f"{path_text} '{text}'@{v.language} has a language tag — write it without one"
    if isinstance(v, Literal) and (wanted is None or v.datatype == wanted):
        return None  # of the right type but ill-formed ("twenty"^^xsd:gYear): the shape says
    if isinstance(v, Literal):
        text = textwrap.shorten(str(v), 60, placeholder="...")
        typed = curie(v.datatype) if v.datatype is not None else "plain text"
        return f"{path_text} '{text}' is {typed} — {as_wanted}"
    if v is not None:
        return f"{path_text} is {short(v)}, not a value — {as_wanted}"
    return None


def _expected_datatype(shape: Node | None) -> URIRef | None:
    from cokg.validate.shapes import shapes_graph

    if shape is None:
        return None
    found = shapes_graph().value(shape, SH.datatype)
    return found if isinstance(found, URIRef) else None
