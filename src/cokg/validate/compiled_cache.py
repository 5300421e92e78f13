"""The compiled shapes kept between commands, once per version of the shapes, the ontology and
the compiler.

Compiling the shapes reads them and the ontology and writes some 180 queries: 0.1-0.2 CPU-s,
which every `cokg validate` and `cokg ingest` paid again. The result is written as JSON (never
pickle: a file is read as data, not run) to `paths.cache_dir()`, named by a hash of everything
the compilation reads: the shapes' bytes, the ontology files' names, sizes and times, the
source of the compiler itself and rdflib's version, so a change to any of them compiles
afresh. A file that is missing, unreadable, of another format or malformed is ignored and
written anew; a cache folder that cannot be written leaves the command as it was, only slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rdflib

from cokg import paths
from cokg.terms import from_wire, to_wire

if TYPE_CHECKING:
    from cokg.validate.compiler import CompiledConstraint

FORMAT = 1
_KEEP = 8  # compiled versions kept in the folder (a developer switching branches)
_SOURCES = (Path(__file__).parent, paths.PACKAGE_DIR / "namespaces.py")


def cache_key(shapes_version: str, ontology: tuple) -> str:
    """A name for one compilation: the shapes, the ontology and the compiler's own source."""
    # rdflib writes the terms into the queries (n3()): its version is part of the result
    h = hashlib.sha256(f"{FORMAT}\0{rdflib.__version__}\0{shapes_version}\0{ontology!r}\0".encode())
    for src in _SOURCES:
        for f in sorted(src.glob("*.py")) if src.is_dir() else [src]:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _file(key: str) -> Path:
    return paths.cache_dir() / f"shapes-{key}.json"


# terms are written as the served endpoint's wire tuples (JSON lists here)
def _dump(c: CompiledConstraint) -> dict[str, Any]:
    return {
        "query": c.query,
        "severity": c.severity,
        "component": to_wire(c.component),
        "source_shape": to_wire(c.source_shape),
        "path": to_wire(c.path),
        "message": c.message,
        "source_constraint": to_wire(c.source_constraint),
        "every_record": c.every_record,
        "variants": [[to_wire(a), to_wire(b), _dump(v)] for (a, b), v in c.variants.items()],
    }


def _load(d: dict[str, Any]) -> CompiledConstraint:
    from cokg.validate.compiler import CompiledConstraint

    return CompiledConstraint(
        query=str(d["query"]),
        severity=str(d["severity"]),
        component=from_wire(d["component"]),  # type: ignore[arg-type]
        source_shape=from_wire(d["source_shape"]),  # type: ignore[arg-type]
        path=from_wire(d["path"]),
        message=str(d["message"]),
        source_constraint=from_wire(d["source_constraint"]),
        variants={(from_wire(a), from_wire(b)): _load(v) for a, b, v in d["variants"]},
        every_record=bool(d["every_record"]),
    )


def read(key: str) -> tuple[CompiledConstraint, ...] | None:
    """The compiled constraints saved under `key`, or None (absent, unreadable, malformed)."""
    try:
        doc = json.loads(_file(key).read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT or doc.get("key") != key:
            return None
        return tuple(_load(d) for d in doc["constraints"])
    # RuntimeError: no home folder to find the cache in
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def write(key: str, constraints: tuple[CompiledConstraint, ...]) -> None:
    """Save the compiled constraints under `key` (atomically; silently not when the folder
    cannot be written) and drop all but the newest few other versions."""
    doc = {"format": FORMAT, "key": key, "constraints": [_dump(c) for c in constraints]}
    try:
        folder = paths.cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".shapes-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, _file(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        others = sorted(folder.glob("shapes-*.json"), key=lambda f: f.stat().st_mtime)
        for old in others[:-_KEEP]:
            with contextlib.suppress(OSError):
                old.unlink()
    except (OSError, RuntimeError):
        return
