"""A store that records the query texts it is given, for the paging tests: which queries a
page asked (its cases, its count) and which it did not."""

from __future__ import annotations

from typing import Any


class Spy:
    """Wraps a store: `query` is passed on and its text kept in `texts`."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.texts: list[str] = []

    def query(self, sparql: str, **kw: Any) -> Any:
        self.texts.append(sparql)
        return self.store.query(sparql, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)  # what the store is (its engine, say)

    def counts(self) -> int:
        """How many queries counted a whole answer in the engine (`read_page`'s count)."""
        return sum("cokg_page_total" in t for t in self.texts)
