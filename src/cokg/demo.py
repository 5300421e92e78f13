"""`make demo` (`python -m cokg.demo`): the pipeline end to end, one step after another.

Adding a step: write a function `def _step_xxx() -> StepResult` below (import what it needs
inside the function, call one library function, return the lines to show) and add one line
to STEPS in pipeline order (load -> check -> build -> validate -> query -> analyse/report).
A step fails by raising CokgError or returning ok=False; the demo then carries on with the
remaining steps and exits 1 at the end, so one broken part does not hide the others.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cokg.errors import CokgError


@dataclass(frozen=True)
class StepResult:
    lines: list[str] = field(default_factory=list)
    ok: bool = True


@dataclass(frozen=True)
class Step:
    title: str
    run: Callable[[], StepResult]


# --- steps ---------------------------------------------------------------------------------


def _step_version() -> StepResult:
    import platform

    import pyoxigraph

    from cokg import __version__

    return StepResult(
        [
            f"cokg {__version__} (Python {platform.python_version()}, pyoxigraph "
            f"{pyoxigraph.__version__})"
        ]
    )


_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?kind (COUNT(DISTINCT ?t) AS ?n) WHERE {
  ?t a ?type .
  FILTER(STRSTARTS(STR(?t), "https://w3id.org/cokg/ontology#"))
  BIND(IF(?type = owl:Class, "classes",
       IF(?type = owl:ObjectProperty, "object properties",
       IF(?type = owl:DatatypeProperty, "datatype properties",
       IF(?type = owl:AnnotationProperty, "annotation properties", "individuals")))) AS ?kind)
  FILTER(?type != owl:NamedIndividual)
} GROUP BY ?kind ORDER BY ?kind
"""

