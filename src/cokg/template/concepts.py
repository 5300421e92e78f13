"""The framework concepts a construct or outcome cell may name, and which one a cell names.

The concepts are those `cokg constructs` lists (the saved query `constructs`), read from a
store or, by default, once per process from the framework files under ontology/frameworks/. A
cell names one concept of the schemes its column admits by a prefixed code (cfir22:IV.A), a
full IRI, a bare code (IV.A) or a label (Innovation Source), matched ignoring case; a bare code
or label that more than one admitted concept has is ambiguous, and the message lists them as
prefixed codes, which are never ambiguous.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import URIRef

from cokg.errors import InputError
from cokg.namespaces import FRAMEWORK, PREFIXES

if TYPE_CHECKING:
    from cokg.constructs import Construct
    from cokg.store import Store

__all__ = ["SCHEME_NAMES", "Unresolved", "framework_constructs", "resolve_concept"]

# How messages name the schemes a cell may draw on.
SCHEME_NAMES = {
    "cfir-2022": "CFIR 2022",
    "cfir-2009": "CFIR 2009",
    "greenhalgh-2004": "Greenhalgh 2004",
    "study-frame": "the study frame",
    "lozeau-2002": "Lozeau 2002",
    "cfir-outcomes": "the CFIR outcomes addendum",
    "proctor-2011": "Proctor 2011",
    "re-aim": "RE-AIM",
}
_LISTED = 6  # candidates named in one message


class Unresolved(ValueError):
    """Why a cell names no concept (the message is written for the steward)."""


def framework_constructs(store: Store | str | Path | None = None) -> list[Construct]:
    """Every framework concept, in the order of `cokg constructs`: from `store` when given,
    else from the framework files (read once per process)."""
    from cokg.constructs import find_constructs

    if store is not None:
        return find_constructs(store=store)
    return list(_file_constructs())


@functools.cache
def _file_constructs() -> tuple[Construct, ...]:
    # The framework files loaded with the project's loader into a memory store, so the
    # concepts come from the same saved query as from a project store.
    from cokg import paths
    from cokg.constructs import find_constructs
    from cokg.namespaces import graph_iri
    from cokg.store import MemoryStore

    files = {
        graph_iri(f"framework/{f.stem}"): f for f in sorted(paths.FRAMEWORKS_DIR.glob("*.ttl"))
    }
    if not files:
        raise InputError("no framework files (*.ttl)", file=paths.FRAMEWORKS_DIR)
    mem = MemoryStore()
    try:
        mem.load_files(files)
        return tuple(find_constructs(store=mem))
    finally:
        mem.close()


def _schemes_text(schemes: Sequence[str]) -> str:
    names = [SCHEME_NAMES.get(s, s) for s in schemes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _describe(c: Construct) -> str:
    return f"{c.code} ({c.label})" if c.label else c.code


def _scheme_of(iri: str) -> str | None:
    base = str(FRAMEWORK)
    if not iri.startswith(base):
        return None
    return iri[len(base) :].split("/", 1)[0]


def resolve_concept(
    text: str, schemes: Sequence[str], concepts: Sequence[Construct] | None = None
) -> URIRef:
    """The one concept of `schemes` that `text` names. Raises Unresolved saying why none:
    unknown, of another scheme, or ambiguous (naming the candidates)."""
    v = text.strip()
    pool = [c for c in (concepts if concepts is not None else _file_constructs())
            if c.scheme in schemes]  # fmt: skip
    where = _schemes_text(schemes)
    iri = _expand(v)
    if iri is not None:
        scheme = _scheme_of(iri)
        if scheme not in schemes:
            of = f"a concept of {SCHEME_NAMES[scheme]}, " if scheme in SCHEME_NAMES else ""
            raise Unresolved(f"{v!r} is {of}not a concept of {where}")
        found = [c for c in pool if c.iri == iri]
        if found:
            return URIRef(iri)
        near = difflib.get_close_matches(
            v, [c.code for c in pool if c.scheme == scheme], n=3, cutoff=0.6
        )
        hint = f" — did you mean {', '.join(near)}?" if near else ""
        raise Unresolved(f"no concept {v} in {SCHEME_NAMES.get(scheme or '', scheme)}{hint}")
    folded = v.casefold()
    found = [c for c in pool if c.notation.casefold() == folded]
    if not found:
        found = [c for c in pool if any(n.casefold() == folded for n in (c.label, *c.alt_labels))]
    if len(found) == 1:
        return URIRef(found[0].iri)
    if found:
        listed = "; ".join(_describe(c) for c in found[:_LISTED])
        raise Unresolved(f"{v!r} is ambiguous: write one of {listed}")
    names = {c.notation.casefold(): c for c in pool} | {c.label.casefold(): c for c in pool}
    near_keys = difflib.get_close_matches(folded, list(names), n=3, cutoff=0.75)
    near = sorted({_describe(names[k]) for k in near_keys})
    hint = f" — did you mean {'; '.join(near)}?" if near else ""
    prefix = v.partition(":")[0]
    if ":" in v and prefix not in PREFIXES:
        hint += f" (codes are prefixed {', '.join(_prefixes(schemes))})"
    raise Unresolved(f"no concept of {where} has the code or label {v!r}{hint}")


def _expand(v: str) -> str | None:
    """The IRI of a full IRI or a prefixed code with a project prefix, else None."""
    if v.startswith(("http://", "https://")):
        return v
    prefix, sep, local = v.partition(":")
    if sep and prefix.strip().lower() in PREFIXES and local.strip():
        return PREFIXES[prefix.strip().lower()] + local.strip()
    return None


def _prefixes(schemes: Sequence[str]) -> list[str]:
    return [p + ":" for p, ns in PREFIXES.items() if _scheme_of(ns) in schemes]
