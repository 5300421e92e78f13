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
PACKAGE_DIR = Path(__file__).resolve().parent


def default_store_dir() -> Path:
    """The embedded store used when none is named: `.cokg/store` under the working directory."""
    env = os.environ.get("COKG_STORE")
    return Path(env) if env else Path.cwd() / ".cokg" / "store"
