"""cokg.demo: the step runner carries on past a failing step and reports failure at the end."""

from __future__ import annotations

import re

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


# The steps that work on any project tree; the later ones (dataset summary, saved queries,
# analyses, report) run the founding dataset's queries and are tested on the real project.
GENERIC_STEPS = STEPS[:5]


def test_generic_steps_are_the_first_five() -> None:
    assert [s.title.split(" ")[0] for s in GENERIC_STEPS] == [
        "version", "ontology", "cokg", "cokg", "cokg"
    ]  # fmt: skip
    assert "validate" in GENERIC_STEPS[-1].title


def test_demo_steps_on_the_mini_project(project_root, tmp_path, monkeypatch) -> None:
    project_root()
    monkeypatch.chdir(tmp_path)  # the build step writes .cokg/store under the working directory
    seen: list[str] = []
    assert run(GENERIC_STEPS, out=seen.append), "\n".join(seen)
    text = "\n".join(seen)
    assert (tmp_path / ".cokg" / "store").is_dir()
    # core.ttl declares Agent, Organisation, UnnamedIndividual, Case, Stance; date; Facilitator;
    # inCase. demo-frame.ttl has one concept.
    assert "framework: Demo frame (1 concepts)" in text
    assert (
        "ontology terms: 5 classes, 1 datatype properties, 1 individuals, 1 object properties"
        in text
    )


def test_demo_on_the_founding_project(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the store and the report go under the working directory
    seen: list[str] = []
    assert run(STEPS, out=seen.append), "\n".join(seen)
    text = "\n".join(seen)
    # Published sizes of the frameworks (CFIR 2022: 5 domains + 48 constructs + 19
    # subconstructs) and the paper's counts: 3 cases, 26 bullets in Table 6, 3 NA cells in Table 8.
    assert re.search(r"CFIR 2\.0\), 2022 \(72 concepts\)", text), text
    assert re.search(r"\| cases +\| +\| 3 +\|", text), text
    assert re.search(r"\| cross-case findings +\| adoption +\| 26 +\|", text), text
    assert re.search(r"\| not-observed cells +\| assimilation +\| 3 +\|", text), text
    assert (tmp_path / ".cokg" / "store").is_dir()
    assert (tmp_path / "report" / "index.html").is_file()
