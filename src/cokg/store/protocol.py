"""The Store protocol: a dataset of named graphs that answers SPARQL over their union."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from rdflib.term import Node

from cokg.models import QueryResult
from cokg.terms import Triple

Progress = Callable[[str], None]


# --- the protocol --------------------------------------------------------------------------


@runtime_checkable
class Store(Protocol):
    """A dataset of named graphs that answers SPARQL over their union."""

    allow_network: bool

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None,
        memory_mb: int | None = None,
        internal: bool = False,
        keep: int | None = None,  # a hint: convert the first rows only, count the others
        # rows cokg reads for itself (a listing's rows per case, the case order, a count): a
        # served store's result limit, which bounds what a request returns, does not cut them
        bookkeeping: bool = False,
    ) -> QueryResult: ...

    def graphs(self) -> list[str]: ...

    def replace_graphs(
        self, graphs: Mapping[str, Iterable[Triple]], *, drop: Iterable[str] = ()
    ) -> None:
        """Replace each of `graphs` by its triples and drop the `drop` graphs: in one
        transaction where the store has transactions (the embedded and in-memory stores, a
        remote one written with SPARQL Update while it fits one request)."""
        ...

    def load_files(self, files: Mapping[str, Path]) -> None: ...

    def drop_graphs(self, graph_iris: Iterable[str]) -> None: ...

    def count(self, graph_iri: str | None = None) -> int: ...

    def export(self, *, format: str, graph_iris: list[str] | None = None) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
