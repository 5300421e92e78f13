"""cokg: the coproduction knowledge graph.

The public API, importable from the package (each name is loaded on first use, so
`import cokg` stays cheap)::

    import cokg

    with cokg.open_store("memory:") as store:       # or a directory, or an endpoint URL
        cokg.build(store)
        answer = cokg.run_query("timeline", store=store, case="dundee-mrr")
        report = cokg.validate_files(["my-case/"], store=store)

Stores: `open_store`, `open_for_reading`, `build`, `Store`. Queries: `list_queries`,
`get_query`, `run_query`, `run_sparql`, `run_checks`. Stewards: `validate_files` (the
function `cokg.validate.validate`: the package attribute `validate` is its module),
`validate_store`, `ingest`, `retract`, `list_graphs`. Linking: `export`, `export_to`,
`submit_sssom` (store a mapping set: `cokg import sssom`), `export_sssom`, `export_rocrate`,
`export_nanopubs`, `write_void`. QDA projects: `import_qdpx` (`cokg import-qdpx`).
Analysis: `networks`, `rating_network`, `timeline`, `paths_to_adoption`, `agreement` (coder
agreement), `build_report`. Errors: `CokgError`
and its subclasses.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("cokg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

# name -> module that defines it ("module:attribute" where the names differ)
_LAZY: dict[str, str] = {
    # stores
    "Store": "cokg.store",
    "open_store": "cokg.store",
    "open_for_reading": "cokg.store",
    "build": "cokg.store",
    # queries
    "list_queries": "cokg.query",
    "get_query": "cokg.query",
    "run_query": "cokg.query",
    "run_sparql": "cokg.query",
    "run_checks": "cokg.query",
    # data stewards
    "validate_files": "cokg.validate:validate",
    "validate_store": "cokg.validate",
    "ingest": "cokg.ingest",
    "retract": "cokg.ingest",
    "list_graphs": "cokg.ingest",
    # linking
    "export": "cokg.export",
    "export_to": "cokg.export",
    "submit_sssom": "cokg.linking.submitting",
    "import_qdpx": "cokg.qda.importing",
    "export_sssom": "cokg.linking.sssom",
    "export_rocrate": "cokg.linking.rocrate",
    "export_nanopubs": "cokg.linking.nanopubs",
    "write_void": "cokg.linking.void",
    # analysis and report
    "networks": "cokg.analyse",
    "timeline": "cokg.analyse",
    "paths_to_adoption": "cokg.analyse",
    "rating_network": "cokg.analyse",
    "agreement": "cokg.agreement",
    "build_report": "cokg.report",
    # errors
    "CokgError": "cokg.errors",
    "InputError": "cokg.errors",
    "NetworkRefused": "cokg.errors",
    "ValidationFailed": "cokg.errors",
    "ParameterError": "cokg.errors",
    "QueryError": "cokg.errors",
    "StoreError": "cokg.errors",
    "ReasonerError": "cokg.errors",
}

__all__ = [
    "CokgError",
    "InputError",
    "NetworkRefused",
    "ParameterError",
    "QueryError",
    "ReasonerError",
    "Store",
    "StoreError",
    "ValidationFailed",
    "__version__",
    "agreement",
    "build",
    "build_report",
    "export",
    "export_nanopubs",
    "export_rocrate",
    "export_sssom",
    "export_to",
    "get_query",
    "import_qdpx",
    "ingest",
    "list_graphs",
    "list_queries",
    "networks",
    "open_for_reading",
    "open_store",
    "paths_to_adoption",
    "rating_network",
    "retract",
    "run_checks",
    "run_query",
    "run_sparql",
    "submit_sssom",
    "timeline",
    "validate_files",
    "validate_store",
    "write_void",
]

if TYPE_CHECKING:  # what type checkers and editors see; nothing is imported at run time
    from cokg.agreement import agreement
    from cokg.analyse import networks, paths_to_adoption, rating_network, timeline
    from cokg.errors import (
        CokgError,
        InputError,
        NetworkRefused,
        ParameterError,
        QueryError,
        ReasonerError,
        StoreError,
        ValidationFailed,
    )
    from cokg.export import export, export_to
    from cokg.ingest import ingest, list_graphs, retract
    from cokg.linking.nanopubs import export_nanopubs
    from cokg.linking.rocrate import export_rocrate
    from cokg.linking.sssom import export_sssom
    from cokg.linking.submitting import submit_sssom
    from cokg.linking.void import write_void
    from cokg.qda.importing import import_qdpx
    from cokg.query import get_query, list_queries, run_checks, run_query, run_sparql
    from cokg.report import build_report
    from cokg.store import Store, build, open_for_reading, open_store
    from cokg.validate import validate as validate_files
    from cokg.validate import validate_store


def __getattr__(name: str) -> Any:  # PEP 562
    if name in _LAZY:
        module, _, attribute = _LAZY[name].partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'cokg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
