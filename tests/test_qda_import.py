"""Importing coded REFI-QDA projects (cokg.qda.converting, cokg.qda.importing, `cokg
import-qdpx`) on the fictional three-site study of tests/qda_projects.py.

Expected texts are the phrases the fixture built each selection from (never a slice the
program under test computed); expected codes, constructs and counts are written out here by
hand from the fixture's tables. The study's sites are stored as three fictional cases
(FIXTURE_CASES) in a store built from the ontology and frameworks, with or without the
founding data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from qda_projects import (
    CODES,
    HOSTILE,
    ORIGINS,
    SELECTIONS,
    SOURCE,
    build_project,
    hostile_project,
    merci_project,
)
from rdflib import Graph, Literal, Namespace, URIRef

from cokg.cli import cli
from cokg.errors import InputError, ParameterError, ValidationFailed
from cokg.ingest import ingest
from cokg.namespaces import CFIR22, COKG, COKGID
from cokg.qda.converting import (
    OA,
    StoreContext,
    coder_pseudonym,
    convert_project,
    quotation_id,
)
from cokg.qda.importing import import_qdpx, read_map, render_import
from cokg.qda.model import Code, Coding, Project, Selection, Source, User
from cokg.query import run_query
from cokg.store import MemoryStore, build

# plain namespaces: pytest's collection trips over rdflib's closed ones (a warning per name)
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

# --- the study's cases, maps and mappings (hand-written) ----------------------------------

SITES = {"Northfield clinic": "fx-northfield", "Riverside school": "fx-riverside",
         "Hillcrest pharmacy": "fx-hillcrest"}  # fmt: skip
INFORMANTS = {
    "Interview 1 – Northfield clinic": "NTH-01",
    "Interview 2 – Riverside school": "RVS-01",
    "Interview 3 – Hillcrest pharmacy": "HLC-01",
    "Site visit notes – Zoë": "HLC-02",
}
FIXTURE_CASES = "".join(
    f"""<https://w3id.org/cokg/id/case/{cid}> a <https://w3id.org/cokg/ontology#Case> ;
    <https://w3id.org/cokg/ontology#caseId> "{cid}" ;
    <https://w3id.org/cokg/ontology#caseNumber> {101 + i} ;
    <http://www.w3.org/2000/01/rdf-schema#label> "{name} (FICTIONAL)" ;
    <https://w3id.org/cokg/ontology#studiesInnovation> <https://w3id.org/cokg/id/innovation/{cid}> .
<https://w3id.org/cokg/id/innovation/{cid}> a <https://w3id.org/cokg/ontology#Innovation> ;
    <http://www.w3.org/2000/01/rdf-schema#label> "Falls prevention at the {name} (FICTIONAL)" .
