"""Looking up framework constructs: the code a steward writes for a construct, found by label.

The list comes from the saved query `constructs` (so it is what the store holds, framework
additions included); the search ranks labels, other labels, codes and definitions against the
text with a fuzzy match, so "external change agent", "chnage agents" and "V.B.4" all find
CFIR 2009's External Change Agents.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cokg.errors import ParameterError
from cokg.namespaces import curie
from cokg.query import run_query
from cokg.store import Store

__all__ = ["Construct", "find_constructs", "rank"]


@dataclass(frozen=True)
class Construct:
    """One framework concept, with how well it matched a search (1.0: exact)."""

    scheme: str
    notation: str
    label: str
    definition: str
    parent: str
    mappings: tuple[str, ...]
    alt_labels: tuple[str, ...]
    iri: str
    score: float = 1.0

    @property
    def code(self) -> str:
        """What a steward writes in a codes cell: the concept's prefixed name (cfir22:IV.K)."""
        return curie(self.iri)


def _score(text: str, c: Construct) -> float:
    """How well `text` names `c`: exact code or label 1.0, then substring and fuzzy matches."""
    t = text.casefold().strip()
    names = [c.label, *c.alt_labels]
    if t in (
        c.notation.casefold(),
        c.code.casefold(),
        f"{c.scheme}:{c.notation}".casefold(),
    ) or any(t == n.casefold() for n in names):
        return 1.0
    best = 0.0
    for n in names:
        n = n.casefold()
        if t in n:
            best = max(best, 0.8 + 0.15 * len(t) / max(len(n), 1))
        best = max(best, difflib.SequenceMatcher(None, t, n).ratio())
        # a word typed with a slip still matches the word it was meant to be
        words = n.split()
        hits = [max((difflib.SequenceMatcher(None, w, x).ratio() for x in words), default=0.0)
                for w in t.split()]  # fmt: skip
        if hits:
            best = max(best, 0.9 * sum(hits) / len(hits))
    if t in c.definition.casefold():
        best = max(best, 0.6)
    return best


def find_constructs(
    text: str | None = None,
    *,
    scheme: str | None = None,
    store: Store | str | Path | None = None,
    limit: int = 10,
    cutoff: float = 0.6,
) -> list[Construct]:
    """Framework constructs, all (text None) or those matching `text` best first, in one
    scheme (e.g. "cfir-2022") or all. Raises ParameterError for an unknown scheme."""
    answer = run_query("constructs", store=store)

    def text_of(row: Mapping[str, Any], key: str) -> str:
        return "" if row.get(key) is None else str(row[key])

    found = [
        Construct(
            scheme=text_of(r, "scheme"),
            notation=text_of(r, "notation"),
            label=text_of(r, "label"),
            definition=text_of(r, "definition"),
            parent=text_of(r, "parent"),
            mappings=tuple(sorted(m for m in text_of(r, "mappings").split(" | ") if m)),
            alt_labels=tuple(sorted(a for a in text_of(r, "alt_labels").split(" | ") if a)),
            iri=text_of(r, "concept"),
        )
        for r in answer.rows
    ]
    if scheme is not None:
        schemes = sorted({c.scheme for c in found})
        if scheme not in schemes:
            raise ParameterError(f"no scheme {scheme!r}; the schemes are {', '.join(schemes)}")
        found = [c for c in found if c.scheme == scheme]
    if not text:
        return found
    return rank(text, found, limit=limit, cutoff=cutoff)


def rank(
    text: str, constructs: Sequence[Construct], *, limit: int = 10, cutoff: float = 0.6
) -> list[Construct]:
    """The constructs `text` names best, best first, each with its score (`find_constructs`'s
    search over a list already read: many texts against one reading of the store)."""
    scored = [(s, c) for c in constructs if (s := _score(text, c)) >= cutoff]
    scored.sort(key=lambda sc: (-sc[0], sc[1].scheme, sc[1].notation))
    return [Construct(**{**c.__dict__, "score": round(s, 3)}) for s, c in scored[: max(limit, 1)]]
