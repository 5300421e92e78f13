"""cokg.query and cokg.formats: headers, parameters, binding safety, output formats, checks, CLI.

The answers of the saved queries themselves are checked against the paper in
test_saved_queries.py; here the machinery around them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from servers import VirtuosoServer, remote_store, running_virtuoso

from cokg import paths
from cokg.cli import cli
from cokg.errors import ParameterError, QueryError
from cokg.formats import render
from cokg.namespaces import CFIR09, CFIR22, COKG, FRAME
from cokg.query import (
    bind_parameters,
    catalog_path,
    catalog_turtle,
    get_query,
    list_checks,
    list_queries,
    load_query,
    parse_header,
    pivot,
    resolve_construct,
    run_checks,
    run_query,
    run_sparql,
)
from cokg.store import MemoryStore, build

FIXTURES = Path(__file__).parent / "fixtures" / "queries"
CHECK_FIXTURES = FIXTURES / "checks"

REQUIRED = [
    "sampling-frame",
    "case-features",
    "health-system-features",
    "cross-case",
    "assimilation-scenarios",
    "external-change-agents-before-adoption",
    "timeline",
    "quotations",
    "quotations-by-construct",
    "constructs-in-all-cases",
    "organisation-roles",
    "innovation-evolution",
    "innovation-nature",
    "evidence-gaps",
    "dataset-summary",
]


@pytest.fixture(scope="module")
def store() -> MemoryStore:
    st = MemoryStore()
    build(st)
    return st


# --- the files ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in REQUIRED])
def test_required_query_exists(name: str) -> None:
    assert (paths.QUERIES_DIR / f"{name}.rq").is_file()


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=p.stem) for p in sorted(paths.QUERIES_DIR.glob("*.rq"))]
    + [pytest.param(p, id=f"checks/{p.stem}") for p in sorted(paths.CHECKS_DIR.glob("*.rq"))],
)
def test_header_is_complete_and_sparql_parses(path: Path) -> None:
    from pyoxigraph import Store

    q = load_query(path)
    assert q.summary and q.description and q.tags and q.returns
    if path.parent == paths.QUERIES_DIR:
        assert q.competency_question
    # Valid SPARQL 1.1 as written (header included: `#+` lines are comments).
    Store().query(q.sparql)
    # Portability: no GRAPH clauses (except in the internal queries about named graphs
    # themselves, tagged `graphs`, which every store answers: tests/test_saved_queries.py), no
    # store-specific functions, no network.
    code = re.sub(r'"[^"\n]*"|#[^\n]*', "", q.body)  # keywords outside strings and comments
    words = (
        ("SERVICE", "LOAD", "FROM") if "graphs" in q.tags else ("GRAPH", "SERVICE", "LOAD", "FROM")
    )
    for word in words:
        assert not re.search(rf"(?<![?$:\w]){word}\b", code, re.IGNORECASE), word
    assert "<http://oxigraph" not in q.body.lower()
    # The header's `returns` are the projected variables, in order.
    res = Store().query(q.sparql)
    assert tuple(v.value for v in res.variables) == q.returns
    for p in q.params:
        assert f"?{p.var} " in q.body or f"?{p.var}\n" in q.body
    for d in q.display:
        assert d in q.returns


def test_checks_are_named_violation() -> None:
    checks = list_checks()
    assert len(checks) >= 7
    assert all(c.path.name.endswith("-violation.rq") for c in checks)
    assert all({"focus", "message"} <= set(c.returns) for c in checks)


def test_parse_header_lists_and_params() -> None:
    text = (
        "#+ summary: S\n#+ description: one\n#+   two\n#+ tags: [a, b]\n"
        "#+ params:\n#+   - name: phase\n#+     type: phase\n#+     allowed: [adoption]\n"
        "#+     description: the\n#+       phase\n#+ returns:\n#+   - x\n#+   - y\n"
        "SELECT * WHERE {}\n#+ summary: ignored\n"
    )
    h = parse_header(text)
    assert h["summary"] == "S"
    assert h["description"] == "one two"
    assert h["tags"] == ["a", "b"]
    assert h["returns"] == ["x", "y"]
    assert h["params"] == [
        {"name": "phase", "type": "phase", "allowed": ["adoption"], "description": "the phase"}
    ]


def test_catalog_is_up_to_date() -> None:
    """queries/catalog.ttl is generated: regenerate with `cokg queries --write-catalog`."""
    assert catalog_path().read_text(encoding="utf-8") == catalog_turtle()


def test_screen_verdicts_are_up_to_date() -> None:
    """queries/screened.json records the full screen's verdict on every saved query and check
    (their exact texts): regenerate with `cokg queries --write-catalog`."""
    from cokg.query import verdicts_json
    from cokg.sparql import verdicts_path

    assert verdicts_path().read_text(encoding="utf-8") == verdicts_json()


def test_a_recorded_verdict_covers_only_its_own_text(tmp_path: Path, monkeypatch) -> None:
    """A verdict lets exactly its text skip the parser; the lexer still runs, so even a forged
    entry for a text with SERVICE is refused; any other text is parsed and screened."""
    import json

    from cokg import paths, sparql
    from cokg.errors import NetworkRefused

    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    broken = "SELECT * WHERE { ?s ?p }"
    forged = {"screened": {sparql._digest(service): "select", sparql._digest(broken): "select"}}
    (tmp_path / "screened.json").write_text(json.dumps(forged), encoding="utf-8")
    monkeypatch.setattr(paths, "QUERIES_DIR", tmp_path)
    sparql._screen.cache_clear()
    try:
        with pytest.raises(NetworkRefused):
            sparql.screen(service)
        # a broken text with a (forged) verdict passes the screen unparsed; the engine refuses it
        assert sparql.screen(broken).form == "select"
        with pytest.raises(QueryError, match="syntax error"):
            sparql.screen(broken + " ")  # one character more: no verdict, parsed
    finally:
        sparql._screen.cache_clear()


def test_a_derived_text_may_not_fetch() -> None:
    from cokg.errors import QueryError
    from cokg.sparql import derive, screen

    base = screen("SELECT ?s WHERE { ?s ?p ?o }")
    assert derive(base, base.text + " LIMIT 5").form == "select"
    with pytest.raises(QueryError, match="fetches"):
        derive(base, "SELECT ?s WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")


def test_a_saved_query_runs_without_the_sparql_parser(tmp_path: Path) -> None:
    """A command running saved queries (paged by default, as `cokg query` prints them) does not
    load rdflib's SPARQL grammar: its import and the parse were most of a command's fixed cost."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from cokg.query import run_query\n"
        "run_query('dataset-summary', store='memory:')\n"
        "run_query('quotations', store='memory:', limit=5)\n"
        "run_query('timeline', store='memory:', case='dundee-mrr', limit=5)\n"
        "print('rdflib.plugins.sparql.parser' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "False", out.stderr


