"""Backing up a store to one file and restoring one into a store.

A backup is every one of cokg's named graphs (under https://w3id.org/cokg/graph/) as one TriG
or N-Quads file: what `cokg export` writes, with the integer types the ontology declares given
back, and nothing of the store's bookkeeping (a server's write lease, its own system graphs).
A restore reads such a file with cokg's strict, offline parsers (`cokg.load`) and checks it
whole before the target is touched; an embedded store is then replaced by the same directory
swap `cokg build --fresh` uses (all or nothing), a server graph by graph under its write lease.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from cokg.errors import InputError, ParameterError, StoreError
from cokg.store.building import mark_restored
from cokg.store.datatypes import declared_types, restore_declared_types
from cokg.store.oxigraph import EmbeddedStore, OxigraphStore, serialize_quads
from cokg.store.protocol import Progress, Store
from cokg.store.remote import GRAPH_PREFIX, RemoteStore

# file suffix -> export format; a backup keeps its graphs, so only the dataset formats
BACKUP_FORMATS = {".trig": "trig", ".nq": "nq"}


@dataclass(frozen=True)
class BackupReport:
    """What `backup` wrote: (graph IRI, triples) per graph."""

    store: str
    path: Path
    format: str
    graphs: tuple[tuple[str, int], ...]

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)

    def __str__(self) -> str:
        return (
            f"backed up {len(self.graphs)} graphs, {self.triples} triples of {self.store} "
            f"to {self.path}"
        )


@dataclass(frozen=True)
class RestoreReport:
    """What `restore` put into the target, and the graphs it held that the backup has not
    (removed, with `replace`)."""

    store: str
    path: Path
    graphs: tuple[tuple[str, int], ...]
    removed: tuple[str, ...] = ()
    replaced: int = 0  # graphs the target held before

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)

    def __str__(self) -> str:
        said = (
            f"restored {len(self.graphs)} graphs, {self.triples} triples from {self.path} "
            f"into {self.store}"
        )
        if self.replaced:
            said += f", replacing the {self.replaced} graphs it held"
        return said


def backup_format(path: str | Path, format: str | None = None, *, writing: bool = True) -> str:
    """The format of a backup file: `format`, else its suffix (.trig or .nq). `writing`: the
    file is to be written (`cokg backup` takes --format; `cokg restore` reads the name)."""
    suffix = Path(path).suffix.lower()
    named = BACKUP_FORMATS.get(suffix)
    if format is not None:
        if format not in BACKUP_FORMATS.values():
            raise ParameterError(f"a backup is TriG or N-Quads (trig, nq), not {format!r}")
        if named and named != format:
            raise ParameterError(
                f"--format {format} does not fit a file named {suffix}", file=str(path)
            )
        return format
    if named is None:
        how = "name it so, or give --format" if writing else "rename it so"
        raise ParameterError(
            f"a backup is a .trig or .nq file (the graphs are kept): {how}", file=str(path)
        )
    return named


def backup(store: Store, out: str | Path, *, format: str | None = None) -> BackupReport:
    """Write every one of cokg's named graphs of `store` to `out` (TriG or N-Quads), atomically:
    an interrupted backup leaves the file as it was. Raises StoreError for an empty store."""
    out = Path(out)
    fmt = backup_format(out, format)
    if out.is_dir():
        raise ParameterError(
            f"{out} is a folder: give the file to write, e.g. {out / 'cokg'}.{fmt}"
        )
    graphs = [g for g in store.graphs() if g.startswith(GRAPH_PREFIX)]
    if not graphs:
        raise StoreError(f"{store!r} holds none of cokg's graphs: nothing to back up")
    dump = store.export(format="nq", graph_iris=graphs)
    quads = list(ox.parse(input=dump, format=ox.RdfFormat.N_QUADS))
    # a server stores "8"^^xsd:nonNegativeInteger as xsd:integer too, and its export does not
    # give the type back: the backup does, from the ontology's ranges it holds
    quads = list(restore_declared_types(quads, declared_types(quads)))
    counts = Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
    _atomic_write(out, serialize_quads(quads, fmt))
    return BackupReport(
        store=repr(store), path=out, format=fmt, graphs=tuple((g, counts[g]) for g in graphs)
    )


def read_backup(path: str | Path) -> dict[str, list[ox.Quad]]:
    """The graphs of a backup file, graph IRI -> quads, read strictly and offline (binary,
    non-UTF-8 and malformed files refused with the line). Refused (InputError), naming them:
    triples in the default graph, graphs outside cokg's graph prefix, a file with no graph."""
    from cokg.load import iter_rdf

    path = Path(path)
    backup_format(path, writing=False)
    graphs: dict[str, dict[ox.Quad, None]] = {}
    default = 0
    outside: dict[str, None] = {}
    fresh: dict[tuple[str, ox.BlankNode], ox.BlankNode] = {}
    for q in iter_rdf(path):
        g = q.graph_name
        if isinstance(g, ox.DefaultGraph):
            default += 1
            continue
        name = g.value if isinstance(g, ox.NamedNode) else str(g)
        if not isinstance(g, ox.NamedNode) or not name.startswith(GRAPH_PREFIX):
            outside[name] = None
            continue
        graphs.setdefault(name, {})[_own_blank_nodes(q, name, fresh)] = None
    problems = []
    if default:
        problems.append(f"{default} triples in the default graph")
    if outside:
        names = list(outside)
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        problems.append(f"{len(names)} graphs outside {GRAPH_PREFIX} ({shown})")
    if problems:
        raise InputError(
            f"not a cokg backup: {' and '.join(problems)}; a backup holds cokg's named graphs "
            "only (cokg backup writes one)",
            file=path,
        )
    if not graphs:
        raise InputError("holds no graphs: nothing to restore", file=path)
    return {g: list(qs) for g, qs in graphs.items()}


