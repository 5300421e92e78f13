"""cokg: the coproduction knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cokg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"


# --- lazy public API (queries): `cokg.run_query` without importing rdflib on `import cokg` ---
_LAZY = {"run_query": "cokg.query", "run_sparql": "cokg.query", "list_queries": "cokg.query"}


def __getattr__(name: str):  # PEP 562
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cokg' has no attribute {name!r}")
