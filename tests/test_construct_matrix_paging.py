"""construct-matrix on a store with more rated cases than one page (bench/synthetic.py's "rated"
profile, 10 cases): a batch of cases asked for at once (a VALUES block on ?case_id, as a page
of a listing paged by case asks) gives exactly those cases' whole columns, and the default
listing gives one page of whole cases with the right total.

Expected counts from the generator's plan: every case rates CFIR 2022's 48 constructs
(I.A-I.H 8, II.A-II.G 7, III.A-III.K 11, IV.A-IV.M 13, V.A-V.I 9) in each of the 3 phases,
144 ratings; case 10 (c % 10 == 0) has a second rater on its first signal rating (III.D in
adoption), 145. Each rating is one row.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from rated import rated_store
from rdflib import Literal
from rdflib.term import Node
from spying import Spy

from cokg.namespaces import graph_iri
from cokg.query import get_query, run_query
from cokg.query.binding import bind_parameters
from cokg.query.paging import _bound
from cokg.sparql import inject_rows, screen
from cokg.store import MemoryStore, source_files

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import synthetic

CASES = 10
PER_CASE = 48 * 3
ROWS = CASES * PER_CASE + 1  # case 10's second rater


@pytest.fixture(scope="module")
def rated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MemoryStore]:
    data = tmp_path_factory.mktemp("rated") / "rated.nt"
    synthetic.write(data, cases=CASES, profile="rated")
    files = source_files(include_data=False)
    files[graph_iri("synthetic")] = data
    st = MemoryStore()
    st.rebuild(files)
    yield st
    st.close()


def _key(terms: Mapping[str, Node | None]) -> tuple[tuple[str, str], ...]:
    """A row as its bound RDF terms, comparable whatever the store left out of unbound ones."""
    return tuple(sorted((k, v.n3()) for k, v in terms.items() if v is not None))


def test_the_whole_matrix_has_every_rating(rated: MemoryStore) -> None:
    answer = run_query("construct-matrix", store=rated)
    per_case = Counter(r["case_id"] for r in answer)
    assert len(answer) == ROWS
    assert per_case["synthetic-00001"] == PER_CASE
    assert per_case["synthetic-00010"] == PER_CASE + 1
    assert len(per_case) == CASES


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(["synthetic-00001"], id="one"),
        pytest.param(["synthetic-00001", "synthetic-00002", "synthetic-00003"], id="first-three"),
        pytest.param(["synthetic-00009", "synthetic-00010"], id="with-two-raters"),
    ],
)
def test_a_batch_of_cases_is_their_whole_columns(rated: MemoryStore, ids: list[str]) -> None:
    whole = run_query("construct-matrix", store=rated)
    body = screen(get_query("construct-matrix").body)
    text = inject_rows(body.text, body.form, "case_id", [Literal(i) for i in ids])
    batch = rated.query(text).rows
    expected = [r for r in whole if r["case_id"] in ids]
    assert len(batch) == len(expected) == PER_CASE * len(ids) + ("synthetic-00010" in ids)
    assert Counter(_key(r) for r in batch) == Counter(_key(r.terms) for r in expected)


def test_the_case_parameter_gives_one_column(rated: MemoryStore) -> None:
    answer = run_query("construct-matrix", store=rated, case="10", phase="adoption")
    assert {r["case_id"] for r in answer} == {"synthetic-00010"}
    assert len(answer) == 48 + 1  # 48 constructs in adoption, III.D by two raters


def test_the_default_listing_is_one_page_of_whole_cases(rated: MemoryStore) -> None:
    assert get_query("construct-matrix").paged
    answer = run_query("construct-matrix", store=rated, limit=300)
    shown = Counter(r["case_id"] for r in answer)
    assert 0 < len(shown) < CASES
    assert all(n == PER_CASE for n in shown.values())  # whole columns only
    assert answer.page is not None and answer.page.total == ROWS
    assert answer.page.next_offset == len(answer)


def _where(which: str, **params: str) -> str:
    """The WHERE group of construct-matrix's `total` or `count` query for `params` (default:
    the framework's default), as it reads bound and sent to the store."""
    matrix = get_query("construct-matrix")
    bindings, _ = bind_parameters(matrix, params, MemoryStore())
    name = getattr(matrix, f"{which}_for")(bindings)
    sent = _bound(name, bindings)
    return sent.split("WHERE {", 1)[1].strip()


