"""Building a store from the project files, pushing one store into another, and the manifest
that tells when a built store is stale."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from cokg import paths
from cokg.errors import CokgError, ParameterError, StoreError
from cokg.store.oxigraph import EmbeddedStore, MemoryStore, OxigraphStore
from cokg.store.protocol import Progress, Store
from cokg.store.remote import RemoteStore

# --- building --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildReport:
    """What `build` loaded: (graph IRI, triples) per graph, totals and time."""

    store: str
    graphs: tuple[tuple[str, int], ...]
    triples: int
    seconds: float
    removed: tuple[str, ...] = ()  # graphs a push --prune removed from the target

    @property
    def triples_per_second(self) -> float:
        return self.triples / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        said = (
            f"loaded {len(self.graphs)} graphs, {self.triples} triples into {self.store} in "
            f"{self.seconds:.2f} s ({self.triples_per_second:,.0f} triples/s)"
        )
        if self.removed:
            said += f"; removed {len(self.removed)} graphs it no longer holds: " + ", ".join(
                g.rsplit("/graph/", 1)[-1] for g in self.removed
            )
        return said


def source_files(*, include_data: bool = True) -> dict[str, Path]:
    """Graph IRI -> file for the ontology modules, the frameworks and (optionally) data/."""
    from cokg.load import data_files, ontology_files

    files = dict(ontology_files(include_frameworks=True))
    if include_data:
        for g, f in data_files():
            if g in files:
                raise StoreError(f"two files map to the graph {g}", file=f)
            files[g] = f
    return files


def build(
    store: Store,
    *,
    include_data: bool = True,
    fresh: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    """Load the ontology, frameworks and data files into `store`, one named graph per file.

    fresh=True (or an empty embedded/memory store) rebuilds everything: bulk load into a new
    store swapped in at the end. Otherwise each file's graph is replaced in one transaction.
    """
    files = source_files(include_data=include_data)
    t0 = time.perf_counter()
    if isinstance(store, EmbeddedStore | MemoryStore) and (fresh or store.count() == 0):
        store.rebuild(files, progress)
    else:
        if fresh:
            stale = [g for g in store.graphs() if g not in files]
            store.drop_graphs(stale)
        if isinstance(store, RemoteStore):
            store.load_files(files, progress)
        else:
            if progress:
                progress(f"loading {len(files)} files")
            store.load_files(files)
    seconds = time.perf_counter() - t0
    if isinstance(store, EmbeddedStore):
        _write_manifest(store, _fingerprint(files))
    counts = tuple((g, store.count(g)) for g in files)
    return BuildReport(
        store=repr(store),
        graphs=counts,
        triples=sum(n for _, n in counts),
        seconds=seconds,
    )


_VERSIONS = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX cokg: <https://w3id.org/cokg/ontology#>
SELECT ?g ?when ?old WHERE {
  GRAPH ?pg { ?s cokg:graph ?g ; prov:wasGeneratedBy ?act . ?act prov:endedAtTime ?when
              OPTIONAL { ?g prov:wasRevisionOf ?old } }
}"""


