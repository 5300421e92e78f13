"""The framework SKOS vocabularies and their mappings.

Counts are the published numbers of each framework (written here as literals); the Greenhalgh
sub-component count was counted by hand from the reference list: 11 + 7 + 8 + 3 + 6 + 4 + 9 + 6
+ 0 + 3 = 57. Specific mappings are read off the crosswalk table by hand.
"""

from __future__ import annotations

import csv
import difflib
import functools
import importlib.util
import sys
from decimal import Decimal

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from cokg import paths
from cokg.namespaces import CFIR09, CFIR22, COKG, FRAME, FRAMEWORK, GDOI, LOZEAU

DOI = {
    "cfir-2009": "https://doi.org/10.1186/1748-5908-4-50",
    "cfir-2022": "https://doi.org/10.1186/s13012-022-01245-0",
    "greenhalgh-2004": "https://doi.org/10.1111/j.0887-378X.2004.00325.x",
    "lozeau-2002": "https://doi.org/10.1177/0018726702055005427",
    "study-frame": "https://w3id.org/cokg/id/source/founding-article",
    "cfir-outcomes": "https://doi.org/10.1186/s13012-021-01181-5",
    "proctor-2011": "https://doi.org/10.1007/s10488-010-0319-7",
    "re-aim": "https://doi.org/10.2105/AJPH.89.9.1322",
}
SCHEMES = tuple(DOI)

# (collection local name, published size)
COUNTS = {
    "cfir-2009": {"domains": 5, "constructs": 26, "subconstructs": 13, "website-additions": 2},
    "cfir-2022": {"domains": 5, "constructs": 48, "subconstructs": 19,
                  "roles-subdomain": 9, "characteristics-subdomain": 4},
    "greenhalgh-2004": {"components": 10, "sub-components": 57},
    "lozeau-2002": {"scenarios": 4},
    "study-frame": {"elements": 5},
    # Outcome vocabularies (counts checked in tests/test_outcomes.py against the articles).
    "cfir-outcomes": {"outcome-types": 4, "implementation-outcome-kinds": 2,
                      "anticipated-outcomes": 3, "actual-outcomes": 3,
                      "innovation-outcome-kinds": 3},
    "proctor-2011": {"outcomes": 8},
    "re-aim": {"dimensions": 5},
}  # fmt: skip
TOTALS = {"cfir-2009": 46, "cfir-2022": 72, "greenhalgh-2004": 67, "lozeau-2002": 4,
          "study-frame": 5, "cfir-outcomes": 15, "proctor-2011": 8, "re-aim": 5}  # fmt: skip


def _load(stem: str) -> rdflib.Graph:
    path = paths.FRAMEWORKS_DIR / f"{stem}.ttl"
    ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)  # the syntax gate
    return rdflib.Graph().parse(path, format="turtle")


GRAPHS = {slug: _load(slug) for slug in SCHEMES}
MAPPINGS = _load("mappings")
ALL = rdflib.Graph()
for _g in GRAPHS.values():
    ALL += _g


def scheme_iri(slug: str) -> URIRef:
    return URIRef(str(FRAMEWORK) + slug)


def concepts(slug: str) -> set[URIRef]:
    return set(GRAPHS[slug].subjects(RDF.type, SKOS.Concept))


def members(slug: str, collection: str) -> set[URIRef]:
    coll = URIRef(f"{FRAMEWORK}{slug}/collection-{collection}")
    assert (coll, RDF.type, SKOS.Collection) in GRAPHS[slug]
    return set(GRAPHS[slug].objects(coll, SKOS.member))


# ------------------------------------------------------------------ counts
@pytest.mark.parametrize(
    ("slug", "collection", "expected"),
    [
        pytest.param(s, c, n, id=f"{s}-{c}")
        for s, levels in COUNTS.items()
        for c, n in levels.items()
    ],
)
def test_collection_size(slug: str, collection: str, expected: int) -> None:
    assert len(members(slug, collection)) == expected


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_concept_total(slug: str) -> None:
    assert len(concepts(slug)) == TOTALS[slug]


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_levels_follow_the_hierarchy(slug: str) -> None:
    # Counted again from skos:broader, independently of the collections.
    g = GRAPHS[slug]
    top = {c for c in concepts(slug) if g.value(c, SKOS.broader) is None}
    second = {c for c in concepts(slug) if g.value(c, SKOS.broader) in top}
    third = concepts(slug) - top - second
    levels = list(COUNTS[slug].values())
    assert len(top) == levels[0]
    if slug in ("cfir-2009", "cfir-2022"):
        assert len(second) == levels[1]
        assert len(third) == levels[2] + (2 if slug == "cfir-2009" else 0)
    elif slug == "greenhalgh-2004":
        assert (len(second), len(third)) == (57, 0)
    elif slug == "cfir-outcomes":
        # anticipated, actual and the three innovation outcome kinds; then 3 + 3 outcomes
        assert (len(second), len(third)) == (5, 6)
    else:
        assert second == third == set()
    assert top == set(g.objects(scheme_iri(slug), SKOS.hasTopConcept))
    assert top == set(g.subjects(SKOS.topConceptOf, scheme_iri(slug)))


