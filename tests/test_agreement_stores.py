"""The saved query behind coder agreement (`codings-by-coder`) answers the same on every store -
embedded, in memory, an Oxigraph server and Virtuoso - on the agreement fixtures (a template
submission with a coder column and an imported multi-coder QDA project), and the agreement
computed from a remote store is the one computed in memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from agreement_projects import CASE_TTL, project
from servers import VirtuosoServer, remote_store, running_virtuoso

from cokg.agreement import agreement
from cokg.namespaces import graph_iri
from cokg.qda.converting import convert_project, store_context
from cokg.query import QueryAnswer, run_query
from cokg.store import EmbeddedStore, MemoryStore, RemoteStore, build
from cokg.template.converting import read_template

HARBOUR = Path(__file__).parent / "fixtures" / "agreement" / "harbour"


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixtures as Turtle files, one named graph each."""
    folder = tmp_path_factory.mktemp("agreement-graphs")
    files = {graph_iri("fixture-agreement-harbour"): folder / "harbour.ttl",
             graph_iri("fixture-agreement-case"): folder / "case.ttl",
             graph_iri("fixture-agreement-qda"): folder / "qda.ttl"}  # fmt: skip
    paths = list(files.values())
    read_template(HARBOUR).graph.serialize(paths[0], format="turtle")
    paths[1].write_text(CASE_TTL, encoding="utf-8")
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files({graph_iri("fixture-agreement-case"): paths[1]})
    conv = convert_project(project(), pid="qda-northfield", context=store_context(st),
                           phase="implementation", coder_names=True)  # fmt: skip
    conv.graph.serialize(paths[2], format="turtle")
    return files


@pytest.fixture(scope="module")
def memory(fixture_files: dict[str, Path]) -> MemoryStore:
    st = MemoryStore()
    build(st, include_data=False)
    st.load_files(fixture_files)
    return st


@pytest.fixture(scope="module")
def embedded(
    tmp_path_factory: pytest.TempPathFactory, fixture_files: dict[str, Path]
) -> Iterator[EmbeddedStore]:
    st = EmbeddedStore(tmp_path_factory.mktemp("agreement") / "store")
    build(st, include_data=False)
    st.load_files(fixture_files)
    yield st
    st.close()


@pytest.fixture(scope="module")
def virtuoso_server() -> Iterator[VirtuosoServer]:
    yield from running_virtuoso()


@pytest.fixture(scope="module", params=[pytest.param(k, id=k) for k in ("oxigraph", "virtuoso")])
def remote(request: pytest.FixtureRequest, fixture_files: dict[str, Path]) -> RemoteStore:
    server = request.getfixturevalue(f"{request.param}_server")
    return remote_store(server, fixture_files, data=False)


def _normal(answer: QueryAnswer) -> Counter:
    return Counter(tuple(sorted((k, str(v)) for k, v in r.items())) for r in answer)


def test_the_query_answers_both_kinds_of_coding(memory: MemoryStore) -> None:
    # Harbour: 8 coder findings; the quotations they are supported by, one row per
    # (quotation, construct, coder): coder-a 6 (Q1, Q2, Q3, Q4 x2, Q5), coder-b 6, coder-c 4.
    # Northfield: the 10 codings of tests/agreement_projects.py.
    rows = run_query("codings-by-coder", store=memory)
    by_case = Counter(r["case_id"] for r in rows)
    assert by_case == {"fictional-harbour": 16, "fx-north": 10}
    assert {r["coder_label"] for r in rows} == {"coder-a", "coder-b", "coder-c", "Ana", "Ben",
                                                "Carl"}  # fmt: skip
    one = run_query("codings-by-coder", store=memory, case="fx-north")
    assert len(one) == 10 and all(r["start"] is not None for r in one)


@pytest.mark.server
@pytest.mark.parametrize("params", [{}, {"case": "fx-north"}], ids=["all", "one-case"])
def test_same_rows_on_every_store(memory, embedded, remote, params: dict) -> None:
    expected = run_query("codings-by-coder", store=embedded, **params)
    assert expected.rows
    for other in (memory, remote):
        got = run_query("codings-by-coder", store=other, **params)
        assert got.variables == expected.variables
        assert _normal(got) == _normal(expected), repr(other)


@pytest.mark.server
def test_agreement_on_a_remote_store(memory, remote) -> None:
    here = agreement(memory, coders=["coder-a", "coder-b", "coder-c"])
    there = agreement(remote, coders=["coder-a", "coder-b", "coder-c"])
    assert there == here
