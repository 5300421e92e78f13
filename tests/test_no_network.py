"""Loading and checking the whole project opens no socket at all (not even to loopback)."""

from __future__ import annotations

import socket

import pytest

from cokg import load, paths, reason
from cokg.namespaces import graph_iri
from cokg.validate import format_report


def test_guard_itself_blocks(no_sockets: list[str]) -> None:
    # The audit hook is live: a connection attempt raises inside the caller and is recorded.
    s = socket.socket()
    try:
        with pytest.raises(OSError, match="network access blocked"):
            s.connect(("127.0.0.1", 9))
    finally:
        s.close()
    assert no_sockets == ["socket.connect '127.0.0.1'"]
    # Recorded as refused too, so the autouse guard would fail this test; clear it since
    # this refusal was the point.
    from conftest import _GUARD

    _GUARD.refused.clear()


def test_load_everything_offline(no_sockets: list[str]) -> None:
    store = load.load_ontology(include_frameworks=True, include_data=True)
    assert len(store) > 0
    graphs = {g.value for g in store.named_graphs()}
    # Expected graphs read off the tree by the contract's naming rule, not from cokg.load:
    # the umbrella and each module, each framework file, each data file.
    expected = {graph_iri("ontology/cokg")}
    expected |= {graph_iri(f"ontology/{f.stem}") for f in paths.MODULES_DIR.glob("*.ttl")}
    expected |= {graph_iri(f"framework/{f.stem}") for f in paths.FRAMEWORKS_DIR.glob("*.ttl")}
    expected |= {graph_iri(f.stem) for f in paths.DATA_DIR.glob("**/*.ttl")}
    assert graph_iri("dundee-mrr") in expected and graph_iri("framework/cfir-2022") in expected
    assert graphs == expected
    assert no_sockets == []


def test_check_everything_offline(no_sockets: list[str]) -> None:
    # owlready2 would fetch owl:imports over HTTP: none may reach it.
    assert paths.UMBRELLA.exists()
    report = reason.check(include_data=True)
    assert report.ok, format_report(report)
    assert report.data_individuals > 0  # the data really went to the reasoner
    assert no_sockets == []