"""
    for i, (name, cid) in enumerate(SITES.items())
)
# Codes mapped to CFIR 2022 (the steward's SSSOM file). Funding is nested under Available
# Resources, so its passages are evidence about III.J too; the other codes stay unmapped.
_MANUAL = "semapv:ManualMappingCuration"
SSSOM = """# curie_map:
#   cfir22: https://w3id.org/cokg/framework/cfir-2022/
#   site: https://example.org/three-site/code/
# mapping_set_id: https://example.org/three-site/mappings
# license: https://creativecommons.org/licenses/by/4.0/
""" + "".join(
    "\t".join(row) + "\n"
    for row in (
        ("subject_id", "subject_label", "predicate_id", "object_id", "mapping_justification",
         "confidence", "comment"),
        ("site:culture", "Culture", "skos:exactMatch", "cfir22:III.D", _MANUAL, "0.95",
         "Same construct."),
        ("site:resources", "Available Resources", "skos:exactMatch", "cfir22:III.J", _MANUAL,
         "0.9", ""),
        ("site:partners", "Partnerships & Connections", "skos:exactMatch", "cfir22:II.D",
         _MANUAL, "0.9", ""),
        ("site:planning", "Planning", "skos:closeMatch", "cfir22:V.D", _MANUAL, "0.8", ""),
        ("site:reflecting", "Reflecting & Evaluating", "skos:relatedMatch", "cfir22:V.F",
         _MANUAL, "0.5", ""),
    )
)  # fmt: skip
MAPPED = {  # code -> constructs its findings are coded to (exact/close/broad, or inherited)
    "Culture": {CFIR22["III.D"]},
    "Available Resources": {CFIR22["III.J"]},
    "Funding": {CFIR22["III.J"]},
    "Partnerships & Connections": {CFIR22["II.D"]},
    "Planning": {CFIR22["V.D"]},
}
UNMAPPED = {  # codes with no mapping, nor one above them (a related match is a mapping)
    "Innovation", "Innovation/Innovation Adaptability", "Outer Setting", "Inner Setting",
    "Individuals", "Individuals/Implementation Leads", "Implementation Process",
}  # fmt: skip
CODED = {s.phrase for s in SELECTIONS if s.codes and not all(c.startswith("case:") for c in
         s.codes)}  # fmt: skip
REPEATED = "the funding ran out after the pilot"  # coded twice: Funding (ana), Resources (ben)
ANNOTATED = "Honestly"  # a comment, no code


@dataclasses.dataclass
class Inputs:
    cases: Path
    informants: Path
    codes: Path


def write_inputs(folder: Path) -> Inputs:
    folder.mkdir(parents=True, exist_ok=True)
    cases = folder / "cases.csv"
    cases.write_text(
        "case_name,case_id\n" + "".join(f"{n},{c}\n" for n, c in SITES.items()), encoding="utf-8"
    )
    informants = folder / "informants.tsv"
    informants.write_text(
        "source_name\tinformant_code\n" + "".join(f"{s}\t{c}\n" for s, c in INFORMANTS.items()),
        encoding="utf-8",
    )
    codes = folder / "codes.sssom.tsv"
    codes.write_text(SSSOM, encoding="utf-8")
    return Inputs(cases, informants, codes)


def study_store(*, founding: bool = False) -> MemoryStore:
    """A store with the ontology, the frameworks, the three fictional sites (and the founding
    data when asked)."""
    st = MemoryStore()
    build(st, include_data=founding)
    data = Graph().parse(data=FIXTURE_CASES, format="turtle")
    st.replace_graphs({"https://w3id.org/cokg/graph/submission/fx-sites": data})
    return st


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    st = study_store()
    yield st
    st.close()


@pytest.fixture
def inputs(tmp_path: Path) -> Inputs:
    return write_inputs(tmp_path / "maps")


def study(folder: Path, origin: str = "NVivo 14") -> Path:
    """The fictional study as `origin` writes it (tests/qda_projects.py)."""
    folder.mkdir(parents=True, exist_ok=True)
    return build_project(folder, origin).path


def do_import(path: Path, st: MemoryStore, inputs: Inputs, **kw: object):
    options: dict[str, object] = dict(
        by="A. Steward", cases=inputs.cases, codes=inputs.codes, informants=inputs.informants,
        phase="implementation", store=st,
    )  # fmt: skip
    options.update(kw)
    return import_qdpx(path, **options)  # type: ignore[arg-type]


def quotations(g: Graph) -> dict[str, URIRef]:
    return {str(g.value(q, COKG.text)): q for q in g.subjects(RDF.type, COKG.Quotation)}


def labels(g: Graph, nodes: object) -> set[str]:
    return {str(g.value(n, SKOS.prefLabel)) for n in nodes}  # type: ignore[attr-defined]


# --- the passages ----------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [pytest.param(o, id=o.split()[0]) for o in ORIGINS])
def test_every_quotation_is_its_source_slice(
    origin: str, tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    built = build_project(tmp_path, origin)
    g = do_import(built.path, store, inputs, include_text=True, dry_run=True).conversion.graph
    found = quotations(g)
    assert set(found) == CODED  # one quotation per distinct coded span, no other
    for text, q in found.items():
        source = g.value(q, OA.hasSource)
        full = str(g.value(source, COKG.fullText))
        by_selector = {}
        for sel in g.objects(q, OA.hasSelector):
            by_selector.update({p: o for p, o in g.predicate_objects(sel)})
        start, end = int(by_selector[OA.start]), int(by_selector[OA.end])
        assert full[start:end] == text
        assert str(by_selector[OA.exact]) == text
        assert str(by_selector[OA.prefix]) == full[max(0, start - 32) : start] or start == 0


def test_repeated_span_is_one_quotation_with_its_codings(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    q = quotations(g)[REPEATED]
    codings = list(g.subjects(OA.hasTarget, q))
    assert labels(g, (g.value(c, OA.hasBody) for c in codings)) == {
        "Funding",
        "Available Resources",
    }
    # both applied by Ben: A3's Coding names Ben though Ana made the selection
    assert len({g.value(c, COKG.coder) for c in codings}) == 1


def _one_text_project(*codings: Coding, extra: list[Selection] | None = None) -> Project:
    text = "We kept the rota fair. Then the grant ended."
    import hashlib

    source = Source("s1", "NTH-07 interview", text,
                    hashlib.sha256(text.encode()).hexdigest(), "s1.txt")  # fmt: skip
    source.selections = [Selection("sel1", "s1", 3, 21, 3, 21, codings=list(codings))]
    source.selections += extra or []
    p = Project("project", "Hand-made study", "cokg test", "codepoints")
    p.users = {"u1": User("u1", "Ana Ortiz"), "u2": User("u2", "Ben Okafor")}
    p.codes = {"k1": Code("k1", "Culture")}
    p.sources = {"s1": source}
    from cokg.qda.model import Case

    p.cases = [Case("c1", "Northfield clinic", sources=["s1"])]
    return p


def _context() -> StoreContext:
    case = COKGID["case/fx-northfield"]
    return StoreContext(cases={"fx-northfield": case}, concepts=frozenset({CFIR22["III.D"]}))


def _convert(p: Project, **kw: object):
    return convert_project(p, pid="qda-hand-made-study", context=_context(),
                           cases={"Northfield clinic": "fx-northfield"}, phase="adoption",
                           **kw)  # type: ignore[arg-type]  # fmt: skip


def test_two_coders_same_code_same_span_are_two_codings() -> None:
    p = _one_text_project(Coding("x1", "k1", "u1"), Coding("x2", "k1", "u2"))
    g = _convert(p).graph
    codings = list(g.subjects(RDF.type, COKG.Coding))
    assert len(codings) == 2
    assert len({g.value(c, COKG.coder) for c in codings}) == 2
    assert {g.value(c, OA.hasBody) for c in codings} == {
        COKGID[f"code/qda-hand-made-study/{_path_digest('Culture')}"]
    }


def _path_digest(path: str) -> str:
    import hashlib

    return hashlib.sha256(path.encode()).hexdigest()[:16]


def test_ids_do_not_change_when_a_passage_is_added() -> None:
    before = _convert(_one_text_project(Coding("x1", "k1", "u1"))).graph
    later = _one_text_project(
        Coding("x1", "k1", "u1"),
        extra=[Selection("sel2", "s1", 28, 43, 28, 43, codings=[Coding("x3", "k1", "u1")])],
    )
    after = _convert(later).graph
    ids = {str(o) for o in before.objects(None, COKG.quotationId)}
    assert ids < {str(o) for o in after.objects(None, COKG.quotationId)}
    assert set(before) <= set(after)  # every triple, quotation ids included, stays
    digest = _one_text_project().sources["s1"].sha256
    assert ids == {quotation_id(digest, 3, 21)}


def test_quotation_id_fits_the_shapes_pattern() -> None:
    import re

    for n in range(200):
        assert re.fullmatch(r"Q[1-9][0-9]*", quotation_id(f"{n:064x}", n, n + 5))


def test_guids_do_not_make_identity(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    # the same study written by two programs (other GUIDs, other offset units) is one graph
    a = study(tmp_path / "a", "MAXQDA 2022")
    b = study(tmp_path / "b", "QualCoder 3.5")
    ga = do_import(a, store, inputs, dry_run=True).conversion.graph
    gb = do_import(b, store, inputs, dry_run=True).conversion.graph
    assert set(ga) == set(gb)


# --- codes, mappings, findings --------------------------------------------------------------


def test_codebook_is_a_skos_scheme(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    (scheme,) = g.subjects(RDF.type, COKG.Codebook)
    codes = set(g.subjects(SKOS.inScheme, scheme))
    assert len(codes) == 13
    assert labels(g, g.subjects(RDF.type, COKG.CodeCategory)) == {
        "Innovation", "Outer Setting", "Inner Setting", "Individuals", "Implementation Process",
    }  # fmt: skip
    funding = next(c for c in codes if str(g.value(c, SKOS.prefLabel)) == "Funding")
    assert str(g.value(funding, SKOS.definition)) == "Money for the work."
    parent = g.value(funding, SKOS.broader)
    assert str(g.value(parent, SKOS.prefLabel)) == "Available Resources"
    assert labels(g, g.subjects(SKOS.topConceptOf, scheme)) == {
        "Innovation", "Outer Setting", "Inner Setting", "Individuals", "Implementation Process",
    }  # fmt: skip


def test_findings_are_coded_to_mapped_constructs(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    coded: dict[str, set[URIRef]] = {}
    for f in g.subjects(RDF.type, COKG.CodedFinding):
        name = str(g.value(g.value(f, COKG.fromCode), SKOS.prefLabel))
        coded.setdefault(name, set()).update(g.objects(f, COKG.codedTo))  # type: ignore[arg-type]
        assert g.value(f, COKG.inPhase) == COKG.Implementation
        assert str(g.value(f, COKG.statement)) == (
            f"Passages coded “{name}” in the QDA project “Three-site programme study”"
        )
    # every mapped code (all have passages), nothing from the related match of Reflecting
    assert coded == MAPPED
    staff = quotations(g)["Staff culture here is cautious"]
    (finding,) = g.objects(staff, COKG.supports)
    assert set(g.objects(finding, COKG.codedTo)) == {CFIR22["III.D"]}


def test_mapping_triples_and_nodes(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    culture = next(c for c in g.subjects(RDF.type, COKG.Code)
                   if str(g.value(c, SKOS.prefLabel)) == "Culture")  # fmt: skip
    assert (culture, SKOS.exactMatch, CFIR22["III.D"]) in g
    (node,) = g.subjects(COKG.subject, culture)
    assert g.value(node, COKG.predicate) == SKOS.exactMatch
    assert g.value(node, COKG.object) == CFIR22["III.D"]
    assert g.value(node, COKG.confidence) == Literal(Decimal("0.95"), datatype=XSD.decimal)
    assert str(g.value(node, COKG.mappingJustification)) == "Same construct."
    assert len(list(g.subjects(RDF.type, COKG.ConceptMapping))) == 5


def test_unmapped_codes_are_reported(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    report = do_import(study(tmp_path), store, inputs, dry_run=True)
    assert set(report.conversion.unmapped_codes) == UNMAPPED
    # a category (isCodable false) holds no passages: only the codes that do are warned about
    categories = {c.name for c in CODES if not c.codable}
    for path in UNMAPPED:
        said = sum(f"code {path!r} is not mapped" in w for w in report.warnings)
        assert said == (0 if path in categories else 1), path
    assert categories & UNMAPPED and UNMAPPED - categories
    assert report.conversion.mapped_codes == 13 - len(UNMAPPED)


def test_mapping_to_no_stored_construct_is_an_error(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    inputs.codes.write_text(SSSOM.replace("cfir22:III.D", "cfir22:III.Z"), encoding="utf-8")
    # the fixture's first row (line 7, below five lines of metadata and the header)
    with pytest.raises(InputError, match=r"codes\.sssom\.tsv: row 1 \(line 7\): .*III\.Z is not a"):
        do_import(study(tmp_path), store, inputs, dry_run=True)


def test_ambiguous_code_name_wants_a_path(tmp_path: Path, inputs: Inputs) -> None:
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes = {  # two codes named Culture, under two categories
        "k0": Code("k0", "Setting", codable=False, children=["k2"]),
        "k2": Code("k2", "Culture", parent="k0"),
        "k3": Code("k3", "Inner", codable=False, children=["k1"]),
        "k1": Code("k1", "Culture", parent="k3"),
    }

    class Row:
        subject_id, subject_label = "site:x", "Culture"
        predicate_iri, object_iri = str(SKOS.exactMatch), str(CFIR22["III.D"])
        mapping_justification, confidence, comment = "semapv:ManualMappingCuration", None, None

    with pytest.raises(InputError, match="'Culture' names 2 codes"):
        _convert(p, mappings=[Row()])
    Row.subject_label = "Setting/Culture"
    g = _convert(p, mappings=[Row()]).graph
    (mapped,) = g.subjects(SKOS.exactMatch, CFIR22["III.D"])
    assert g.value(mapped, SKOS.broader) is not None
    # the finding of Inner/Culture (k1, the code the passage has) is told by its path: the
    # name alone was the same for both codes ("Passages coded “Culture” ...")
    Row.subject_label = "Inner/Culture"
    g = _convert(p, mappings=[Row()]).graph
    (finding,) = g.subjects(RDF.type, COKG.CodedFinding)
    assert str(g.value(finding, COKG.statement)) == (
        "Passages coded “Inner / Culture” in the QDA project “Hand-made study”"
    )


class _Row:
    """A mapping row to CFIR 2022's Culture construct naming a code by `subject_label`."""

    subject_id = "site:x"
    predicate_iri, object_iri = str(SKOS.exactMatch), str(CFIR22["III.D"])
    mapping_justification, confidence, comment = "semapv:ManualMappingCuration", None, None

    def __init__(self, label: str) -> None:
        self.subject_label = label


