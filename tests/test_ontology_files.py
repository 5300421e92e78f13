"""The ontology files: syntax, catalog, annotations, the contract's terms, and a HermiT smoke test.

Expected term names, kinds and notations are written out from the shared contract, not read
from the ontology, so a renamed or missing term fails here before it breaks data or shapes.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, SKOS

from cokg import paths
from cokg.namespaces import COKG, ONTOLOGY_IRI

MODULE_NAMES = (
    "reused",
    "context",
    "case",
    "phase",
    "organisation",
    "finding",
    "evidence",
    "provenance",
    "mapping",
    "coding",
    "rating",
)
MODULE_FILES = {name: (paths.MODULES_DIR / f"{name}.ttl").resolve() for name in MODULE_NAMES}
ALL_FILES = [f.resolve() for f in (paths.UMBRELLA, *MODULE_FILES.values())]
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: no pytest warnings
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


def _graph(*files: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    for f in files:
        # pyoxigraph is the syntax gate; rdflib then gives the convenient graph API.
        ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
        g.parse(f, format="turtle")
    return g


_MODULE_GRAPHS = {f.resolve(): _graph(f) for f in ALL_FILES}
ONTO = rdflib.Graph()
for _g in _MODULE_GRAPHS.values():
    ONTO += _g

TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)


def _cokg_terms() -> list[tuple[URIRef, Path]]:
    out = []
    for f, g in _MODULE_GRAPHS.items():
        for kind in TERM_KINDS:
            for s in g.subjects(RDF.type, kind):
                if isinstance(s, URIRef) and s.startswith(str(COKG)):
                    out.append((s, f))
    return sorted(set(out))


COKG_TERMS = _cokg_terms()


# ------------------------------------------------------------------ files and headers
@pytest.mark.parametrize("path", [pytest.param(f, id=f.name) for f in ALL_FILES])
def test_file_parses_with_pyoxigraph(path: Path) -> None:
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(quads) > 20


def test_umbrella_identity() -> None:
    g = _MODULE_GRAPHS[paths.UMBRELLA.resolve()]
    onto = URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in g
    assert g.value(onto, OWL.versionIRI) == URIRef("https://w3id.org/cokg/ontology/0.1.0")
    assert g.value(onto, DCTERMS.license) == CC_BY
    assert g.value(onto, DCTERMS.creator) == Literal("cokg founding engineers")
    imported = {str(o) for o in g.objects(onto, OWL.imports)}
    assert imported == {f"{ONTOLOGY_IRI}/{m}" for m in MODULE_NAMES}


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in MODULE_NAMES])
def test_module_header(name: str) -> None:
    g = _MODULE_GRAPHS[MODULE_FILES[name]]
    onto = URIRef(f"{ONTOLOGY_IRI}/{name}")
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [onto]
    assert g.value(onto, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{name}/0.1.0")
    for prop in (DCTERMS.title, DCTERMS.description):
        value = g.value(onto, prop)
        assert isinstance(value, Literal) and value.language == "en", prop
    assert g.value(onto, DCTERMS.license) == CC_BY
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert g.value(onto, prop).datatype == XSD.date, prop
    if name != "reused":
        assert URIRef(f"{ONTOLOGY_IRI}/reused") in set(g.objects(onto, OWL.imports))


def test_no_external_ontology_is_imported() -> None:
    # Reused PROV/SKOS/DCTERMS/schema terms are declared locally: loading never needs the web.
    for o in ONTO.objects(None, OWL.imports):
        assert str(o).startswith(ONTOLOGY_IRI), o


# ------------------------------------------------------------------ catalog
def _catalog() -> dict[str, Path]:
    raw = paths.CATALOG.read_bytes()
    assert b"<!DOCTYPE" not in raw and b"<!ENTITY" not in raw
    root = ET.fromstring(raw)
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    assert root.tag == f"{ns}catalog"
    return {el.get("name"): paths.CATALOG.parent / el.get("uri") for el in root.iter(f"{ns}uri")}


def test_every_import_is_in_the_catalog_and_exists() -> None:
    catalog = _catalog()
    for imported in sorted({str(o) for o in ONTO.objects(None, OWL.imports)}):
        assert imported in catalog, imported
        assert catalog[imported].is_file(), catalog[imported]


def test_catalog_entries_point_at_the_declared_ontology() -> None:
    for iri, target in _catalog().items():
        g = _MODULE_GRAPHS.get(target.resolve())
        assert g is not None, f"{iri} -> {target} is not an ontology file"
        onto = next(g.subjects(RDF.type, OWL.Ontology))
        assert iri in (str(onto), str(g.value(onto, OWL.versionIRI))), iri


def test_import_closure_reaches_every_module() -> None:
    catalog, seen, todo = _catalog(), set(), [ONTOLOGY_IRI]
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        todo += [str(o) for o in _graph(catalog[iri]).objects(None, OWL.imports)]
    assert seen == {ONTOLOGY_IRI} | {f"{ONTOLOGY_IRI}/{m}" for m in MODULE_NAMES}


# ------------------------------------------------------------------ term annotations
def _en(g: rdflib.Graph, s: URIRef, p: URIRef) -> list[Literal]:
    return [o for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "en"]


@pytest.mark.parametrize(
    ("term", "path"), [pytest.param(t, f, id=t.removeprefix(str(COKG))) for t, f in COKG_TERMS]
)
def test_term_is_documented(term: URIRef, path: Path) -> None:
    g = _MODULE_GRAPHS[path]
    assert len(_en(g, term, RDFS.label)) == 1, "one rdfs:label@en"
    assert len(_en(g, term, SKOS.definition)) == 1, "one skos:definition@en"
    module = URIRef(f"{ONTOLOGY_IRI}/{path.stem}")
    assert list(g.objects(term, RDFS.isDefinedBy)) == [module]


def test_each_term_is_declared_in_one_module() -> None:
    homes: dict[URIRef, set[str]] = {}
    for term, f in COKG_TERMS:
        homes.setdefault(term, set()).add(f.name)
    assert {t: h for t, h in homes.items() if len(h) > 1} == {}


def test_every_cokg_iri_used_is_declared() -> None:
    declared = {t for t, _ in COKG_TERMS}
    used = {
        n for triple in ONTO for n in triple if isinstance(n, URIRef) and n.startswith(str(COKG))
    }
    assert used - declared == set()


# ------------------------------------------------------------------ the contract's terms
def _names(text: str) -> list[str]:
    return text.split()


CLASSES = {
    "case": "Study Case ListItem GuidingQuestion InclusivityPrinciple Innovation InnovationNature "
    "InnovationState InnovationChange ChangeType PopulationGroup",
    "context": "HealthSystem Place ContextLevel",
    "organisation": "Agent Organisation UnnamedIndividual RoleAssignment Role",
    "phase": "Phase PhaseEpisode Event EventType",
    "finding": "Finding CrossCaseFinding NarrativeFinding Stance",
    "evidence": "Evidence Quotation Document FieldNote Informant LocationCode Interview "
    "SourceDocument SourceLocation",
    "provenance": "Submission Ingest SubmittedFile",
    "mapping": "ConceptMapping",
    "rating": "ConstructRating CaseOutcome RatingValue OutcomeLevel",
}
OBJECT_PROPERTIES = _names(
    "inStudy studiesInnovation location administeredBy servesGroup hasGuidingQuestion "
    "hasInclusivityPrinciple hasHealthSystem usesFramework reportedIn innovationNature "
    "basedOnModel hasState stateOf targetGroup fromState toState changeType inCase locatedIn "
    "inCountry withinPlace wikidataItem basedIn partOf roleHolder role duringPhase ofPhase "
    "involves eventType aboutCase inPhase codedTo stance contextLevel supports quotedInformant "
    "fromInterview locationCode informantOf codeForCase interviewee inSource sourceFile graph "
    "subject object predicate"
)
DATATYPE_PROPERTIES = _names(
    "studyDesign startDate endDate date dateText dateApproximate dataSourceDescription "
    "informantCodingScheme caseNumber caseId locationText administrationText servedGroupText "
    "coproductionApproach addressingStructuralVulnerability coproductionStartYear interviewsFrom "
    "interviewsTo informantInterviewCount documentsReviewedCount text position natureDescription "
    "stateForm stateName description structurallyVulnerable primaryFundingModel primaryFunders "
    "serviceDelivery placeType organisationType establishedDate phaseOrder statement quotationId "
    "informantCode documentKind section table tableRow tableColumn fileName sha256 shapesVersion "
    "confidence mappingJustification"
)


@pytest.mark.parametrize(
    ("name", "module"),
    [pytest.param(c, m, id=c) for m, names in CLASSES.items() for c in names.split()],
)
def test_contract_class(name: str, module: str) -> None:
    term = COKG[name]
    assert (term, RDF.type, OWL.Class) in ONTO
    assert ONTO.value(term, RDFS.isDefinedBy) == URIRef(f"{ONTOLOGY_IRI}/{module}")


@pytest.mark.parametrize("name", [pytest.param(p, id=p) for p in OBJECT_PROPERTIES])
def test_contract_object_property(name: str) -> None:
    term = COKG[name]
    assert (term, RDF.type, OWL.ObjectProperty) in ONTO
    assert (term, RDF.type, OWL.DatatypeProperty) not in ONTO


@pytest.mark.parametrize("name", [pytest.param(p, id=p) for p in DATATYPE_PROPERTIES])
def test_contract_datatype_property(name: str) -> None:
    term = COKG[name]
    assert (term, RDF.type, OWL.DatatypeProperty) in ONTO
    assert (term, RDF.type, OWL.ObjectProperty) not in ONTO


def _is_class_expression(node: rdflib.term.Node) -> bool:
    return (node, RDF.type, OWL.Class) in ONTO or node == OWL.Thing


def _union_members(node: rdflib.term.Node) -> list[rdflib.term.Node]:
    union = ONTO.value(node, OWL.unionOf)
    return list(Collection(ONTO, union)) if union is not None else [node]


@pytest.mark.parametrize(
    "prop",
    [
        pytest.param(t, id=t.removeprefix(str(COKG)))
        for t, _ in COKG_TERMS
        if (t, RDF.type, OWL.ObjectProperty) in ONTO or (t, RDF.type, OWL.DatatypeProperty) in ONTO
    ],
)
def test_property_has_domain_and_range(prop: URIRef) -> None:
    domains, ranges = list(ONTO.objects(prop, RDFS.domain)), list(ONTO.objects(prop, RDFS.range))
    assert len(domains) == 1 and len(ranges) == 1
    assert all(_is_class_expression(c) for c in _union_members(domains[0]))
    if (prop, RDF.type, OWL.ObjectProperty) in ONTO:
        assert all(_is_class_expression(c) for c in _union_members(ranges[0]))
    else:
        rng = ranges[0]
        datatype = ONTO.value(rng, OWL.onDatatype) or rng
        assert datatype == RDFS.Literal or str(datatype).startswith(str(XSD)), rng
        # HermiT rejects these; they are enforced by SHACL instead.
        assert datatype not in (XSD.gYear, XSD.gYearMonth, XSD.date)


DATE_PROPERTIES = (
    "date startDate endDate coproductionStartYear interviewsFrom interviewsTo establishedDate"
)


@pytest.mark.parametrize("name", [pytest.param(p, id=p) for p in DATE_PROPERTIES.split()])
def test_date_properties_range_over_literals(name: str) -> None:
    assert ONTO.value(COKG[name], RDFS.range) == RDFS.Literal


# ------------------------------------------------------------------ controlled individuals
CONTROLLED = {
    "Phase": {"Adoption": "adoption", "Implementation": "implementation",
              "Assimilation": "assimilation"},
    "Stance": {"Facilitator": "facilitator", "Barrier": "barrier", "Risk": "risk",
               "Resisted": "resisted", "Occurred": "occurred", "NotObserved": "not-observed",
               "Neutral": "neutral"},
    "Role": {"LeadRole": "lead", "PartnerRole": "partner", "FunderRole": "funder",
             "ExternalChangeAgentRole": "external-change-agent",
             "KnowledgePurveyorRole": "knowledge-purveyor",
             "PeerOrganisationRole": "peer-organisation", "AdministratorRole": "administrator",
             "EvaluationPartnerRole": "evaluation-partner",
             "PolicySponsorRole": "policy-sponsor", "NationalOfficeRole": "national-office",
             "ModelOriginatorRole": "model-originator"},
    "InnovationNature": {"Philosophy": "philosophy", "DefinedProgramme": "defined-programme"},
    "ChangeType": {"Renaming": "renaming", "FormChange": "form-change",
                   "TargetGroupChange": "target-group-change", "ScopeChange": "scope-change"},
    "EventType": {"Founding": "founding", "Meeting": "meeting", "Conference": "conference",
                  "Launch": "launch", "Visit": "visit", "Award": "award",
                  "Decision": "decision", "CriticalIncident": "critical-incident",
                  "Milestone": "milestone", "PolicyEvent": "policy-event",
                  "MediaCoverage": "media-coverage"},
    "ContextLevel": {"OuterContext": "outer-context", "InnerContext": "inner-context"},
}  # fmt: skip


@pytest.mark.parametrize("cls", [pytest.param(c, id=c) for c in CONTROLLED])
def test_controlled_individuals(cls: str) -> None:
    expected = CONTROLLED[cls]
    members = {s for s in ONTO.subjects(RDF.type, COKG[cls])}
    assert members == {COKG[n] for n in expected}
    for name, notation in expected.items():
        term = COKG[name]
        assert (term, RDF.type, OWL.NamedIndividual) in ONTO
        assert [str(n) for n in ONTO.objects(term, SKOS.notation)] == [notation]
    different = [
        set(Collection(ONTO, ONTO.value(ad, OWL.distinctMembers)))
        for ad in ONTO.subjects(RDF.type, OWL.AllDifferent)
    ]
    assert members in different, f"no owl:AllDifferent for exactly the {cls} individuals"


def test_phase_order() -> None:
    orders = {p: ONTO.value(COKG[p], COKG.phaseOrder).toPython() for p in CONTROLLED["Phase"]}
    assert orders == {"Adoption": 1, "Implementation": 2, "Assimilation": 3}


# ------------------------------------------------------------------ disjointness
def _disjoint_pairs() -> set[frozenset[URIRef]]:
    pairs = set()
    for axiom in ONTO.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(ONTO, ONTO.value(axiom, OWL.members)))
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    for a, b in ONTO.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((a, b)))
    return pairs


def _superclasses(c: URIRef) -> set[URIRef]:
    out, todo = {c}, [c]
    while todo:
        for s in ONTO.objects(todo.pop(), RDFS.subClassOf):
            if s not in out:
                out.add(s)
                todo.append(s)
    return out


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(a, b, id=f"{a}-{b}")
        for group in (
            "Case Innovation Organisation Event Finding Evidence Place Study Phase Stance Role",
            "Quotation Document FieldNote",
            "CrossCaseFinding NarrativeFinding",
            "Organisation UnnamedIndividual",
            "Informant Organisation SourceDocument SourceLocation Submission ConceptMapping",
        )
        for i, a in enumerate(group.split())
        for b in group.split()[i + 1 :]
    ],
)
def test_disjoint(a: str, b: str) -> None:
    pairs = _disjoint_pairs()
    assert any(
        frozenset((x, y)) in pairs for x in _superclasses(COKG[a]) for y in _superclasses(COKG[b])
    )


def test_reused_terms_are_declared_locally() -> None:
    g = _MODULE_GRAPHS[MODULE_FILES["reused"]]
    for term in (
        "prov:Agent",
        "prov:Organization",
        "prov:Activity",
        "prov:Entity",
        "schema:Place",
        "schema:Event",
        "skos:Concept",
        "skos:ConceptScheme",
    ):
        prefix, local = term.split(":")
        iri = URIRef(dict(g.namespaces())[prefix] + local)
        assert (iri, RDF.type, OWL.Class) in g, term
    assert (SKOS.exactMatch, RDF.type, OWL.ObjectProperty) in g
    assert (SKOS.notation, RDF.type, OWL.AnnotationProperty) in g


def test_no_machine_paths_or_names_in_ontology() -> None:
    for f in ALL_FILES:
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"/work/|/home/|/tmp/", text), f


# ------------------------------------------------------------------ HermiT smoke test
def _hermit(files: list[Path], extra: str = "") -> tuple[bool, list[str]]:
    """Consistency and unsatisfiable classes with HermiT, offline: imports are stripped and
    the files merged before owlready2 sees them."""
    import owlready2

    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    if extra:
        g.parse(data=extra, format="turtle")
    g.remove((None, OWL.imports, None))
    world = owlready2.World()
    onto = world.get_ontology("http://cokg.invalid/smoke#")
    onto.load(fileobj=io.BytesIO(g.serialize(format="nt").encode()), format="ntriples")
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    unsatisfiable = {c.iri for c in world.inconsistent_classes()} - {str(OWL.Nothing)}
    return True, sorted(unsatisfiable)


FRAMEWORK_FILES = sorted(paths.FRAMEWORKS_DIR.glob("*.ttl"))


def test_hermit_smoke_ontology_and_frameworks_are_consistent() -> None:
    """`cokg check`-like smoke test of the ontology and the framework vocabularies."""
    consistent, unsatisfiable = _hermit(ALL_FILES + FRAMEWORK_FILES)
    assert consistent
    assert unsatisfiable == []


def test_hermit_smoke_detects_a_class_under_two_disjoint_classes() -> None:
    # Control for the test above: the disjointness axioms are really seen by the reasoner.
    bad = (
        "@prefix cokg: <https://w3id.org/cokg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "cokg:QuotedDocument a owl:Class ; rdfs:subClassOf cokg:Quotation, cokg:Document .\n"
    )
    consistent, unsatisfiable = _hermit(ALL_FILES, bad)
    assert consistent
    assert unsatisfiable == [str(COKG.QuotedDocument)]


def test_the_ontology_page_counts_what_the_files_hold() -> None:
    # docs/frameworks.md said ten modules and 51/58/54/40 after the rating module came
    doc = (paths.ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    g = rdflib.Graph()
    for f in sorted((paths.ROOT / "ontology" / "modules").glob("*.ttl")):
        g.parse(f, format="turtle")
    umbrella = rdflib.Graph().parse(paths.ROOT / "ontology" / "cokg.ttl", format="turtle")

    def ours(kind: URIRef) -> int:
        return len({s for s in g.subjects(RDF.type, kind) if str(s).startswith(str(COKG))})

    words = {10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen"}
    modules = len(set(umbrella.objects(URIRef(ONTOLOGY_IRI), OWL.imports)))
    assert f"It imports {words[modules]} modules from `ontology/modules/`" in doc
    m = re.search(
        r"In figures: (\d+) classes, (\d+) object properties, (\d+) datatype properties and "
        r"(\d+)\s+controlled individuals",
        doc,
    )
    assert m, "the figures sentence moved"
    got = tuple(int(x) for x in m.groups())
    assert got == (ours(OWL.Class), ours(OWL.ObjectProperty), ours(OWL.DatatypeProperty),
                   ours(OWL.NamedIndividual))  # fmt: skip