@pytest.mark.parametrize(
    ("limit", "cases"),
    [
        pytest.param(1, 1, id="one-case-however-long"),
        pytest.param(300, 2, id="within-the-first-batch"),
        pytest.param(PER_CASE * 6, 6, id="over-two-batches"),
    ],
)
def test_the_first_page_needs_no_count_per_case(rated: MemoryStore, limit: int, cases: int) -> None:
    spy = Spy(rated)
    answer = run_query("construct-matrix", store=spy, limit=limit)
    whole = run_query("construct-matrix", store=rated)
    ids = [f"synthetic-{n:05d}" for n in range(1, cases + 1)]
    assert [r["case_id"] for r in answer] == [r["case_id"] for r in whole if r["case_id"] in ids]
    assert Counter(_key(r.terms) for r in answer) == Counter(
        _key(r.terms) for r in whole if r["case_id"] in ids
    )
    assert answer.page is not None and answer.page.total == ROWS
    assert answer.page.next_offset == PER_CASE * cases
    per_case, count = _where("total"), _where("count")
    assert not any(per_case in t for t in spy.texts)
    assert sum(count in t for t in spy.texts) == 1
    asked = sum(t.count('"synthetic-') for t in spy.texts if "VALUES ?case_id" in t)
    assert asked <= 2 * cases + 4  # the page's cases (twice over two batches), a batch more


def test_a_first_page_holding_every_case_reads_them_in_one_batch(rated: MemoryStore) -> None:
    # the total, counted first, says every case fits: they are asked for at once (the batch
    # is capped at COUNTED_CASES), not a few at a time and then again together
    from cokg.query.paging import COUNTED_CASES

    spy = Spy(rated)
    answer = run_query("construct-matrix", store=spy, limit=ROWS)
    assert len(answer) == ROWS and answer.page is not None and answer.page.total == ROWS
    assert answer.page.next_offset is None
    assert sum(_where("count") in t for t in spy.texts) == 1
    listing = [t for t in spy.texts if "VALUES ?case_id" in t]
    assert len(listing) == math.ceil(ROWS / PER_CASE / COUNTED_CASES)


def test_a_sparse_matrix_fills_its_first_page_in_one_batch_or_counts_per_case(
    tmp_path: Path,
) -> None:
    # five ratings a case (six for every tenth, two raters): the total says 19 cases fill a
    # 100-row page, asked for at once (and the next case, which does not fit); a 200-row page
    # needs 39, more than one batch takes (COUNTED_CASES), and after FIRST_BATCHES the rows per
    # case are counted (one query) and the page asked for at once
    from cokg.query.paging import COUNTED_CASES, FIRST_BATCHES, MAX_CASES

    data = tmp_path / "few.nt"
    synthetic.write(data, cases=60, profile="rated", ratings="few")
    files = source_files(include_data=False)
    files[graph_iri("synthetic")] = data
    st = MemoryStore()
    st.rebuild(files)
    whole = run_query("construct-matrix", store=st)
    per_case = Counter(r["case_id"] for r in whole)
    assert len(per_case) == 60 and set(per_case.values()) == {5, 6}
    assert COUNTED_CASES + (FIRST_BATCHES - 1) * MAX_CASES < 200 / 5 < len(per_case)
    ids = list(dict.fromkeys(r["case_id"] for r in sorted(whole, key=lambda r: r["case_number"])))
    for limit, per_case_counted in ((100, False), (200, True)):
        spy = Spy(st)
        answer = run_query("construct-matrix", store=spy, limit=limit)
        assert answer.page is not None and answer.page.total == len(whole)
        assert any(_where("total") in t for t in spy.texts) is per_case_counted
        batches = [t for t in spy.texts if "VALUES ?case_id" in t]
        assert len(batches) == (FIRST_BATCHES + 1 if per_case_counted else 2)
        shown = {r["case_id"] for r in answer}  # the first cases in case order, whole
        assert shown == set(ids[: len(shown)]) and len(answer) <= limit
        assert len(answer) == sum(per_case[c] for c in shown)
        assert sum(per_case[c] for c in ids[: len(shown) + 1]) > limit  # the next did not fit
    st.close()


@pytest.fixture(scope="module")
def small() -> Iterator[MemoryStore]:
    # the hand-made fixture of tests/test_ratings_queries.py: several raters, phases, schemes
    st = rated_store()
    yield st
    st.close()