def _versions(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    """When each submission graph was ingested (prov:endedAtTime, by graph IRI), and which
    submission replaced which (old graph -> the graph replacing it, prov:wasRevisionOf)."""
    when: dict[str, str] = {}
    replaced: dict[str, str] = {}
    for row in store.query(_VERSIONS, internal=True).rows:
        g = str(row["g"])
        when[g] = max(when.get(g, ""), str(row["when"]))
        if row.get("old") is not None:
            replaced[str(row["old"])] = g
    return when, replaced


def _newer_on_target(source: Store, target: Store, graphs: list[str]) -> list[str]:
    """The submissions `target` holds in a later version than `source` (ingested later there,
    or replaced there by another submission): pushing would bring the older one back."""
    mine, _ = _versions(source)
    theirs, replaced = _versions(target)
    out = []
    for g in graphs:
        short = g.rsplit("/graph/", 1)[-1]
        if g in replaced and replaced[g] not in graphs:
            newer = replaced[g].rsplit("/graph/", 1)[-1]
            out.append(f"{short} (replaced there by {newer})")
        elif g in theirs and (g not in mine or _instant(theirs[g]) > _instant(mine[g])):
            here = f", here {mine[g]}" if g in mine else ""
            out.append(f"{short} (ingested there {theirs[g]}{here})")
    return out


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_RECORDS = "https://w3id.org/cokg/id/"
_SUBMISSIONS = "https://w3id.org/cokg/graph/submission/"


def _held_elsewhere_on_target(source: Store, target: Store, graphs: list[str]) -> list[str]:
    """The source's submissions whose records the target holds in another graph that this push
    does not replace (one record, one graph: ingesting them there would be refused). A push
    added a case its steward had ingested on the server under another id: the same records
    in two graphs."""
    pushed = set(graphs)
    out = []
    for g in graphs:
        if not g.startswith(_SUBMISSIONS):
            continue
        records = sorted(
            {
                q.subject.value
                for q in _graph_quads(source, g)
                if q.predicate == _RDF_TYPE
                and isinstance(q.subject, ox.NamedNode)
                and q.subject.value.startswith(_RECORDS)
            }
        )
        holders: dict[str, str] = {}
        for i in range(0, len(records), 200):
            values = " ".join(f"<{r}>" for r in records[i : i + 200])
            text = (
                f"SELECT DISTINCT ?other ?r WHERE {{ VALUES ?r {{ {values} }} "
                "GRAPH ?other { ?r ?p ?o } }"
            )
            for row in target.query(text, internal=True).rows:
                other = str(row["other"])
                if other.startswith(_SUBMISSIONS) and other not in pushed:
                    holders.setdefault(other, str(row["r"]))
        out += [
            f"{_short(g)} (its {holders[o].removeprefix(_RECORDS)} is in {_short(o)} there)"
            for o in sorted(holders)
        ]
    return out


def _graph_quads(source: Store, g: str) -> list[ox.Quad]:
    data = source.export(format="nq", graph_iris=[g])
    return list(ox.parse(input=data, format=ox.RdfFormat.N_QUADS))


def _instant(text: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _short(g: str) -> str:
    return g.rsplit("/graph/", 1)[-1]


@dataclass(frozen=True)
class PushPlan:
    """What a push would do: graphs it would replace on the target, add to it and (with
    prune) remove from it; `unknown`, of those removed, the graphs this store never pushed
    there (ingested on the target directly, or pushed from another store)."""

    target: str
    replace: tuple[str, ...]
    add: tuple[str, ...]
    remove: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    # why the push itself would be refused (newer versions there, records held there in
    # another graph, a prune of graphs never pushed from here): a dry run says it too
    refusals: tuple[str, ...] = ()

    def __str__(self) -> str:
        def said(verb: str, graphs: tuple[str, ...], note: str = "") -> str:
            names = ": " + ", ".join(_short(g) for g in graphs) if graphs else ""
            return f"would {verb} {len(graphs)} graphs{note}{names}"

        lines = [
            f"push to {self.target} (dry run: nothing written)",
            said("replace", self.replace),
            said("add", self.add),
        ]
        if self.remove:
            note = (
                f" (--prune; {len(self.unknown)} of them never pushed from this store: "
                f"{', '.join(_short(g) for g in self.unknown)})"
                if self.unknown
                else " (--prune)"
            )
            lines.append(f"would remove {len(self.remove)} graphs{note}: "
                         + ", ".join(_short(g) for g in self.remove))  # fmt: skip
        lines += [f"the push would be refused: {why}" for why in self.refusals]
        return "\n".join(lines)


def _pushed_path(source: Store) -> Path | None:
    return (
        source.path.with_name(source.path.name + ".pushed.json")
        if isinstance(source, EmbeddedStore)
        else None
    )


def _target_key(target: Store) -> str | None:
    if isinstance(target, RemoteStore):
        return target.endpoint.rstrip("/")
    if isinstance(target, EmbeddedStore):
        return str(target.path)
    return None


def _pushed(source: Store, target: Store) -> set[str]:
    """The graphs `source` pushed to `target` before (and did not prune since): kept beside an
    embedded store in `<store>.pushed.json`, by target."""
    path, key = _pushed_path(source), _target_key(target)
    if path is None or key is None:
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    held = data.get(key) if isinstance(data, dict) else None
    return {g for g in held if isinstance(g, str)} if isinstance(held, list) else set()


def _record_pushed(source: Store, target: Store, graphs: set[str]) -> None:
    path, key = _pushed_path(source), _target_key(target)
    if path is None or key is None:
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data = data if isinstance(data, dict) else {}
    data[key] = sorted(graphs)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def plan_push(
    source: Store, target: Store, *, prune: bool = False, force: bool = False, yes: bool = False
) -> PushPlan:
    """What `push` would do, without writing anything, and why it would be refused."""
    graphs = source.graphs()
    there = set(target.graphs())
    remove: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    if prune:
        held = set(graphs)
        remove = tuple(g for g in sorted(there) if g not in held)
        pushed = _pushed(source, target)
        unknown = tuple(g for g in remove if g not in pushed)
    plan = PushPlan(
        target=repr(target),
        replace=tuple(g for g in graphs if g in there),
        add=tuple(g for g in graphs if g not in there),
        remove=remove,
        unknown=unknown,
    )
    return dataclasses.replace(plan, refusals=tuple(_refusals(source, target, plan, force, yes)))


def _refusals(source: Store, target: Store, plan: PushPlan, force: bool, yes: bool) -> list[str]:
    graphs = [*plan.replace, *plan.add]
    out = []
    newer = [] if force else _newer_on_target(source, target, graphs)
    if newer:
        out.append(
            f"{target!r} holds newer versions of {', '.join(newer)}; pushing would replace "
            "them with this store's older copies. Retract them here first (cokg retract), or "
            "give --force to replace them anyway"
        )
    twice = [] if force else _held_elsewhere_on_target(source, target, graphs)
    if twice:
        out.append(
            f"{target!r} holds records of {'; '.join(twice)}: pushed, they would be stored "
            "twice (one record, one graph). Retract one of the two (cokg retract, here or "
            "there), or give --force to push anyway"
        )
    if plan.unknown and not yes:
        subs = [g for g in plan.unknown if _short(g).startswith("submission/")]
        named = subs or list(plan.unknown)
        shown = ", ".join(_short(g) for g in named[:5])
        if len(named) > 5:
            shown += f" and {len(named) - 5} more"
        which = f", {len(subs)} of them submissions ({shown})" if subs else f" ({shown})"
        out.append(
            f"push --prune would remove {len(plan.unknown)} graphs this store never pushed to "
            f"{target!r}{which}: ingested there directly or pushed from another store; "
            "nothing was written. See them all with --dry-run; give --yes to remove them anyway"
        )
    return out


def push(
    source: Store,
    target: Store,
    *,
    progress: Progress | None = None,
    prune: bool = False,
    force: bool = False,
    yes: bool = False,
) -> BuildReport:
    """Copy every named graph of `source` into `target`, graph by graph, replacing graphs of
    the same name there. Other graphs in the target are left alone, unless `prune`: then
    cokg's graphs the source no longer holds (a submission retracted since the last push) are
    removed from the target too. A prune that would remove graphs this store never pushed to
    the target (ingested there directly, or pushed from another store) is refused before
    anything is written, naming them, unless `yes`. A submission the target holds in a newer
    version (ingested there later, or replaced there by another) is refused, naming it,
    unless `force`: the project's own graphs (ontology, frameworks, data/) are replaced as
    they are. `plan_push` says what a push would do."""
    t0 = time.perf_counter()
    counts = []
    graphs = source.graphs()
    plan = plan_push(source, target, prune=prune, force=force, yes=yes)
    if plan.refusals:  # the first reason, as a dry run lists them all
        error = ParameterError if plan.refusals[0].startswith("push --prune") else StoreError
        raise error(plan.refusals[0])
    one_by_one, whole = graphs, {}
    if isinstance(target, RemoteStore) and target.method == "update" and graphs:
        # SPARQL Update: the whole push in one request while it fits in the target's batch
        # (50,000 triples), as documented, so a failure leaves the endpoint as it was
        whole = {g: _graph_quads(source, g) for g in graphs}
        if sum(len(q) for q in whole.values()) <= target.batch_size:
            target._put(whole, progress)
            counts = [(g, len(q)) for g, q in whole.items()]
            one_by_one = []
    for i, g in enumerate(one_by_one, 1):
        quads = whole.pop(g, None) or _graph_quads(source, g)
        if isinstance(target, RemoteStore):
            target._put({g: quads}, None)
        elif isinstance(target, OxigraphStore):
            target._check_writable()
            target._write([g], quads)
        else:
            raise StoreError(f"cannot push into {target!r}")
        counts.append((g, len(quads)))
        if progress:
            progress(f"[{i}/{len(graphs)}] {g}: {len(quads)} triples")
    removed: list[str] = []
    if prune:
        held = set(graphs)
        removed = [g for g in target.graphs() if g not in held]
        if removed:
            target.drop_graphs(removed)
            if progress:
                progress(f"removed {len(removed)} graphs the store no longer holds")
    _record_pushed(source, target, (_pushed(source, target) - set(removed)) | set(graphs))
    seconds = time.perf_counter() - t0
    return BuildReport(
        store=repr(target),
        graphs=tuple(counts),
        triples=sum(n for _, n in counts),
        seconds=seconds,
        removed=tuple(removed),
    )


Entry = dict[str, Any]  # {"sha256": ..., "size": ..., "mtime_ns": ...}


def _fingerprint(
    files: Mapping[str, Path], known: Mapping[str, Any] | None = None
) -> dict[str, Entry]:
    """SHA-256 (with size and modification time) of each project file a graph was built from,
    by graph IRI. A file whose size and time match its entry in `known` is not read again:
    every reading command asks whether the store is stale, and hashing a million triples of
    data each time cost 0.2 CPU-s (0.56 at 3M)."""
    out: dict[str, Entry] = {}
    for g, f in sorted(files.items()):
        st = f.stat()
        entry = (known or {}).get(g)
        if (
            isinstance(entry, dict)
            and entry.get("size") == st.st_size
            and entry.get("mtime_ns") == st.st_mtime_ns
            and isinstance(entry.get("sha256"), str)
        ):
            out[g] = entry
            continue
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        out[g] = {"sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    return out


def _digests(manifest: Mapping[str, Any]) -> dict[str, str | None]:
    """Graph -> SHA-256, from a manifest of either form (older ones hold the digest alone)."""
    return {
        g: (e if isinstance(e, str) else e.get("sha256") if isinstance(e, dict) else None)
        for g, e in manifest.items()
    }


def _manifest_path(store: EmbeddedStore) -> Path:
    return store.path.with_name(store.path.name + ".sources.json")


def _read_manifest_file(store: EmbeddedStore) -> dict[str, Any]:
    try:
        data = json.loads(_manifest_path(store).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_manifest(store: EmbeddedStore) -> dict[str, Any]:
    """Graph -> entry of the files the store was built from ({} when none is recorded)."""
    data = _read_manifest_file(store)
    if "graphs" in data:  # {"project": ..., "graphs": {...}}; older manifests were the graphs
        graphs = data["graphs"]
        return graphs if isinstance(graphs, dict) else {}
    return data


def _write_manifest(store: EmbeddedStore, fingerprint: Mapping[str, Any]) -> None:
    # temp file + os.replace: a crash leaves the old manifest or the new one, never half
    path = _manifest_path(store)
    tmp = path.with_name(path.name + ".tmp")
    data = {"project": str(paths.ROOT), "graphs": dict(fingerprint)}
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def mark_restored(store: EmbeddedStore, source: Path) -> None:
    """Record that `store` was filled from a backup: reading commands then read it as it is,
    never rebuilding this project's graphs over the restored ones; `cokg build` makes it the
    project's again."""
    path = _manifest_path(store)
    tmp = path.with_name(path.name + ".tmp")
    data = {"restored_from": str(Path(source).resolve()), "graphs": {}}
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def is_stale(store: Store) -> bool:
    """True when an embedded store was built from this project's files and they have changed
    since (ontology, frameworks or data/ edited, added or removed). Other stores are never
    stale: a store another project built, or one filled by other means (a push, a copy, a
    benchmark), is read as it is, never rebuilt from this project's files by a reading command."""
    if not isinstance(store, EmbeddedStore) or not _ours(store):
        return False
    manifest = _read_manifest(store)
    return _digests(manifest) != _digests(_fingerprint(source_files(), known=manifest))


def _ours(store: EmbeddedStore) -> bool:
    """Whether `store` is this project's to rebuild: its default store, or one `build` filled
    from this project's files (its manifest names the project; a manifest from before
    manifests named one counts as this project's). A store restored from a backup is not,
    until the next `cokg build`."""
    data = _read_manifest_file(store)
    if "restored_from" in data:
        return False
    try:
        if store.path.resolve() == paths.default_store_dir().resolve():
            return True
    except CokgError:  # outside any project, no default store
        pass
    if "graphs" in data:
        return data.get("project") == str(paths.ROOT)
    return bool(data)


def ensure_built(store: Store) -> Store:
    """Build the store when it holds nothing yet, or rebuild the project's graphs when the
    files they came from changed (graphs from ingested submissions are kept); return it."""
    if not store.graphs():
        if getattr(store, "read_only", False):
            raise StoreError("the store is empty: run `cokg build`")
        build(store)
    elif not getattr(store, "read_only", False) and is_stale(store):
        assert isinstance(store, EmbeddedStore)
        gone = set(_read_manifest(store)) - set(source_files())
        store.drop_graphs(sorted(gone))  # graphs of project files that no longer exist
        build(store)
    return store
