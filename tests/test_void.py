"""cokg.linking.void: the VoID/DCAT description of the founding store.

Expected counts are computed here with rdflib alone over the project's own files (the ontology
modules, the framework schemes and the founding data, one graph per file, as the build loads
them), never from cokg's queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from cokg.linking.void import DATASET, LICENSE, void_description
from cokg.store import MemoryStore, build

ROOT = Path(__file__).resolve().parents[1]
# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
COKG = Namespace("https://w3id.org/cokg/ontology#")
FRAMEWORK = "https://w3id.org/cokg/framework/"


def _files() -> dict[str, list[Path]]:
    """The founding store's source files by kind: what `cokg build` loads."""
    ontology = ROOT / "ontology"
    return {
        "ontology": [ontology / "cokg.ttl", *sorted((ontology / "modules").glob("*.ttl"))],
        "framework": sorted((ontology / "frameworks").glob("*.ttl")),
        "data": sorted((ROOT / "data").rglob("*.ttl")),
    }


@pytest.fixture(scope="module")
def graphs() -> dict[str, list[Graph]]:
    return {kind: [Graph().parse(f) for f in files] for kind, files in _files().items()}


@pytest.fixture(scope="module")
def triples(graphs: dict[str, list[Graph]]) -> set:
    return {t for gs in graphs.values() for g in gs for t in g}


@pytest.fixture(scope="module")
def description() -> Iterator[Graph]:
    st = MemoryStore()
    build(st)
    yield void_description(st)
    st.close()


def _int(g: Graph, s: URIRef, p: URIRef) -> int:
    values = list(g.objects(s, p))
    assert len(values) == 1, (s, p, values)
    assert isinstance(values[0], Literal)
    return int(values[0])


def test_the_files_are_all_there() -> None:
    files = _files()
    assert {p.name for p in files["framework"]} >= {"cfir-2009.ttl", "cfir-2022.ttl"}
    assert {p.name for p in files["data"]} >= {"study.ttl", "dundee-mrr.ttl"}


def test_dataset_is_void_and_dcat(description: Graph) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in description
    assert (DATASET, RDF.type, DCAT.Dataset) in description
    assert (DATASET, DCTERMS.license, LICENSE) in description
    assert str(LICENSE) == "https://creativecommons.org/licenses/by/4.0/"
    assert description.value(DATASET, DCTERMS.title)
    assert description.value(DATASET, DCTERMS.description)


@pytest.mark.parametrize(
    ("prop", "count"),
    [
        pytest.param(VOID.triples, len, id="triples"),
        pytest.param(VOID.distinctSubjects, lambda ts: len({s for s, _, _ in ts}), id="subjects"),
        pytest.param(VOID.properties, lambda ts: len({p for _, p, _ in ts}), id="properties"),
        pytest.param(
            VOID.classes, lambda ts: len({o for _, p, o in ts if p == RDF.type}), id="classes"
        ),
    ],
)
def test_counts(description: Graph, triples: set, prop: URIRef, count) -> None:
    assert _int(description, DATASET, prop) == count(triples)


def test_triples_are_what_the_store_holds(description: Graph) -> None:
    # no triple of the founding files is in two of them: the distinct triples are all of them
    st = MemoryStore()
    build(st)
    assert _int(description, DATASET, VOID.triples) == st.count()


def test_class_partitions(description: Graph, triples: set) -> None:
    expected: Counter = Counter()
    for cls in {o for _, p, o in triples if p == RDF.type}:
        expected[cls] = len({s for s, p, o in triples if p == RDF.type and o == cls})
    got = {
        description.value(part, VOID["class"]): _int(description, part, VOID.entities)
        for part in description.objects(DATASET, VOID.classPartition)
    }
    assert got == dict(expected)
    assert got[COKG.CrossCaseFinding] == 65  # one per bullet of Tables 6-8, NA cells included


def _linksets(description: Graph) -> dict[tuple[URIRef, URIRef], int]:
    out = {}
    for ls in description.objects(DATASET, VOID.subset):
        assert (ls, RDF.type, VOID.Linkset) in description
        assert description.value(ls, VOID.subjectsTarget) == DATASET
        target = description.value(ls, VOID.objectsTarget)
        predicate = description.value(ls, VOID.linkPredicate)
        out[(target, predicate)] = _int(description, ls, VOID.triples)
    return out


def test_framework_linksets(description: Graph, graphs: dict[str, list[Graph]]) -> None:
    scheme_of = {c: s for g in graphs["framework"] for c, s in g.subject_objects(SKOS.inScheme)}
    data = {t for g in graphs["data"] for t in g}
    expected: Counter = Counter()
    for _, p, o in data:
        if o in scheme_of:
            expected[(str(scheme_of[o]), p)] += 1
    got = {}
    for (target, predicate), n in _linksets(description).items():
        root = description.value(target, VOID.rootResource)
        if root is not None:
            got[(str(root), predicate)] = n
    assert got == dict(expected)
    assert got[(FRAMEWORK + "cfir-2022", COKG.codedTo)] > 0


def test_external_linksets(description: Graph, graphs: dict[str, list[Graph]]) -> None:
    # the founding data points outside cokg only to Wikidata items of its places
    wikidata = {t for g in graphs["data"] for t in g.triples((None, COKG.wikidataItem, None))}
    assert len(wikidata) == 10
    external = {
        (str(description.value(target, VOID.uriSpace)), predicate): n
        for (target, predicate), n in _linksets(description).items()
        if description.value(target, VOID.rootResource) is None
    }
    assert external == {("http://www.wikidata.org/", COKG.wikidataItem): len(wikidata)}


@pytest.fixture(scope="module")
def with_a_mapping_set(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graph]:
    """The founding store plus an imported SSSOM set (licence, curators' ORCID iDs, see_also,
    mapping records) and a study with a creator named in text."""
    from cokg.linking.submitting import submit_sssom
    from cokg.namespaces import graph_iri

    st = MemoryStore()
    build(st)
    sssom = Path(__file__).parent / "fixtures" / "sssom" / "standard-slots.sssom.tsv"
    submit_sssom(sssom, by="A. Linker", store=st)
    study = URIRef("https://w3id.org/cokg/id/study/fx-study")
    st.replace_graphs({graph_iri("fx-study"): [
        (study, RDF.type, COKG.Study),
        (study, DCTERMS.creator, Literal("A. Author (FICTIONAL)")),
    ]})  # fmt: skip
    yield void_description(st)
    st.close()


def test_only_links_between_datasets_are_linksets(with_a_mapping_set: Graph) -> None:
    # after an SSSOM import the description listed linksets for dcterms:license to
    # creativecommons.org, dcterms:creator to orcid.org, cokg:inMappingSet to example.org and
    # cokg:subject / cokg:object to the schemes: values and record parts, not links
    predicates = {p for (_, p) in _linksets(with_a_mapping_set)}
    assert predicates == {COKG.codedTo, COKG.wikidataItem, SKOS.closeMatch, SKOS.exactMatch}


def test_creators_are_agents_not_text(with_a_mapping_set: Graph) -> None:
    foaf = Namespace("http://xmlns.com/foaf/0.1/")
    agents = list(with_a_mapping_set.objects(DATASET, DCTERMS.creator))
    assert len(agents) == 1 and isinstance(agents[0], URIRef)
    assert (agents[0], RDF.type, foaf.Agent) in with_a_mapping_set
    assert with_a_mapping_set.value(agents[0], foaf.name) == Literal("A. Author (FICTIONAL)")
