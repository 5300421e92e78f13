"""Paging a long answer: `run_query(..., limit=, offset=)`, `cokg query --limit/--offset`.

On the founding dataset (real data, real stores): pages laid end to end are exactly the whole
answer, no row repeated or lost; the total is the whole answer's row count; a query's own
LIMIT/OFFSET is paged within; pivoted queries are not paged; the CLI prints one page and says
which rows of how many; by default every saved query still prints all of its rows. The served
pages are tested in test_serve.py (they share its query workers).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rdflib import Literal
from spying import Spy

from cokg.cli import cli
from cokg.errors import ParameterError, QueryError
from cokg.formats import render, render_page_note
from cokg.query import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZE_ENV,
    QueryAnswer,
    get_query,
    list_queries,
    load_query,
    page_size,
    run_query,
    run_sparql,
)
from cokg.query.paging import CASE_COST_IN_ROWS
from cokg.query.saved import QueryParameter, SavedQuery
from cokg.store import MemoryStore, build

# Listings of the founding dataset longer than a page of 5, with the parameters they run with:
# one with a totals row (a UNION), ones grouped inside and outside, one with a bound parameter.
LISTINGS = [
    pytest.param("quotations", {}, id="quotations"),
    pytest.param("evidence-gaps", {}, id="evidence-gaps"),
    pytest.param("findings-by-construct", {}, id="findings-by-construct-grouped-inside"),
    pytest.param("organisation-roles", {}, id="organisation-roles-grouped-outside"),
    pytest.param("timeline", {"case": "dundee-mrr"}, id="timeline-one-case"),
    pytest.param("constructs", {}, id="constructs"),
]
ORDERED = (
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> ?o } ORDER BY ?o ?s"
)


@pytest.fixture(scope="module")
def founding() -> MemoryStore:
    st = MemoryStore()
    build(st)
    return st


@pytest.fixture(params=["read-ahead", "count"])
def total_by(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways to the total: read past the page (what the founding answers always allow), or
    with no read-ahead, the count query (what a consortium's long answers need)."""
    if request.param == "count":
        # the module that reads it, by name: `cokg.query` may name a function on the package
        monkeypatch.setattr(importlib.import_module("cokg.query.paging"), "READ_AHEAD", 0)
    return str(request.param)


def rows(answer: QueryAnswer) -> list[tuple[tuple[str, Any], ...]]:
    """Rows as comparable values, the RDF terms included (not only their Python values)."""
    return [tuple((v, r.terms.get(v)) for v in answer.variables) for r in answer]


def walk(run: Any, limit: int) -> tuple[list, list]:
    """Every page of `limit` rows by following next_offset: (rows, pages)."""
    got: list = []
    pages = []
    offset: int | None = 0
    while offset is not None:
        answer = run(limit=limit, offset=offset)
        assert answer.page is not None
        pages.append(answer.page)
        got += rows(answer)
        offset = answer.page.next_offset
        assert len(pages) < 500, "paging does not end"
    return got, pages


