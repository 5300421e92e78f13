"""Listings paged case by case (`#+ page_by: case`) and their cheap totals (`#+ total:`).

On a consortium of the founding cases and 40 synthetic ones whose case numbers 1-3 repeat the
founding cases' (so rows of two cases interleave within one number): every page of every such
listing is exactly the slice of the whole answer, at page sizes that split cases; the first
page asks only for the cases it shows; each total query counts exactly the listing's rows, here
and on the founding data alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal
from spying import Spy

from cokg.namespaces import graph_iri
from cokg.query import QueryAnswer, bind_parameters, get_query, list_queries, run_query
from cokg.sparql import has_placeholder, inject_rows, inject_values, screen
from cokg.store import MemoryStore, build, source_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import synthetic

# paged by rows, case by case; a pivoted listing paged by case pages by whole cases (its
# columns) instead: tests/test_construct_matrix_paging.py
BY_CASE = [q.name for q in list_queries() if q.page_by and q.pivot is None]
WHOLE_CASES = [q.name for q in list_queries() if q.page_by and q.pivot is not None]
TOTALS = [q.name for q in list_queries() if q.total and q.pivot is None]
CASES = 40
# what a total query gives: each case's rows, and the case's number when it is at hand (a page
# then takes its case order from the total instead of asking for every case's)
TOTAL_COLUMNS = ("case_id", "total")
NUMBERED_TOTAL_COLUMNS = ("case_id", "case_number", "total")
# the parameters a listing needs (a required one) where a test reads it with no other
NEEDS = {"quotations-by-construct": {"construct": "frame:external-context"}}


def test_the_dense_listings_page_by_case() -> None:
    # the listings with many rows per case; a sparse one (a row or two per case) reads faster
    # whole than a case at a time
    assert set(BY_CASE) == {
        "quotations",
        "evidence-gaps",
        "timeline",
        "organisation-roles",
        "external-change-agents-before-adoption",
        "rating-evidence",
        "quotations-by-construct",
    }
    assert set(TOTALS) == set(BY_CASE)
    # the pivots whose columns are cases: a page is a set of whole cases, counted per case by
    # its total query
    assert set(WHOLE_CASES) == {
        "construct-matrix",
        "case-features",
        "health-system-features",
        "cross-case",
        "assimilation-scenarios",
    }
    for name in WHOLE_CASES:
        query = get_query(name)
        assert query.paged and query.total is not None
        assert get_query(query.total).returns in (TOTAL_COLUMNS, NUMBERED_TOTAL_COLUMNS)
    for name in BY_CASE:
        order = get_query(name).body.split("ORDER BY", 1)[1].split()
        assert order[0] == "?case_number", f"{name}: rows must come in case-number order"


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> MemoryStore:
    data = tmp_path_factory.mktemp("consortium") / "synthetic.nt"
    synthetic.write(data, cases=CASES, ratings="few")  # five rated constructs a case
    files = source_files(include_data=True)
    files[graph_iri("synthetic")] = data
    st = MemoryStore()
    st.rebuild(files)
    return st


@pytest.fixture(scope="module")
def founding() -> MemoryStore:
    st = MemoryStore()
    build(st)
    return st


def rows(answer: QueryAnswer) -> list[tuple[tuple[str, Any], ...]]:
    return [tuple((v, r.terms.get(v)) for v in answer.variables) for r in answer]


def test_case_numbers_repeat(consortium: MemoryStore) -> None:
    numbers = [r["case_number"] for r in run_query("cases", store=consortium)]
    assert len(numbers) == CASES + 3 and len(set(numbers)) == CASES


def test_served_navigation_takes_a_number_only_for_one_case(consortium: MemoryStore) -> None:
    """Every case is in the served pages' navigation; `?case=1` names a case in the form only
    where one case has that number (two studies may each have a case 1)."""
    from cokg.serve.cases import navigation

    nav = navigation(consortium, get_query)  # type: ignore[arg-type]  # any store answers it
    ids = [str(r["case_id"]) for r in run_query("cases", store=consortium)]
    assert [cid for cid, _ in nav.links] == ids and len(ids) == CASES + 3
    assert "jonkoping-esther" in ids and "1" not in nav.numbers  # founding and synthetic case 1
    assert nav.numbers[str(CASES)] == f"synthetic-{CASES:05d}"


@pytest.mark.parametrize("name", BY_CASE)
@pytest.mark.parametrize("size", [7, 113])
def test_pages_are_slices_of_the_whole_answer(
    consortium: MemoryStore, name: str, size: int
) -> None:
    whole = rows(run_query(name, store=consortium, **NEEDS.get(name, {})))
    if len(whole) <= 2 * size:  # a sparser listing (external change agents: ~4 rows a case)
        size = len(whole) // 3
    assert len(whole) > 2 * size
    for offset in (0, size, len(whole) // 2, len(whole) - size + 3, len(whole) + 5):
        answer = run_query(name, store=consortium, limit=size, offset=offset, **NEEDS.get(name, {}))
        assert answer.page is not None
        assert rows(answer) == whole[offset : offset + size], (name, offset)
        assert answer.page.total == len(whole)


def _read_whole(st: MemoryStore, name: str, total: int, page_cases: set[str]) -> bool:
    """Whether a page of listing `name` holding rows of `page_cases`, of an answer of `total`
    rows, reads the listing whole: it has a case-by-case form for its pages (not one that
    starts from a placeholder of its cases), and fewer rows than the cases it would ask for
    cost (`#+ case_cost:` rows a case, else CASE_COST_IN_ROWS; the cases sharing a case
    number with one of the page's are asked for with it)."""
    from cokg.query.paging import CASE_COST_IN_ROWS

    number = {str(r["case_id"]): r["case_number"] for r in run_query("cases", store=st)}
    numbers = {number[c] for c in page_cases}
    spanned = sum(n in numbers for n in number.values())
    cost = get_query(name).case_cost or CASE_COST_IN_ROWS
    return name in WHOLE_WHEN_WIDE and total < cost * spanned


@pytest.mark.parametrize("name", BY_CASE)
def test_the_first_page_reads_only_its_cases(consortium: MemoryStore, name: str) -> None:
    spy = Spy(consortium)
    answer = run_query(name, store=spy, limit=10, **NEEDS.get(name, {}))
    assert answer.page is not None and answer.page.total > 10
    asked = [t for t in spy.texts if "VALUES ?case_id" in t]
    if _read_whole(consortium, name, answer.page.total, {str(r["case_id"]) for r in answer}):
        assert not asked  # few rows in all: the listing read whole is cheaper
        return
    assert asked, "no case-by-case query"
    ids = sum(t.count('"synthetic-') + t.count('"dundee-') + t.count('"jonkoping-')
              + t.count('"manitoba-') for t in asked)  # fmt: skip
    assert ids < 20, f"{name}: the first page asked for {ids} of {CASES + 3} cases"
    # the total ran (its parameters bound in a VALUES block after its first WHERE)
    total = _total_for(name, consortium, NEEDS.get(name, {}))
    counted = get_query(total).body.split("WHERE {", 1)[1].strip()
    assert any(counted in t for t in spy.texts)


@pytest.mark.parametrize("name", TOTALS)
def test_total_queries_count_the_listing(
    consortium: MemoryStore, founding: MemoryStore, name: str
) -> None:
    params = NEEDS.get(name, {})
    for st in (founding, consortium):
        _counts_each_case(_total_for(name, st, params), name, st, **params)


# Listings paged by case with a case-by-case form: the listing itself finds its rows by hashing,
# so a page that would span many cases of few rows reads it whole instead of case by case.
# A listing that starts from a placeholder of its cases reads its own pages, case-by-case form
# or not (the form is then for one case).
WHOLE_WHEN_WIDE = [
    q.name
    for q in list_queries()
    if q.page_by
    and q.by_case
    and q.pivot is None
    and q.total
    and not has_placeholder(q.body, q.param(q.page_by).var)
]


def test_the_listings_read_whole_when_a_page_is_wide() -> None:
    assert WHOLE_WHEN_WIDE == ["evidence-gaps", "rating-evidence"]


def test_a_wide_page_reads_the_listing_whole(consortium: MemoryStore) -> None:
    # evidence-gaps: some 35 gaps a case. Read whole when its rows are fewer than the cost of
    # the page's cases (CASE_COST_IN_ROWS rows a case); else only the page's cases are asked
    # for, however deep the page lies.
    from cokg.query.paging import CASE_COST_IN_ROWS

    name = "evidence-gaps"
    whole = rows(run_query(name, store=consortium))
    listing = get_query(name).body.strip().split("ORDER BY")[0]
    cases = [str(r["case_id"]) for r in run_query(name, store=consortium)]
    for size, offset in ((10, 0), (1500, 0), (20, len(whole) - 30), (len(whole), 0)):
        spy = Spy(consortium)
        answer = run_query(name, store=spy, limit=size, offset=offset)
        assert rows(answer) == whole[offset : offset + size], (size, offset)
        assert answer.page is not None and answer.page.total == len(whole)
        spanned = len(set(cases[offset : offset + size]))
        wide = len(whole) < CASE_COST_IN_ROWS * spanned
        read_whole = [t for t in spy.texts if listing in t and "VALUES ?case_id" not in t]
        assert bool(read_whole) is wide, (size, offset)
        asked = sum(t.count('"synthetic-') for t in spy.texts if "VALUES ?case_id" in t)
        assert (asked == 0) is wide, (size, offset)
        assert wide is (size >= 1500)  # both ways taken


# Listings paged by case whose total counts the rows of each case, and the parameters they are
# tried with: a page takes just the cases holding its rows.
PER_CASE = {
    "evidence-gaps": [{}],
    "timeline": [{}],
    "quotations": [{}],
    "organisation-roles": [{}],
    "external-change-agents-before-adoption": [{}],
    "rating-evidence": [
        {},
        {"construct": "cfir22:III.D"},
        {"phase": "implementation"},
        {"construct": "cfir22:IV.A", "phase": "adoption"},
    ],
    # a broad construct, narrow ones reached by framework mappings (each with rows enough to
    # page through: cfir09:V.B.4 has one here)
    "quotations-by-construct": [
        {"construct": c} for c in ("frame:external-context", "cfir22:V", "gdoi:10.1", "cfir09:II.B")
    ],
}


def test_the_listings_counted_per_case() -> None:
    assert set(PER_CASE) == {
        name for name in TOTALS if "case_id" in get_query(get_query(name).total or "").returns
    }


def _counts_each_case(counter: str, name: str, st: MemoryStore, **params: str) -> None:
    """The counting query `counter` gives the rows of listing `name` per case (?case_id,
    ?total), and no case without rows."""
    whole = run_query(name, store=st, **params)
    per_case: dict[str, int] = {}
    for r in whole:
        per_case[str(r["case_id"])] = per_case.get(str(r["case_id"]), 0) + 1
    counted = run_query(counter, store=st, **params)
    assert tuple(counted.variables) == get_query(counter).returns
    assert tuple(counted.variables) in (TOTAL_COLUMNS, NUMBERED_TOTAL_COLUMNS)
    assert {str(r["case_id"]): r["total"] for r in counted} == per_case, (name, params)
    assert len(counted) == len(per_case)
    if "case_number" in counted.variables:  # the case's own number, for the case order
        number = {str(r["case_id"]): r["case_number"] for r in run_query("cases", store=st)}
        assert all(r["case_number"] == number[str(r["case_id"])] for r in counted)


@pytest.mark.parametrize("name", sorted(PER_CASE))
def test_rows_per_case_under_every_parameter(consortium: MemoryStore, name: str) -> None:
    for params in PER_CASE[name]:
        assert run_query(name, store=consortium, **params), params  # rows to count
        _counts_each_case(_total_for(name, consortium, params), name, consortium, **params)


def _total_for(name: str, st: MemoryStore, params: Mapping[str, str]) -> str:
    """The total query a page of `name` run with `params` takes (`#+ total:` names several,
    each for the parameters it fits)."""
    query = get_query(name)
    bindings, _ = bind_parameters(query, dict(params), st)
    total = query.total_for(bindings)
    assert total is not None, (name, params)
    return total


def test_every_total_is_taken_for_some_parameters() -> None:
    # each total named is the one some parameters of the tests here take, so each is tested
    taken = {
        get_query(name).total_for({get_query(name).param(k).var: v for k, v in params.items()})
        for name, tried in PER_CASE.items()
        for params in tried
    } | {get_query(name).total_for({}) for name in TOTALS if name not in NEEDS}
    named = {t for name in TOTALS for t in get_query(name).totals}
    assert named <= taken, named - taken


@pytest.mark.parametrize("name", sorted(PER_CASE))
def test_any_page_asks_only_for_its_own_cases(consortium: MemoryStore, name: str) -> None:
    # the rows per case say where a page lies: a page deep in the answer asks for the cases
    # holding its rows, not for every case before them, and slices them exactly. Cases sharing
    # a case number (a founding case and a synthetic one here) are asked for together: their
    # rows interleave under the listing's later sort keys.
    number = {str(r["case_id"]): r["case_number"] for r in run_query("cases", store=consortium)}
    for params in PER_CASE[name]:
        whole = rows(run_query(name, store=consortium, **params))
        cases = [str(r["case_id"]) for r in run_query(name, store=consortium, **params)]
        for offset in (0, 1, len(whole) // 2, len(whole) - 4, len(whole), len(whole) + 3):
            spy = Spy(consortium)
            answer = run_query(name, store=spy, limit=5, offset=offset, **params)
            assert rows(answer) == whole[offset : offset + 5], (params, offset)
            assert answer.page is not None and answer.page.total == len(whole)
            assert not any("cokg_page_total" in t for t in spy.texts)  # counted by the total
            asked = {c for c in set(cases) if any(f'"{c}"' in t for t in spy.texts)}
            numbers = {number[c] for c in cases[offset : offset + 5]}
            if _read_whole(consortium, name, len(whole), set(cases[offset : offset + 5])):
                assert not asked, (params, offset)
                continue
            assert asked == {c for c in set(cases) if number[c] in numbers}, (params, offset)


def _counts_the_listing(counter: str, name: str, st: MemoryStore, **params: str) -> None:
    """The counting query `counter` gives one ?total, the row count of listing `name`."""
    counted = run_query(counter, store=st, **params)
    assert list(counted.variables) == ["total"] and len(counted) == 1
    assert counted[0]["total"] == len(run_query(name, store=st, **params)), (name, params, st)


def test_a_bound_parameter_counts_the_listing_itself(consortium: MemoryStore) -> None:
    # the total query knows nothing of the informant filter: the listing is counted instead
    spy = Spy(consortium)
    whole = run_query("quotations", store=consortium, informant="DND-02")
    answer = run_query("quotations", store=spy, informant="DND-02", limit=2)
    assert answer.page is not None and answer.page.total == len(whole) > 2
    assert not any(get_query("quotations-total").body.strip() in t for t in spy.texts)


# Listings paged by rows whose page total comes from a count query (`#+ count:`), with the
# parameters to hold the two equal under: a broad construct, narrow ones, one reached by a
# framework mapping.
COUNTED = {
    "outcomes-by-phase": [
        {},
        {"phase": "implementation"},
        {"case": "dundee-mrr"},
        {"phase": "adoption"},
    ],
}


def test_the_counted_listings() -> None:
    assert set(COUNTED) == {q.name for q in list_queries() if q.count and q.page_by is None}


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_count_queries_count_the_listing(
    consortium: MemoryStore, founding: MemoryStore, name: str
) -> None:
    count = get_query(name).count
    assert count is not None
    for st in (founding, consortium):
        for params in COUNTED[name]:
            _counts_the_listing(count, name, st, **params)


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_a_page_takes_its_total_from_the_count_query(consortium: MemoryStore, name: str) -> None:
    params = COUNTED[name][0]
    whole = rows(run_query(name, store=consortium, **params))
    assert len(whole) > 20
    for offset in (0, 7, len(whole) - 3, len(whole) + 5):
        spy = Spy(consortium)
        answer = run_query(name, store=spy, limit=10, offset=offset, **params)
        assert answer.page is not None and answer.page.total == len(whole)
        assert rows(answer) == whole[offset : offset + 10]
        assert not any("cokg_page_total" in t for t in spy.texts)  # not counted in the engine


# --- pivots paged by whole cases ------------------------------------------------------------------
# construct-matrix on rated data: tests/test_construct_matrix_paging.py
PIVOTS = [n for n in WHOLE_CASES if n != "construct-matrix"]
# the parameters each pivot is tried with
PIVOT_PARAMS: dict[str, list[dict[str, str]]] = {
    "cross-case": [{"phase": "adoption"}, {"phase": "implementation"}],
    "outcomes-by-phase": [{}, {"phase": "implementation"}],
}
BY_CASE_FORMS = [q.name for q in list_queries() if q.by_case]
UNRATED = {"rating-evidence"}  # listings with no row on the founding data


def _terms(answer: Iterable[Any]) -> list[tuple[tuple[str, str], ...]]:
    """The rows as their bound terms, comparable across pages whatever order they come in."""
    return _bound_terms(r.terms for r in answer)


@pytest.mark.parametrize("name", PIVOTS)
def test_the_rows_per_case_count_the_pivot(
    consortium: MemoryStore, founding: MemoryStore, name: str
) -> None:
    total = get_query(name).total
    assert total is not None and get_query(total).internal
    for st in (founding, consortium):
        for params in PIVOT_PARAMS.get(name, [{}]):
            whole = run_query(name, store=st, **params)
            per_case: dict[str, int] = {}
            for r in whole:
                per_case[str(r["case_id"])] = per_case.get(str(r["case_id"]), 0) + 1
            bound = {k: v for k, v in params.items()
                     if any(p.name == k for p in get_query(total).params)}  # fmt: skip
            counted = {str(r["case_id"]): r["total"]
                       for r in run_query(total, store=st, **bound)}  # fmt: skip
            assert counted == per_case and sum(counted.values()) == len(whole) > 0, (name, st)


@pytest.mark.parametrize("name", PIVOTS)
@pytest.mark.parametrize("size", [1, 25, 120])
def test_pages_of_whole_cases_make_up_the_pivot(
    consortium: MemoryStore, name: str, size: int
) -> None:
    # a page holds whole case numbers (two cases share each of numbers 1-3 here, and their rows
    # interleave), as many as fit in `size` rows (at least one), the next one not
    params = PIVOT_PARAMS.get(name, [{}])[-1]
    whole = run_query(name, store=consortium, **params)
    per_number: dict[int, int] = {}
    for r in whole:
        per_number[r["case_number"]] = per_number.get(r["case_number"], 0) + 1
    numbers = sorted(per_number)
    offset, seen, shown = 0, [], []
    while True:
        answer = run_query(name, store=consortium, limit=size, offset=offset, **params)
        assert answer.page is not None and answer.page.offset == offset
        assert answer.page.total == len(whole)
        on_page = sorted({r["case_number"] for r in answer})
        assert on_page == numbers[len(shown) : len(shown) + len(on_page)]
        assert len(answer) == sum(per_number[n] for n in on_page)
        assert len(answer) <= size or len(on_page) == 1
        after = numbers[len(shown) + len(on_page) :]
        assert not after or len(answer) + per_number[after[0]] > size
        shown.extend(on_page)
        seen.extend(answer)
        if answer.page.next_offset is None:
            break
        offset = answer.page.next_offset
    assert shown == numbers and len(numbers) == CASES
    assert _terms(seen) == _terms(whole)


@pytest.mark.parametrize("name", PIVOTS)
def test_the_first_page_of_a_pivot_asks_for_its_cases_only(
    consortium: MemoryStore, name: str
) -> None:
    spy = Spy(consortium)
    answer = run_query(name, store=spy, limit=30, **PIVOT_PARAMS.get(name, [{}])[0])
    shown = {str(r["case_id"]) for r in answer}
    asked = [t for t in spy.texts if "VALUES ?case_id" in t]
    assert len(asked) == 1 and 0 < len(shown) < CASES
    ids = {i for i in asked[0].split('"') if i.startswith(("synthetic-", "dundee-", "jonkoping-",
                                                            "manitoba-"))}  # fmt: skip
    assert ids == shown


@pytest.mark.parametrize("name", BY_CASE_FORMS)
def test_the_case_by_case_form_gives_the_listing_rows(
    consortium: MemoryStore, founding: MemoryStore, name: str
) -> None:
    # for one case, a few, and every case (ids bound as a page binds them), under every
    # parameter value the pivot is tried with; and as the case parameter
    query = get_query(name)
    assert query.by_case is not None and get_query(query.by_case).internal
    form = screen(get_query(query.by_case).body)
    var = query.case_var
    assert var is not None
    stores = (founding, consortium)
    if name in UNRATED:  # the founding cases rate nothing: held to the rated consortium only
        assert not run_query(name, store=founding)
        stores = (consortium,)
    for st in stores:
        ids = [r["case_id"] for r in run_query("cases", store=st)]
        compared = 0
        for params in PIVOT_PARAMS.get(name, PER_CASE.get(name, [{}])):
            whole = run_query(name, store=st, **params)
            if not whole and st is founding:  # a construct the founding cases do not code
                continue
            compared += 1
            bindings, _ = bind_parameters(query, params, st)
            shown = sorted({r["case_id"] for r in whole}, key=ids.index)  # cases with rows
            # (a listing with rows in one case has no second group)
            for chosen in [c for c in (shown[:1], shown[1:5], ids) if c]:
                text = inject_rows(form.text, form.form, var, [Literal(i) for i in chosen])
                text = inject_values(text, form.form, bindings)
                got = st.query(text).rows
                expected = [r.terms for r in whole if r["case_id"] in chosen]
                assert _bound_terms(got) == _bound_terms(expected), (name, params, len(chosen))
                assert len(got) == len(expected) > 0
            one = run_query(name, store=st, case=ids[-1], **params)
            assert _terms(one) == _terms([r for r in whole if r["case_id"] == ids[-1]])
        assert compared, f"{name}: no parameter gave rows on {st!r}"


def _bound_terms(rows: Iterable[Mapping[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    """Rows (variable -> term) as their bound terms, sorted: compared whatever their order."""
    return sorted(tuple(sorted((k, v.n3()) for k, v in r.items() if v is not None)) for r in rows)


# --- a listing empty without a predicate (`#+ empty_without:`) ------------------------------------
EMPTY_WITHOUT = [q.name for q in list_queries() if q.empty_without]


def test_the_listings_empty_without_a_predicate_use_it() -> None:
    assert EMPTY_WITHOUT == ["construct-matrix", "distinguishing-constructs", "rating-evidence"]
    for name in EMPTY_WITHOUT:
        query = get_query(name)
        local = (query.empty_without or "").rsplit("#", 1)[1]
        assert f"cokg:{local}" in query.body and "cokg:" in query.body


@pytest.mark.parametrize("name", EMPTY_WITHOUT)
def test_a_store_without_the_predicate_answers_after_one_ask(
    founding: MemoryStore, consortium: MemoryStore, name: str
) -> None:
    query = get_query(name)
    ask = f"ASK {{ ?s <{query.empty_without}> ?o }}"
    first = next(line for line in query.body.splitlines() if line.startswith("SELECT"))
    for limit in (None, 10):
        spy = Spy(founding)
        answer = run_query(name, store=spy, limit=limit, **NEEDS.get(name, {}))
        # the parameters resolved (a default scheme, say), then the ASK and nothing after it
        assert len(answer) == 0 and spy.texts[-1] == ask and spy.texts.count(ask) == 1
        assert not any(first in t for t in spy.texts)
        assert list(answer.variables) == list(query.returns)
        assert (answer.page is None) is (limit is None)
        if answer.page is not None:
            assert answer.page.total == 0 and not answer.page.more
        # the same columns as the query itself gives on a store with rows
        assert list(run_query(name, store=consortium).variables) == list(answer.variables)
    # a store with the predicate asks once, then runs the query as ever
    spy = Spy(consortium)
    answer = run_query(name, store=spy, limit=10, **NEEDS.get(name, {}))
    assert spy.texts.count(ask) == 1 and any(first in t for t in spy.texts)
    assert spy.texts.index(ask) < min(i for i, t in enumerate(spy.texts) if first in t)


def test_empty_without_must_be_an_iri(tmp_path: Path) -> None:
    from cokg.errors import QueryError
    from cokg.query.saved import load_query

    head = "#+ summary: s\n#+ returns: [a]\n"
    for bad in ("cokg:ratedCase", "<not an iri>", "<>"):
        path = tmp_path / "q.rq"
        path.write_text(f"{head}#+ empty_without: {bad}\nSELECT ?a WHERE {{ ?a ?b ?c }}\n")
        with pytest.raises(QueryError, match="empty_without"):
            load_query(path)
    path.write_text("#+ summary: s\n#+ empty_without: <urn:x:p>\nSELECT ?a WHERE { ?a ?b ?c }\n")
    with pytest.raises(QueryError, match="declares what it returns"):
        load_query(path)
    path.write_text(f"{head}#+ empty_without: <urn:x:p>\nSELECT ?a WHERE {{ ?a <urn:x:p> ?c }}\n")
    assert load_query(path).empty_without == "urn:x:p"


def test_case_cost_is_a_number_of_rows_for_a_case_by_case_form(tmp_path: Path) -> None:
    from cokg.errors import QueryError
    from cokg.query.saved import load_query

    head = "#+ summary: s\n#+ params:\n#+   - name: case\n#+     type: case\n#+     var: case_id\n"
    body = "SELECT ?a WHERE { ?a ?b ?case_id }\n"
    path = tmp_path / "q.rq"
    for bad in ("0", "-3", "many", "2.5"):
        path.write_text(f"{head}#+ by_case: q-by-case\n#+ case_cost: {bad}\n{body}")
        with pytest.raises(QueryError, match="case_cost"):
            load_query(path)
    path.write_text(f"{head}#+ case_cost: 5\n{body}")  # no case-by-case form to weigh
    with pytest.raises(QueryError, match="case_cost"):
        load_query(path)
    path.write_text(f"{head}#+ by_case: q-by-case\n#+ case_cost: 5\n{body}")
    assert load_query(path).case_cost == 5
    assert (
        get_query("rating-evidence").case_cost == 5 and get_query("evidence-gaps").case_cost is None
    )


def test_a_page_of_rating_evidence_weighs_its_cases_at_five_rows(consortium: MemoryStore) -> None:
    # one construct: a row or two a case. A page spanning more cases than a fifth of the rows
    # reads the listing whole; a narrower one asks for its cases (at 200 rows a case, the
    # default, every page here would read the listing whole)
    params = {"construct": "cfir22:III.D"}
    whole = rows(run_query("rating-evidence", store=consortium, **params))
    cases = [str(r["case_id"]) for r in run_query("rating-evidence", store=consortium, **params)]
    seen = set()
    for size in (3, len(whole)):
        spy = Spy(consortium)
        answer = run_query("rating-evidence", store=spy, limit=size, **params)
        assert rows(answer) == whole[:size]
        spanned = len(set(cases[:size]))
        # the case-by-case form is asked for the page's cases; the listing read whole is not
        read_whole = not any(f'"{c}"' in t for t in spy.texts for c in cases[:size])
        assert read_whole is (len(whole) < 5 * spanned), size
        seen.add(read_whole)
    assert seen == {True, False}


NUMBERED = [
    name
    for name in BY_CASE + WHOLE_CASES
    if "case_number" in get_query(get_query(name).total or "").returns
]


def test_the_numbered_totals() -> None:
    assert sorted(NUMBERED) == ["case-features", "health-system-features", "organisation-roles"]


@pytest.mark.parametrize("name", NUMBERED)
def test_a_numbered_total_spares_the_case_order(consortium: MemoryStore, name: str) -> None:
    # the case order comes with the counts: no query asks for every case's number, and the
    # pages are still the slices of the whole answer (two cases share each of numbers 1-3)
    whole = rows(run_query(name, store=consortium))
    order = get_query("case-order").body.strip()
    for offset in (0, len(whole) // 2):
        spy = Spy(consortium)
        answer = run_query(name, store=spy, limit=60, offset=offset)
        assert not any(order in t for t in spy.texts)
        assert answer.page is not None and answer.page.total == len(whole)
        got = rows(answer)
        start = answer.page.offset
        assert got == whole[start : start + len(got)] and len(got) > 0