def test_catalog_is_queryable() -> None:
    from pyoxigraph import RdfFormat, Store

    st = Store()
    st.load(catalog_turtle().encode(), format=RdfFormat.TURTLE)
    rows = list(
        st.query(
            "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX schema: <https://schema.org/>\n"
            "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
            "SELECT ?id ?q WHERE { ?x a sh:SPARQLSelectExecutable ; dcterms:identifier ?id ;"
            " sh:select ?q ; schema:keywords 'table-8' }"
        )
    )
    assert [r["id"].value for r in rows] == ["assimilation-scenarios"]
    assert "lozeau:co-optation" in rows[0]["q"].value
    assert len(
        list(
            st.query("SELECT ?x WHERE { ?x a <http://www.w3.org/ns/shacl#SPARQLSelectExecutable> }")
        )
    ) == len(list_queries())


# --- internal queries -----------------------------------------------------------------------

# The saved queries cokg's own pages and analyses run by name (`#+ tags: [internal, ...]`).
INTERNAL = [
    "cases",
    "case-innovation",
    "case-findings",
    "case-finding-codes",
    "case-events",
    "case-episodes",
    "coded-findings",
    "role-assignments",
    "resource-statements",
    "resource-references",
    "resource-exists",
    "resource-triples",
    "property-use",
    "property-triples",
    "resource-described",
    "class-triples",
    "resource-referrers",
]


def test_internal_queries_are_not_listed() -> None:
    listed = {q.name for q in list_queries()}
    every = {q.name for q in list_queries(internal=True)}
    assert set(INTERNAL) <= every
    assert not listed & set(INTERNAL)
    assert every - listed == {q.name for q in list_queries(internal=True) if q.internal}
    for name in INTERNAL:
        q = get_query(name)  # found by name all the same
        assert q.internal and "internal" in q.tags
    assert not get_query("timeline").internal
    # nor in the catalogue, nor among the names an unknown name lists
    assert "query/cases>" not in catalog_turtle()
    with pytest.raises(ParameterError) as exc:
        get_query("nonsense")
    assert "case-findings" not in str(exc.value)


def test_internal_tag_in_a_header(tmp_path: Path) -> None:
    f = tmp_path / "x.rq"
    f.write_text("#+ summary: S\n#+ tags: [internal, case]\nSELECT * WHERE {}\n")
    assert load_query(f).internal
    assert [q.name for q in list_queries(tmp_path)] == []
    assert [q.name for q in list_queries(tmp_path, internal=True)] == ["x"]


def test_cli_does_not_offer_internal_queries() -> None:
    result = CliRunner().invoke(cli, ["queries"])
    assert result.exit_code == 0, result.output
    assert "timeline" in result.output
    assert not any(re.search(rf"^{name}\b", result.output, re.M) for name in INTERNAL)