# --- the library ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), LISTINGS)
def test_pages_concatenate_to_the_whole_answer(
    founding: MemoryStore, total_by: str, name: str, params: dict[str, str]
) -> None:
    whole = run_query(name, store=founding, **params)
    assert whole.page is None and len(whole) > 5  # more rows than one page
    spy = Spy(founding)

    def run(**page: int) -> QueryAnswer:
        return run_query(name, store=spy, **page, **params)

    size = max(5, -(-len(whole) // 6))  # about six pages, the last one short: each query runs
    got, pages = walk(run, size)  # in a forked child, so a page of 5 over 155 rows costs 10 s
    assert got == rows(whole)  # same rows, same order: none repeated, none lost
    assert all(p.total == len(whole) for p in pages)
    assert [p.offset for p in pages] == list(range(0, len(whole), size))
    assert all(p.more for p in pages[:-1]) and not pages[-1].more
    assert pages[-1].rows == len(whole) - size * (len(pages) - 1)
    # The total came from reading ahead, or from a count query on every page but the last; a
    # listing paged by case reads the founding data's three cases at once and counts what it read.
    # A listing with a case-by-case form reads itself whole when it has fewer rows than one
    # case costs (CASE_COST_IN_ROWS).
    by_case = get_query(name).page_by is not None and "case" not in params
    assert spy.counts() == (0 if total_by == "read-ahead" or by_case else len(pages) - 1)
    cost = get_query(name).case_cost or CASE_COST_IN_ROWS
    whole_read = get_query(name).by_case is not None and len(whole) < cost
    assert (by_case and not whole_read) == any("VALUES ?case_id" in t for t in spy.texts)


def test_the_answer_says_where_the_page_lies(founding: MemoryStore) -> None:
    whole = run_query("quotations", store=founding)
    answer = run_query("quotations", store=founding, limit=5, offset=10)
    page = answer.page
    assert page is not None
    assert (page.offset, page.limit, page.rows, page.total) == (10, 5, 5, len(whole))
    assert page.more and page.next_offset == 15 and page.previous_offset == 5
    assert rows(answer) == rows(whole)[10:15]
    # a page that reaches the end, and one exactly as long as what is left
    assert run_query("quotations", store=founding, limit=100).page.whole  # type: ignore[union-attr]
    last = run_query("quotations", store=founding, limit=4, offset=len(whole) - 4).page
    assert last is not None and not last.more and last.total == len(whole)


def test_offset_beyond_the_end(founding: MemoryStore, total_by: str) -> None:
    total = len(run_query("quotations", store=founding))
    answer = run_query("quotations", store=founding, limit=5, offset=total + 1000)
    assert len(answer) == 0
    assert answer.page is not None and answer.page.total == total and not answer.page.more


def test_limit_zero_is_every_row_as_on_the_command_line(founding: MemoryStore) -> None:
    # it was "the total alone" in Python and every row on the command line and the pages: a
    # notebook user asking for everything got an empty table
    whole = run_query("evidence-gaps", store=founding)
    assert len(whole) > 0
    assert rows(run_query("evidence-gaps", store=founding, limit=0)) == rows(whole)
    assert rows(run_sparql(get_query("evidence-gaps").body, store=founding, limit=0)) == rows(whole)
    answer = run_query("timeline", store=founding, limit=0, offset=40)
    assert rows(answer) == rows(run_query("timeline", store=founding))[40:]


def test_offset_alone_pages_to_the_end(founding: MemoryStore) -> None:
    whole = run_query("timeline", store=founding)
    answer = run_query("timeline", store=founding, offset=40)
    assert rows(answer) == rows(whole)[40:]
    assert answer.page is not None and answer.page.limit is None and not answer.page.more


@pytest.mark.parametrize(
    ("limit", "offset"), [(-1, 0), (5, -1), (1.5, 0), (True, 0), ("5", 0), (5, None)]
)
def test_bad_limit_or_offset(founding: MemoryStore, limit: Any, offset: Any) -> None:
    with pytest.raises(ParameterError, match="whole number of rows"):
        run_query("quotations", store=founding, limit=limit, offset=offset)


def test_pivoted_queries_page_by_whole_cases(founding: MemoryStore) -> None:
    # a pivoted query pages only by whole cases (`page_by: case`); every saved pivot does
    pivoted = [q for q in list_queries() if q.pivot is not None]
    assert pivoted and all(q.paged is (q.page_by is not None) for q in pivoted)
    assert {q.name for q in pivoted if q.paged} == {
        "construct-matrix",
        "case-features",
        "health-system-features",
        "cross-case",
        "assimilation-scenarios",
    }
    answer = run_query("cross-case", store=founding, limit=5)  # one case at least, whole
    assert answer.page is not None and len({r["case_id"] for r in answer}) == 1
    assert len(answer) > 5


HEADER = "#+ summary: A test query\n"


@pytest.mark.parametrize(
    ("header", "paged"),
    [
        pytest.param("", True, id="default"),
        pytest.param("#+ page: false\n", False, id="page-false"),
        pytest.param("#+ pivot: row=s col=s value=s\n", False, id="pivot"),
        pytest.param(
            "#+ params:\n#+   - name: case\n#+     type: case\n#+     var: s\n"
            "#+ pivot: row=s col=s value=s\n#+ page_by: case\n",
            True,
            id="pivot-by-case",
        ),
    ],
)
def test_page_header(tmp_path: Path, header: str, paged: bool) -> None:
    f = tmp_path / "q.rq"
    f.write_text(HEADER + header + "SELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert load_query(f).paged is paged


def test_page_header_and_reserved_names_are_checked(tmp_path: Path) -> None:
    f = tmp_path / "q.rq"
    f.write_text(HEADER + "#+ page: sometimes\nSELECT * { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="page must be true or false"):
        load_query(f)
    f.write_text(HEADER + "#+ pivot: row=s col=s value=s\n#+ page: true\nSELECT * { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="a pivoted query is not paged"):
        load_query(f)
    f.write_text(
        HEADER + "#+ params:\n#+   - name: limit\n#+     type: integer\nSELECT * { ?s ?p ?o }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match="reserved for paging"):
        load_query(f)
    # a case-by-case form belongs to a query with a case parameter
    f.write_text(HEADER + "#+ by_case: q-by-case\nSELECT * { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryError, match="only a query with a parameter of type case has one"):
        load_query(f)
    f.write_text(
        HEADER + "#+ params:\n#+   - name: case\n#+     type: case\n#+     var: s\n"
        "#+ page_by: case\n#+ by_case: Not A Name\nSELECT * { ?s ?p ?o }\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match="by_case must name a saved query"):
        load_query(f)


def test_totals_and_counts_may_be_several_and_each_is_a_name(tmp_path: Path) -> None:
    f = tmp_path / "q.rq"
    f.write_text(
        HEADER + "#+ params:\n#+   - name: case\n#+     type: case\n#+     var: s\n"
        "#+ pivot: row=p col=s value=o\n#+ page_by: case\n"
        "#+ total: [q-total-phase, q-total]\n#+ count: [q-count-phase, q-count]\n"
        "SELECT * { ?s ?p ?o } ORDER BY ?s\n",
        encoding="utf-8",
    )
    q = load_query(f)
    assert q.totals == ("q-total-phase", "q-total") and q.total == "q-total"
    assert q.counts == ("q-count-phase", "q-count") and q.count == "q-count"
    f.write_text(HEADER + "#+ total: [q-total, Not A Name]\nSELECT * { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="total must name saved queries"):
        load_query(f)
    # rows per case belong to a query paged by case
    f.write_text(HEADER + "#+ total: q-total\nSELECT * { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="only a query paged by case has one"):
        load_query(f)
    f.write_text(HEADER + "#+ count: [q-count]\n#+ page: false\nSELECT * { ?s ?p ?o }\n")
    with pytest.raises(QueryError, match="only a listing paged by rows"):
        load_query(f)


def test_a_count_fits_when_it_takes_every_bound_parameter_and_has_those_it_needs() -> None:
    from cokg.query.saved import fits

    def counter(*params: tuple[str, bool]) -> SavedQuery:
        return SavedQuery(
            name="c", path=Path("c.rq"), sparql="", summary="c",
            params=tuple(QueryParameter(name=v, type="string", var=v, required=r)
                         for v, r in params),
        )  # fmt: skip

    phase = Literal("adoption")
    assert fits(counter(), {})
    assert not fits(counter(), {"phase_iri": phase})  # knows nothing of the phase
    assert fits(counter(("phase_iri", False)), {"phase_iri": phase})
    assert fits(counter(("phase_iri", False)), {})
    assert fits(counter(("phase_iri", True)), {"phase_iri": phase})
    assert not fits(counter(("phase_iri", True)), {})  # written for a phase: none given


def test_a_not_paged_header_refuses_a_page(tmp_path: Path, founding: MemoryStore) -> None:
    f = tmp_path / "whole.rq"
    f.write_text(HEADER + "#+ page: false\nSELECT ?s WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"not paged \(page: false\)"):
        run_query(load_query(f), store=founding, limit=3)


# --- ad-hoc queries: paged within their own LIMIT / OFFSET ------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(ORDERED, id="no-limit"),
        pytest.param(ORDERED + " LIMIT 23", id="own-limit"),
        pytest.param(ORDERED + " OFFSET 7 LIMIT 23", id="own-offset-and-limit"),
        pytest.param(ORDERED + " LIMIT 23 OFFSET 7 # a comment at the end", id="comment"),
        pytest.param(
            ORDERED.replace("?o }", "?o FILTER (STRSTARTS(?o, 'I')) }")
            + " OFFSET 2\nVALUES ?o { 'I.A' 'I.B' 'II.A' 'II.B' 'II.C' 'II.D' 'III.A' 'x' }",
            id="trailing-values",
        ),
        pytest.param(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?s (COUNT(?x) AS ?n) WHERE { ?s skos:notation ?o ; skos:prefLabel ?x "
            "FILTER EXISTS { SELECT ?s WHERE { ?s ?p ?q } LIMIT 1 } } "
            "GROUP BY ?s ORDER BY ?s LIMIT 40",
            id="group-by-and-inner-limit",
        ),
        pytest.param(
            "SELECT ?s (EXISTS { ?s a ?t } AS ?typed) (COUNT(*) AS ?n)\n"
            "WHERE { { ?s ?p ?o } UNION { ?s ?p ?o } FILTER (!ISBLANK(?s)) }\n"
            "GROUP BY ?s HAVING (COUNT(*) > 2) ORDER BY DESC(?n) ?s LIMIT 30",
            id="braces-before-where-and-having",
        ),
    ],
)
def test_sparql_pages_within_the_querys_own_limit(
    founding: MemoryStore, total_by: str, query: str
) -> None:
    whole = run_sparql(query, store=founding)
    assert len(whole) > 4

    def run(**page: int) -> QueryAnswer:
        return run_sparql(query, store=founding, **page)

    got, pages = walk(run, 4)
    assert got == rows(whole)
    assert all(p.total == len(whole) for p in pages)
    # a page past the query's own LIMIT is empty, and knows the total
    beyond = run_sparql(query, store=founding, limit=4, offset=len(whole))
    assert len(beyond) == 0 and beyond.page is not None and beyond.page.total == len(whole)


def test_only_select_answers_are_paged(founding: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="only SELECT answers are paged, not ASK"):
        run_sparql("ASK { ?s ?p ?o }", store=founding, limit=3)
    with pytest.raises(ParameterError, match="not CONSTRUCT"):
        run_sparql("CONSTRUCT WHERE { ?s ?p ?o }", store=founding, offset=3)
    with pytest.raises(QueryError, match="syntax error"):
        run_sparql("SELEC ?s WHERE { ?s ?p ?o }", store=founding, limit=3)


def test_bound_parameters_are_counted_too(founding: MemoryStore, total_by: str) -> None:
    # the count query must count the rows of the bound query, not of the unbound one
    for case in ("dundee-mrr", "jonkoping-esther"):
        answer = run_query("quotations", store=founding, case=case, limit=2)
        assert answer.page is not None
        assert answer.page.total == len(run_query("quotations", store=founding, case=case))


# --- the default page -------------------------------------------------------------------------


def test_page_size_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PAGE_SIZE_ENV, raising=False)
    assert page_size() == DEFAULT_PAGE_SIZE
    monkeypatch.setenv(PAGE_SIZE_ENV, "25")
    assert page_size() == 25
    monkeypatch.setenv(PAGE_SIZE_ENV, "lots")
    with pytest.raises(ParameterError, match="COKG_PAGE_SIZE"):
        page_size()


def test_every_saved_query_fits_the_default_page(founding: MemoryStore) -> None:
    """The founding answers print whole by default, as before paging: every saved query with
    its default parameters (and the one that needs a construct) fits a default page."""
    for q in list_queries():
        params = {"construct": "cfir09:II.D"} if any(p.required for p in q.params) else {}
        whole = run_query(q, store=founding, **params)
        if not q.paged:
            continue
        page = run_query(q, store=founding, limit=DEFAULT_PAGE_SIZE, **params)
        assert page.page is not None and page.page.whole, q.name
        assert rows(page) == rows(whole), q.name
        assert render_page_note(page) == ""


# --- the command line ---------------------------------------------------------------------------


def cokg(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="cokg", env=env)


def test_cli_prints_one_page_and_says_which(built_store: Path) -> None:
    total = len(run_query("quotations", store=built_store))
    res = cokg("query", "quotations", "--store", str(built_store), "--limit", "5")
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    assert res.stdout.splitlines()[-1] == f"rows 1–5 of {total}; next: --offset 5 --limit 5"
    res = cokg("query", "quotations", "--store", str(built_store), "--limit", "5",
               "--offset", "50")  # fmt: skip
    assert res.stdout.splitlines()[-1] == f"rows 51–{total} of {total}"


def test_cli_md_page_line_is_a_paragraph_under_the_table(built_store: Path) -> None:
    res = cokg("query", "quotations", "--store", str(built_store), "--limit", "3", "-f", "md")
    lines = res.stdout.splitlines()
    assert len(lines) == 2 + 3 + 2  # header, rule, 3 rows, a blank line, the page line
    assert lines[-2] == "" and lines[-1].startswith("rows 1–3 of ")


def test_cli_machine_formats_are_whole_unless_asked(built_store: Path) -> None:
    total = len(run_query("quotations", store=built_store))
    res = cokg("query", "quotations", "--store", str(built_store), "--format", "csv")
    assert len(res.stdout.splitlines()) == 1 + total and res.stderr == ""
    res = cokg("query", "quotations", "--store", str(built_store), "-f", "csv", "--limit", "5")
    assert len(res.stdout.splitlines()) == 1 + 5
    assert res.stderr == f"rows 1–5 of {total}; next: --offset 5 --limit 5\n"
    res = cokg("query", "quotations", "--store", str(built_store), "-f", "json", "--limit", "5")
    import json

    doc = json.loads(res.stdout)
    assert len(doc["rows"]) == 5
    assert doc["page"] == {"offset": 0, "limit": 5, "rows": 5, "total": total, "more": True}


def test_cli_default_page_and_all(built_store: Path) -> None:
    total = len(run_query("quotations", store=built_store))
    env = {PAGE_SIZE_ENV: "10"}
    res = cokg("query", "quotations", "--store", str(built_store), env=env)
    assert res.stdout.splitlines()[-1] == f"rows 1–10 of {total}; next: --offset 10"
    res = cokg("query", "quotations", "--store", str(built_store), "--offset", "10", env=env)
    assert res.stdout.splitlines()[-1] == f"rows 11–20 of {total}; next: --offset 20"
    for every in (["--all"], ["--limit", "0"]):
        res = cokg("query", "quotations", "--store", str(built_store), *every, env=env)
        assert res.exit_code == 0 and not res.stdout.splitlines()[-1].startswith("rows")
        assert res.stdout == cokg("query", "quotations", "--store", str(built_store)).stdout
    # a pivoted query pages by whole cases: at a page size of 1, one case (its column) a page
    res = cokg("query", "cross-case", "--store", str(built_store), env={PAGE_SIZE_ENV: "1"})
    whole = run_query("cross-case", store=built_store)
    first = sum(r["case_id"] == "jonkoping-esther" for r in whole)
    assert res.exit_code == 0
    assert res.stdout.splitlines()[-1] == (
        f"rows 1–{first} of {len(whole)}; next: --offset {first}"
    )


def test_cli_default_prints_the_founding_answers_whole(built_store: Path) -> None:
    # constructs is the longest founding listing (the frameworks): still printed whole
    answer = run_query("constructs", store=built_store)
    res = cokg("query", "constructs", "--store", str(built_store), env={"COLUMNS": "100"})
    assert res.exit_code == 0
    assert res.stdout == render(answer, "table", width=100)


def test_cli_offset_beyond_the_end(built_store: Path) -> None:
    total = len(run_query("quotations", store=built_store))
    res = cokg("query", "quotations", "--store", str(built_store), "--offset", "1000")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[-1] == f"no rows at offset 1,000 ({total} in all)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "-1"], "cokg: error: --limit wants a number of rows, 0 or more, not '-1'"),
        (["--offset", "-5"], "cokg: error: --offset wants a number of rows, 0 or more, not '-5'"),
        (["--limit", "ten"], "cokg: error: --limit wants a number of rows, 0 or more, not 'ten'"),
        (["--all", "--limit", "5"], "cokg: error: give --all or --limit, not both"),
    ],
)
def test_cli_bad_page_options_are_one_line(
    built_store: Path, args: list[str], message: str
) -> None:
    res = cokg("query", "quotations", "--store", str(built_store), *args)
    assert res.exit_code == 2
    assert res.stdout == "" and res.stderr == message + "\n"
    assert "Traceback" not in res.output


def test_cli_unpaged_query_with_a_page_is_one_line(built_store: Path) -> None:
    res = cokg("query", "case-features-total", "--store", str(built_store), "--limit", "5")
    assert res.exit_code == 2
    assert res.stderr == "cokg: error: query case-features-total is not paged (page: false)\n"


def test_cli_sparql_pages_only_when_asked(built_store: Path) -> None:
    whole = run_sparql(ORDERED, store=built_store)
    res = cokg("sparql", ORDERED, "--store", str(built_store), "-f", "csv")
    assert len(res.stdout.splitlines()) == 1 + len(whole) and res.stderr == ""
    res = cokg("sparql", ORDERED, "--store", str(built_store), "--limit", "3", "--offset", "3")
    assert res.exit_code == 0
    assert res.stdout.splitlines()[-1] == f"rows 4–6 of {len(whole)}; next: --offset 6 --limit 3"
    res = cokg("sparql", "ASK { ?s ?p ?o }", "--store", str(built_store), "--limit", "3")
    assert res.exit_code == 2 and "only SELECT answers are paged" in res.stderr


# --- remote endpoints: an Oxigraph server and Virtuoso ------------------------------------------


@pytest.fixture(scope="module")
def virtuoso_server() -> Any:
    """One Virtuoso for this file (tests/servers.py); the Oxigraph server is the session's."""
    from servers import running_virtuoso

    yield from running_virtuoso()


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request: pytest.FixtureRequest) -> Any:
    """Each real server in turn, holding the founding dataset."""
    from cokg.store import RemoteStore

    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    st = RemoteStore(server.query_url)
    build(st)
    return st


def test_remote_pages_concatenate_and_are_counted(
    remote: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = run_query("findings-by-construct", store=remote)
    texts: list[str] = []
    query = remote.query

    def recording(sparql: str, **kw: Any) -> Any:
        texts.append(sparql)
        return query(sparql, **kw)

    monkeypatch.setattr(remote, "query", recording)
    got, pages = walk(lambda **page: run_query("findings-by-construct", store=remote, **page), 5)
    assert got == rows(whole) and all(p.total == len(whole) for p in pages)
    # no read-ahead from an endpoint that may cap its answers: one row past the page, and the
    # engine counts the rest
    assert all("LIMIT 6" in t for t in texts if "cokg_page_total" not in t)
    assert sum("cokg_page_total" in t for t in texts) == len(pages) - 1
    beyond = run_sparql(ORDERED + " LIMIT 23", store=remote, limit=4, offset=30)
    assert len(beyond) == 0 and beyond.page is not None and beyond.page.total == 23


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cross-case", {"phase": "implementation"}),
        ("case-features", {}),
        ("health-system-features", {}),
        ("assimilation-scenarios", {}),
    ],
)
def test_remote_pivots_page_by_whole_cases(remote: Any, name: str, params: dict[str, str]) -> None:
    # a page of one case at a time (the founding cases have more than 5 rows each): on a
    # server too, the pages hold exactly the whole answer's rows, case by case
    whole = run_query(name, store=remote, **params)
    spy = Spy(remote)
    got, pages = walk(lambda **page: run_query(name, store=spy, **params, **page), 5)
    assert len(pages) == 3 and all(p.total == len(whole) for p in pages)
    assert sorted(got) == sorted(rows(whole))
    # an endpoint is sent the query itself, not the embedded engine's case-by-case form
    by_case = get_query(name).by_case
    if by_case is not None:
        head = get_query(by_case).body.split("WHERE", 1)[0]
        assert spy.texts and not any(t.startswith(head) for t in spy.texts)
