"""docs/linkers.md: its tables of concept and mapping counts against the vocabulary files.

The counts are computed here with rdflib (and the csv module for the SSSOM file) straight from
ontology/frameworks/, never from cokg; the page's examples themselves run in tests/test_docs.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "linkers.md"
FRAMEWORKS = ROOT / "ontology" / "frameworks"
# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
COKG = Namespace("https://w3id.org/cokg/ontology#")
SCHEME_BASE = "https://w3id.org/cokg/framework/"


def _table(header_word: str) -> list[dict[str, str]]:
    """The rows of the page's Markdown table whose header has the column `header_word`."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and header_word in cells:
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                values = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
                rows.append(dict(zip(cells, values, strict=True)))
            return rows
    raise AssertionError(f"no table with a {header_word!r} column in {PAGE.name}")


def _scheme_files() -> list[Path]:
    return [f for f in sorted(FRAMEWORKS.glob("*.ttl")) if f.name != "mappings.ttl"]


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    g = Graph()
    for f in sorted(FRAMEWORKS.glob("*.ttl")):
        g.parse(f)
    return g


def test_every_scheme_file_is_in_the_table() -> None:
    listed = {row["file"] for row in _table("concepts")}
    assert listed == {f.name for f in _scheme_files()}
    assert len(listed) >= 8


@pytest.mark.parametrize("path", [pytest.param(f, id=f.name) for f in _scheme_files()])
def test_concept_counts(path: Path) -> None:
    (row,) = [r for r in _table("concepts") if r["file"] == path.name]
    g = Graph().parse(path)
    (scheme,) = list(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert str(scheme) == SCHEME_BASE + row["scheme"]
    concepts = {c for c in g.subjects(SKOS.inScheme, scheme) if (c, RDF.type, SKOS.Concept) in g}
    assert int(row["concepts"]) == len(concepts)
    # the prefix shown is the one the file binds to the scheme's namespace
    prefix = row["prefix"].rstrip(":")
    assert dict(g.namespaces())[prefix] == URIRef(f"{scheme}/")


def _name(scheme: object) -> str:
    return str(scheme)[len(SCHEME_BASE) :]


def test_mapping_counts(vocabularies: Graph) -> None:
    scheme_of = {c: s for c, s in vocabularies.subject_objects(SKOS.inScheme)}
    expected: Counter = Counter()
    for m in vocabularies.subjects(RDF.type, COKG.ConceptMapping):
        subject = vocabularies.value(m, COKG.subject)
        obj = vocabularies.value(m, COKG.object)
        expected[(_name(scheme_of[subject]), _name(scheme_of[obj]), "mappings.ttl")] += 1
    text = (FRAMEWORKS / "bcio-alignment.sssom.tsv").read_text(encoding="utf-8")
    table = "".join(ln for ln in io.StringIO(text) if not ln.startswith("#"))
    for row in csv.DictReader(io.StringIO(table), delimiter="\t"):
        assert row["object_id"].startswith("BCIO:")
        subject_scheme = row["subject_source"].removeprefix("framework:")
        expected[(subject_scheme, "BCIO", "bcio-alignment.sssom.tsv")] += 1
    got = {(r["from"], r["to"], r["file"]): int(r["mappings"]) for r in _table("mappings")}
    assert got == dict(expected)
    # each mapping is also stated as a plain SKOS triple (what queries use)
    skos = sum(
        1
        for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
        for _ in vocabularies.triples((None, SKOS[p], None))
    )
    assert sum(n for (_, _, f), n in got.items() if f == "mappings.ttl") == skos


def test_every_export_has_a_section() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for command in (
        "cokg export sssom",
        "--pair",
        "cokg export ro-crate",
        "--zip",
        "cokg export nanopubs",
        "cokg export void",
        "/.well-known/void",
        "cokg export --format jsonld",
        "cokg docs",
    ):
        assert command in text, command
    assert re.search(r"^## .*VoID", text, re.M)