def test_iri_parameter_without_values_takes_any_iri(store: MemoryStore) -> None:
    q = get_query("resource-statements")
    case = "https://w3id.org/cokg/id/case/dundee-mrr"
    bindings, used = bind_parameters(q, {"iri": case}, store)
    assert bindings == {"iri": URIRef(case)} and used == {"iri": case}
    assert bind_parameters(q, {"iri": "urn:x-any:thing"}, store)[0] == {
        "iri": URIRef("urn:x-any:thing")
    }
    for bad in ("not an iri", "dundee-mrr", "<https://e/x>", 'https://e/x" } #', ""):
        with pytest.raises(ParameterError, match="not an IRI"):
            bind_parameters(q, {"iri": bad}, store)
    rows = run_query(q, store=store, iri=case)
    assert {"predicate", "object"} <= set(rows.variables) and len(rows) > 5
    # a mapped `iri` parameter still takes only its listed values
    with pytest.raises(ParameterError, match="philosophy, programme"):
        bind_parameters(get_query("innovation-nature"), {"nature": str(COKG.Philosophy)}, store)


# --- parameters -----------------------------------------------------------------------------


def test_unknown_query_lists_names(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="sampling-frame"):
        get_query("nonsense")
    with pytest.raises(ParameterError):
        get_query("../../etc/passwd")


@pytest.mark.parametrize(
    ("name", "params", "listed"),
    [
        pytest.param("cross-case", {"phase": "nonsense"}, "adoption, implementation", id="phase"),
        pytest.param(
            "cross-case",
            {"phase": "assimilation"},
            "adoption, implementation",
            id="phase-not-allowed-here",
        ),
        pytest.param("timeline", {"case": "atlantis"}, "dundee-mrr", id="case"),
        pytest.param("innovation-nature", {"nature": "vibes"}, "philosophy, programme", id="iri"),
        pytest.param("timeline", {"colour": "red"}, "case", id="unknown-parameter"),
    ],
)
def test_wrong_value_lists_allowed(
    store: MemoryStore, name: str, params: dict, listed: str
) -> None:
    with pytest.raises(ParameterError) as exc:
        run_query(name, store=store, **params)
    assert listed in str(exc.value)
    assert "\n" not in str(exc.value)
    assert exc.value.exit_code == 2


def test_required_parameter(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="construct"):
        run_query("quotations-by-construct", store=store)


def test_parameters_are_bound_as_terms(store: MemoryStore) -> None:
    q = get_query("cross-case")
    bindings, used = bind_parameters(q, {"phase": "Implementation"}, store)
    assert bindings == {"phase_iri": URIRef(COKG.Implementation)}
    assert used == {"phase": "Implementation"}
    bindings, _ = bind_parameters(get_query("timeline"), {"case": "2"}, store)
    assert bindings == {"case_id": Literal("dundee-mrr")}
    bindings, _ = bind_parameters(get_query("cross-case"), {}, store)  # the default
    assert bindings == {"phase_iri": URIRef(COKG.Adoption)}


INJECTIONS = [
    'x" } UNION { ?s ?p ?o } #',
    "x' } UNION { ?s ?p ?o } #",
    'dundee-mrr" . ?c ?p ?o . #',
    "> } UNION { ?s ?p ?o } #",
]


@pytest.mark.parametrize("value", [pytest.param(v, id=f"inj{i}") for i, v in enumerate(INJECTIONS)])
def test_injection_in_a_checked_parameter_is_rejected(store: MemoryStore, value: str) -> None:
    with pytest.raises(ParameterError):
        run_query("timeline", store=store, case=value)
    with pytest.raises(ParameterError):
        run_query("cross-case", store=store, phase=value)
    with pytest.raises(ParameterError):
        run_query("quotations-by-construct", store=store, construct=value)


@pytest.mark.parametrize("value", [pytest.param(v, id=f"inj{i}") for i, v in enumerate(INJECTIONS)])
def test_injection_in_an_informant_code_is_no_stored_code(store: MemoryStore, value: str) -> None:
    assert len(run_query("quotations", store=store)) > 0
    with pytest.raises(ParameterError, match="no informant has the code"):
        run_query("quotations", store=store, informant=value)


def test_a_construct_as_cokg_prints_it_resolves(store: MemoryStore) -> None:
    # `cokg constructs` and the mappings column print "cfir-2022:IV.A": it names the construct
    assert resolve_construct(store, "cfir-2022:IV.A") == URIRef(CFIR22["IV.A"])
    assert resolve_construct(store, "cfir-2009:II.B") == URIRef(CFIR09["II.B"])
    with pytest.raises(ParameterError, match=r"^parameter outcome: no concept with notation"):
        resolve_construct(store, "nonsense", "outcome")  # the parameter's own name
    answer = run_query("quotations-by-construct", store=store, construct="cfir-2022:IV.A")
    assert answer.rows == run_query("quotations-by-construct", store=store,
                                    construct="cfir22:IV.A").rows  # fmt: skip


