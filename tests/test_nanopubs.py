"""cokg.linking.nanopubs: one nanopublication (TriG, four named graphs) per coded finding.

The findings expected are read here with rdflib alone from the founding data files (every
subject with a cokg:codedTo); the submission's provenance is a hand-written record shaped like
the one `cokg ingest` writes (ontology/modules/provenance.ttl)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef

from cokg.errors import ParameterError
from cokg.linking.nanopubs import export_nanopubs, nanopub_iri
from cokg.store import MemoryStore, build

ROOT = Path(__file__).resolve().parents[1]
CASE_FILE = ROOT / "data" / "cases" / "dundee-mrr.ttl"
# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
NP = Namespace("http://www.nanopub.org/nschema#")
COKG = Namespace("https://w3id.org/cokg/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
CASE2 = URIRef("https://w3id.org/cokg/id/case/dundee-mrr")
ASSERTED = (RDF.type, COKG.statement, COKG.aboutCase, COKG.inPhase, COKG.stance, COKG.codedTo)

CASE_DATA = Graph().parse(CASE_FILE)
CASE_FINDINGS = sorted(
    {s for s in CASE_DATA.subjects(COKG.codedTo, None) if (s, COKG.aboutCase, CASE2) in CASE_DATA}
)


@pytest.fixture(scope="module")
def founding() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st)
    yield st
    st.close()


@pytest.fixture(scope="module")
def exported(founding: MemoryStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nanopubs")
    assert export_nanopubs(founding, out, case="dundee-mrr") == len(CASE_FINDINGS)
    return out


def _file(out: Path, finding: URIRef) -> Path:
    path = str(finding)[len("https://w3id.org/cokg/id/") :]
    return out / (path.replace("/", "--") + ".trig")


def _graphs(path: Path) -> dict[URIRef, Graph]:
    ds = Dataset()
    with warnings.catch_warnings():  # rdflib 7's TriG parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        ds.parse(path, format="trig")
    return {g.identifier: g for g in ds.graphs() if len(g)}  # type: ignore[misc]


def test_one_file_per_coded_finding_of_the_case(exported: Path) -> None:
    assert len(CASE_FINDINGS) == 45  # Case 2's bullets of Tables 6-8 and its narrative findings
    assert sorted(p.name for p in exported.iterdir()) == sorted(
        _file(exported, f).name for f in CASE_FINDINGS
    )


@pytest.mark.parametrize("finding", [pytest.param(f, id=f.split("/")[-1]) for f in CASE_FINDINGS])
def test_four_graphs_linked_by_the_head(exported: Path, finding: URIRef) -> None:
    graphs = _graphs(_file(exported, finding))
    this = nanopub_iri(str(finding))
    names = {f"{this}#{part}" for part in ("Head", "assertion", "provenance", "pubinfo")}
    assert {str(g) for g in graphs} == names
    head = graphs[URIRef(f"{this}#Head")]
    assert set(head) == {
        (this, RDF.type, NP.Nanopublication),
        (this, NP.hasAssertion, URIRef(f"{this}#assertion")),
        (this, NP.hasProvenance, URIRef(f"{this}#provenance")),
        (this, NP.hasPublicationInfo, URIRef(f"{this}#pubinfo")),
    }
    # the assertion is the finding's statement and codings, as the data file states them
    expected = {(finding, p, o) for p in ASSERTED for o in CASE_DATA.objects(finding, p)}
    assert set(graphs[URIRef(f"{this}#assertion")]) == expected
    # where it came from: its source location in the article, and the graph that holds it
    provenance = graphs[URIRef(f"{this}#provenance")]
    assertion = URIRef(f"{this}#assertion")
    location = CASE_DATA.value(finding, COKG.locatedIn)
    assert (assertion, PROV.wasDerivedFrom, location) in provenance
    assert (assertion, PROV.wasDerivedFrom, URIRef("https://w3id.org/cokg/graph/dundee-mrr")) in (
        provenance
    )
    assert (location, COKG.section, CASE_DATA.value(location, COKG.section)) in provenance
    pubinfo = graphs[URIRef(f"{this}#pubinfo")]
    assert pubinfo.value(this, DCTERMS.created) is not None
    assert pubinfo.value(pubinfo.value(this, DCTERMS.creator), RDFS.label) == Literal("cokg")
    assert pubinfo.value(this, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


def test_iris_come_from_the_finding(tmp_path: Path, founding: MemoryStore, exported: Path) -> None:
    finding = CASE_FINDINGS[0]
    assert nanopub_iri(str(finding)) == URIRef(
        str(finding).replace("https://w3id.org/cokg/id/", "https://w3id.org/cokg/np/")
    )
    export_nanopubs(founding, tmp_path, case="2")  # the case number names the same case
    again, first = _graphs(_file(tmp_path, finding)), _graphs(_file(exported, finding))
    assert set(again) == set(first)
    for name in again:
        if not str(name).endswith("#pubinfo"):  # the pubinfo holds the time of the export
            assert set(again[name]) == set(first[name])


def test_every_case(founding: MemoryStore, tmp_path: Path) -> None:
    coded = set()
    for f in sorted((ROOT / "data").rglob("*.ttl")):
        coded |= set(Graph().parse(f).subjects(COKG.codedTo, None))
    assert export_nanopubs(founding, tmp_path) == len(coded) == len(list(tmp_path.iterdir()))


def test_unknown_case(founding: MemoryStore, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="dundee-mrr"):
        export_nanopubs(founding, tmp_path, case="no-such-case")
    assert not any(tmp_path.iterdir())


SUBMITTED = """
@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix cokgid: <https://w3id.org/cokg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
cokgid:case\\/fx-one a cokg:Case ; cokg:caseId "fx-one" ; rdfs:label "Case one (FICTIONAL)" .
cokgid:finding\\/fx-one\\/f1 a cokg:NarrativeFinding ;
    cokg:aboutCase cokgid:case\\/fx-one ;
    cokg:statement "Funding ran out after the pilot." ;
    cokg:codedTo <https://w3id.org/cokg/framework/cfir-2022/III.J> ;
    cokg:locatedIn cokgid:source\\/fx-notes .