def _own_blank_nodes(
    q: ox.Quad, graph: str, fresh: dict[tuple[str, ox.BlankNode], ox.BlankNode]
) -> ox.Quad:
    """`q` with its blank nodes made the graph's own: in cokg two graphs never share one, and a
    label a file uses in two graphs would otherwise join them."""

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(t, ox.BlankNode):
            return fresh.setdefault((graph, t), ox.BlankNode())
        return t

    if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode):
        return q
    return ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)  # type: ignore[arg-type]


def restore(
    path: str | Path,
    store: Store | str | Path | None = None,
    *,
    replace: bool = False,
    wait: float | None = None,
    progress: Progress | None = None,
) -> RestoreReport:
    """Put every graph of the backup at `path` into `store` (an open Store, or a spec as for
    `open_store`: a directory, "memory:", an endpoint URL, None for the configured store).

    The file is read and checked whole before the store is opened, so a file that cannot be
    restored leaves the store as it was. A store holding graphs is refused, saying how many,
    unless `replace`: then it holds exactly the backup's graphs afterwards. An embedded store
    is replaced in one directory swap (all or nothing); a server graph by graph under its
    write lease (one request with SPARQL Update while it fits), the graphs the backup has not
    removed last."""
    from cokg.store.opening import open_store

    path = Path(path)
    graphs = read_backup(path)
    if isinstance(store, str | Path) or store is None:
        with open_store(store, wait=wait) as target:
            return _restore(path, graphs, target, replace=replace, progress=progress)
    return _restore(path, graphs, store, replace=replace, progress=progress)


def _restore(
    path: Path,
    graphs: dict[str, list[ox.Quad]],
    target: Store,
    *,
    replace: bool,
    progress: Progress | None,
) -> RestoreReport:
    held = target.graphs()
    if held and not replace:
        raise ParameterError(
            f"{target!r} is not empty: it holds {len(held)} graphs; restore into an empty "
            "store, or give --replace to replace them all with the backup's"
        )
    counts = tuple((g, len(q)) for g, q in graphs.items())
    removed = tuple(g for g in held if g not in graphs)
    if isinstance(target, OxigraphStore):
        target.replace_all(_all(graphs.values()), progress)
        if isinstance(target, EmbeddedStore):
            mark_restored(target, path)
    elif isinstance(target, RemoteStore):
        target._put(graphs, progress, list(removed))
    else:
        raise StoreError(f"cannot restore into {target!r}")
    return RestoreReport(
        store=repr(target), path=path, graphs=counts, removed=removed, replaced=len(held)
    )


def _all(lists: Iterable[list[ox.Quad]]) -> Iterable[ox.Quad]:
    for quads in lists:
        yield from quads


def _atomic_write(path: Path, data: bytes) -> None:
    """Temp file beside `path`, fsync, rename: a crash leaves the old file or the new one."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write the backup: {exc.strerror or exc}", file=path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # a backup may hold restricted data: the owner's alone
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            raise StoreError(f"cannot write the backup: {reason}", file=path) from None
        raise