def _alike_codes_project(*names: str) -> Project:
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes = {f"k{i + 1}": Code(f"k{i + 1}", name) for i, name in enumerate(names)}
    return p


def _mapped(conv: object) -> set[str]:
    g = conv.graph  # type: ignore[attr-defined]
    return {str(g.value(c, SKOS.prefLabel)) for c in g.subjects(SKOS.exactMatch, CFIR22["III.D"])}


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(("Leadership", "leadership"), id="case"),
        pytest.param(("Straße", "STRASSE"), id="casefold"),
        pytest.param(("Leadership", "Leadership "), id="trailing-space"),
        pytest.param(("Café", "Cafe\u0301"), id="unicode-form"),  # as a Project built in code
    ],
)
def test_codes_that_differ_only_in_case_or_spacing_are_said(names: tuple[str, str]) -> None:
    # imported as separate codes without a word (exact duplicates were already said)
    conv = _convert(_alike_codes_project(*names))
    assert conv.codes == 2
    (said,) = [w for w in conv.warnings if "differ only in case" in w]
    assert said == (
        f"codes {names[0]!r}, {names[1]!r} differ only in case, spaces or Unicode form: they "
        "are imported as 2 codes; merge them in the QDA program if they are one (a mapping row "
        "names each exactly, by its name, path or GUID)"
    )


def test_codes_of_one_name_at_two_places_are_not_alike() -> None:
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes = {
        "k0": Code("k0", "Setting", codable=False, children=["k2"]),
        "k2": Code("k2", "culture", parent="k0"),
        "k1": Code("k1", "Culture"),
    }
    assert not [w for w in _convert(p).warnings if "differ only in case" in w]


def test_a_row_naming_one_of_alike_codes_exactly_says_the_other_is_not_mapped() -> None:
    # the row `leadership` mapped one code; the other got only "not mapped"
    conv = _convert(_alike_codes_project("Leadership", "leadership"),
                    mappings=[_Row("leadership")])  # fmt: skip
    assert _mapped(conv) == {"leadership"}
    (said,) = [w for w in conv.warnings if "named so exactly" in w]
    assert said.endswith(
        "maps the code 'leadership', named so exactly, not 'Leadership', which differ from it "
        "only in case, spaces or Unicode form: add a row naming each (by its path or GUID) if "
        "it is the same construct"
    )


def test_a_row_naming_one_code_but_for_case_maps_it_with_a_warning() -> None:
    conv = _convert(_alike_codes_project("Straße"), mappings=[_Row("STRASSE ")])
    assert _mapped(conv) == {"Straße"}
    (said,) = [w for w in conv.warnings if "exactly" in w]
    assert said.endswith(
        "no code is named 'STRASSE' exactly; mapped to 'Straße', the one code named so but for "
        "case, spaces or Unicode form"
    )
    assert not [w for w in conv.warnings if "not mapped to a framework construct" in w]


def test_a_row_naming_several_codes_but_for_case_is_refused_naming_them() -> None:
    with pytest.raises(InputError) as exc:
        _convert(_alike_codes_project("Leadership", "LEADERSHIP "), mappings=[_Row("leadership")])
    assert (
        "no code is named 'leadership' exactly, and 2 codes are named so but for case, spaces "
        "or Unicode form ('LEADERSHIP ', 'Leadership'): give the code's name exactly, its path, "
        "or its GUID as the local part of subject_id"
    ) in str(exc.value)


def test_a_row_naming_a_code_exactly_says_nothing_of_its_namesake_elsewhere() -> None:
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes = {
        "k0": Code("k0", "Setting", codable=False, children=["k2"]),
        "k2": Code("k2", "Culture", parent="k0"),
        "k1": Code("k1", "Culture"),
    }
    conv = _convert(p, mappings=[_Row("Culture")])  # the path wins, as before
    assert not [w for w in conv.warnings if "exactly" in w]


# --- texts, cases, informants, variables, memos ---------------------------------------------