def test_construct_resolution(store: MemoryStore) -> None:
    assert resolve_construct(store, "frame:process") == URIRef(FRAME.process)
    assert resolve_construct(store, str(FRAME.process)) == URIRef(FRAME.process)
    assert resolve_construct(store, "V.B.4") == URIRef(CFIR09["V.B.4"])
    assert resolve_construct(store, "cosmopolitanism") == URIRef(CFIR09["II.B"])
    with pytest.raises(ParameterError) as exc:
        resolve_construct(store, "II.D")  # CFIR 2009 and CFIR 2022 both use it
    assert "cfir09:II.D" in str(exc.value) and "cfir22:II.D" in str(exc.value)
    with pytest.raises(ParameterError, match="no concept"):
        resolve_construct(store, "cfir22:ZZ.9")
    with pytest.raises(ParameterError, match="no concept"):
        resolve_construct(store, "definitely not a construct")
    # an IRI of something that is not a concept, and one that is no IRI at all
    with pytest.raises(ParameterError, match="no concept"):
        resolve_construct(store, "https://w3id.org/cokg/id/case/dundee-mrr")
    with pytest.raises(ParameterError, match="no concept"):
        resolve_construct(store, "<http://x y>")


# --- answers as Python values ---------------------------------------------------------------


def test_rows_are_typed(store: MemoryStore) -> None:
    answer = run_query("sampling-frame", store=store)
    first = answer.rows[0]
    assert isinstance(first["case_number"], int)
    assert isinstance(first["informant_interviews"], int)
    assert first["start_year"] == first.start_year and isinstance(first["start_year"], str)
    assert isinstance(first.terms["start_year"], Literal)
    assert dict(first)["case_id"] == first.case_id
    with pytest.raises(AttributeError):
        first.nonsense  # noqa: B018
    with pytest.raises(Exception):  # noqa: B017 - frozen
        first.data = {}  # type: ignore[misc]


def test_lazy_public_api() -> None:
    code = "import sys, cokg; assert 'rdflib' not in sys.modules; assert callable(cokg.run_query)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_run_sparql_text_and_file(store: MemoryStore, tmp_path: Path) -> None:
    text = "PREFIX cokg: <https://w3id.org/cokg/ontology#> SELECT ?id WHERE { ?c cokg:caseId ?id }"
    # The paper studies three cases (Tables 1-3).
    ids = sorted(r["id"] for r in run_sparql(text, store=store))
    assert ids == ["dundee-mrr", "jonkoping-esther", "manitoba-learning-centres"]
    f = tmp_path / "ask.rq"
    f.write_text("ASK { ?s ?p ?o }")
    assert run_sparql(f, store=store).boolean is True
    with pytest.raises(QueryError):
        run_sparql("SELECT nonsense", store=store)


# --- formats --------------------------------------------------------------------------------


def test_pivot_groups_bullets(store: MemoryStore) -> None:
    answer = run_query("cross-case", store=store, phase="adoption")
    table = pivot(answer)
    # Table 6's header and row labels, as printed in the paper
    assert list(table.header) == [
        "CFIR/DOI element",
        "Case 1 - ESTHER",
        "Case 2 - Making Recovery Real",
        "Case 3 - CMHA Learning Centres",
    ]
    assert [r[0] for r in table.rows] == [
        "External context",
        "Internal context",
        "Individual characteristics",
        "Innovation features",
        "Process",
    ]


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_table_and_md_read_like_the_paper(store: MemoryStore, fmt: str) -> None:
    out = render(run_query("cross-case", store=store, phase="adoption"), fmt, width=120)
    assert "CFIR/DOI element" in out and "External context" in out
    assert "• " in out
    if fmt == "md":
        assert "<br>• " in out
        assert out.splitlines()[1].startswith("|---")
    else:
        assert all(len(line) <= 120 for line in out.splitlines())


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_machine_formats_are_long(store: MemoryStore, fmt: str) -> None:
    answer = run_query("cross-case", store=store, phase="adoption")
    out = render(answer, fmt)
    if fmt == "json":
        doc = json.loads(out)
        assert doc["columns"] == list(answer.variables)
        assert len(doc["rows"]) == len(answer)
        assert doc["parameters"] == {"phase": "adoption"}
    else:
        rows = list(csv.reader(io.StringIO(out), delimiter="," if fmt == "csv" else "\t"))
        assert rows[0] == list(answer.variables)
        assert len(rows) == len(answer) + 1
        assert all(len(r) == len(rows[0]) for r in rows)


# --- checks ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology_only() -> MemoryStore:
    st = MemoryStore()
    build(st, include_data=False)
    return st


# The severity each check reports at: warnings are what the shapes (and the steward's guide)
# treat as worth a look but not wrong.
CHECK_SEVERITY = {
    "adoption-after-implementation": "violation",
    "episode-end-before-start": "violation",
    "event-phase-outside-episode": "violation",  # a violation since issue 11 (rules)
    "finding-without-construct": "violation",
    "finding-without-source": "violation",
    "informant-code-malformed": "violation",
    "quotation-without-finding": "warning",
    "undeclared-cokg-term": "violation",
}


