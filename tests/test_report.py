"""The cross-case report: tables, figures and quotations from the paper appear in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cokg.cli import cli
from cokg.query import run_query
from cokg.report import build_report
from cokg.store import MemoryStore, build


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    store = MemoryStore()
    build(store)
    out = tmp_path_factory.mktemp("report")
    steps: list[str] = []
    result = build_report(store, out, progress=steps.append)
    store.close()
    return result, steps


@pytest.mark.parametrize(
    "text",
    [
        # Table 6, Case 1, external context
        pytest.param("National awards created enthusiasm to continue to build on work to date",
                     id="table-6-cell"),
        # Table 7, Case 1, process
        pytest.param("ESTHER cafes attract a broad range of listeners to hear lived experiences "
                     "and identify improvements", id="table-7-cell"),
        # Table 8, Case 3, co-optation
        pytest.param("Manitoba Justice ministry has co-opted the anger management course",
                     id="table-8-cell"),
        # Table 4, Case 2, primary funder
        pytest.param("National government", id="table-4-cell"),
        # a quotation, verbatim
        pytest.param("being on tap, not on top", id="quotation"),
    ],
)  # fmt: skip
def test_html_and_markdown_carry_the_papers_text(report, text) -> None:
    result, _ = report
    assert text in result.html.read_text("utf-8")
    assert text in result.markdown.read_text("utf-8")


def test_each_finding_is_labelled_with_its_own_phase(report) -> None:
    # Table 8 (assimilation scenarios), Case 1: an assimilation finding, though the quotation
    # behind it was said about implementation; the label is the finding's phase
    result, _ = report
    md = result.markdown.read_text("utf-8")
    (line,) = [x for x in md.splitlines() if x.startswith("**Co-optation resisted at a number")]
    assert line.endswith("** (jonkoping-esther, assimilation)")
    phases = re.findall(r"^\*\*.+\*\* \([a-z-]+, (\w+)\)$", md, flags=re.MULTILINE)
    assert phases and set(phases) <= {"adoption", "implementation", "assimilation"}


def test_sampling_frame_totals_in_report(report) -> None:
    # Table 5's Total row: 14 informant interviews (2 + 4 + 8), 32 documents (6 + 8 + 18).
    html = report[0].html.read_text("utf-8")
    assert re.search(r"<tr><td>Total</td>(<td></td>)*<td>14</td><td>32</td></tr>", html)


@pytest.mark.parametrize(
    ("stem", "label"),
    [
        pytest.param("timeline-manitoba-learning-centres", "Recovery Days", id="case-3"),
        pytest.param("timeline-jonkoping-esther", "ESTHER", id="case-1"),
        pytest.param("timeline-dundee-mrr", "Making Recovery Real", id="case-2"),
        pytest.param("construct-network", "Making Recovery Real", id="network"),
    ],
)
def test_figures_written_with_expected_labels(report, stem, label) -> None:
    result, _ = report
    fig = next(f for f in result.figures if f.stem == stem)
    assert any(label in x for x in fig.labels), fig.labels
    assert fig.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert label in fig.svg.read_text("utf-8")


def test_progress_reported_for_each_step(report) -> None:
    _, steps = report
    assert any("timeline" in s for s in steps) and any("network" in s for s in steps)


def test_report_command_writes_index(tmp_path, store_dir) -> None:
    out = tmp_path / "r"
    result = CliRunner().invoke(cli, ["report", "--out", str(out), "--store", str(store_dir)])
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()
    assert (out / "networks" / "case-construct.graphml").is_file()


def test_characters_the_figure_font_lacks_are_said_once_and_kept_in_the_svg(tmp_path) -> None:
    """A Japanese site name in a figure: matplotlib warns once per character and drawing; the
    report says it once for the figure, and the SVG keeps the name as text (a browser draws it
    in its own fonts) where the PNG can only show boxes."""
    import warnings

    from cokg import report as rp
    from cokg.formats import render_report
    from cokg.report import ReportResult

    plt = rp._pyplot()
    fig, ax = plt.subplots()
    ax.set_title("大阪 site: timeline")
    collected: list[tuple[str, str]] = []
    token = rp._MISSING_GLYPHS.set(collected)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing leaks to the terminal
            svg, png = rp._save(fig, tmp_path, "timeline-osaka")
    finally:
        rp._MISSING_GLYPHS.reset(token)
    assert collected == [("timeline-osaka", "大阪")]
    assert "大阪 site: timeline" in svg.read_text("utf-8") and png.stat().st_size > 0
    result = ReportResult(html=tmp_path / "index.html", markdown=tmp_path / "report.md")
    result.warnings = ["figure timeline-osaka: the figure font has no glyph"]
    assert render_report(result).splitlines()[-1] == (
        "warning: figure timeline-osaka: the figure font has no glyph"
    )


def test_inlined_figures_keep_their_ids_apart_and_empty_timelines_are_not_drawn(tmp_path) -> None:
    """Each inlined SVG named its parts figure_1, axes_1 ... alike: the page had duplicate
    ids. A case with no events nor episodes got an empty timeline figure."""
    import re as _re

    from cokg.ingest import ingest
    from cokg.report import build_report

    st = MemoryStore()
    build(st)
    sub = tmp_path / "riverside"
    import shutil

    from submissions import EXAMPLE

    shutil.copytree(EXAMPLE, sub)
    for sheet in ("events", "phases"):  # the case with nothing on its timeline
        text = (sub / f"{sheet}.csv").read_text("utf-8").splitlines()[0]
        (sub / f"{sheet}.csv").write_text(text + "\n", "utf-8")
    ingest([sub], by="A", store=st)
    result = build_report(st, tmp_path / "out")
    page = result.html.read_text("utf-8")
    ids = _re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i in set(ids) if ids.count(i) > 1][:5]
    assert not (tmp_path / "out" / "timeline-fictional-riverside.svg").exists()
    assert "no events or phase episodes recorded" in page
    assert (tmp_path / "out" / "timeline-dundee-mrr.svg").exists()


def test_timeline_years_are_whole_and_undated_events_come_by_phase(report) -> None:
    """The Dundee figure's axis read 2005.0, 2007.5; its undated events (12 of 14) came in
    alphabetical order, an implementation event before the adoption ones."""
    from cokg.vocabulary import PHASE_NAMES

    result, _ = report
    (fig,) = [f for f in result.figures if f.stem == "timeline-dundee-mrr"]
    svg = fig.svg.read_text(encoding="utf-8")
    ticks = re.findall(r'<g id="xtick_\d+">.*?>([^<>]+)</text>', svg, re.DOTALL)
    assert len(ticks) > 2 and all(re.fullmatch(r"\d{4}", t) for t in ticks), ticks
    store = MemoryStore()
    build(store)
    rows = [r for r in run_query("timeline", store=store, case="dundee-mrr") if r["date"] is None]
    store.close()
    order = [PHASE_NAMES.index(r["phase"]) if r["phase"] else 3 for r in rows]
    assert len(rows) > 5 and order == sorted(order) and len(set(order)) > 1
    note = svg.split("Undated in the source: ", 1)[1]
    assert note.index("adoption:") < note.index("implementation:")


def test_a_report_that_fails_leaves_no_folder(tmp_path: Path) -> None:
    # `cokg report --out X` against a server that was down left an empty X/ behind
    from click.testing import CliRunner
    from servers import free_port

    from cokg.cli import cli

    out = tmp_path / "reports" / "2026"
    url = f"http://127.0.0.1:{free_port()}/query"
    result = CliRunner().invoke(cli, ["report", "--endpoint", url, "--out", str(out)])
    assert result.exit_code != 0 and "cannot reach" in result.output
    assert list(tmp_path.iterdir()) == []
