"""The compiled shapes kept between commands (cokg.validate.compiled_cache): what is read back is
what was compiled, and a cache that is absent, broken or unwritable changes nothing but time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cokg import paths
from cokg.validate import compiled_cache, compiler, validate
from cokg.validate.shapes import ontology_key, shapes_version

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
INVALID = sorted(f for f in (FIXTURES / "invalid").glob("*.ttl") if ".expected" not in f.name)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("COKG_CACHE", str(folder))
    compiler._compile.cache_clear()
    yield folder
    compiler._compile.cache_clear()


def _compile_afresh() -> tuple[compiler.CompiledConstraint, ...]:
    compiler._compile.cache_clear()
    return compiler.compile_shapes()


def _key() -> str:
    return compiled_cache.cache_key(shapes_version(), ontology_key())


def test_the_cache_gives_back_exactly_what_was_compiled(cache: Path) -> None:
    compiled = _compile_afresh()  # compiles and writes
    files = list(cache.glob("shapes-*.json"))
    assert len(files) == 1 and files[0].name == f"shapes-{_key()}.json"
    read = compiled_cache.read(_key())
    assert read is not None and read == compiled  # every field, the variants' too
    # blank-node shapes keep their names, so a batched row still finds its constraint
    batched = [c for c in read if c.variants]
    assert batched and all(v.source_shape is not None for c in batched for v in c.variants.values())
    assert _compile_afresh() == compiled  # now from the file


def test_validation_is_the_same_from_the_cache(cache: Path) -> None:
    sample = INVALID[:: max(1, len(INVALID) // 12)]

    def results() -> list[list[tuple]]:
        return [
            sorted(
                (str(r.focus_node), str(r.path), str(r.source_shape), r.message, r.severity)
                for r in validate([f]).results
            )
            for f in sample
        ]

    compiler._compile.cache_clear()
    cold = results()
    assert list(cache.glob("shapes-*.json"))
    compiler._compile.cache_clear()
    warm = results()
    assert warm == cold and all(cold)  # every sampled invalid fixture reports something


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda f: f.write_text("{not json", encoding="utf-8"), id="not-json"),
        pytest.param(lambda f: f.write_text('{"format": 99}', encoding="utf-8"), id="format"),
        pytest.param(lambda f: f.write_bytes(f.read_bytes()[:5000]), id="truncated"),
        pytest.param(
            lambda f: f.write_text(
                json.dumps(
                    {"format": compiled_cache.FORMAT, "key": f.stem[7:], "constraints": [{}]}
                ),
                encoding="utf-8",
            ),
            id="missing-fields",
        ),
    ],
)
def test_a_broken_cache_file_is_compiled_again(cache: Path, damage) -> None:
    compiled = _compile_afresh()
    (saved,) = cache.glob("shapes-*.json")
    damage(saved)
    assert compiled_cache.read(_key()) is None
    assert _compile_afresh() == compiled
    assert compiled_cache.read(_key()) == compiled  # and written anew


def test_an_unwritable_cache_changes_nothing_but_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("COKG_CACHE", str(blocker / "cache"))
    try:
        assert _compile_afresh()
        assert compiled_cache.read(_key()) is None
    finally:
        compiler._compile.cache_clear()


def test_no_home_folder_changes_nothing_but_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # a service account without a home: Path.home() raises RuntimeError
    monkeypatch.delenv("COKG_CACHE")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    try:
        assert _compile_afresh()
        assert compiled_cache.read(_key()) is None
    finally:
        compiler._compile.cache_clear()


def test_an_edit_to_the_compiler_or_shapes_names_another_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "compiler.py"
    source.write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(compiled_cache, "_SOURCES", (source,))
    before = compiled_cache.cache_key("sha256:a", ("ontology",))
    assert compiled_cache.cache_key("sha256:b", ("ontology",)) != before
    assert compiled_cache.cache_key("sha256:a", ("ontology", "edited")) != before
    source.write_text("x = 2\n", encoding="utf-8")
    edited = compiled_cache.cache_key("sha256:a", ("ontology",))
    assert edited != before
    monkeypatch.setattr(compiled_cache.rdflib, "__version__", "0.0-other")
    assert compiled_cache.cache_key("sha256:a", ("ontology",)) != edited


def test_old_versions_are_dropped(cache: Path) -> None:
    compiled = _compile_afresh()
    for k in range(12):
        compiled_cache.write(f"old{k:02d}", compiled[:1])
    assert len(list(cache.glob("shapes-*.json"))) == compiled_cache._KEEP


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COKG_CACHE", "/somewhere/cokg-cache")
    assert paths.cache_dir() == Path("/somewhere/cokg-cache")
    monkeypatch.delenv("COKG_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert paths.cache_dir() == Path("/xdg/cokg")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert paths.cache_dir() == Path("/home/someone/.cache/cokg")


def test_cli_validate_writes_the_cache_once_and_reads_it(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    fixture = INVALID[0]
    env = {**os.environ, "COKG_CACHE": str(folder)}
    cokg = str(Path(sys.executable).with_name("cokg"))
    argv = [cokg, "validate", "--no-store", "-f", "json", str(fixture)]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=paths.ROOT)
    (saved,) = folder.glob("shapes-*.json")
    stamp = saved.stat().st_mtime_ns
    second = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=paths.ROOT)
    assert first.returncode == second.returncode == 1, first.stderr
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert saved.stat().st_mtime_ns == stamp  # read, not written again