@pytest.mark.parametrize(
    "check", [pytest.param(p.stem, id=p.stem) for p in sorted(CHECK_FIXTURES.glob("*.ttl"))]
)
def test_each_check_fires_on_its_example(check: str) -> None:
    st = MemoryStore()
    build(st, include_data=False)
    assert run_checks(st) == [], "the ontology and frameworks alone must pass every check"
    st.load_files({"https://w3id.org/cokg/graph/test-invalid": CHECK_FIXTURES / f"{check}.ttl"})
    found = run_checks(st)
    assert {v.check for v in found} == {check}
    assert all(v.focus.startswith("https://w3id.org/cokg/") and v.message for v in found)
    assert {v.severity for v in found} == {CHECK_SEVERITY[check]}


def test_check_headers_severity_and_coverage() -> None:
    checks = {c.name.removesuffix("-violation"): c for c in list_checks()}
    assert {n: c.severity for n, c in checks.items()} == CHECK_SEVERITY
    assert {n for n, c in checks.items() if c.covered_by_shapes} == {"undeclared-cokg-term"}


def test_bad_check_severity_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "x-violation.rq"
    f.write_text("#+ summary: x\n#+ severity: fatal\nSELECT * WHERE {}\n", encoding="utf-8")
    with pytest.raises(QueryError, match="severity 'fatal'"):
        load_query(f)


def test_founding_data_passes_every_check(store: MemoryStore) -> None:
    assert [str(v) for v in run_checks(store)] == []


def test_every_check_has_an_example() -> None:
    names = {c.name.removesuffix("-violation") for c in list_checks()}
    assert names == {p.stem for p in CHECK_FIXTURES.glob("*.ttl")}


# --- CLI ------------------------------------------------------------------------------------


def test_cli_queries_lists_all() -> None:
    res = CliRunner().invoke(cli, ["queries"])
    assert res.exit_code == 0, res.output
    for name in REQUIRED:
        assert name in res.output
    assert "[phase=adoption|implementation; default adoption]" in res.output


def test_cli_query_md_and_bad_param() -> None:
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "query",
            "cross-case",
            "--param",
            "phase=implementation",
            "--format",
            "md",
            "--store",
            "memory:",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.output.startswith("| CFIR/DOI element |")
    res = runner.invoke(
        cli, ["query", "cross-case", "--param", "phase=nonsense", "--store", "memory:"]
    )
    assert res.exit_code == 2
    assert "allowed values: adoption, implementation" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_cli_query_takes_parameters_as_cokg_queries_lists_them() -> None:
    # `cokg queries` shows "cross-case [phase=adoption|implementation] [case=CASE]": typed so,
    # the parameters are the same as with --param
    runner = CliRunner()
    base = ["query", "cross-case", "--format", "csv", "--store", "memory:"]
    listed = runner.invoke(cli, [*base[:2], "phase=adoption", "case=dundee-mrr", *base[2:]])
    flagged = runner.invoke(cli, [*base, "-p", "phase=adoption", "--param", "case=dundee-mrr"])
    assert listed.exit_code == 0, listed.output
    assert listed.output == flagged.output
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert rows and {r["case_id"] for r in rows} == {"dundee-mrr"}
    res = runner.invoke(cli, [*base[:2], "dundee-mrr", *base[2:]])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "cokg: error: a query parameter is KEY=VALUE (e.g. case=dundee-mrr), got 'dundee-mrr'"
    ]


def test_cli_sparql_text() -> None:
    res = CliRunner().invoke(
        cli,
        [
            "sparql",
            "PREFIX cokg: <https://w3id.org/cokg/ontology#> "
            "SELECT (COUNT(*) AS ?n) WHERE { ?c a cokg:Case }",
            "--format",
            "csv",
            "--store",
            "memory:",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["n", "3"]  # the paper's three cases
    res = CliRunner().invoke(
        cli,
        [
            "sparql",
            "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }",
            "--store",
            "memory:",
        ],
    )
    assert res.exit_code == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "SELECT ?c WHERE { ?c a cokg:Case }",
            "cokg: error: prefix 'cokg:' is not declared (line 1, column 24): add PREFIX cokg: "
            "<https://w3id.org/cokg/ontology#> before the query",
            id="a-cokg-prefix",
        ),
        pytest.param(
            "PREFIX cokg: <https://w3id.org/cokg/ontology#>\n"
            "SELECT ?c WHERE {\n  ?c a cokg:Case ; rdfs:label ?l }",
            "cokg: error: prefix 'rdfs:' is not declared (line 3, column 20): add PREFIX rdfs: "
            "<http://www.w3.org/2000/01/rdf-schema#> before the query",
            id="the-second-of-two",
        ),
        pytest.param(
            "SELECT ?c WHERE { ?c a ex:Case }",
            "cokg: error: prefix 'ex:' is not declared (line 1, column 24): add PREFIX ex: "
            "<its namespace IRI> before the query",
            id="an-unknown-prefix",
        ),
        pytest.param(
            "SELECT ?c WHERE { ?c a :Case }",
            "cokg: error: prefix ':' is not declared (line 1, column 24): add PREFIX : "
            "<its namespace IRI> before the query",
            id="the-empty-prefix",
        ),
    ],
)
def test_cli_sparql_undeclared_prefix_is_one_line(text: str, message: str) -> None:
    # the engine's own error lists every character a name may hold, over many lines
    res = CliRunner().invoke(cli, ["sparql", text, "--store", "memory:"])
    assert res.exit_code == 2
    assert res.output.splitlines() == [message]


