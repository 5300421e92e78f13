"""Documentation pages for the ontology and every framework concept scheme, read from a store
through the internal saved `doc-*` queries; `cokg serve` serves them (/ontology,
/framework/<scheme>) and `write_docs` writes them as self-contained files.

read  the ontology (modules, terms, the axioms written with blank nodes) and the schemes
      (concepts, hierarchy, mappings) as plain values
html  the pages' bodies, built with the server's HTML helpers and stylesheet classes
site  titles and bodies framed as server pages or as files; `write_docs`

    >>> from pathlib import Path
    >>> from cokg.docs import write_docs                               # doctest: +SKIP
    >>> [p.name for p in write_docs("memory:", Path("site"))][:2]       # doctest: +SKIP
    ['index.html', 'ontology.html']
"""

from __future__ import annotations

from cokg.docs.site import (
    Doc,
    UnknownScheme,
    index_doc,
    index_page,
    ontology_doc,
    ontology_page,
    scheme_doc,
    scheme_page,
    write_docs,
)

__all__ = [
    "Doc",
    "UnknownScheme",
    "index_doc",
    "index_page",
    "ontology_doc",
    "ontology_page",
    "scheme_doc",
    "scheme_page",
    "write_docs",
]
