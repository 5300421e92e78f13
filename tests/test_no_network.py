"""Loading and checking the whole project opens no socket at all (not even to loopback)."""

from __future__ import annotations

import socket

import pytest

from cokg import load, paths, reason


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
    n_graphs = len(list(store.named_graphs()))
    expected = len(load.ontology_files(include_frameworks=True)) + len(load.data_files())
    assert n_graphs == expected
    assert no_sockets == []


def test_check_everything_offline(no_sockets: list[str]) -> None:
    # owlready2 would fetch owl:imports over HTTP: none may reach it.
    assert paths.UMBRELLA.exists()
    reason.check(include_data=True)
    assert no_sockets == []
