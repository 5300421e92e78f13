"""Where the graph lives: one Store protocol, three implementations.

- EmbeddedStore: pyoxigraph on disk (`.cokg/store` by default), transactional, one writer.
- MemoryStore: pyoxigraph in memory (tests, one-off runs).
- RemoteStore: any SPARQL 1.1 endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso), queried
  with SPARQLWrapper, written with the Graph Store Protocol or SPARQL Update.

Every store is a dataset of named graphs (one graph per source file); queries see the union of
the named graphs as their default graph, so saved queries need no GRAPH clauses.

Design choices, measured on this stack (pyoxigraph 0.5):

- Atomic writes. `Store.extend`, `Store.load` and `Store.update` are each one transaction, and
  a kill -9 leaves no partial state; a loop of `add()` does. Replacing a graph must drop the old
  triples and insert the new ones in the *same* transaction, so when a target graph already
  exists the write is a single SPARQL Update (`DROP SILENT GRAPH ...; INSERT DATA {...}`);
  when none exists, one `extend()` (about twice as fast on disk: 63k vs 37k triples/s at 100k).
- Bulk builds (`build(fresh=True)`, or an empty store) fill a new store with pyoxigraph's
  bulk loader (`bulk_load` for big clean triples files, one `bulk_extend` for the rest) in a new
  directory that is swapped in when complete: bulk loading is not transactional, the directory
  swap is what makes it all-or-nothing. The in-memory store swaps a reference instead.
- Blank nodes are renamed per graph on the way in, so two graphs never share one; literal text
  is NFC-normalised (NFD "José" and NFC "José" are different literals to every store).
- Query safety: every query text passes `cokg.sparql.screen` (parsed; SERVICE, LOAD, FROM,
  updates and deep nesting refused) and local queries run in a forked child with no network,
  a memory cap and a time limit (`cokg.sandbox`): a crash or a runaway query ends the child,
  never the caller or the store. Remote queries pass `timeout` to the HTTP client, and a
  truncated answer (Oxigraph's `--timeout-s` sends HTTP 200 with a cut body) is reported as a
  QueryError, never as a short result.
- Bindings are RDF terms, never text pasted into a query: a VALUES block of `.n3()` terms (IRIs
  validated first) at the start of the outermost WHERE group (`cokg.sparql.bind`).
- One writer. An exclusive `flock` on `<store dir>.lock` is held from opening a writable
  embedded store until close(); a second writer fails at once with StoreError. Read-only
  openers take a shared lock: pyoxigraph documents a read-only open next to a live writer as
  undefined behaviour, so readers and the writer exclude each other.
"""

from cokg.store.backups import (
    BackupReport,
    RestoreReport,
    backup,
    backup_format,
    read_backup,
    restore,
)
from cokg.store.building import (
    BuildReport,
    PushPlan,
    build,
    ensure_built,
    is_stale,
    plan_push,
    push,
    source_files,
)
from cokg.store.opening import open_for_reading, open_store
from cokg.store.oxigraph import EXPORT_FORMATS, EmbeddedStore, MemoryStore, serialize_quads
from cokg.store.protocol import Progress, Store, Triple
from cokg.store.remote import PlainHTTP, RemoteStore, remote_config

__all__ = [
    "EXPORT_FORMATS",
    "BackupReport",
    "BuildReport",
    "EmbeddedStore",
    "MemoryStore",
    "PlainHTTP",
    "Progress",
    "PushPlan",
    "RemoteStore",
    "RestoreReport",
    "Store",
    "Triple",
    "backup",
    "backup_format",
    "build",
    "ensure_built",
    "is_stale",
    "open_for_reading",
    "open_store",
    "plan_push",
    "push",
    "read_backup",
    "remote_config",
    "restore",
    "serialize_quads",
    "source_files",
]
