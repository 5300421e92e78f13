"""Where the project's files live: the only module that knows the layout."""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    # COKG_ROOT lets an installed package point at a checkout; otherwise the
    # source tree is two levels above this file (src/cokg/paths.py).
    env = os.environ.get("COKG_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = _find_root()
ONTOLOGY_DIR = ROOT / "ontology"
UMBRELLA = ONTOLOGY_DIR / "cokg.ttl"
MODULES_DIR = ONTOLOGY_DIR / "modules"
FRAMEWORKS_DIR = ONTOLOGY_DIR / "frameworks"
CATALOG = ONTOLOGY_DIR / "catalog-v001.xml"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
CHECKS_DIR = QUERIES_DIR / "checks"
DATA_DIR = ROOT / "data"
# FICTIONAL example submissions, outside data/ so that the founding build never reads them
EXAMPLES_DIR = ROOT / "examples"
PACKAGE_DIR = Path(__file__).resolve().parent


def find_project(start: Path | None = None) -> Path | None:
    """The project a working directory belongs to, found as git finds its repository: the
    nearest directory, from `start` (default: the working directory) upward, that holds a
    `.cokg/` folder or the project's own files (`ontology/cokg.ttl`). None outside any."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / ".cokg").is_dir() or (d / "ontology" / "cokg.ttl").is_file():
            return d
    return None


def default_store_dir() -> Path:
    """The embedded store used when none is named: $COKG_STORE, else `.cokg/store` in the
    project the working directory belongs to (see `find_project`). Outside any project this
    is an error, and nothing is created."""
    from cokg.errors import StoreMissing

    env = os.environ.get("COKG_STORE")
    if env:
        return Path(env)
    project = find_project()
    if project is None:
        raise StoreMissing(
            f"{Path.cwd()} is not inside a cokg project (no .cokg/ folder or ontology/cokg.ttl "
            "here or above): run cokg from the project, name a store with --store or "
            "COKG_STORE, or make this folder a project with `mkdir .cokg`"
        )
    return project / ".cokg" / "store"


def cache_dir() -> Path:
    """Where cokg keeps what it can compute again (the compiled shapes): $COKG_CACHE, else
    $XDG_CACHE_HOME/cokg, else ~/.cache/cokg. Nothing there is needed: a cache that cannot
    be read or written is recomputed."""
    env = os.environ.get("COKG_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "cokg"
