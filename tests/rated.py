"""The FICTIONAL rating fixture (tests/fixtures/ratings/ratings-small.ttl) and a store holding
it, for the rating tests; its hand-worked answers are in tests/test_ratings_queries.py."""

from __future__ import annotations

from pathlib import Path

from cokg.namespaces import graph_iri
from cokg.store import MemoryStore, build

SMALL = Path(__file__).parent / "fixtures" / "ratings" / "ratings-small.ttl"
SMALL_GRAPH = graph_iri("fixture-ratings-small")


def rated_store() -> MemoryStore:
    """An in-memory store with the vocabulary (no founding data) and the rating fixture."""
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files({SMALL_GRAPH: SMALL})
    return st