def test_prefixes_in_strings_iris_and_comments_are_not_names() -> None:
    from cokg.sparql import undeclared_prefix

    declared = (
        "PREFIX : <urn:x#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        'SELECT ?s WHERE { ?s :p "cokg:Case" ; skos:note <urn:rdfs:x> ; :q _:b1 } # ex:y\n'
    )
    assert undeclared_prefix(declared) is None
    assert undeclared_prefix("SELECT ?s WHERE { ?s a <urn:a> ; skos:note 'x' }") == ("skos", 33)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("SELECT (COUNT(*) AS ?n) ?s WHERE { ?s ?p ?o }", id="unbound-in-select"),
        pytest.param("SELECT ?x WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }", id="bound-twice"),
    ],
)
def test_engine_syntax_errors_are_one_line(text: str) -> None:
    # rdflib's parser (the screen) takes these; the engine refuses them with a list of the
    # characters it expected, which cokg cuts down to where it stopped and why
    res = CliRunner().invoke(cli, ["sparql", text, "--store", "memory:"])
    assert res.exit_code == 2
    [line] = res.output.splitlines()
    assert line.startswith("cokg: error: invalid SPARQL at line 1, column ")
    assert "['" not in line and "\\u{" not in line
    if "unbound" in text or "COUNT" in text:
        assert line.endswith(": The SELECT contains a variable that is unbound")


def test_run_checks_opens_a_store_from_its_spec() -> None:
    # like run_query: a spec is opened (and built) for the caller; the founding data is clean
    assert run_checks("memory:") == []


ESTABLISHED = Path(__file__).parent / "fixtures" / "change-agents" / "established.ttl"


@pytest.fixture(scope="module")
def established() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st)
    st.load_files({"https://w3id.org/cokg/graph/fixture-established": ESTABLISHED})
    yield st
    st.close()


def test_an_establishment_before_adoption_is_a_row(established: MemoryStore) -> None:
    # The FICTIONAL fixture's agents: established in 2008 with no event (a row of its own),
    # in 2010 with a dated event that year (the event's row only), in 2015 (after adoption).
    answer = run_query(
        "external-change-agents-before-adoption", store=established, case="fx-established"
    )
    rows = [(r["agent_label"], r["activity"], str(r["date"]), r["role"]) for r in answer]
    assert rows == [
        ("Fixture old agency", "established", "2008", "external-change-agent"),
        ("Fixture dated agency", "Fixture dated agency founded", "2010", "external-change-agent"),
    ]


def test_establishments_do_not_change_the_founding_answer(
    established: MemoryStore, store: MemoryStore
) -> None:
    # SRN's 2004 establishment is also a dated event of the Dundee case: one row, the event's.
    a = run_query("external-change-agents-before-adoption", store=established)
    b = run_query("external-change-agents-before-adoption", store=store)
    assert [r for r in a.rows if r["case_id"] != "fx-established"] == list(b.rows)
    assert any(r["agent_label"] == "Scottish Recovery Network" for r in b.rows)


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.mark.server
@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_an_establishment_row_on_every_store(
    request: pytest.FixtureRequest, established: MemoryStore, server: str
) -> None:
    # The establishment branch's filter and the founding SRN row (an event and an
    # establishment on one date: one row) on Oxigraph server and Virtuoso 7.
    st = remote_store(
        request.getfixturevalue(server),
        {"https://w3id.org/cokg/graph/fixture-established": ESTABLISHED},
    )
    name = "external-change-agents-before-adoption"
    assert run_query(name, store=st).rows == run_query(name, store=established).rows


def test_the_total_counts_establishment_rows(established: MemoryStore) -> None:
    name = "external-change-agents-before-adoption"
    whole = run_query(name, store=established)
    assert any(r["activity"] == "established" for r in whole)
    per_case = {
        str(r["case_id"]): r["total"] for r in run_query(f"{name}-total", store=established)
    }
    assert sum(per_case.values()) == len(whole)
    assert per_case == {c: sum(str(r["case_id"]) == c for r in whole) for c in per_case}
    page = run_query(name, store=established, limit=2)
    assert page.page is not None and page.page.total == len(whole)


# --- placeholders: VALUES ?var { UNDEF } given the outer binding too -----------------------------