def test_cfir_2009_website_additions_are_flagged_and_not_counted() -> None:
    g = GRAPHS["cfir-2009"]
    flagged = {c for c in concepts("cfir-2009") if g.value(c, SKOS.editorialNote) is not None}
    assert flagged == {CFIR09["V.B.5"], CFIR09["V.B.6"]}
    assert members("cfir-2009", "website-additions") == flagged
    assert not flagged & members("cfir-2009", "subconstructs")
    # The "39": constructs plus subconstructs of the 2009 article.
    assert len(members("cfir-2009", "constructs") | members("cfir-2009", "subconstructs")) == 39


# ------------------------------------------------------------------ every concept
@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_every_concept_is_complete(slug: str) -> None:
    g, scheme = GRAPHS[slug], scheme_iri(slug)
    problems = []
    for c in sorted(concepts(slug)):
        labels = [o for o in g.objects(c, SKOS.prefLabel) if o.language == "en"]
        definitions = [o for o in g.objects(c, SKOS.definition) if o.language == "en"]
        notations = list(g.objects(c, SKOS.notation))
        if len(labels) != 1 or len(definitions) != 1 or len(notations) != 1:
            problems.append(f"{c}: label/definition/notation")
        if list(g.objects(c, SKOS.inScheme)) != [scheme]:
            problems.append(f"{c}: inScheme")
        if list(g.objects(c, DCTERMS.source)) != [URIRef(DOI[slug])]:
            problems.append(f"{c}: source")
        if not str(c).startswith(f"{FRAMEWORK}{slug}/"):
            problems.append(f"{c}: outside the scheme namespace")
        if str(c).rsplit("/", 1)[1] != str(notations[0]):
            problems.append(f"{c}: local name is not the notation")
    assert problems == []


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_hierarchy_stays_in_the_scheme(slug: str) -> None:
    g, own = GRAPHS[slug], concepts(slug)
    for c, parent in g.subject_objects(SKOS.broader):
        assert c in own and parent in own
        assert (parent, SKOS.narrower, c) in g
    for parent, c in g.subject_objects(SKOS.narrower):
        assert (c, SKOS.broader, parent) in g


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_pref_labels_are_unique(slug: str) -> None:
    labels = [str(o) for o in GRAPHS[slug].objects(None, SKOS.prefLabel)]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("slug", [pytest.param(s, id=s) for s in SCHEMES])
