"""The embedded store's published snapshots, as readers find and hold them: standard library
only, so a query worker (`cokg.serve.pool`) can follow them without importing rdflib.

A writer publishes a RocksDB checkpoint under `<store>.snapshots/<n>/`, touches `<n>.lock`
beside it and then atomically replaces the pointer file `<store>.snapshots/current` (holding n).
A reader holds a shared flock on `<n>.lock` while it reads `<n>/`; a writer deletes an old
snapshot only when it can take that lock exclusively (`cokg.store.oxigraph._prune_snapshot`).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Any

__all__ = ["current_snapshot", "hold_current", "pointer"]


def pointer(snaps: Path) -> str | None:
    """The text of the `current` pointer (n), or None when nothing was published yet."""
    try:
        n = (snaps / "current").read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return n if n.isdigit() else None


def current_snapshot(snaps: Path) -> Path | None:
    """The directory of the current snapshot, or None when nothing was published yet."""
    n = pointer(snaps)
    return snaps / n if n is not None else None


def hold_current(snaps: Path, *, attempts: int = 10) -> tuple[Path, IO[Any]] | None:
    """The current snapshot and its lock file, held with a shared flock (close the file to
    release it); None when nothing was published yet. Raises RuntimeError when the snapshots
    kept changing over `attempts` tries."""
    for _ in range(attempts):
        snap = current_snapshot(snaps)
        if snap is None:
            return None
        try:
            fh = open(snap.with_name(snap.name + ".lock"))  # noqa: SIM115 (the caller's to close)
        except FileNotFoundError:
            continue  # pruned since the pointer was read: read it again
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            continue  # being pruned right now
        if not snap.is_dir():
            fh.close()
            continue
        return snap, fh
    raise RuntimeError("the store's snapshots kept changing while opening")