PLACEHOLDER = """SELECT ?c ?n WHERE {
  ?c <https://example.org/id> ?case_id .
  OPTIONAL { VALUES ?case_id { UNDEF } ?c <https://example.org/n> ?n }
  # VALUES ?case_id { UNDEF } in a comment stays
  FILTER (?n != "VALUES ?case_id { UNDEF }")
}"""


def test_a_placeholder_takes_the_bound_value() -> None:
    from cokg.sparql import inject_rows, inject_values

    one = inject_values(PLACEHOLDER, "select", {"case_id": Literal("a")})
    assert 'OPTIONAL { VALUES ?case_id { "a" } ?c' in one
    assert one.count("{ UNDEF }") == 2  # the comment and the string are left alone
    rows = inject_rows(PLACEHOLDER, "select", "case_id", [Literal("a"), Literal("b")])
    assert 'OPTIONAL { VALUES ?case_id { "a" "b" } ?c' in rows
    # a placeholder of another variable, or of none bound, is left as it is
    other = inject_values(PLACEHOLDER, "select", {"n": Literal("x")})
    assert other.count("VALUES ?case_id { UNDEF }") == 3


def test_a_variable_only_inside_sub_selects_is_bound_by_its_placeholders_alone() -> None:
    """?study occurs only in sub-SELECTs (a restriction each makes for itself): a top-level
    VALUES of it would join nothing, and Virtuoso 7 failed to compile the query with one."""
    from cokg.sparql import inject_values

    text = """SELECT ?c ?n WHERE {
  { SELECT ?c WHERE { VALUES ?study { UNDEF } ?c <https://example.org/in> ?study } }
  { SELECT ?c (COUNT(?x) AS ?n) WHERE { ?c <https://example.org/x> ?x } GROUP BY ?c }
}"""
    study = URIRef("https://example.org/study/a")
    bound = inject_values(text, "select", {"study": study})
    assert bound.count("<https://example.org/study/a>") == 1
    assert "VALUES ?study { <https://example.org/study/a> } ?c" in bound
    # a variable the top level sees (here, projected by a sub-SELECT) is bound there too
    both = inject_values(text, "select", {"study": study, "c": URIRef("https://example.org/c")})
    assert "WHERE { VALUES (?c) { (<https://example.org/c>) }" in both


def test_an_unfilled_placeholder_is_dropped() -> None:
    # what a remote endpoint is sent (Virtuoso 7 lost a row of a sub-select holding one)
    from cokg.sparql import drop_placeholders, inject_values

    dropped = drop_placeholders(PLACEHOLDER)
    assert "OPTIONAL {  ?c <https://example.org/n> ?n }" in dropped
    assert dropped.count("{ UNDEF }") == 2  # the comment and the string are left alone
    filled = inject_values(PLACEHOLDER, "select", {"case_id": Literal("a")})
    assert drop_placeholders(filled) == filled


def test_a_placeholder_is_found_by_its_variable() -> None:
    from cokg.sparql import has_placeholder

    assert has_placeholder(PLACEHOLDER, "case_id")
    assert not has_placeholder(PLACEHOLDER, "n")
    # one in a comment or a string is not one
    assert not has_placeholder(
        'SELECT ?x { ?x ?p "VALUES ?y { UNDEF }" } # VALUES ?y { UNDEF }', "y"
    )
    # the case-by-case forms planned from their cases have one; evidence-gaps-by-case not
    assert has_placeholder(get_query("rating-evidence-by-case").body, "case_id")
    assert not has_placeholder(get_query("evidence-gaps-by-case").body, "case_id")


def test_a_placeholder_changes_no_answer(store: MemoryStore) -> None:
    # outcomes-by-phase-by-case restricts its OPTIONAL group to the cases by a placeholder:
    # unfilled (one row binding nothing) it answers for every case, as the listing does
    from cokg.sparql import screen

    unfilled = store.query(screen(get_query("outcomes-by-phase-by-case").body).text).rows
    listing = run_query("outcomes-by-phase", store=store)
    assert len(unfilled) == len(listing) > 3
    one = run_query("outcomes-by-phase", store=store, case="dundee-mrr")
    assert len(one) == sum(r["case_id"] == "dundee-mrr" for r in listing) > 0


def test_a_list_column_is_sorted_whatever_order_the_engine_met_its_parts() -> None:
    # the timeline's agents came "A; B" from one store and "B; A" from a copy served elsewhere
    from cokg.models import QueryResult
    from cokg.query.answers import answer_from

    result = QueryResult(
        kind="select",
        variables=["event", "agents"],
        rows=[
            {"event": Literal("e1"), "agents": Literal("Scottish Recovery Network; Dundee TSI")},
            {"event": Literal("e2"), "agents": Literal("one")},
        ],
    )
    answer = answer_from(result, name="timeline", lists=(("agents", "; "),))
    assert [r["agents"] for r in answer] == ["Dundee TSI; Scottish Recovery Network", "one"]
    assert answer.rows[0].terms["agents"] == Literal("Dundee TSI; Scottish Recovery Network")
    assert get_query("timeline").lists == (("agents", "; "),)