def test_scheme_metadata(slug: str) -> None:
    g, scheme = GRAPHS[slug], scheme_iri(slug)
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    assert g.value(scheme, DCTERMS.title).language == "en"
    assert g.value(scheme, DCTERMS.source) == URIRef(DOI[slug])
    assert g.value(scheme, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert g.value(scheme, rdflib.OWL.versionInfo) is not None


def test_no_concept_without_a_scheme() -> None:
    files = sorted(paths.FRAMEWORKS_DIR.glob("*.ttl"))
    g = rdflib.Graph()
    for f in files:
        g.parse(f, format="turtle")
    orphans = [c for c in g.subjects(RDF.type, SKOS.Concept) if g.value(c, SKOS.inScheme) is None]
    assert orphans == []


# ------------------------------------------------------------------ contract examples
@pytest.mark.parametrize(
    ("concept", "label"),
    [
        pytest.param(CFIR09["V.B.4"], "External Change Agents", id="cfir09-V.B.4"),
        pytest.param(CFIR09["II.B"], "Cosmopolitanism", id="cfir09-II.B"),
        pytest.param(CFIR09["IV"], "Characteristics of Individuals", id="cfir09-IV"),
        pytest.param(CFIR22["II.D"], "Partnerships & Connections", id="cfir22-II.D"),
        pytest.param(CFIR22["IV"], "Individuals", id="cfir22-IV"),
        pytest.param(CFIR22["V.F.1"], "Engaging: Innovation Deliverers", id="cfir22-V.F.1"),
        pytest.param(GDOI["10.2"], "Change agency", id="gdoi-10.2"),
        pytest.param(GDOI["9"], "Assimilation", id="gdoi-9"),
        pytest.param(LOZEAU["transformation"], "Transformation", id="lozeau-transformation"),
        pytest.param(LOZEAU["customization"], "Customization", id="lozeau-customization"),
        pytest.param(LOZEAU["loose-coupling"], "Loose coupling", id="lozeau-loose-coupling"),
        pytest.param(LOZEAU["co-optation"], "Co-optation", id="lozeau-co-optation"),
        pytest.param(FRAME["external-context"], "External context", id="frame-external"),
        pytest.param(FRAME["internal-context"], "Internal context", id="frame-internal"),
        pytest.param(
            FRAME["individual-characteristics"], "Individual characteristics", id="frame-indiv"
        ),
        pytest.param(FRAME["innovation-features"], "Innovation features", id="frame-innov"),
        pytest.param(FRAME["process"], "Process", id="frame-process"),
    ],
)
def test_contract_concept(concept: URIRef, label: str) -> None:
    assert ALL.value(concept, SKOS.prefLabel) == Literal(label, lang="en")


def _source_rows(name: str) -> list[dict[str, str]]:
    with (paths.FRAMEWORKS_DIR / "sources" / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("slug", "source", "column", "code"),
    [
        pytest.param("cfir-2009", "cfir-2009.csv", "definition_paraphrased", "code", id="cfir09"),
        pytest.param("cfir-2022", "cfir-2022.csv", "definition_paraphrased", "code", id="cfir22"),
        pytest.param("lozeau-2002", "lozeau-2002.csv", "definition_paraphrased", "scenario",
                     id="lozeau"),
        pytest.param("greenhalgh-2004", "greenhalgh-2004.csv", "description_paraphrased", "code",
                     id="gdoi"),
    ],
)  # fmt: skip
def test_definitions_are_reworded(slug: str, source: str, column: str, code: str) -> None:
    # Definitions are cokg's own words, not the reference list's paraphrase copied over.
    g, ns = GRAPHS[slug], URIRef(f"{FRAMEWORK}{slug}/")
    too_close = []
    for row in _source_rows(source):
        if not row[column]:
            continue
        local = row[code].lower().replace(" ", "-") if slug == "lozeau-2002" else row[code]
        ours = str(g.value(URIRef(ns + local), SKOS.definition))
        similarity = difflib.SequenceMatcher(None, ours.lower(), row[column].lower()).ratio()
        if similarity > 0.85:
            too_close.append((local, round(similarity, 2)))
    assert too_close == []


# ------------------------------------------------------------------ mappings
MATCHES = {
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
}
ALL_CONCEPTS = set().union(*(concepts(s) for s in SCHEMES))


def test_mapping_targets_exist() -> None:
    for s, p, o in MAPPINGS:
        if p in MATCHES:
            assert s in ALL_CONCEPTS, s
            assert o in ALL_CONCEPTS, o
    for node in MAPPINGS.subjects(RDF.type, COKG.ConceptMapping):
        assert MAPPINGS.value(node, COKG.subject) in ALL_CONCEPTS
        assert MAPPINGS.value(node, COKG.object) in ALL_CONCEPTS


def test_every_match_has_exactly_one_mapping_node() -> None:
    direct = {(s, p, o) for s, p, o in MAPPINGS if p in MATCHES}
    nodes = [
        (
            MAPPINGS.value(n, COKG.subject),
            MAPPINGS.value(n, COKG.predicate),
            MAPPINGS.value(n, COKG.object),
        )
        for n in MAPPINGS.subjects(RDF.type, COKG.ConceptMapping)
    ]
    assert len(nodes) == len(set(nodes))
    assert set(nodes) == direct


def test_confidence_scale() -> None:
    values = {
        MAPPINGS.value(n, COKG.confidence).toPython()
        for n in MAPPINGS.subjects(RDF.type, COKG.ConceptMapping)
    }
    assert values <= {Decimal("0.95"), Decimal("0.8"), Decimal("0.7"), Decimal("0.5")}
    for n in MAPPINGS.subjects(RDF.type, COKG.ConceptMapping):
        assert MAPPINGS.value(n, COKG.mappingJustification) is not None


def test_exact_matches_are_one_to_one() -> None:
    pairs = list(MAPPINGS.subject_objects(SKOS.exactMatch))
    assert len({s for s, _ in pairs}) == len(pairs)
    assert len({o for _, o in pairs}) == len(pairs)


@pytest.mark.parametrize(
    ("subject", "predicate", "obj"),
    [
        # renamed one-to-one, high confidence
        pytest.param(CFIR09["II.B"], SKOS.exactMatch, CFIR22["II.D"], id="cosmopolitanism"),
        pytest.param(CFIR09["II.C"], SKOS.exactMatch, CFIR22["II.G.2"], id="peer-pressure"),
        pytest.param(CFIR09["V.C"], SKOS.exactMatch, CFIR22["V.G"], id="executing-doing"),
        pytest.param(CFIR09["III.D.4"], SKOS.exactMatch, CFIR22["III.H"], id="incentives"),
        # one 2009 construct split over three 2022 constructs
        pytest.param(CFIR09["II.D"], SKOS.narrowMatch, CFIR22["II.E"], id="policy-laws"),
        pytest.param(CFIR09["II.D"], SKOS.narrowMatch, CFIR22["II.F"], id="policy-financing"),
        pytest.param(CFIR09["II.D"], SKOS.narrowMatch, CFIR22["II.G.3"], id="policy-pmp"),
        pytest.param(CFIR09["IV.B"], SKOS.broadMatch, CFIR22["IV.K"], id="self-efficacy"),
        pytest.param(CFIR09["V.B.4"], SKOS.closeMatch, CFIR22["IV.D"], id="change-agents"),
        # study frame <-> CFIR domains and Greenhalgh
        pytest.param(FRAME["external-context"], SKOS.closeMatch, CFIR09["II"], id="frame-ext-09"),
        pytest.param(FRAME["external-context"], SKOS.closeMatch, CFIR22["II"], id="frame-ext-22"),
        pytest.param(FRAME["internal-context"], SKOS.closeMatch, CFIR22["III"], id="frame-int"),
        pytest.param(
            FRAME["individual-characteristics"], SKOS.closeMatch, CFIR09["IV"], id="frame-ind"
        ),
        pytest.param(FRAME["innovation-features"], SKOS.closeMatch, CFIR22["I"], id="frame-inn"),
        pytest.param(FRAME["process"], SKOS.closeMatch, CFIR09["V"], id="frame-process"),
        pytest.param(FRAME["external-context"], SKOS.closeMatch, GDOI["6"], id="frame-gdoi-6"),
        # Lozeau's scenarios are kinds of Greenhalgh's assimilation
        pytest.param(LOZEAU["transformation"], SKOS.broadMatch, GDOI["9"], id="lozeau-t"),
        pytest.param(LOZEAU["customization"], SKOS.broadMatch, GDOI["9"], id="lozeau-c"),
        pytest.param(LOZEAU["loose-coupling"], SKOS.broadMatch, GDOI["9"], id="lozeau-l"),
        pytest.param(LOZEAU["co-optation"], SKOS.broadMatch, GDOI["9"], id="lozeau-o"),
    ],
)
def test_expected_mapping(subject: URIRef, predicate: URIRef, obj: URIRef) -> None:
    assert (subject, predicate, obj) in MAPPINGS


@pytest.mark.parametrize(
    "code", [pytest.param(c, id=c) for c in ("II.A", "II.B", "II.C", "II.G.1", "V.A", "V.I")]
)
def test_new_in_2022_has_no_source_and_a_change_note(code: str) -> None:
    # The crosswalk's "—" rows: constructs with no CFIR 2009 counterpart.
    concept = CFIR22[code]
    assert GRAPHS["cfir-2022"].value(concept, SKOS.changeNote) is not None
    assert not any(o == concept for _, p, o in MAPPINGS if p in MATCHES)


@pytest.mark.parametrize("code", [pytest.param(c, id=c) for c in ("III.D", "III.E")])
def test_removed_umbrellas_have_a_change_note(code: str) -> None:
    assert GRAPHS["cfir-2009"].value(CFIR09[code], SKOS.changeNote) is not None


# ------------------------------------------------------------------ generator
@functools.cache
def _generated() -> dict[str, str]:
    """File name -> text, as ontology/frameworks/build_frameworks.py writes them."""
    script = paths.FRAMEWORKS_DIR / "build_frameworks.py"
    spec = importlib.util.spec_from_file_location("build_frameworks", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        return module.build_all()
    finally:
        del sys.modules[spec.name]


def test_generator_writes_exactly_the_framework_files() -> None:
    assert sorted(_generated()) == sorted(p.name for p in paths.FRAMEWORKS_DIR.glob("*.ttl"))


@pytest.mark.parametrize(
    "name", [pytest.param(p.name, id=p.stem) for p in sorted(paths.FRAMEWORKS_DIR.glob("*.ttl"))]
)
def test_generated_file_is_up_to_date(name: str) -> None:
    assert (paths.FRAMEWORKS_DIR / name).read_text(encoding="utf-8") == _generated()[name]
