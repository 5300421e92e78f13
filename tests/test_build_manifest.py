"""The build manifest: a reading command asks whether the store is stale without reading the
project's files again when their size and modification time are unchanged, and still notices
an edit."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from cokg.store import EmbeddedStore, build, building


@pytest.fixture
def project(tmp_path: Path, project_root) -> Path:
    from cokg import paths

    root = tmp_path / "project"
    for part in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(paths.ROOT / part, root / part)
    return project_root(root)


def test_unchanged_files_are_not_read_again(project: Path, monkeypatch) -> None:
    store = project / ".cokg" / "store"
    with EmbeddedStore(store) as st:
        build(st)
    hashed: list[int] = []
    real = hashlib.sha256

    def counting(data: bytes = b"") -> object:
        hashed.append(len(data))
        return real(data)

    monkeypatch.setattr(building, "hashlib", SimpleNamespace(sha256=counting))
    with EmbeddedStore(store, read_only=True) as st:
        assert not building.is_stale(st)
    assert hashed == []  # sizes and times matched: nothing hashed

    case = project / "data" / "cases" / "dundee-mrr.ttl"
    os.utime(case, ns=(case.stat().st_atime_ns, case.stat().st_mtime_ns + 1_000_000))
    with EmbeddedStore(store, read_only=True) as st:
        assert not building.is_stale(st)  # touched, same bytes: hashed again, not stale
    assert hashed == [case.stat().st_size]  # that file alone

    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("Dundee, Scotland", "Dundee, Scotland."), encoding="utf-8")
    with EmbeddedStore(store, read_only=True) as st:
        assert building.is_stale(st)


def test_a_manifest_of_the_older_form_still_works(project: Path) -> None:
    """Stores built before the manifest kept sizes and times hold the digest alone."""
    import json

    store = project / ".cokg" / "store"
    with EmbeddedStore(store) as st:
        build(st)
    manifest = store.with_name(store.name + ".sources.json")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({g: e["sha256"] for g, e in entries.items()}), "utf-8")
    with EmbeddedStore(store, read_only=True) as st:
        assert not building.is_stale(st)