def test_an_informant_code_typed_small_is_the_same_code(store: MemoryStore) -> None:
    # informant=dnd-02 gave 0 rows, silently: codes are capitals by the shapes' rule
    small = run_query("quotations", store=store, informant="dnd-02")
    assert len(small.rows) > 0
    assert small.rows == run_query("quotations", store=store, informant="DND-02").rows


def test_an_informant_code_no_one_has_is_an_error_naming_the_nearest(store: MemoryStore) -> None:
    # informant=DND-2 (for DND-02) gave 0 rows: as if the informant had said nothing
    with pytest.raises(ParameterError) as caught:
        run_query("quotations", store=store, informant="DND-2")
    message = str(caught.value)
    assert "no informant has the code 'DND-2'" in message
    assert "DND-02 (dundee-mrr)" in message.split("did you mean:")[1]
    with pytest.raises(ParameterError, match=r"stored codes: .*DND-02"):
        run_query("quotations", store=store, informant="ZZZZZZ")


def test_a_list_of_phases_comes_in_phase_order() -> None:
    from cokg.models import QueryResult
    from cokg.query.answers import answer_from
    from cokg.query.saved import parse_header

    result = QueryResult(
        kind="select",
        variables=["phases"],
        rows=[{"phases": Literal("assimilation, adoption, implementation")}],
    )
    answer = answer_from(result, name="organisation-roles", lists=(("phases", ", "),))
    assert answer.rows[0]["phases"] == "adoption, implementation, assimilation"
    # a quoted separator holding a comma is one item of the header's mapping
    header = parse_header('#+ summary: x\n#+ lists: {phases: ", ", agents: "; "}\n')
    assert header["lists"] == {"phases": ", ", "agents": "; "}
    assert get_query("organisation-roles").lists == (("phases", ", "),)


def test_framework_mappings_of_a_construct_read_both_ways(store: MemoryStore) -> None:
    # construct=cfir22:III.F gave no rows: its one mapping is stated from cfir09:III.D.2
    to = run_query("framework-mappings", store=store, construct="cfir22:III.F")
    assert [(r["subject_notation"], r["object_notation"]) for r in to] == [("III.D.2", "III.F")]
    back = run_query("framework-mappings", store=store, construct="cfir09:III.D.2")
    assert [r.data for r in back] == [r.data for r in to]
    everything = run_query("framework-mappings", store=store)
    assert len(everything) > len(to)


def test_the_query_list_says_which_value_a_query_runs_with_by_default() -> None:
    # cross-case quietly answered for adoption: `cokg queries` did not say so
    from cokg.formats import render_query_list

    text = render_query_list([get_query("cross-case"), get_query("timeline")])
    assert "cross-case [phase=adoption|implementation; default adoption] [case=CASE]" in text
    assert "timeline [case=CASE]\n" in text


def test_an_empty_answer_says_what_no_rows_means(store: MemoryStore) -> None:
    # "no rows" alone read as a fault, or as absence where it was neither
    from click.testing import CliRunner

    from cokg.cli import cli

    q = get_query("external-change-agents-before-adoption")
    assert q.empty.startswith("no external change agent")
    assert get_query("timeline").empty == ""
    answer = run_query(q, store=store, case="jonkoping-esther")
    assert len(answer) == 0
    result = CliRunner().invoke(
        cli, ["query", q.name, "case=jonkoping-esther", "--store", "memory:"]
    )
    assert result.exit_code == 0, result.output
    assert "no rows: no external change agent or knowledge purveyor has a dated" in result.output
    assert "`" not in result.output


def test_a_case_id_typed_in_capitals_names_the_case(store: MemoryStore) -> None:
    # case=Jonkoping-ESTHER was refused while informant=dnd-02 was read as DND-02
    shouted = run_query("timeline", store=store, case="Jonkoping-ESTHER")
    assert len(shouted) > 0
    assert shouted.rows == run_query("timeline", store=store, case="jonkoping-esther").rows
    assert shouted.parameters["case"] == "Jonkoping-ESTHER"


def test_an_undated_change_comes_before_the_dated_change_it_leads_to(store: MemoryStore) -> None:
    # ESTHER's undated "project -> network" came after "network -> mindset (2016)": undated
    # changes all came last
    for name in ("innovation-evolution", "innovation-evolution-by-case"):
        rows = run_query(name, store=store, case="jonkoping-esther").rows
        steps = [(r["from_state"], r["to_state"]) for r in rows]
        project, network = (
            next(i for i, (a, _) in enumerate(steps) if a == "ESTHER"),
            next(i for i, (a, _) in enumerate(steps) if a == "ESTHER Network"),
        )
        assert project + 1 == network, steps
        assert steps[network - 1][1] == steps[network][0]
