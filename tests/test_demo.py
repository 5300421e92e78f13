"""cokg.demo: the step runner carries on past a failing step and reports failure at the end."""

from __future__ import annotations

from cokg.demo import STEPS, Step, StepResult, run
from cokg.errors import InputError


def test_runner_continues_after_a_failure() -> None:
    def bad() -> StepResult:
        raise InputError("broken input", file="x.ttl", line=3)

    def buggy() -> StepResult:
        raise KeyError("oops")

    seen: list[str] = []
    ok = run(
        [Step("bad", bad), Step("buggy", buggy), Step("good", lambda: StepResult(["fine"]))],
        out=seen.append,
    )
    assert not ok
    text = "\n".join(seen)
    assert "error: x.ttl:3: broken input" in text
    assert "KeyError: 'oops'" in text
    assert "  fine" in text
    assert text.rstrip().endswith("demo: some steps FAILED")


def test_demo_steps_on_the_mini_project(project_root) -> None:
    project_root()
    seen: list[str] = []
    assert run(STEPS, out=seen.append), "\n".join(seen)
    text = "\n".join(seen)
    # core.ttl declares Agent, Organisation, UnnamedIndividual, Case, Stance; date; Facilitator;
    # inCase. demo-frame.ttl has one concept.
    assert "framework: Demo frame (1 concepts)" in text
    assert (
        "ontology terms: 5 classes, 1 datatype properties, 1 individuals, 1 object properties"
        in text
    )
