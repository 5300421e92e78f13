"""Graphs as JSON-LD compacted with cokg's own context, given inline: nothing is fetched.

The one conversion behind `cokg export --format jsonld` (`cokg.export.to_jsonld`) and the
RO-Crate package's graph.jsonld (`cokg.linking.rocrate`):

    >>> nquads_to_jsonld(store.export(format="nq"))                      # doctest: +SKIP

Blank nodes keep the labels the N-Quads give them, so the same store gives the same JSON-LD
(rdflib would otherwise draw new random labels on every read).
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from rdflib import BNode, Dataset

from cokg.load import bundled_context

__all__ = ["compact_jsonld", "nquads_to_jsonld", "read_nquads"]


class _Labels(dict[str, BNode]):
    """rdflib's N-Quads parser looks a blank node label up with `get` and stores a fresh node
    when it finds none: here the fresh node keeps the label."""

    def get(self, label: str, default: BNode | None = None) -> BNode:  # type: ignore[override]
        return self.setdefault(label, BNode(label))


def read_nquads(nquads: bytes) -> Dataset:
    """N-Quads (UTF-8) as an rdflib Dataset, blank nodes keeping their labels."""
    ds = Dataset()
    with warnings.catch_warnings():  # rdflib 7's parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(data=nquads.decode("utf-8"), format="nquads", bnode_context=_Labels())
    return ds


def compact_jsonld(ds: Dataset, context: dict[str, Any] | None = None) -> bytes:
    """The dataset as JSON-LD (UTF-8, two-space indent, sorted keys) compacted with `context`
    (default: cokg's bundled context), which is written inline as the document's @context."""
    ctx = context or bundled_context()
    # an unknown named graph IRI is never dereferenced: rdflib only reads the data given
    with warnings.catch_warnings():  # rdflib 7's serializer calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        out = ds.serialize(
            format="json-ld", context=ctx, auto_compact=True, sort_keys=True, indent=2
        )
    doc = _ordered(json.loads(out))
    if isinstance(doc, dict):
        doc["@context"] = ctx
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _ordered(node: Any, *, in_list: bool = False) -> Any:
    """The document with every array in one order: JSON-LD arrays are sets (but a @list's),
    which rdflib writes in the order of its hash-seeded sets, so two exports of one store
    differed byte for byte. Sorted by each item's canonical JSON text."""
    if isinstance(node, dict):
        return {k: _ordered(v, in_list=k == "@list") for k, v in node.items()}
    if isinstance(node, list):
        items = [_ordered(x) for x in node]
        if in_list:
            return items
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    return node


def nquads_to_jsonld(nquads: bytes, context: dict[str, Any] | None = None) -> bytes:
    """N-Quads as compacted JSON-LD (`read_nquads`, then `compact_jsonld`)."""
    return compact_jsonld(read_nquads(nquads), context)
