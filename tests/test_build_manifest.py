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
    entries = json.loads(manifest.read_text(encoding="utf-8"))["graphs"]
    manifest.write_text(json.dumps({g: e["sha256"] for g, e in entries.items()}), "utf-8")
    with EmbeddedStore(store, read_only=True) as st:
        assert not building.is_stale(st)


def test_a_store_from_elsewhere_is_read_as_it_is(
    project: Path, tmp_path: Path, project_root
) -> None:
    """A reading command never builds this project's files into a store it did not build: one
    another project built (its manifest names that project), or one filled by other means (no
    manifest: a push, a copy, a benchmark's store)."""
    from cokg.store import source_files
    from cokg.store.opening import open_for_reading

    theirs = tmp_path / "theirs" / "store"
    with EmbeddedStore(theirs) as st:
        build(st)  # by the project of `project`
    bare = tmp_path / "bare" / "store"
    with EmbeddedStore(bare) as st:
        st.rebuild(source_files(include_data=False))  # no data/, no manifest
    before = {p: sorted(EmbeddedStore(p, read_only=True).graphs()) for p in (theirs, bare)}
    manifest = theirs.with_name(theirs.name + ".sources.json").read_bytes()

    other = tmp_path / "other"  # another project, whose files differ
    shutil.copytree(project, other)
    case = other / "data" / "cases" / "dundee-mrr.ttl"
    case.write_text(
        case.read_text(encoding="utf-8").replace("Dundee, Scotland", "Dundee."), "utf-8"
    )
    project_root(other)
    for store in (theirs, bare):
        with open_for_reading(store) as st:
            assert not building.is_stale(st)
            assert sorted(st.graphs()) == before[store]  # nothing built into it
    assert theirs.with_name(theirs.name + ".sources.json").read_bytes() == manifest

    # the project's own store is rebuilt when its files change
    own = other / ".cokg" / "store"
    with EmbeddedStore(own) as st:
        build(st)
    case.write_text(case.read_text(encoding="utf-8").replace("Dundee.", "Dundee!"), "utf-8")
    with EmbeddedStore(own, read_only=True) as st:
        assert building.is_stale(st)
    with open_for_reading(own) as st:
        assert not building.is_stale(st)