def test_texts_are_keyed_by_digest(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    import hashlib

    for label, spec in SOURCE.items():
        digest = hashlib.sha256(spec.text.encode()).hexdigest()
        text = COKGID[f"coded-text/{digest[:16]}"]
        assert str(g.value(text, COKG.textSha256)) == digest, label
        assert str(g.value(text, DCTERMS.title)) == spec.name
        assert g.value(text, COKG.fullText) is None  # not without --include-text
    by_case = {str(g.value(t, DCTERMS.title)): g.value(t, COKG.ofCase)
               for t in g.subjects(RDF.type, COKG.CodedText)}  # fmt: skip
    assert by_case == {
        SOURCE["A"].name: COKGID["case/fx-northfield"],
        SOURCE["B"].name: COKGID["case/fx-riverside"],
        SOURCE["C"].name: COKGID["case/fx-hillcrest"],
        SOURCE["D"].name: COKGID["case/fx-hillcrest"],
    }


def test_informants_are_created_once_per_code(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    codes = {str(g.value(i, COKG.informantCode)): g.value(i, COKG.informantOf)
             for i in g.subjects(RDF.type, COKG.Informant)}  # fmt: skip
    assert codes == {
        "NTH-01": COKGID["case/fx-northfield"],
        "RVS-01": COKGID["case/fx-riverside"],
        "HLC-01": COKGID["case/fx-hillcrest"],
        "HLC-02": COKGID["case/fx-hillcrest"],
    }
    q = quotations(g)["Staff culture here is cautious"]
    assert g.value(q, COKG.quotedInformant) == COKGID["informant/fx-riverside/RVS-01"]


def test_informant_from_a_variable_or_the_name() -> None:
    p = _one_text_project(Coding("x1", "k1", "u1"))
    g = _convert(p).graph  # the source is called "NTH-07 interview"
    assert set(g.objects(None, COKG.quotedInformant)) == {COKGID["informant/fx-northfield/NTH-07"]}
    named = [("P07 interview", "P07"), ("KE-03.docx", "KE-03"), ("jkg-fl-01", "JKG-FL-01")]
    named += [("SITE2_P14 notes", "SITE2_P14"), ("DND-05-B x", "DND-05-B"), ("P01.2", "P01.2")]
    for name, code in named:
        p.sources["s1"].name = name
        g = _convert(p).graph
        assert set(g.objects(None, COKG.informantCode)) == {Literal(code)}
    p.sources["s1"].name = "Doc1 transcript"  # a word, not a code
    with pytest.raises(InputError, match="'Doc1 transcript' names no informant"):
        _convert(p)
    p.sources["s1"].name = "Interview seven"
    with pytest.raises(InputError, match="'Interview seven' names no informant"):
        _convert(p)
    # a date has a code's form (digits in parts) but names no one: it was stored as the
    # informant "2023-05-03"
    for dated in ("2023-05-03 interview P07.docx", "20230503 P07", "03.05.2023 P07", "2023 P07"):
        p.sources["s1"].name = dated
        with pytest.raises(InputError, match="names no informant \\(its name starts with a date"):
            _convert(p)
    # a wave before the code: taken as named, and said, with the other reading
    p.sources["s1"].name = "T1 P08 interview"
    conv = _convert(p)
    assert set(conv.graph.objects(None, COKG.informantCode)) == {Literal("T1")}
    assert conv.named_informants == [("T1 P08 interview", "T1")]
    (w,) = [w for w in conv.warnings if "T1 P08" in w]
    assert "starts with T1, taken as the informant's code, and P08 after it" in w
    p.sources["s1"].name = "P08 interview 2023-05-03"  # a date after the code is no code
    assert not [w for w in _convert(p).warnings if "looks like one too" in w]
    from cokg.qda.model import Variable, VariableValue

    p.variables = {"v1": Variable("v1", "Informant", "Text")}
    p.sources["s1"].variables = [VariableValue("v1", "nth-08")]
    g = _convert(p).graph
    assert set(g.objects(None, COKG.quotedInformant)) == {COKGID["informant/fx-northfield/NTH-08"]}


def test_the_summary_names_the_informants_read_from_source_names(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    # a name read wrongly ("2023-05-03", "T1") was stored silently: each reading is shown
    report = do_import(study(tmp_path), store, inputs, dry_run=True)
    named = [(f"P0{i} interview.docx", f"P0{i}") for i in range(1, 8)]
    conv = dataclasses.replace(report.conversion, named_informants=named)
    text = render_import(dataclasses.replace(report, conversion=conv))
    line = "informants read from source names: 'P01 interview.docx' → P01, "
    assert line in text and "'P05 interview.docx' → P05 and 2 more" in text


def test_phase_from_a_variable_else_the_option() -> None:
    from cokg.qda.model import Variable, VariableValue

    p = _one_text_project(Coding("x1", "k1", "u1"))
    with pytest.raises(InputError, match="has no phase"):
        convert_project(p, pid="qda-x", context=_context(),
                        cases={"Northfield clinic": "fx-northfield"})  # fmt: skip
    p.variables = {"v1": Variable("v1", "Phase", "Text")}
    p.cases[0].variables = [VariableValue("v1", "Assimilation")]
    g = _convert(p).graph  # the case's variable wins over --phase
    assert set(g.objects(None, COKG.inPhase)) == {COKG.Assimilation}


def test_variables_keep_their_types(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph

    def value(owner: URIRef, name: str) -> Literal:
        for av in g.subjects(COKG.attributeOf, owner):
            if str(g.value(g.value(av, COKG.variable), RDFS.label)) == name:
                return g.value(av, COKG.value)  # type: ignore[return-value]
        raise AssertionError(f"no {name} of {owner}")

    north, river = COKGID["case/fx-northfield"], COKGID["case/fx-riverside"]
    assert value(north, "Rural") == Literal("true", datatype=XSD.boolean)
    assert value(north, "Staff count") == Literal("42", datatype=XSD.integer)
    assert value(river, "Budget share").toPython() == Decimal("0.125")
    assert str(value(north, "Start date")) == "2021-03-01"
    assert value(north, "Last visit").datatype == XSD.dateTime
    assert value(river, "Region") == Literal("River valley")
    import hashlib

    # the nameless MAXQDA-style case's variables belong to its one source (C)
    c = COKGID[f"coded-text/{hashlib.sha256(SOURCE['C'].text.encode()).hexdigest()[:16]}"]
    assert value(c, "Interview length (min)") == Literal("35", datatype=XSD.integer)


def test_annotation_and_memos(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    g = do_import(study(tmp_path), store, inputs, dry_run=True).conversion.graph
    assert ANNOTATED not in quotations(g)
    (note,) = g.subjects(RDF.type, COKG.TextAnnotation)
    assert str(g.value(note, COKG.noteText)).startswith("Said with a laugh")
    exact = [g.value(s, OA.exact) for s in g.objects(note, OA.hasSelector)]
    assert Literal(ANNOTATED) in exact
    memos = {str(g.value(m, DCTERMS.title)): set(g.objects(m, COKG.memoAbout))
             for m in g.subjects(RDF.type, COKG.Memo)}  # fmt: skip
    q = quotations(g)
    assert q["we looked at the attendance data and changed the timetable"] in memos["Coach visits"]
    assert q[REPEATED] in memos["Funding memo"]


def test_coders_are_pseudonymous_unless_kept(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    built = build_project(tmp_path)
    g = do_import(built.path, store, inputs, dry_run=True).conversion.graph
    names = {str(g.value(a, RDFS.label)) for a in g.objects(None, COKG.coder)}
    pid = "qda-three-site-programme-study"
    assert names == {coder_pseudonym(pid, "Ana Ortiz"), coder_pseudonym(pid, "Ben Okafor")}
    text = g.serialize(format="nt")
    assert "Ana Ortiz" not in text and "Okafor" not in text
    kept = do_import(built.path, store, inputs, dry_run=True, coder_names=True).conversion.graph
    assert {str(kept.value(a, RDFS.label)) for a in kept.objects(None, COKG.coder)} == {
        "Ana Ortiz",
        "Ben Okafor",
    }
    # a pseudonym read back (a project exported from cokg) stays what it is
    assert coder_pseudonym(pid, "coder-0a1b2c3d") == "coder-0a1b2c3d"


# --- cases and maps ----------------------------------------------------------------------------


def test_a_case_that_is_not_stored_is_an_error(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    inputs.cases.write_text("case_name,case_id\nNorthfield clinic,fx-nowhere\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        do_import(study(tmp_path), store, inputs)
    assert "'Northfield clinic' maps to 'fx-nowhere'" in str(err.value)
    assert "cokg template" in str(err.value)
    problems = err.value.problems  # type: ignore[attr-defined]
    riverside = "'Interview 2 – Riverside school' belongs to case 'Riverside school', which is not"
    assert any(p.startswith(f"source {riverside} in the case map") for p in problems), problems


def test_a_case_map_in_other_capitals_names_the_stored_cases() -> None:
    # ids are compared case aside everywhere (LY-VEN is ly-ven), and a map's name likewise
    p = _one_text_project(Coding("x1", "k1", "u1"))
    conv = convert_project(p, pid="qda-hand-made-study", context=_context(),
                           cases={"northfield CLINIC": "FX-Northfield"},
                           phase="adoption")  # fmt: skip
    assert set(conv.graph.objects(None, COKG.aboutCase)) == {COKGID["case/fx-northfield"]}


def test_a_case_mapped_to_no_stored_case_is_one_problem_with_a_suggestion() -> None:
    # its texts were said to belong "to no mapped case: add it to a case in the QDA program"
    p = _one_text_project(Coding("x1", "k1", "u1"))
    with pytest.raises(InputError) as err:
        convert_project(p, pid="qda-hand-made-study", context=_context(),
                        cases={"Northfield clinic": "fx-northfeld"}, phase="adoption")  # fmt: skip
    assert err.value.problems == [  # type: ignore[attr-defined]
        "case 'Northfield clinic' maps to 'fx-northfeld', which is not a stored case: describe "
        "the case first (`cokg template`, then `cokg ingest`), or correct the case map; did you "
        "mean 'fx-northfield'?"
    ]


def test_without_a_map_case_names_must_be_case_ids(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    with pytest.raises(InputError, match="'Northfield clinic' is not a stored case id"):
        do_import(study(tmp_path), store, inputs, cases=None)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param("name,id\na,b\n", "needs the columns case_name, case_id", id="header"),
        pytest.param("case_name,case_id\na,b,c\n", "3 cells where the header has 2", id="ragged"),
        pytest.param("case_name,case_id\na,\n", "both required", id="empty"),
        pytest.param("case_name,case_id\na,b\na,c\n", "'a' is mapped twice", id="twice"),
    ],
)
def test_bad_case_maps(tmp_path: Path, content: str, problem: str) -> None:
    f = tmp_path / "cases.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        read_map(f, ("case_name", "case_id"))


def test_maps_read_tsv_and_a_bom(tmp_path: Path) -> None:
    f = tmp_path / "cases.txt"
    f.write_bytes("\ufeffcase_name\tcase_id\tnote\nNorthfield clinic\tfx-northfield\t\n".encode())
    assert read_map(f, ("case_name", "case_id")) == {"Northfield clinic": "fx-northfield"}


def test_a_map_saved_as_excels_unicode_text_is_read(tmp_path: Path) -> None:
    # UTF-16 with its byte-order mark, tab-separated, as the template reader reads it
    f = tmp_path / "informants.csv"
    f.write_bytes("source_name\tinformant_code\r\nEntrevue café\tNTH-07\r\n".encode("utf-16"))
    assert read_map(f, ("source_name", "informant_code")) == {"Entrevue café": "NTH-07"}


def test_a_map_saved_decomposed_names_the_same_cases(tmp_path: Path) -> None:
    # NFD (e + combining accent), as some macOS tools save text: the project's names are NFC
    f = tmp_path / "cases.csv"
    f.write_text("case_name,case_id\nVe\u0301nissieux,ly-ven\n", encoding="utf-8")
    assert read_map(f, ("case_name", "case_id")) == {"V\u00e9nissieux": "ly-ven"}


def test_a_semicolon_map_is_read(tmp_path: Path) -> None:
    # "the header row needs the columns case_name, case_id (missing: case_name, case_id;
    # found: case_name;case_id)" gave no advice; it is read, as the template reads such files
    f = tmp_path / "cases.csv"
    f.write_text("case_name;case_id\nNorthfield clinic;fx-northfield\n", encoding="utf-8")
    assert read_map(f, ("case_name", "case_id")) == {"Northfield clinic": "fx-northfield"}


def test_a_windows_1252_map_is_refused_as_the_template_reader_refuses_it(tmp_path: Path) -> None:
    # "not UTF-8 (byte 29)": no line, no advice
    f = tmp_path / "informants.csv"
    f.write_bytes("source_name,informant_code\nEntrevue café,NTH-07\n".encode("cp1252"))
    with pytest.raises(InputError) as exc:
        read_map(f, ("source_name", "informant_code"))
    assert str(exc.value) == f"{f}:2: not UTF-8: byte 0xe9 (save the file as CSV UTF-8)"


def test_the_command_names_the_map_and_its_line(
    tmp_path: Path, disk_store: Path, inputs: Inputs
) -> None:
    inputs.cases.write_bytes("case_name,case_id\nRiverside école,fx-riverside\n".encode("cp1252"))
    args = ["import-qdpx", str(study(tmp_path / "p")), "--cases", str(inputs.cases),
            "--dry-run", "--store", str(disk_store)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    (line,) = [x for x in result.output.splitlines() if x.startswith("cokg: error:")]
    assert (
        line == f"cokg: error: {inputs.cases}:2: not UTF-8: byte 0xe9 (save the file as CSV UTF-8)"
    )


# --- the import: validation, storing, re-import, dry run ------------------------------------


def test_import_stores_the_project_once(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    built = build_project(tmp_path)
    first = do_import(built.path, store, inputs)
    assert first.added == first.triples > 0 and not first.unchanged
    graph = first.graph
    before = store.count(graph)
    second = do_import(built.path, store, inputs)
    assert second.unchanged and second.added == 0
    assert store.count(graph) == before
    # changed (here: one more mapping) -> refused without --replace, stored with it
    inputs.codes.write_text(
        SSSOM + "site:leads\tImplementation Leads\tskos:exactMatch\tcfir22:IV.A\t"
        "semapv:ManualMappingCuration\t0.7\t\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError, match=r"differs from the one stored.*--replace"):
        do_import(built.path, store, inputs)
    assert store.count(graph) == before
    # the dry run says the same refusal (it said "conforms" where the import was refused)
    dry = do_import(built.path, store, inputs, dry_run=True)
    assert not dry.validation.conforms
    (refused,) = [r for r in dry.validation.results if r.severity == "violation"]
    assert "differs from the one stored" in refused.message and "--replace" in refused.message
    assert do_import(built.path, store, inputs, dry_run=True, replace=True).validation.conforms
    assert store.count(graph) == before
    third = do_import(built.path, store, inputs, replace=True)
    assert third.replaced and store.count(graph) > before


def test_a_recoded_project_is_refused_saying_whose_project_it_would_change(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    # the refusal says who stored the project under this id when, and the records the import
    # would remove; a new version of it (the same texts) is told --replace, never --id
    built = build_project(tmp_path)
    first = do_import(built.path, store, inputs, by="Team QC")
    before = store.count(first.graph)
    text = inputs.codes.read_text(encoding="utf-8").splitlines(keepends=True)
    inputs.codes.write_text("".join(text[:-1]), encoding="utf-8")  # one mapping fewer
    with pytest.raises(ParameterError) as refused:
        do_import(built.path, store, inputs, by="Team DE")
    message = " ".join(str(refused.value).split())
    assert f"project {first.submission_id!r} is stored already (ingested by Team QC on" in message
    assert "holds 1 record this project does not (cokgid:mapping/" in message
    assert "would remove it" in message and "new version" in message
    assert "import it with --replace" in message and "--id" not in message
    assert store.count(first.graph) == before
    # the dry run says the same refusal
    dry = do_import(built.path, store, inputs, dry_run=True)
    (said,) = [r for r in dry.validation.results if r.severity == "violation"]
    assert " ".join(said.message.split()) in message
    # a new version of the project, records removed as asked
    assert do_import(built.path, store, inputs, replace=True).replaced
    assert store.count(first.graph) < before


def _other_texts(root: Any, members: dict[str, bytes]) -> None:
    """Another team's project: the same codes and names, other interview texts (a line more
    at the end of each, so every coded span stays where it was)."""
    more = "\nAnother team's transcript (FICTIONAL)."
    for name in members:
        if name.endswith(".txt"):
            members[name] += more.encode()
    for el in root.iter():  # and the texts held in the project file itself
        if el.tag.endswith("PlainTextContent") and el.text:
            el.text += more


def test_another_teams_project_of_the_same_name_is_told_to_take_its_own_id(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    first = do_import(study(tmp_path / "qc"), store, inputs, by="Team QC")
    before = store.count(first.graph)
    (tmp_path / "de").mkdir()
    other = build_project(tmp_path / "de", edit=_other_texts).path
    with pytest.raises(ParameterError) as refused:
        do_import(other, store, inputs, by="Team DE")
    message = " ".join(str(refused.value).split())
    assert f"project {first.submission_id!r} is stored already (ingested by Team QC on" in message
    assert "shares no record with" in message and "--id OTHER` with the same options" in message
    dry = do_import(other, store, inputs, dry_run=True)
    said = [r.message for r in dry.validation.results if r.severity == "violation"]
    assert said and " ".join(said[0].split()) in message
    assert store.count(first.graph) == before
    # under an id of its own it is stored beside the first team's project
    second = do_import(other, store, inputs, by="Team DE", submission="qda-de-study")
    assert second.added and store.count(first.graph) == before


def test_a_project_stored_under_its_accent_dropping_id_is_named_with_what_to_do(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    def accented(root: Any, _members: dict[str, bytes]) -> None:
        root.set("name", "Étude Québec – entrevues")

    path = build_project(tmp_path, edit=accented).path
    # as an earlier version of cokg stored it: under qda-tude-qu-bec-entrevues
    do_import(path, store, inputs, submission="qda-tude-qu-bec-entrevues")
    with pytest.raises(ValidationFailed) as failed:
        do_import(path, store, inputs)
    said = [r.message for r in failed.value.report.violations]  # type: ignore[attr-defined]
    assert said
    message = " ".join(said[0].split())
    assert "submission 'qda-tude-qu-bec-entrevues' is this project as an earlier" in message
    assert "`cokg import-qdpx" in message and ".ttl" not in message
    assert "its id is now 'qda-etude-quebec-entrevues'" in message
    assert "--id qda-tude-qu-bec-entrevues" in message and "--replace" in message
    dry = do_import(path, store, inputs, dry_run=True)
    dry_said = [r.message for r in dry.validation.results if r.severity == "violation"]
    assert any("--id qda-tude-qu-bec-entrevues" in m for m in dry_said)
    # under the id it is stored with it is the same project: nothing to add
    assert do_import(path, store, inputs, submission="qda-tude-qu-bec-entrevues").unchanged
    moved = do_import(path, store, inputs, replace=True)
    assert moved.graph.endswith("/qda-etude-quebec-entrevues") and moved.replaced


def test_dry_run_writes_nothing(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    graphs = store.graphs()
    report = do_import(study(tmp_path), store, inputs, dry_run=True)
    assert store.graphs() == graphs
    assert report.validation.conforms
    c = report.conversion
    assert (c.texts, c.quotations, c.annotations) == (4, len(CODED), 1)
    assert {k: v.quotations for k, v in c.per_case.items()} == {
        "fx-northfield": 4,  # A1, A2, the repeated span, A4
        "fx-riverside": 3,
        "fx-hillcrest": 4,
    }


def test_a_failing_import_leaves_the_store_as_it_was(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    # the record the import makes for Riverside's informant is stored already, in another
    # submission, saying something else of it: one record, one graph refuses the import
    other = Graph()
    rvs = COKGID["informant/fx-riverside/RVS-01"]
    other.add((rvs, RDF.type, COKG.Informant))
    other.add((rvs, COKG.informantCode, Literal("RVS-1")))
    other.add((rvs, COKG.informantOf, COKGID["case/fx-riverside"]))
    store.replace_graphs({"https://w3id.org/cokg/graph/submission/fx-informants": other})
    graphs, size = store.graphs(), store.count()
    with pytest.raises(ValidationFailed, match="1 violation: nothing was written") as exc:
        do_import(study(tmp_path), store, inputs)
    results = exc.value.report.results  # type: ignore[attr-defined]
    (r,) = [r for r in results if r.severity == "violation"]
    assert r.focus_node == rvs and "already stored in graph" in r.message
    assert "submission/fx-informants (one record, one graph)" in r.message
    assert (store.graphs(), store.count()) == (graphs, size)


def test_imported_quotations_answer_the_saved_queries(tmp_path: Path, inputs: Inputs) -> None:
    st = study_store(founding=True)
    do_import(study(tmp_path), st, inputs)
    answer = run_query("quotations-by-construct", store=st, construct="cfir22:III.D")
    texts = {r.text for r in answer}
    cafe = "The café corner now hosts the weekly check-in."
    assert {"Staff culture here is cautious", cafe} < texts
    # and across frameworks: CFIR 2009 Culture is mapped (close) to CFIR 2022 III.D
    answer09 = run_query("quotations-by-construct", store=st, construct="cfir09:III.C")
    assert cafe in {r.text for r in answer09}
    rows = {(r.case_id, r.informant) for r in run_query("quotations", store=st)}
    assert ("fx-hillcrest", "HLC-02") in rows
    gaps = {r.item for r in run_query("evidence-gaps", store=st) if r.case_id == "fx-northfield"}
    # the passages of unmapped codes only (Implementation Leads, Innovation Adaptability)
    assert len(gaps) == 2


def test_a_construct_label_still_names_the_framework_construct(
    tmp_path: Path, inputs: Inputs
) -> None:
    """The project's code "Partnerships & Connections" shares its label with CFIR 2022 II.D:
    by label the framework construct is meant; the code is named by its IRI."""
    from cokg.query import resolve_construct

    st = study_store(founding=True)
    do_import(study(tmp_path), st, inputs)
    label = "Partnerships & Connections"
    names = run_query("concept-names", store=st)
    codes = [r for r in names if str(r.terms["c"]).startswith(str(COKGID)) and r.label == label]
    assert codes, "the imported codebook holds the code"
    assert resolve_construct(st, label) == CFIR22["II.D"]
    code = codes[0].terms["c"]
    assert resolve_construct(st, f"<{code}>") == code


def test_imported_quotations_appear_in_the_report(tmp_path: Path, inputs: Inputs) -> None:
    from cokg.report import build_report

    st = study_store(founding=True)
    do_import(study(tmp_path), st, inputs)
    result = build_report(st, tmp_path / "report")
    md = result.markdown.read_text(encoding="utf-8")
    assert "> Staff culture here is cautious [RVS-01]" in md
    assert "Passages coded “Culture” in the QDA project “Three-site programme study”" in md


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def disk_store(tmp_path: Path) -> Path:
    """An embedded store with the ontology, frameworks, founding data and the three sites."""
    from cokg.store import EmbeddedStore

    d = tmp_path / "store"
    with EmbeddedStore(d) as st:
        build(st)
    cases = tmp_path / "sites.ttl"
    cases.write_text(FIXTURE_CASES, encoding="utf-8")
    ingest([cases], by="A. Steward", store=d, submission="fx-sites")
    return d


def test_command_imports_then_says_already_stored(
    tmp_path: Path, disk_store: Path, inputs: Inputs
) -> None:
    built = build_project(tmp_path, "MAXQDA 2022")
    args = ["import-qdpx", str(built.path), "--cases", str(inputs.cases), "--codes",
            str(inputs.codes), "--informants", str(inputs.informants), "--phase",
            "implementation", "--by", "A. Steward", "--store", str(disk_store)]  # fmt: skip
    runner = CliRunner()
    dry = runner.invoke(cli, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "quotations: 11" in dry.output and "nothing was written" in dry.output
    assert "warning: code 'Innovation/Innovation Adaptability' is not mapped" in dry.output
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "triples added: https://w3id.org/cokg/graph/submission/qda-three-site" in first.output
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert "0 triples added: already stored" in second.output


def test_command_errors_are_one_line(tmp_path: Path, disk_store: Path, inputs: Inputs) -> None:
    built = build_project(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["import-qdpx", str(built.path), "--by", "X", "--store",
                                 str(disk_store)])  # fmt: skip
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("cokg: error:")]
    assert len(lines) == 1 and "is not a stored case id" in lines[0]
    listed = runner.invoke(cli, ["import-qdpx", str(built.path), "--dry-run", "--store",
                                 str(disk_store)])  # fmt: skip
    assert listed.exit_code == 2
    assert listed.output.count("error: case ") == 3  # every problem, one line each


def test_out_keeps_the_submission_file(tmp_path: Path, store: MemoryStore, inputs: Inputs) -> None:
    report = do_import(study(tmp_path), store, inputs, dry_run=True, out=tmp_path / "kept")
    kept = Graph().parse(tmp_path / "kept" / "qda-three-site-programme-study.ttl")
    assert report.written is not None and len(kept) == report.triples
    assert set(kept) == set(report.conversion.graph)


def test_dry_run_names_the_graph_already_holding_the_records(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    path = study(tmp_path)
    do_import(path, store, inputs)
    other = do_import(path, store, inputs, dry_run=True, submission="qda-second-copy")
    assert not other.validation.conforms
    held = [r.message for r in other.validation.results if "one record, one graph" in r.message]
    assert len(held) == 1
    assert "submission/qda-three-site-programme-study" in held[0] and "--replace" in held[0]


@pytest.mark.parametrize("kind", HOSTILE)
def test_every_hostile_project_is_refused_by_the_command(
    tmp_path: Path, disk_store: Path, inputs: Inputs, kind: str
) -> None:
    """As a steward meets them: one line naming the file and what is wrong, exit 2, no
    traceback, and the store exactly as it was (its files and what it answers)."""
    (tmp_path / "project").mkdir()
    bad = hostile_project(tmp_path / "project", kind)
    runner = CliRunner()
    before = runner.invoke(cli, ["graphs", "--store", str(disk_store)]).output
    files = sorted((p.relative_to(disk_store), p.stat().st_size) for p in disk_store.rglob("*")
                   if p.is_file() and p.suffix == ".sst")  # fmt: skip
    result = runner.invoke(cli, ["import-qdpx", str(bad.path), "--cases", str(inputs.cases),
                                 "--codes", str(inputs.codes), "--informants",
                                 str(inputs.informants), "--phase", "implementation", "--by",
                                 "A. Steward", "--store", str(disk_store)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.output.startswith("cokg: error: ") and result.output.count("\n") == 1
    assert bad.names in result.output and "Traceback" not in result.output
    assert runner.invoke(cli, ["graphs", "--store", str(disk_store)]).output == before
    assert sorted((p.relative_to(disk_store), p.stat().st_size) for p in disk_store.rglob("*")
                  if p.is_file() and p.suffix == ".sst") == files  # fmt: skip


def test_a_dry_runs_one_problem_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # it came twice: "error: ..." on stdout and "cokg: error: FILE: ..." on stderr
    import cokg.qda.importing

    def one_problem(*_a: object, **_k: object) -> None:
        exc = InputError("source 'Intervju' names no informant", file="study.qdpx")
        exc.problems = ["source 'Intervju' names no informant"]  # type: ignore[attr-defined]
        raise exc

    monkeypatch.setattr(cokg.qda.importing, "import_qdpx", one_problem)
    (tmp_path / "study.qdpx").write_bytes(b"")
    result = CliRunner().invoke(
        cli, ["import-qdpx", str(tmp_path / "study.qdpx"), "--dry-run", "--store", "memory:"]
    )
    assert result.exit_code == 2
    assert result.output == "cokg: error: study.qdpx: source 'Intervju' names no informant\n"


def test_an_informants_row_naming_no_text_is_warned() -> None:
    # a typo in the map's source name was ignored silently (and its text then had no informant)
    p = _one_text_project(Coding("x1", "k1", "u1"))
    conv = _convert(p, informants={"NTH-07 interview": "NTH-07", "NTH-07 intreview": "NTH-08"})
    assert (
        "--informants: 'NTH-07 intreview' names no text of the project — did you mean "
        "'NTH-07 interview'?"
    ) in conv.warnings


def test_many_alike_warnings_are_a_few_and_a_count() -> None:
    # 1,000 passages of unmapped codes printed 1,000 lines "supports no finding"
    from cokg.models import ValidationReport, ValidationResult
    from cokg.qda.importing import _lines

    results = tuple(
        ValidationResult(
            severity="warning",
            focus_node=URIRef(f"https://example.org/q{i}"),
            path=None,
            constraint_component=None,
            source_shape=None,
            message="missing supports: this quotation supports no finding",
            record_label=f"quotation Q{i}",
            file="big.qdpx",
        )
        for i in range(1000)
    )
    lines = _lines(ValidationReport(conforms=True, results=results))
    assert len(lines) == 4
    assert lines[-1].startswith("warning: and 997 more with the same warning: map the project's")


def test_a_projects_code_mappings_are_not_exported_as_cokgs(tmp_path: Path, inputs: Inputs) -> None:
    """The project's codes are mapped to constructs (its own mappings): `export sssom` writes
    cokg's framework mappings, under cokg's licence, not the project's code mappings."""
    from cokg.linking.sssom import framework_mappings
    from cokg.namespaces import FRAMEWORK

    st = study_store(founding=True)
    do_import(study(tmp_path), st, inputs)
    codes = st.query(
        "PREFIX cokg: <https://w3id.org/cokg/ontology#> SELECT ?m WHERE { ?m a "
        "cokg:ConceptMapping ; cokg:subject ?code . FILTER (!STRSTARTS(STR(?code), "
        f'"{FRAMEWORK}")) }}'
    ).rows
    assert codes  # the import did map codes
    rows = framework_mappings(st).mappings
    assert len(rows) == 92
    assert all(m.subject_iri.startswith(str(FRAMEWORK)) for m in rows)


def test_a_text_present_twice_is_imported_once_with_the_passages_of_both() -> None:
    """The warning said "imported once, with the passages of both", then the text's source
    location held both names as its section: a violation with no fix but editing the project."""
    import copy

    p = _one_text_project(Coding("x1", "k1", "u1"))
    twin = copy.deepcopy(p.sources["s1"])
    twin.guid, twin.name = "s2", "NTH-07 interview (copy)"
    twin.selections = [Selection("sel2", "s2", 23, 44, 23, 44, codings=[Coding("x2", "k1", "u1")])]
    p.sources["s2"] = twin
    p.cases[0].sources.append("s2")
    conv = _convert(p)
    g = conv.graph
    assert any("has the same text as 'NTH-07 interview'" in w for w in conv.warnings)
    assert len(list(g.subjects(RDF.type, COKG.CodedText))) == 1
    (location,) = g.subjects(RDF.type, COKG.SourceLocation)
    assert [str(o) for o in g.objects(location, COKG.section)] == ["Coded texts / NTH-07 interview"]
    assert set(quotations(g)) == {"kept the rota fair", "Then the grant ended."}


def test_a_text_present_twice_in_two_phases_names_both_sources() -> None:
    # the one quotation got both phases: "2 values of in phase ('adoption', 'implementation'):
    # is not a phase", both of them phases, neither source named
    import copy

    from cokg.qda.model import Variable, VariableValue

    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.variables = {"v1": Variable("v1", "Phase", "Text")}
    p.sources["s1"].variables = [VariableValue("v1", "Adoption")]
    twin = copy.deepcopy(p.sources["s1"])
    twin.guid, twin.name = "s2", "NTH-07 interview (copy)"
    twin.variables = [VariableValue("v1", "Implementation")]
    twin.selections = [Selection("sel2", "s2", 3, 21, 3, 21, codings=[Coding("x2", "k1", "u1")])]
    p.sources["s2"] = twin
    p.cases[0].sources.append("s2")
    with pytest.raises(InputError) as err:
        _convert(p)
    problems = err.value.problems  # type: ignore[attr-defined]
    assert problems == [
        "sources 'NTH-07 interview' and 'NTH-07 interview (copy)' hold the same text but give "
        "different phases (adoption, implementation): one passage is said in one phase; "
        "correct the Phase variable (or --phase) of one of them"
    ]


def test_a_text_of_a_case_missing_from_the_map_names_that_case() -> None:
    # "belongs to no mapped case: add it to a case in the QDA program": it was in one
    p = _one_text_project(Coding("x1", "k1", "u1"))
    with pytest.raises(InputError) as exc:
        convert_project(p, pid="qda-hand-made-study", context=_context(),
                        cases={"Southfield clinic": "fx-northfield"}, phase="adoption")  # fmt: skip
    assert ("source 'NTH-07 interview' belongs to case 'Northfield clinic', which is not in the "
            "case map (--cases)") in str(exc.value)  # fmt: skip


def test_a_changed_project_under_another_id_says_one_thing(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    """The advice "or give it another id with --id" led to 41 records already stored and 11
    lines saying informants stored in the store "do not exist". The advice is gone, and the
    one thing said is the records held by the stored project."""
    built = build_project(tmp_path)
    first = do_import(built.path, store, inputs)
    inputs.codes.write_text(
        SSSOM + "site:leads\tImplementation Leads\tskos:exactMatch\tcfir22:IV.A\t"
        "semapv:ManualMappingCuration\t0.7\t\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError) as exc:
        do_import(built.path, store, inputs)
    assert "--replace" in str(exc.value) and "--id" not in str(exc.value)
    for dry_run in (True, False):
        if dry_run:
            v = do_import(built.path, store, inputs, submission="site-study-v2", dry_run=True)
            results = v.validation.results
        else:
            with pytest.raises(ValidationFailed) as failed:
                do_import(built.path, store, inputs, submission="site-study-v2")
            results = failed.value.report.results  # type: ignore[attr-defined]
        said = [r.message for r in results if r.severity == "violation"]
        assert said and all("already stored in graph" in m for m in said), said
        assert first.graph in said[0]


def test_a_coding_repeated_by_its_coder_is_counted_once_and_said() -> None:
    # 22 repeated codings of a 200-source project merged without a word ("codings: 7978")
    p = _one_text_project(
        Coding("x1", "k1", "u1"), Coding("x2", "k1", "u1"), Coding("x3", "k1", "u2")
    )
    conv = _convert(p)
    assert conv.codings == 2 and conv.repeated_codings == 1
    assert any(
        w.startswith("1 coding repeats another (the same passage, code and coder")
        for w in conv.warnings
    )


def test_codes_taking_a_domain_from_the_code_above_are_said() -> None:
    """Codes nested under "I Innovation" (mapped to the domain cfir22:I) gave findings coded
    to the whole domain, without a word ("4 mapped")."""
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes = {
        "k0": Code("k0", "I Innovation", children=["k1"]),
        "k1": Code("k1", "IC - Innovation Source", parent="k0"),
    }

    class Row:
        subject_id, subject_label = "site:x", "I Innovation"
        predicate_iri, object_iri = str(SKOS.exactMatch), str(CFIR22["I"])
        mapping_justification, confidence, comment = "semapv:ManualMappingCuration", None, None

    domain = dataclasses.replace(
        _context(),
        concepts=frozenset({CFIR22["I"], CFIR22["I.A"]}),
        parents=frozenset({CFIR22["I"]}),
    )
    place = {"cases": {"Northfield clinic": "fx-northfield"}, "phase": "adoption"}
    conv = convert_project(p, pid="qda-hand-made-study", context=domain, mappings=[Row()],
                           **place)  # type: ignore[arg-type]  # fmt: skip
    (said,) = [w for w in conv.warnings if "a domain of its framework" in w]
    assert said.startswith("1 code under 'I Innovation' takes its mapping to cfir22:I, a domain")
    assert "'I Innovation/IC - Innovation Source'" in said
    # a construct (no concept under it) inherited is no domain: nothing said
    leaf = dataclasses.replace(domain, parents=frozenset())
    conv = convert_project(p, pid="qda-hand-made-study", context=leaf, mappings=[Row()],
                           **place)  # type: ignore[arg-type]  # fmt: skip
    assert not [w for w in conv.warnings if "a domain of its framework" in w]


def test_the_summary_gives_each_coders_pseudonym(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    # `cokg agreement --coders "Ana Analyst,..."` listed only pseudonyms, which the import
    # never showed next to the names
    from cokg.qda.converting import coder_pseudonym

    conv = _convert(_one_text_project(Coding("x1", "k1", "u1")))
    assert conv.pseudonyms == {"Ana Ortiz": coder_pseudonym("qda-hand-made-study", "Ana Ortiz")}
    assert not _convert(_one_text_project(Coding("x1", "k1", "u1")), coder_names=True).pseudonyms
    report = do_import(study(tmp_path), store, inputs, dry_run=True)
    line = next(x for x in render_import(report).splitlines() if x.startswith("coders ("))
    assert "(stored as pseudonyms; --coder-names keeps names): " in line and " → coder-" in line


def test_codings_of_a_category_are_said() -> None:
    # a code with isCodable="false" carried passages without a word
    p = _one_text_project(Coding("x1", "k1", "u1"))
    p.codes["k1"] = Code("k1", "Culture", codable=False)
    (said,) = [w for w in _convert(p).warnings if "is a category" in w]
    assert said.startswith("code 'Culture' is a category (not codable in the QDA program), yet 1")


def test_a_replace_under_another_id_states_the_informants_it_takes_over(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    """The project again under another id, replacing the stored one: the informants the
    stored project created go with it, so this one states them itself (it referred to them
    as stored, and they "did not exist" in the check that leaves the replaced graph out)."""
    built = build_project(tmp_path)
    do_import(built.path, store, inputs)
    dry = do_import(built.path, store, inputs, submission="site-study-v2", replace=True,
                    dry_run=True)  # fmt: skip
    assert not [r.message for r in dry.validation.results if "does not exist" in r.message]
    assert dry.validation.conforms and dry.conversion.informants_added == 4
    again = do_import(built.path, store, inputs, submission="site-study-v2", replace=True)
    assert again.replaced


def test_a_text_present_in_two_cases_is_refused() -> None:
    # imported once, its passages became evidence of the other case's informant
    import copy

    p = _one_text_project(Coding("x1", "k1", "u1"))
    twin = copy.deepcopy(p.sources["s1"])
    twin.guid, twin.name = "s2", "NTH-07 interview (copy)"
    twin.selections = [Selection("sel2", "s2", 23, 44, 23, 44, codings=[Coding("x2", "k1", "u1")])]
    p.sources["s2"] = twin
    from cokg.qda.model import Case

    p.cases.append(Case("c2", "Southfield clinic", sources=["s2"]))
    context = dataclasses.replace(_context(), cases={
        "fx-northfield": COKGID["case/fx-northfield"], "fx-southfield": COKGID["case/fx-southfield"]
    })  # fmt: skip
    said = r"\(case fx-southfield\) has the same text as 'NTH-07 interview' \(case fx-northfield\)"
    sites = {"Northfield clinic": "fx-northfield", "Southfield clinic": "fx-southfield"}
    with pytest.raises(InputError, match=said + ": a text belongs to one case"):
        convert_project(p, pid="qda-x", context=context, phase="adoption", cases=sites)


def _with_twin(name: str, start: int = 3, end: int = 21):
    """The one-text project with a copy of its text, named `name`, one passage coded."""
    import copy

    p = _one_text_project(Coding("x1", "k1", "u1"))
    twin = copy.deepcopy(p.sources["s1"])
    twin.guid, twin.name = "s2", name
    twin.selections = [
        Selection("sel2", "s2", start, end, start, end, codings=[Coding("x2", "k1", "u1")])
    ]
    p.sources["s2"] = twin
    p.cases[0].sources.append("s2")
    return p


def test_the_same_passage_coded_in_both_copies_of_a_text_is_counted_once() -> None:
    # the summary said 4 quotations and 4 codings for a graph holding 3 of each
    conv = _convert(_with_twin("NTH-07 interview (copy)"))
    assert (conv.quotations, conv.codings) == (1, 1)
    g = conv.graph
    assert len(list(g.subjects(RDF.type, COKG.Quotation))) == 1
    assert len(list(g.subjects(RDF.type, COKG.Coding))) == 1
    (q,) = g.subjects(RDF.type, COKG.Quotation)
    assert len(list(g.objects(q, RDFS.label))) == 1


def test_copies_of_a_text_naming_two_informants_are_refused() -> None:
    # "2 values of quoted informant ... use the informant's code as printed in the study"
    with pytest.raises(InputError, match=r"hold the same text but name different informants "
                       r"\(NTH-07, NTH-08\)"):  # fmt: skip
        _convert(_with_twin("NTH-08 interview"))


# --- offsets whose unit nothing in the project tells ------------------------------------------


def test_passages_read_differently_by_unit_are_refused_until_it_is_stated(
    tmp_path: Path, store: MemoryStore, inputs: Inputs
) -> None:
    # labelled MAXQDA, counted in UTF-16 units, no selection names: " merci »." was stored
    # and the dry run said "conforms"
    path = merci_project(tmp_path, "MAXQDA 2022", [(33, 42, None)])
    for dry_run in (True, False):
        with pytest.raises(InputError) as exc:
            do_import(path, store, inputs, dry_run=dry_run)
        assert "NTH-07 entrevue" in str(exc.value) and '"« merci »"' in str(exc.value)
        assert '" merci »."' in str(exc.value) and "--offsets" in str(exc.value)
    report = do_import(path, store, inputs, offsets="utf16", dry_run=True)
    assert set(quotations(report.conversion.graph)) == {"« merci »"}
    assert report.offset_rule == "utf16" and report.validation.conforms


def test_the_command_states_the_offsets_unit(
    tmp_path: Path, disk_store: Path, inputs: Inputs
) -> None:
    path = merci_project(tmp_path, "NVivo 14", [(32, 41, None)])  # code points, not UTF-16
    args = ["import-qdpx", str(path), "--cases", str(inputs.cases), "--phase",
            "implementation", "--store", str(disk_store), "--dry-run"]  # fmt: skip
    runner = CliRunner()
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 2
    (line,) = [x for x in refused.output.splitlines() if x.startswith("cokg: error:")]
    assert '" « merci "' in line and '"« merci »"' in line and "--offsets" in line
    stated = runner.invoke(cli, [*args, "--offsets", "codepoints"])
    assert stated.exit_code == 0, stated.output
    assert "offsets read as codepoints" in stated.output and "quotations: 1;" in stated.output


def test_the_offsets_option_offers_every_unit_the_reader_knows() -> None:
    from cokg.qda.reading import OFFSET_RULES

    (option,) = [p for p in cli.commands["import-qdpx"].params if p.name == "offsets"]
    assert set(option.type.choices) == set(OFFSET_RULES)  # type: ignore[attr-defined]