cokgid:source\\/fx-notes a cokg:SourceLocation ; cokg:section "Site notes" .
"""
PROVENANCE = """
@prefix cokg: <https://w3id.org/cokg/ontology#> .
@prefix cokgid: <https://w3id.org/cokg/id/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
cokgid:submission\\/fx a cokg:Submission, prov:Entity ;
    cokg:graph <https://w3id.org/cokg/graph/submission/fx> ;
    prov:wasGeneratedBy cokgid:ingest\\/fx ;
    prov:wasAttributedTo cokgid:agent\\/steward\\/a-steward .
cokgid:ingest\\/fx a cokg:Ingest, prov:Activity ;
    prov:startedAtTime "2026-12-01T10:00:00+00:00"^^xsd:dateTime ;
    prov:endedAtTime "2026-12-01T10:00:02+00:00"^^xsd:dateTime .
cokgid:agent\\/steward\\/a-steward a prov:Agent ; rdfs:label "A. Steward" .
"""


def test_provenance_names_the_ingest_of_a_submission(tmp_path: Path) -> None:
    st = MemoryStore()
    build(st, include_data=False)
    st.replace_graphs(
        {
            "https://w3id.org/cokg/graph/submission/fx": Graph().parse(
                data=SUBMITTED, format="turtle"
            ),
            "https://w3id.org/cokg/graph/provenance/fx": Graph().parse(
                data=PROVENANCE, format="turtle"
            ),
        }
    )
    assert export_nanopubs(st, tmp_path, case="fx-one") == 1
    finding = URIRef("https://w3id.org/cokg/id/finding/fx-one/f1")
    this = nanopub_iri(str(finding))
    provenance = _graphs(_file(tmp_path, finding))[URIRef(f"{this}#provenance")]
    submission = URIRef("https://w3id.org/cokg/id/submission/fx")
    ingest = URIRef("https://w3id.org/cokg/id/ingest/fx")
    agent = URIRef("https://w3id.org/cokg/id/agent/steward/a-steward")
    assert (submission, COKG.graph, URIRef("https://w3id.org/cokg/graph/submission/fx")) in (
        provenance
    )
    assert (submission, PROV.wasGeneratedBy, ingest) in provenance
    assert (submission, PROV.wasAttributedTo, agent) in provenance
    assert provenance.value(agent, RDFS.label) == Literal("A. Steward")
    assert str(provenance.value(ingest, PROV.startedAtTime)) == "2026-12-01T10:00:00+00:00"
    st.close()
