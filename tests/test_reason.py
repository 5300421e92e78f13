"""cokg.reason: HermiT really runs, finds unsatisfiable classes and inconsistency, and says so
in plain words; `cokg check` passes on the project's own ontology."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cokg import paths, reason
from cokg.errors import ReasonerError
from cokg.models import UnsatisfiableClass
from cokg.validate import format_report

FIX = Path(__file__).parent / "fixtures" / "reason"
COKG = "https://w3id.org/cokg/ontology#"


def test_mini_project_is_clean(project_root) -> None:
    project_root()
    report = reason.check()
    assert report.consistent
    assert report.unsatisfiable == ()
    assert report.lint == ()
    assert report.ok
    assert report.reasoner.startswith("HermiT")


def test_mini_project_with_data(project_root) -> None:
    project_root()
    report = reason.check(include_data=True)
    assert report.ok
    # data/demo.ttl has two individuals: the case and the organisation
    assert report.data_individuals == 2


def test_unsatisfiable_class_is_named(project_root) -> None:
    project_root()
    report = reason.check(extra_files=[FIX / "unsatisfiable.ttl"])
    assert report.consistent
    assert report.unsatisfiable == (
        UnsatisfiableClass(COKG + "OrganisationalPerson", "Organisational person"),
    )
    assert not report.ok
    text = format_report(report)
    assert "Organisational person <https://w3id.org/cokg/ontology#OrganisationalPerson>" in text
    assert text.endswith("FAILED")


def test_inconsistency_is_explained(project_root) -> None:
    project_root()
    report = reason.check(extra_files=[FIX / "inconsistent.ttl"])
    assert not report.consistent
    assert not report.ok
    assert report.inconsistency is not None
    assert "https://w3id.org/cokg/id/agent/janus" in report.inconsistency
    assert "Organisation" in report.inconsistency
    assert "Unnamed individual" in report.inconsistency


def test_inconsistent_data_is_blamed_on_the_data(project_root, tmp_path: Path) -> None:
    from conftest import MINI_PROJECT

    root = tmp_path / "p"
    shutil.copytree(MINI_PROJECT, root)
    shutil.copy(FIX / "inconsistent.ttl", root / "data" / "janus.ttl")
    project_root(root)
    assert reason.check().ok  # without data the vocabulary is fine
    report = reason.check(include_data=True)
    assert not report.consistent
    assert report.inconsistency.startswith(
        "the data individuals contradict the ontology (data/janus.ttl)."
    )
    assert "janus" in report.inconsistency


def test_data_over_the_limit_is_skipped(project_root, monkeypatch) -> None:
    project_root()
    monkeypatch.setattr(reason, "DATA_TRIPLE_LIMIT", 1)
    report = reason.check(include_data=True)
    assert report.ok
    assert report.data_individuals == 0
    assert any("exceed the reasoner limit" in w.message for w in report.warnings)


def test_java_missing(project_root, monkeypatch) -> None:
    project_root()
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ReasonerError, match=r"Java not found: run `make system-deps`"):
        reason.check()


def test_owl_imports_are_not_given_to_owlready2(project_root, no_sockets: list[str]) -> None:
    # The mini umbrella imports its module; owlready2 would try to fetch it.
    project_root()
    assert reason.check().ok
    assert no_sockets == []


def test_real_ontology_passes_check() -> None:
    """The project's own ontology, frameworks, shapes and queries: consistent, no
    unsatisfiable class, every term declared and documented."""
    if not paths.UMBRELLA.exists():
        pytest.fail(f"the project ontology {paths.UMBRELLA.name} is missing")
    report = reason.check()
    assert report.ok, format_report(report)


def test_inconsistency_through_a_range_is_explained(project_root) -> None:
    project_root()
    report = reason.check(extra_files=[FIX / "inconsistent-range.ttl"])
    assert not report.consistent
    assert report.inconsistency.startswith(
        "Acme <https://w3id.org/cokg/id/org/acme> is both Organisation"
    )
    assert "Unnamed individual" in report.inconsistency


def test_reasoner_timeout(project_root) -> None:
    project_root()
    with pytest.raises(ReasonerError, match=r"HermiT did not finish within 0.001 s"):
        reason.check(timeout=0.001)
    assert reason.check().ok  # the timeout is restored afterwards
