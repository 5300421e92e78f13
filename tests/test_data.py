"""The founding dataset (data/*.ttl) checked against an independent transcription of the paper.

Expected values come only from tests/fixtures/paper/ (tables.json and quotations.json made by
extract.py from the article's text, facts.json typed by hand). Fixture rows map to the graph only
through the contract's terms: case by cokg:caseNumber, phase by the skos:notation of cokg:Phase
individuals, study-frame element and Lozeau scenario by their framework IRIs, table by
cokg:locatedIn/cokg:table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Store

from cokg.namespaces import COKG, COKGID, FRAME, FRAMEWORK, LOZEAU, PREFIXES, graph_iri
from cokg.paths import DATA_DIR, FRAMEWORKS_DIR, ONTOLOGY_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "paper"
TABLES = json.loads((FIXTURES / "tables.json").read_text(encoding="utf-8"))
QUOTATIONS = json.loads((FIXTURES / "quotations.json").read_text(encoding="utf-8"))
FACTS = json.loads((FIXTURES / "facts.json").read_text(encoding="utf-8"))

PREFIX_MAP = {**PREFIXES, "foaf": "http://xmlns.com/foaf/0.1/"}

# Table 1-3 rows held as a verbatim string on the case, and rows held as ordered list items.
CASE_TEXT_PROPERTY = {
    "Location": "locationText",
    "Administration": "administrationText",
    "Structurally vulnerable group served": "servedGroupText",
    "Coproduction approach": "coproductionApproach",
    "Addressing structural vulnerability": "addressingStructuralVulnerability",
}
CASE_LIST_PROPERTY = {
    "Guiding question(s)/aim": ("hasGuidingQuestion", "GuidingQuestion"),
    "Inclusivity principles": ("hasInclusivityPrinciple", "InclusivityPrinciple"),
}
HEALTH_SYSTEM_PROPERTY = {
    "Primary funding model": "primaryFundingModel",
    "Primary funder(s)": "primaryFunders",
    "Service delivery": "serviceDelivery",
}
SCHEME_NAMESPACE = {"frame": FRAME, "lozeau": LOZEAU}
NA = "NA"


# --------------------------------------------------------------------------- store and helpers


def _graph_for(path: Path) -> str:
    if path.is_relative_to(DATA_DIR):
        return graph_iri(path.stem)
    if path.is_relative_to(FRAMEWORKS_DIR):
        return graph_iri(f"framework/{path.stem}")
    return graph_iri(f"ontology/{path.stem}")


class Graph:
    """An in-memory store of data/ + ontology/, and the names of the data graphs."""

    def __init__(self) -> None:
        self.store = Store()
        self.data_graphs: set[str] = set()
        files = sorted(DATA_DIR.glob("**/*.ttl")) + sorted(ONTOLOGY_DIR.glob("**/*.ttl"))
        for path in files:
            graph = _graph_for(path)
            self.store.load(path=str(path), format=RdfFormat.TURTLE, to_graph=NamedNode(graph))
            if path.is_relative_to(DATA_DIR):
                self.data_graphs.add(graph)

    def query(self, sparql: str, **params: Any) -> Any:
        """Run SPARQL over the union of graphs; params become a VALUES row inside WHERE."""
        if params:
            names = " ".join(f"?{name}" for name in params)
            terms = " ".join(str(_term(value)) for value in params.values())
            brace = sparql.index("{")
            sparql = f"{sparql[: brace + 1]} VALUES ({names}) {{ ({terms}) }} {sparql[brace + 1 :]}"
        return self.store.query(sparql, prefixes=PREFIX_MAP, use_default_graph_as_union=True)

    def select(self, sparql: str, **params: Any) -> list[dict[str, Any]]:
        result = self.query(sparql, **params)
        names = [v.value for v in result.variables]
        return [{name: solution[name] for name in names} for solution in result]

    def ask(self, sparql: str, **params: Any) -> bool:
        return bool(self.query(sparql, **params))


def _term(value: Any) -> NamedNode | Literal:
    if isinstance(value, NamedNode | Literal):
        return value
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=xsd("boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=xsd("integer"))
    return Literal(str(value))


def xsd(name: str) -> NamedNode:
    return NamedNode(PREFIXES["xsd"] + name)


def typed(lexical: str, datatype: str) -> Literal:
    return Literal(lexical, datatype=xsd(datatype))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def lex(term: Any) -> str | None:
    return None if term is None else term.value


@pytest.fixture(scope="session")
def graph() -> Graph:
    return Graph()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _describe(g: Graph, node: Any) -> str:
    rows = g.select("SELECT ?p ?o WHERE { ?s ?p ?o }", s=node)
    return f"{node}: " + "; ".join(f"{r['p']} {r['o']}" for r in rows)


# --------------------------------------------------------------------------- fixture rows

FEATURE_TEXT_CELLS = [
    pytest.param(t["case"], row["row"], row["text"], id=f"case{t['case']}-{_slug(row['row'])}")
    for t in TABLES["case_features"]
    for row in t["rows"]
    if row["row"] in CASE_TEXT_PROPERTY
]
FEATURE_LIST_ITEMS = [
    pytest.param(
        t["case"], row["row"], position, item, id=f"case{t['case']}-{_slug(row['row'])}-{position}"
    )
    for t in TABLES["case_features"]
    for row in t["rows"]
    if row["row"] in CASE_LIST_PROPERTY
    for position, item in enumerate(row["items"], start=1)
]
FEATURE_LISTS = [
    pytest.param(t["case"], row["row"], row["items"], id=f"case{t['case']}-{_slug(row['row'])}")
    for t in TABLES["case_features"]
    for row in t["rows"]
    if row["row"] in CASE_LIST_PROPERTY
]
HEALTH_SYSTEM_CELLS = [
    pytest.param(c["case"], c["row"], c["text"], id=f"case{c['case']}-{_slug(c['row'])}")
    for c in TABLES["health_system"]
]
SAMPLING = TABLES["sampling_frame"]
SAMPLING_CELLS = [
    pytest.param(r, column, id=f"case{r['case']}-{column}")
    for r in SAMPLING["rows"]
    for column in ("start-year", "interviews-conducted", "informant-interviews", "documents")
]
TOTALS = [
    pytest.param(
        "informantInterviewCount",
        SAMPLING["printed_totals"]["informant_interviews"],
        id="informant-interviews",
    ),
    pytest.param(
        "documentsReviewedCount",
        SAMPLING["printed_totals"]["documents_reviewed"],
        id="documents-reviewed",
    ),
]


def _cell_id(cell: dict) -> str:
    return f"{_slug(cell['table'])}-{cell['concept']}-case{cell['case']}"


CROSS_CASE_CELLS = [pytest.param(c, id=_cell_id(c)) for c in TABLES["cross_case"]]
CROSS_CASE_BULLETS = [
    pytest.param(c, position, text, id=f"{_cell_id(c)}-{position}")
    for c in TABLES["cross_case"]
    for position, text in enumerate(c["bullets"], start=1)
    if text != NA
]
TABLE_BULLET_COUNTS = Counter()
for _cell in TABLES["cross_case"]:
    TABLE_BULLET_COUNTS[_cell["table"]] += len(_cell["bullets"])
TABLE_ROWS = [pytest.param(t, n, id=_slug(t)) for t, n in sorted(TABLE_BULLET_COUNTS.items())]
NA_CELLS = [pytest.param(c, id=_cell_id(c)) for c in TABLES["cross_case"] if c["bullets"] == [NA]]
COOPTATION_CELLS = [
    pytest.param(c, FACTS["cooptation_stance"][str(c["case"])], id=f"case{c['case']}")
    for c in TABLES["cross_case"]
    if c["concept"] == "co-optation"
]


def _q_id(q: dict) -> str:
    return f"case{q['case']}-{q['order_in_case']}-{q['informant']}"


QUOTATION_ROWS = [pytest.param(q, id=_q_id(q)) for q in QUOTATIONS]
QUOTATIONS_PER_CASE = Counter(q["case"] for q in QUOTATIONS)
QUOTATION_COUNTS = [
    pytest.param(case, n, id=f"case{case}") for case, n in sorted(QUOTATIONS_PER_CASE.items())
]
INFORMANTS = sorted({(q["informant"], q["case"]) for q in QUOTATIONS})
INFORMANT_ROWS = [pytest.param(code, case, id=code) for code, case in INFORMANTS]
CASE_ROWS = [pytest.param(c, id=f"case{c['number']}") for c in FACTS["cases"]]
MODEL_ROWS = [
    pytest.param(c, id=f"case{c['number']}") for c in FACTS["cases"] if "based_on_model" in c
]
EVENT_ROWS = [pytest.param(e, id=e["id"]) for e in FACTS["key_events"]]
LOCATION_CODE_ROWS = [pytest.param(lc, id=lc["code"]) for lc in FACTS["location_codes"]]


# --------------------------------------------------------------------------- cases and Tables 1-5


def _case(g: Graph, number: int) -> NamedNode:
    rows = g.select(
        "SELECT DISTINCT ?case WHERE { ?case a cokg:Case ; cokg:caseNumber ?n FILTER(?n = ?want) }",
        want=number,
    )
    assert len(rows) == 1, f"expected one cokg:Case with cokg:caseNumber {number}, got {rows}"
    return rows[0]["case"]


@pytest.mark.parametrize("case", CASE_ROWS)
def test_case_identity(graph: Graph, case: dict) -> None:
    rows = graph.select(
        """SELECT ?case ?n ?id WHERE {
             ?case a cokg:Case ; cokg:caseId ?id . OPTIONAL { ?case cokg:caseNumber ?n }
             FILTER(STR(?id) = ?caseId) }""",
        caseId=case["case_id"],
    )
    assert len(rows) == 1, f"one cokg:Case with cokg:caseId {case['case_id']!r}: {rows}"
    assert rows[0]["n"] == typed(str(case["number"]), "integer")
    assert rows[0]["case"].value == str(COKGID[f"case/{case['case_id']}"])


@pytest.mark.parametrize(("case", "row", "text"), FEATURE_TEXT_CELLS)
def test_case_feature_text(graph: Graph, case: int, row: str, text: str) -> None:
    prop = NamedNode(str(COKG[CASE_TEXT_PROPERTY[row]]))
    rows = graph.select("SELECT ?v WHERE { ?case ?prop ?v }", case=_case(graph, case), prop=prop)
    assert [nfc(lex(r["v"])) for r in rows] == [text]


@pytest.mark.parametrize(("case", "row", "position", "text"), FEATURE_LIST_ITEMS)
def test_case_feature_list_item(
    graph: Graph, case: int, row: str, position: int, text: str
) -> None:
    prop, cls = CASE_LIST_PROPERTY[row]
    rows = graph.select(
        """SELECT ?item ?text ?pos WHERE {
             ?case ?prop ?item . ?item a ?cls ; cokg:text ?text .
             OPTIONAL { ?item cokg:position ?pos } }""",
        case=_case(graph, case),
        prop=NamedNode(str(COKG[prop])),
        cls=NamedNode(str(COKG[cls])),
    )
    found = [r for r in rows if nfc(lex(r["text"])) == text]
    assert found, f"no cokg:{cls} with text {text!r}; have {[lex(r['text']) for r in rows]}"
    assert [lex(r["pos"]) for r in found] == [str(position)]


@pytest.mark.parametrize(("case", "row", "items"), FEATURE_LISTS)
def test_case_feature_list_length(graph: Graph, case: int, row: str, items: list[str]) -> None:
    prop, _ = CASE_LIST_PROPERTY[row]
    rows = graph.select(
        "SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE { ?case ?prop ?item }",
        case=_case(graph, case),
        prop=NamedNode(str(COKG[prop])),
    )
    assert int(lex(rows[0]["n"])) == len(items)


@pytest.mark.parametrize(("case", "row", "text"), HEALTH_SYSTEM_CELLS)
def test_health_system_cell(graph: Graph, case: int, row: str, text: str) -> None:
    rows = graph.select(
        "SELECT ?hs ?v WHERE { ?case cokg:hasHealthSystem ?hs . OPTIONAL { ?hs ?prop ?v } }",
        case=_case(graph, case),
        prop=NamedNode(str(COKG[HEALTH_SYSTEM_PROPERTY[row]])),
    )
    assert rows, f"case {case} has no cokg:hasHealthSystem"
    assert [nfc(lex(r["v"])) for r in rows if r["v"] is not None] == [text]


@pytest.mark.parametrize(("row", "column"), SAMPLING_CELLS)
def test_sampling_frame_cell(graph: Graph, row: dict, column: str) -> None:
    expected: dict[str, Literal] = {
        "start-year": {"coproductionStartYear": typed(row["start_year"], "gYear")},
        "interviews-conducted": {
            "interviewsFrom": typed(row["interviews_from"], "gYearMonth"),
            "interviewsTo": typed(row["interviews_to"], "gYearMonth"),
        },
        # The contract types counts xsd:nonNegativeInteger, but an oxigraph store keeps every
        # integer-derived datatype as xsd:integer: what the store can show is the integer value.
        "informant-interviews": {
            "informantInterviewCount": typed(str(row["informant_interviews"]), "integer")
        },
        "documents": {"documentsReviewedCount": typed(str(row["documents_reviewed"]), "integer")},
    }[column]
    case = _case(graph, row["case"])
    for prop, value in expected.items():
        rows = graph.select(
            "SELECT ?v WHERE { ?case ?prop ?v }", case=case, prop=NamedNode(str(COKG[prop]))
        )
        assert [r["v"] for r in rows] == [value], f"cokg:{prop}"


@pytest.mark.parametrize(("prop", "printed_total"), TOTALS)
def test_sampling_frame_computed_total(graph: Graph, prop: str, printed_total: int) -> None:
    rows = graph.select(
        """SELECT (SUM(?n) AS ?total) (COUNT(DISTINCT ?case) AS ?cases) WHERE {
             ?case a cokg:Case ; ?prop ?n }""",
        prop=NamedNode(str(COKG[prop])),
    )
    assert int(lex(rows[0]["cases"])) == len(SAMPLING["rows"])
    assert int(lex(rows[0]["total"])) == printed_total


@pytest.mark.parametrize(("prop", "printed_total"), TOTALS)
def test_sampling_frame_total_not_stored(graph: Graph, prop: str, printed_total: int) -> None:
    # Totals are computed, never stored: only cases carry counts, and no numeric literal in the
    # data equals a printed total.
    assert graph.data_graphs, "no data files"
    holders = graph.select(
        "SELECT DISTINCT ?s WHERE { ?s ?prop ?n FILTER NOT EXISTS { ?s a cokg:Case } }",
        prop=NamedNode(str(COKG[prop])),
    )
    assert holders == []
    stored = [
        r
        for r in graph.select(
            """SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o }
                 FILTER(isNumeric(?o) && ?o = ?total) }""",
            total=printed_total,
        )
        if r["g"].value in graph.data_graphs
    ]
    assert stored == []


@pytest.mark.parametrize("case", CASE_ROWS)
def test_innovation_nature(graph: Graph, case: dict) -> None:
    rows = graph.select(
        "SELECT ?inn ?nature WHERE { ?case cokg:studiesInnovation ?inn . "
        "OPTIONAL { ?inn cokg:innovationNature ?nature } }",
        case=_case(graph, case["number"]),
    )
    assert rows, "case has no cokg:studiesInnovation"
    assert {r["nature"] for r in rows} == {NamedNode(str(COKG[case["innovation_nature"]]))}


@pytest.mark.parametrize("case", CASE_ROWS)
def test_innovation_label(graph: Graph, case: dict) -> None:
    rows = graph.select(
        "SELECT ?label WHERE { ?case cokg:studiesInnovation/rdfs:label ?label }",
        case=_case(graph, case["number"]),
    )
    assert any(case["innovation"] in lex(r["label"]) for r in rows), rows


@pytest.mark.parametrize("case", MODEL_ROWS)
def test_innovation_based_on_model(graph: Graph, case: dict) -> None:
    rows = graph.select(
        """SELECT ?model ?label WHERE { ?case cokg:studiesInnovation/cokg:basedOnModel ?model .
             OPTIONAL { ?model rdfs:label ?label } }""",
        case=_case(graph, case["number"]),
    )
    assert any(case["based_on_model"] in (lex(r["label"]) or "") for r in rows), rows


def test_study_period(graph: Graph) -> None:
    rows = graph.select(
        """SELECT ?s ?start ?end WHERE {
             ?s a cokg:Study ; cokg:startDate ?start ; cokg:endDate ?end }"""
    )
    study = FACTS["study"]
    assert [(r["start"], r["end"]) for r in rows] == [
        (typed(study["start_year"], "gYear"), typed(study["end_year"], "gYear"))
    ]


# --------------------------------------------------------------------------- Tables 6-8


def _concept(cell: dict) -> NamedNode:
    return NamedNode(str(SCHEME_NAMESPACE[cell["scheme"]][cell["concept"]]))


CELL_FINDINGS = """
SELECT DISTINCT ?f WHERE {
  ?f a cokg:CrossCaseFinding ; cokg:aboutCase ?case ; cokg:inPhase ?phase ; cokg:codedTo ?concept .
  ?case cokg:caseNumber ?n . ?phase skos:notation ?pn .
  FILTER(?n = ?caseNumber && STR(?pn) = ?phaseNotation)
}"""


def _cell_findings(g: Graph, cell: dict) -> list[Any]:
    rows = g.select(
        CELL_FINDINGS,
        caseNumber=cell["case"],
        phaseNotation=cell["phase"],
        concept=_concept(cell),
    )
    return [r["f"] for r in rows]


@pytest.mark.parametrize(("cell", "position", "text"), CROSS_CASE_BULLETS)
def test_cross_case_bullet(graph: Graph, cell: dict, position: int, text: str) -> None:
    matches = graph.select(
        """SELECT DISTINCT ?f WHERE {
             ?f a cokg:CrossCaseFinding ; cokg:statement ?st ; cokg:aboutCase ?case ;
                cokg:inPhase ?phase ; cokg:codedTo ?concept ; cokg:position ?pos ;
                cokg:locatedIn ?loc .
             ?case cokg:caseNumber ?n . ?phase skos:notation ?pn . ?loc cokg:table ?table .
             FILTER(STR(?st) = ?text && ?n = ?caseNumber && STR(?pn) = ?phaseNotation
                    && ?pos = ?position && STR(?table) = ?tableName) }""",
        text=text,
        caseNumber=cell["case"],
        phaseNotation=cell["phase"],
        concept=_concept(cell),
        position=position,
        tableName=cell["table"],
    )
    if len(matches) != 1:
        same_text = graph.select(
            "SELECT DISTINCT ?f WHERE { ?f cokg:statement ?st FILTER(STR(?st) = ?text) }",
            text=text,
        )
        details = "\n".join(_describe(graph, r["f"]) for r in same_text) or "no such statement"
        pytest.fail(f"{len(matches)} matching finding(s) for {text!r}\n{details}")


@pytest.mark.parametrize("cell", CROSS_CASE_CELLS)
def test_cross_case_cell_count(graph: Graph, cell: dict) -> None:
    assert len(_cell_findings(graph, cell)) == len(cell["bullets"])


@pytest.mark.parametrize("cell", CROSS_CASE_CELLS)
def test_cross_case_cell_located_in_table_row(graph: Graph, cell: dict) -> None:
    rows = graph.select(
        CELL_FINDINGS.replace(
            "?f WHERE {",
            "?f ?table ?row WHERE { ?f cokg:locatedIn ?loc . "
            "OPTIONAL { ?loc cokg:table ?table } OPTIONAL { ?loc cokg:tableRow ?row } ",
        ),
        caseNumber=cell["case"],
        phaseNotation=cell["phase"],
        concept=_concept(cell),
    )
    assert rows, "no finding for this cell"
    assert {(lex(r["table"]), lex(r["row"])) for r in rows} == {(cell["table"], cell["row"])}


@pytest.mark.parametrize(("table", "count"), TABLE_ROWS)
def test_cross_case_table_has_no_extra_findings(graph: Graph, table: str, count: int) -> None:
    rows = graph.select(
        """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
             ?f a cokg:CrossCaseFinding ; cokg:locatedIn/cokg:table ?t
             FILTER(STR(?t) = ?table) }""",
        table=table,
    )
    assert int(lex(rows[0]["n"])) == count


@pytest.mark.parametrize("cell", NA_CELLS)
def test_not_applicable_cell_is_not_observed(graph: Graph, cell: dict) -> None:
    findings = _cell_findings(graph, cell)
    assert len(findings) == 1, findings
    stances = graph.select("SELECT ?s WHERE { ?f cokg:stance ?s }", f=findings[0])
    assert [r["s"] for r in stances] == [NamedNode(str(COKG.NotObserved))]


@pytest.mark.parametrize(("cell", "stance"), COOPTATION_CELLS)
def test_cooptation_stance(graph: Graph, cell: dict, stance: str) -> None:
    findings = _cell_findings(graph, cell)
    assert findings, "no co-optation finding"
    for f in findings:
        rows = graph.select("SELECT ?s ?n WHERE { ?f cokg:stance ?s . ?s skos:notation ?n }", f=f)
        assert [lex(r["n"]) for r in rows] == [stance], _describe(graph, f)


# --------------------------------------------------------------------------- quotations


def _quotations(g: Graph, text: str) -> list[dict[str, Any]]:
    rows = g.select(
        """SELECT ?q ?text ?code ?n ?pn WHERE { ?q a cokg:Quotation ; cokg:text ?text .
             OPTIONAL { ?q cokg:quotedInformant/cokg:informantCode ?code }
             OPTIONAL { ?q cokg:aboutCase/cokg:caseNumber ?n }
             OPTIONAL { ?q cokg:inPhase/skos:notation ?pn } }"""
    )
    return [r for r in rows if nfc(lex(r["text"])) == text]


@pytest.mark.parametrize("quotation", QUOTATION_ROWS)
def test_quotation_verbatim_with_informant_and_case(graph: Graph, quotation: dict) -> None:
    found = _quotations(graph, quotation["text"])
    assert found, f"no cokg:Quotation with this text (NFC): {quotation['text'][:80]!r}..."
    assert {(lex(r["code"]), lex(r["n"])) for r in found} == {
        (quotation["informant"], str(quotation["case"]))
    }


@pytest.mark.parametrize("quotation", QUOTATION_ROWS)
def test_quotation_phase_is_its_section(graph: Graph, quotation: dict) -> None:
    found = _quotations(graph, quotation["text"])
    assert found, "quotation missing"
    assert {lex(r["pn"]) for r in found} == {quotation["section"].lower()}


@pytest.mark.parametrize("quotation", QUOTATION_ROWS)
def test_quotation_supports_finding_of_same_case(graph: Graph, quotation: dict) -> None:
    found = _quotations(graph, quotation["text"])
    assert found, "quotation missing"
    for r in found:
        assert graph.ask(
            """ASK { ?q cokg:supports ?f . ?f cokg:aboutCase/cokg:caseNumber ?n
                     FILTER(?n = ?caseNumber) }""",
            q=r["q"],
            caseNumber=quotation["case"],
        ), _describe(graph, r["q"])


@pytest.mark.parametrize(("case", "count"), QUOTATION_COUNTS)
def test_quotation_count_per_case(graph: Graph, case: int, count: int) -> None:
    rows = graph.select(
        """SELECT ?q ?qid WHERE { ?q a cokg:Quotation ; cokg:aboutCase ?case .
             OPTIONAL { ?q cokg:quotationId ?qid } }""",
        case=_case(graph, case),
    )
    assert len(rows) == count
    assert sorted(lex(r["qid"]) or "" for r in rows) == sorted(f"Q{i}" for i in range(1, count + 1))


# --------------------------------------------------------------------------- informants


@pytest.mark.parametrize(("code", "case"), INFORMANT_ROWS)
def test_informant(graph: Graph, code: str, case: int) -> None:
    rows = graph.select(
        """SELECT ?i ?n ?lc WHERE { ?i a cokg:Informant ; cokg:informantCode ?code .
             OPTIONAL { ?i cokg:informantOf/cokg:caseNumber ?n }
             OPTIONAL { ?i cokg:locationCode/skos:notation ?lc }
             FILTER(STR(?code) = ?want) }""",
        want=code,
    )
    assert [(lex(r["n"]), lex(r["lc"])) for r in rows] == [(str(case), code[:3])]


def test_informant_codes_match_pattern(graph: Graph) -> None:
    pattern = re.compile(FACTS["informant_code_pattern"])
    rows = graph.select("SELECT ?i ?code WHERE { ?i cokg:informantCode ?code }")
    assert rows, "no informants"
    assert [lex(r["code"]) for r in rows if not pattern.fullmatch(lex(r["code"]))] == []


def test_informants_carry_no_names(graph: Graph) -> None:
    assert graph.ask("ASK { ?i a cokg:Informant }"), "no informants"
    named = graph.select(
        """SELECT ?i ?p ?o WHERE { ?i a cokg:Informant ; ?p ?o .
             VALUES ?p { schema:name schema:givenName schema:familyName foaf:name
                         foaf:givenName foaf:familyName foaf:firstName foaf:lastName } }"""
    )
    assert named == []


def test_informant_labels_are_codes(graph: Graph) -> None:
    assert graph.ask("ASK { ?i a cokg:Informant }"), "no informants"
    rows = graph.select(
        """SELECT ?i ?label ?code WHERE { ?i a cokg:Informant ;
             rdfs:label|skos:prefLabel|skos:altLabel ?label .
             OPTIONAL { ?i cokg:informantCode ?code } }"""
    )
    assert [r for r in rows if lex(r["label"]) != lex(r["code"])] == []


@pytest.mark.parametrize("location_code", LOCATION_CODE_ROWS)
def test_location_code(graph: Graph, location_code: dict) -> None:
    rows = graph.select(
        """SELECT ?lc ?label ?n WHERE { ?lc a cokg:LocationCode ; skos:notation ?code .
             OPTIONAL { ?lc rdfs:label ?label } OPTIONAL { ?lc cokg:codeForCase/cokg:caseNumber ?n }
             FILTER(STR(?code) = ?want) }""",
        want=location_code["code"],
    )
    assert {lex(r["n"]) for r in rows} == {str(location_code["case"])}
    labels = {lex(r["label"]) for r in rows}
    assert labels and all((label or "").startswith(location_code["meaning"]) for label in labels)


# --------------------------------------------------------------------------- events and sources

LOCATED_CLASSES = {
    "finding": ("Finding", "CrossCaseFinding", "NarrativeFinding"),
    "quotation": ("Quotation",),
    "event": ("Event",),
}


@pytest.mark.parametrize("kind", [pytest.param(k, id=k) for k in LOCATED_CLASSES])
def test_every_record_has_source_location(graph: Graph, kind: str) -> None:
    classes = " ".join(f"cokg:{c}" for c in LOCATED_CLASSES[kind])
    rows = graph.select(
        f"""SELECT DISTINCT ?x ?loc WHERE {{ VALUES ?cls {{ {classes} }} ?x a ?cls .
              OPTIONAL {{ ?x cokg:locatedIn ?loc }} }}"""
    )
    assert rows, f"no {kind} in the data"
    assert [r["x"].value for r in rows if r["loc"] is None] == []


@pytest.mark.parametrize("event", EVENT_ROWS)
def test_key_event_date(graph: Graph, event: dict) -> None:
    dated = graph.select(
        """SELECT DISTINCT ?x WHERE { VALUES ?p { cokg:date cokg:startDate cokg:establishedDate }
             ?x ?p ?d FILTER(sameTerm(?d, ?want)) }""",
        want=typed(event["date"], event["datatype"]),
    )
    keywords = [k.lower() for k in event["keywords"]]

    def mentions(node: Any) -> bool:
        texts = graph.select("SELECT ?o WHERE { ?x ?p ?o FILTER(isLiteral(?o)) }", x=node)
        return any(k in lex(t["o"]).lower() for t in texts for k in keywords)

    candidates = [r["x"] for r in dated if mentions(r["x"])]
    if event["case"] is not None:
        candidates = [
            x
            for x in candidates
            if graph.ask(
                """ASK { ?x (cokg:inCase|cokg:aboutCase|cokg:stateOf/^cokg:studiesInnovation)
                             /cokg:caseNumber ?n FILTER(?n = ?caseNumber) }""",
                x=x,
                caseNumber=event["case"],
            )
        ]
    if event.get("date_text_required"):
        candidates = [
            x
            for x in candidates
            if graph.ask(
                "ASK { ?x cokg:dateText ?t FILTER(CONTAINS(LCASE(STR(?t)), LCASE(?want))) }",
                x=x,
                want=event["date_text"],
            )
        ]
    assert candidates, (
        f"nothing dated {event['date']}^^xsd:{event['datatype']} mentioning {event['keywords']}"
        f" (case {event['case']}); dated nodes: {[r['x'].value for r in dated]}"
    )


def test_data_literals_are_nfc(graph: Graph) -> None:
    rows = graph.select("SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o)) } }")
    data = [lex(r["o"]) for r in rows if r["g"].value in graph.data_graphs]
    assert data, "no data literals"
    assert [text for text in data if nfc(text) != text] == []


# --------------------------------------------------------------------------- framework codes


def test_framework_codes_used_in_data_are_defined(graph: Graph) -> None:
    # One check over every framework IRI the data mentions, whatever the scheme: a
    # per-scheme test would be vacuous for schemes the founding data does not use.
    used = {
        r["c"].value
        for r in graph.select(
            """SELECT DISTINCT ?g ?c WHERE { GRAPH ?g { ?s ?p ?c }
                 FILTER(isIRI(?c) && STRSTARTS(STR(?c), ?ns)) }""",
            ns=str(FRAMEWORK),
        )
        if r["g"].value in graph.data_graphs
    }
    assert len(used) >= 9, "the data codes findings to the 5 frame elements and 4 scenarios"
    defined = {
        r["c"].value
        for r in graph.select(
            """SELECT ?c WHERE {
                 { ?c a skos:Concept ; skos:inScheme ?scheme } UNION { ?c a skos:ConceptScheme }
                 FILTER(STRSTARTS(STR(?c), ?ns)) }""",
            ns=str(FRAMEWORK),
        )
    }
    assert sorted(used - defined) == []