_SCHEMES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?scheme (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?scheme a skos:ConceptScheme .
  OPTIONAL { ?scheme skos:prefLabel|<http://purl.org/dc/terms/title> ?l }
  OPTIONAL { ?c skos:inScheme ?scheme }
} GROUP BY ?scheme ORDER BY ?scheme
"""


def _step_ontology() -> StepResult:
    from cokg import load

    files = load.ontology_files(include_frameworks=True)
    store = load.load_ontology(include_frameworks=True)
    lines = [
        f"{len(files)} files, {len(store)} triples, {len(list(store.named_graphs()))} named graphs"
    ]
    kinds: Any = store.query(_TERMS, use_default_graph_as_union=True)  # a SELECT: rows
    terms = ", ".join(f"{r['n'].value} {r['kind'].value}" for r in kinds)
    lines.append(f"ontology terms: {terms or 'none'}")
    schemes: Any = store.query(_SCHEMES, use_default_graph_as_union=True)
    for r in schemes:
        label = r["label"].value if r["label"] is not None else r["scheme"].value
        lines.append(f"framework: {label} ({r['n'].value} concepts) <{r['scheme'].value}>")
    return StepResult(lines)


def _step_check() -> StepResult:
    from cokg import paths
    from cokg.reason import check
    from cokg.validate import format_report

    report = check(include_data=paths.DATA_DIR.is_dir())
    return StepResult(format_report(report).splitlines(), ok=report.ok)


_DEMO_ROWS = 8  # rows of each saved query shown; `cokg query NAME` shows them all
_REPORT_DIR = "report"
# The demo's store, under the working directory (`make demo` runs in the project's root), named
# so that the demo also runs in a scratch folder that is not a project.
_STORE = Path(".cokg", "store")
# The FICTIONAL rated example goes into a store of its own: the default store stays the founding
# data, whose answers the README's tour shows (five invented sites beside the three cases made
# every count in it wrong for whoever followed the tour after `make demo`).
_EXAMPLE_STORE = Path(".cokg", "example-store")
# Example values for parameters a query requires: CFIR 2009's code for external change agents,
# which finds findings coded in CFIR 2022 through the crosswalk.
_EXAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "quotations-by-construct": {"construct": "cfir09:V.B.4"}
}


def _step_build() -> StepResult:
    from cokg.store import build, open_store

    with open_store(_STORE) as store:
        report = build(store, fresh=True)
        lines = [str(report)]
        for graph, n in report.graphs:
            if "/graph/ontology/" not in graph and "/graph/framework/" not in graph:
                lines.append(f"{n:6d} triples  <{graph}>")
    return StepResult(lines)


def _step_validate() -> StepResult:
    from cokg import paths
    from cokg.validate import format_report, validate

    report = validate([paths.DATA_DIR])
    text = format_report(report).splitlines()
    return StepResult(text[:40], ok=report.conforms)


def _step_summary() -> StepResult:
    from cokg.formats import render
    from cokg.query import run_query

    return StepResult(render(run_query("dataset-summary", store=_STORE), "table").splitlines())


def _step_queries() -> StepResult:
    from cokg.formats import render
    from cokg.query import list_queries, run_query

    lines: list[str] = []
    for saved in list_queries():
        if saved.name == "dataset-summary":
            continue
        answer = run_query(saved.name, store=_STORE, **_EXAMPLE_PARAMS.get(saved.name, {}))
        given = " ".join(f"{k}={v}" for k, v in answer.parameters.items() if v)
        lines.append("")
        lines.append(f"--- {saved.name} {given}".rstrip() + f": {saved.summary}")
        lines.append(f"    {len(answer)} rows in {answer.seconds * 1000:.1f} ms")
        if answer.pivot is not None:
            lines.extend(render(answer, "table", width=150).splitlines())
            continue
        shown = replace(answer, rows=answer.rows[:_DEMO_ROWS])
        lines.extend(render(shown, "table", width=150).splitlines())
        if len(answer) > _DEMO_ROWS:
            lines.append(f"    … {len(answer) - _DEMO_ROWS} more rows: cokg query {saved.name}")
    return StepResult(lines)


def _step_analyse() -> StepResult:
    from cokg.formats import render_analysis
    from cokg.report import summarise
    from cokg.store import open_store

    with open_store(_STORE) as store:
        return StepResult(render_analysis(summarise(store)).splitlines())


def _step_report() -> StepResult:
    from cokg.report import build_report
    from cokg.store import open_store

    with open_store(_STORE) as store:
        result = build_report(store, Path(_REPORT_DIR))
    return StepResult(
        [
            f"HTML report: {result.html.resolve()}",
            f"Markdown:    {result.markdown.resolve()}",
            f"{len(result.figures)} figures (SVG + PNG), {len(result.networks)} network files",
        ]
    )


def _step_rated_example() -> StepResult:
    """The FICTIONAL rated example (examples/rated-sites) in a store of its own
    (`.cokg/example-store`: the founding data and the five sites), leaving the default store as
    the founding data; then the rating queries and the two analysts' agreement on it."""
    from cokg import paths
    from cokg.agreement import agreement, render_agreement
    from cokg.formats import render
    from cokg.ingest import ingest
    from cokg.query import run_query
    from cokg.store import build, open_store

    with open_store(_EXAMPLE_STORE) as store:
        build(store, fresh=True)
    folder = paths.EXAMPLES_DIR / "rated-sites"
    lines: list[str] = [f"the founding data and the example in {_EXAMPLE_STORE}"]
    # the shared records first, then one submission (one graph) per site
    for f in [folder / "fictional-pkt-shared.ttl", *sorted(folder.glob("site-*.ttl"))]:
        result = ingest([f], by="cokg demo", store=_EXAMPLE_STORE)
        lines.append(f"ingested {f.relative_to(paths.ROOT)} into <{result.graph}>")
    for name in ("construct-matrix", "distinguishing-constructs"):
        answer = run_query(name, store=_EXAMPLE_STORE, phase="adoption")
        lines += ["", f"--- {name} phase=adoption: {len(answer)} rows"]
        lines += render(answer, "table", width=150).splitlines()
    # the two fictional analysts coded the same quotations: how far do they agree?
    coders = ["analyst A (FICTIONAL)", "analyst B (FICTIONAL)"]
    report = agreement(_EXAMPLE_STORE, coders=coders)
    lines += ["", f"--- cokg agreement --coders '{','.join(coders)}'"]
    lines += render_agreement(report, "table").splitlines()
    return StepResult(lines)


# The extension point: one line per step, in pipeline order.
STEPS: list[Step] = [
    Step("version", _step_version),
    Step("ontology and frameworks", _step_ontology),
    Step("cokg check (HermiT + vocabulary lint, with data)", _step_check),
    Step("cokg build --fresh (ontology, frameworks and data/ into .cokg/store)", _step_build),
    Step("cokg validate data/ (SHACL shapes and QC queries)", _step_validate),
    Step("the founding dataset (cokg query dataset-summary)", _step_summary),
    Step("the saved queries (cokg query NAME)", _step_queries),
    Step("cross-case analysis (cokg analyse)", _step_analyse),
    Step("the cross-case report (cokg report)", _step_report),
    Step(
        "a FICTIONAL rated example in .cokg/example-store (cokg ingest examples/rated-sites, "
        "rating queries, agreement)",
        _step_rated_example,
    ),
]


def run(steps: list[Step] | None = None, *, out: Callable[[str], None] = print) -> bool:
    """Run the steps, writing their output with `out`; True when every step succeeded."""
    all_ok = True
    for i, step in enumerate(steps if steps is not None else STEPS, 1):
        out(f"\n== {i}. {step.title} ==")
        start = time.perf_counter()
        try:
            result = step.run()
        except CokgError as exc:
            result = StepResult([f"error: {exc}"], ok=False)
        except Exception:  # a bug: show it, keep going with the other steps
            result = StepResult(traceback.format_exc().rstrip().splitlines(), ok=False)
        for line in result.lines:
            out(f"  {line}")
        status = "ok" if result.ok else "FAILED"
        out(f"  [{status} in {time.perf_counter() - start:.2f} s]")
        all_ok = all_ok and result.ok
    out("\ndemo: all steps succeeded" if all_ok else "\ndemo: some steps FAILED")
    return all_ok


def main() -> None:
    sys.exit(0 if run() else 1)


if __name__ == "__main__":
    main()