@pytest.mark.parametrize("phase", [None, "adoption", "implementation"])
@pytest.mark.parametrize("scheme", [None, "cfir-2009"])
def test_the_rows_per_case_count_the_small_fixture(
    small: MemoryStore, phase: str | None, scheme: str | None
) -> None:
    whole = run_query("construct-matrix", store=small, phase=phase, scheme=scheme)
    answer = run_query("construct-matrix", store=small, phase=phase, scheme=scheme, limit=1)
    assert answer.page is not None and answer.page.total == len(whole)
    for size in (1, 10, 1000):
        offset, seen = 0, []
        while True:
            page = run_query("construct-matrix", store=small, phase=phase, scheme=scheme,
                             limit=size, offset=offset)  # fmt: skip
            assert page.page is not None and page.page.offset == offset
            seen.extend(_key(r.terms) for r in page)
            if page.page.next_offset is None:
                break
            offset = page.page.next_offset
        assert Counter(seen) == Counter(_key(r.terms) for r in whole)


@pytest.mark.parametrize(
    "params",
    [{}, {"phase": "adoption"}, {"phase": "implementation"}, {"scheme": "cfir-2009"},
     {"scheme": "cfir-2009", "phase": "adoption"}],
)  # fmt: skip
def test_the_rows_per_case_count_the_listing(rated: MemoryStore, params: dict[str, str]) -> None:
    whole = run_query("construct-matrix", store=rated, **params)
    matrix = get_query("construct-matrix")
    bindings, used = bind_parameters(matrix, params, rated)
    # the total written for the parameters bound: with a phase, the one reading its index
    total = matrix.total_for(bindings)
    assert total == ("construct-matrix-total-phase" if "phase" in params else matrix.total)
    query = get_query(total)
    assert query.paged is False
    answer = run_query("construct-matrix", store=rated, limit=len(whole) or 1, **params)
    assert answer.page is not None and answer.page.total == len(whole)
    assert Counter(r["case_id"] for r in answer) == Counter(r["case_id"] for r in whole)
    counts = {str(r["case_id"]): r["total"] for r in run_query(total, store=rated, **used)}
    assert counts == dict(Counter(str(r["case_id"]) for r in whole))
    count = matrix.count_for(bindings)
    assert count == ("construct-matrix-count-phase" if "phase" in params else matrix.count)
    assert count is not None
    assert run_query(count, store=rated, **used).rows[0]["total"] == len(whole)


def test_every_page_is_whole_cases_in_order(rated: MemoryStore) -> None:
    whole = run_query("construct-matrix", store=rated, phase="implementation")
    ids = list(dict.fromkeys(r["case_id"] for r in sorted(whole, key=lambda r: r["case_number"])))
    offset, seen, before = 0, [], None
    while True:
        answer = run_query("construct-matrix", store=rated, phase="implementation", limit=100,
                           offset=offset)  # fmt: skip
        assert answer.page is not None and answer.page.offset == offset
        assert answer.page.total == len(whole)
        # "previous" returns to the very page before (pages of 96 rows, not cut every 100)
        assert answer.page.previous_offset == before
        before = offset
        shown = list(dict.fromkeys(r["case_id"] for r in answer))
        assert len(shown) == 2  # 48 rows a case: two fit in 100
        seen.extend(shown)
        if answer.page.next_offset is None:
            break
        offset = answer.page.next_offset
    assert seen == ids
    past = run_query("construct-matrix", store=rated, limit=100, offset=len(whole) + 1,
                     phase="implementation")  # fmt: skip
    assert len(past) == 0 and past.page is not None and past.page.total == len(whole)


def test_an_empty_matrix_answers_from_its_count(small: MemoryStore) -> None:
    # rated, but nothing in this phase: the count says so, and no case is asked for (nor the
    # cases ordered)
    spy = Spy(small)
    answer = run_query("construct-matrix", store=spy, phase="assimilation", limit=100)
    assert len(answer) == 0 and answer.page is not None and answer.page.total == 0
    assert list(answer.variables) == list(get_query("construct-matrix").returns)
    assert sum(_where("count", phase="assimilation") in t for t in spy.texts) == 1
    ids = [str(r["case_id"]) for r in run_query("cases", store=small)]
    assert ids and not any(f'"{c}"' in t for c in ids for t in spy.texts)
    assert not any(get_query("case-order").body.strip() in t for t in spy.texts)
    # nothing rated at all: one ASK says so (`#+ empty_without:`), not even the count runs
    from cokg.store import build

    st = MemoryStore()
    build(st)
    spy = Spy(st)
    answer = run_query("construct-matrix", store=spy, limit=100)
    assert len(answer) == 0 and answer.page is not None and answer.page.total == 0
    assert list(answer.variables) == list(get_query("construct-matrix").returns)
    assert spy.texts[-1].startswith("ASK") and not any(_where("count") in t for t in spy.texts)
    st.close()
