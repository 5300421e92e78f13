"""`cokg constructs`: codes found from labels, typos allowed (issue: intake, part 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from cokg.cli import cli
from cokg.constructs import find_constructs
from cokg.errors import ParameterError
from cokg.store import MemoryStore, build


@pytest.fixture(scope="module")
def store() -> Iterator[MemoryStore]:
    st = MemoryStore()
    build(st, include_data=False)
    yield st
    st.close()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("External Change Agents", "cfir09:V.B.4", id="exact-label"),
        pytest.param("external change agent", "cfir09:V.B.4", id="singular-lower-case"),
        pytest.param("chnage agents", "cfir09:V.B.4", id="typo"),
        pytest.param("V.B.4", "cfir09:V.B.4", id="notation"),
        pytest.param("cfir22:IV.K", "cfir22:IV.K", id="prefixed-name"),
        pytest.param("co-optation", "lozeau:co-optation", id="lozeau"),
    ],
)
def test_best_match_first(store: MemoryStore, text: str, code: str) -> None:
    found = find_constructs(text, store=store, limit=3)
    assert found and found[0].code == code


def test_exact_label_scores_one(store: MemoryStore) -> None:
    (top, *_) = find_constructs("Capability", store=store, scheme="cfir-2022")
    assert (top.code, top.label, top.score) == ("cfir22:IV.K", "Capability", 1.0)
    assert top.parent == "IV" and top.definition


def test_mappings_are_listed(store: MemoryStore) -> None:
    (top, *_) = find_constructs("External Change Agents", store=store, scheme="cfir-2009")
    assert "close cfir-2022:IV.D" in top.mappings


def test_scheme_lists_every_concept(store: MemoryStore) -> None:
    # CFIR 2.0: 5 domains, 48 constructs, 19 subconstructs
    assert len(find_constructs(store=store, scheme="cfir-2022")) == 72


def test_nothing_matches_nonsense(store: MemoryStore) -> None:
    assert find_constructs("qqqqzzzz", store=store) == []


def test_unknown_scheme(store: MemoryStore) -> None:
    with pytest.raises(ParameterError, match="the schemes are cfir-2009, cfir-2022"):
        find_constructs(scheme="cfir-3000", store=store)


def test_cli_search() -> None:
    result = CliRunner().invoke(
        cli, ["constructs", "chnage agents", "--limit", "1", "--store", "memory:"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("cfir09:V.B.4  External Change Agents")
    assert "maps to: close cfir-2022:IV.D" in result.output
