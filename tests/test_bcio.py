"""ontology/frameworks/bcio-alignment.sssom.tsv: the alignment of four framework constructs to
the Behaviour Change Intervention Ontology (BCIO), an SSSOM set cokg ships but does not store.

The expected rows are written out here by hand; the constructs are checked against the scheme
files, read with rdflib alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from cokg.linking.sssom import read_sssom
from cokg.linking.submitting import submit_sssom
from cokg.models import ValidationReport
from cokg.store import MemoryStore, build

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ROOT / "ontology" / "frameworks"
ALIGNMENT = FRAMEWORKS / "bcio-alignment.sssom.tsv"
# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
COKG = Namespace("https://w3id.org/cokg/ontology#")
BCIO = "http://humanbehaviourchange.org/ontology/"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"

# subject (scheme, notation, label) -> (SKOS predicate, BCIO id, BCIO label)
EXPECTED = {
    ("cfir-2022", "IV.K", "Capability"): ("closeMatch", "BCIO_050215", "behavioural capability"),
    ("cfir-2022", "IV.L", "Opportunity"): ("broadMatch", "BCIO_006086", "behavioural opportunity"),
    ("cfir-2022", "IV.M", "Motivation"): ("closeMatch", "BCIO_006133", "behavioural motivation"),
    ("cfir-2009", "IV.A", "Knowledge & Beliefs about the Intervention"): (
        "narrowMatch",
        "BCIO_006054",
        "knowledge regarding an innovation",
    ),
}
ROWS = [pytest.param(k, v, id=f"{k[0]}-{k[1]}") for k, v in EXPECTED.items()]


def _scheme(name: str) -> Graph:
    return Graph().parse(FRAMEWORKS / f"{name}.ttl")


def test_the_set_reads_and_holds_four_rows() -> None:
    mset = read_sssom(ALIGNMENT)
    assert len(mset.mappings) == 4
    assert mset.license == CC_BY_4
    assert mset.mapping_set_id == "https://w3id.org/cokg/mappings/bcio-alignment"


def test_metadata_says_what_it_is_and_bcio_s_licence() -> None:
    meta = read_sssom(ALIGNMENT).metadata
    assert "not store" in meta["mapping_set_description"]  # an external alignment
    assert "CC BY 4.0" in meta["comment"] and "BCIO" in meta["comment"]


@pytest.mark.parametrize(("subject", "expected"), ROWS)
def test_row(subject: tuple[str, str, str], expected: tuple[str, str, str]) -> None:
    scheme, notation, label = subject
    predicate, bcio_id, bcio_label = expected
    subject_iri = f"https://w3id.org/cokg/framework/{scheme}/{notation}"
    rows = [m for m in read_sssom(ALIGNMENT).mappings if m.subject_iri == subject_iri]
    assert len(rows) == 1
    m = rows[0]
    assert m.predicate_iri == str(SKOS[predicate])
    assert m.object_iri == BCIO + bcio_id
    assert m.object_label == bcio_label
    assert m.subject_label == label
    assert m.mapping_justification == "semapv:ManualMappingCuration"
    assert m.confidence is not None and 0.5 <= m.confidence <= 0.95
    assert m.comment and len(m.comment) > 80  # the reasons, in words


@pytest.mark.parametrize(("subject", "expected"), ROWS)
def test_construct_exists_in_its_scheme(
    subject: tuple[str, str, str], expected: tuple[str, str, str]
) -> None:
    scheme, notation, label = subject
    g = _scheme(scheme)
    iri = URIRef(f"https://w3id.org/cokg/framework/{scheme}/{notation}")
    assert (iri, RDF.type, SKOS.Concept) in g
    assert (iri, SKOS.inScheme, URIRef(f"https://w3id.org/cokg/framework/{scheme}")) in g
    assert (iri, SKOS.notation, Literal(notation)) in g
    assert (iri, SKOS.prefLabel, Literal(label, lang="en")) in g


@pytest.mark.parametrize(
    "scheme_file", [pytest.param(f, id=f.stem) for f in sorted(FRAMEWORKS.glob("*.ttl"))]
)
def test_bcio_is_in_no_scheme_file(scheme_file: Path) -> None:
    g = Graph().parse(scheme_file)
    for m in read_sssom(ALIGNMENT).mappings:
        assert m.object_iri.startswith(BCIO)
        assert (URIRef(m.object_iri), None, None) not in g
        assert (None, None, URIRef(m.object_iri)) not in g


def test_import_refuses_it() -> None:
    # both ends of a stored mapping must be concepts cokg knows (shapes/mapping.ttl): the BCIO
    # classes are none, so the set is shipped as a file, never ingested
    st = MemoryStore()
    build(st, include_data=False)
    report = submit_sssom(ALIGNMENT, by="test", store=st, dry_run=True)
    assert isinstance(report, ValidationReport) and not report.conforms
    refused = {(str(r.focus_node).rsplit("/", 1)[-1], r.path) for r in report.results}
    assert refused == {(f"{scheme}-{notation}", COKG.object) for scheme, notation, _ in EXPECTED}
    st.close()
