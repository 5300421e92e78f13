"""The cross-case report: HTML (self-contained) and Markdown, with figures; and the cross-case
summary that `cokg analyse` and `make demo` print (`summarise`, rendered by
`cokg.formats.render_analysis`).

Tables come from the saved queries (so the report shows exactly what a researcher gets from
`cokg query`), networks from `cokg.analyse`, figures from matplotlib (SVG inlined into the
HTML, PNG and SVG written beside it). matplotlib is imported when the first figure is drawn,
so the summary does not pay for it.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cokg import __version__, analyse
from cokg.query import QueryAnswer, pivot, run_query
from cokg.store import Store
from cokg.vocabulary import PHASE_NAMES

Progress = Callable[[str], None]

# Colours of the phases on the timelines: shading of the episodes, and their edges and events.
PHASE_COLOURS = dict(zip(PHASE_NAMES, ("#cfe3f5", "#d8efd3", "#f6e2c6"), strict=True))
PHASE_EDGE = dict(zip(PHASE_NAMES, ("#2f6fad", "#3c8a36", "#b5761d"), strict=True))
# The paper's cross-case table of each phase: its number and the saved query that gives it
# (Table 8 compares Lozeau's assimilation scenarios, not the coding frame).
PHASE_TABLES = dict(
    zip(
        PHASE_NAMES,
        ((6, "cross-case"), (7, "cross-case"), (8, "assimilation-scenarios")),
        strict=True,
    )
)
SCHEMES = {  # scheme IRI local name -> (name on figures, colour)
    "study-frame": ("study coding frame", "#6a3d9a"),
    "lozeau-2002": ("Lozeau 2002 scenario", "#b15928"),
    "cfir-2022": ("CFIR 2022", "#1f78b4"),
    "cfir-2009": ("CFIR 2009", "#a6cee3"),
    "greenhalgh-2004": ("Greenhalgh 2004", "#33a02c"),
    "cfir-outcomes": ("CFIR outcomes", "#e31a1c"),
    "proctor-2011": ("Proctor 2011 outcome", "#ff7f00"),
    "re-aim": ("RE-AIM dimension", "#fb9a99"),
}


@dataclass(frozen=True)
class Figure:
    """A figure written as SVG and PNG, with the labels drawn on it (for tests and alt text)."""

    stem: str
    title: str
    svg: Path
    png: Path
    labels: tuple[str, ...]


@dataclass(frozen=True)
class PhaseSummary:
    """What the cases have in common in one phase."""

    phase: str
    in_every_case: tuple[str, ...]  # labels of the constructs every case codes, sorted
    similarity: tuple[tuple[str, str, float], ...]  # (case id, case id, Jaccard) per pair


@dataclass(frozen=True)
class AnalysisSummary:
    """The cross-case measures `cokg analyse` prints (see `summarise`)."""

    phases: tuple[PhaseSummary, ...]
    # (case id, the agents on paths to the start of its adoption), per case
    before_adoption: tuple[tuple[str, tuple[str, ...]], ...]
    network_dir: str | None = None  # where the networks were exported, as given
    networks: tuple[Path, ...] = ()  # the files written there


@dataclass
class ReportResult:
    """What `build_report` produced."""

    html: Path
    markdown: Path
    figures: list[Figure] = field(default_factory=list)
    networks: list[Path] = field(default_factory=list)


# --- the cross-case summary ------------------------------------------------------------


def phase_summaries(store: Store) -> tuple[PhaseSummary, ...]:
    """Per phase: the constructs coded in every case, and the cases' pairwise similarity."""
    nodes = analyse.case_construct_graph(store).nodes  # a construct's label is every phase's
    out = []
    for phase in PHASE_NAMES:
        shared = analyse.constructs_in_all_cases(store, phase=phase)
        similarity = analyse.case_similarity(store, phase=phase)
        out.append(
            PhaseSummary(
                phase=phase,
                in_every_case=tuple(sorted(nodes[n]["label"] for n in shared)),
                similarity=tuple((a, b, value) for (a, b), value in similarity.items()),
            )
        )
    return tuple(out)


def summarise(store: Store, *, export_dir: str | Path | None = None) -> AnalysisSummary:
    """The cross-case summary; with `export_dir`, the networks are also exported there
    (GraphML, GEXF and node-link JSON, see `cokg.analyse.export_all`)."""
    phases = phase_summaries(store)
    before = tuple(
        (case.case_id, tuple(analyse.paths_to_adoption(store, case.case_id)["agents"]))
        for case in analyse.cases(store)
    )
    if export_dir is None:
        return AnalysisSummary(phases, before)
    written = analyse.export_all(store, Path(export_dir))
    return AnalysisSummary(phases, before, network_dir=str(export_dir), networks=tuple(written))


# --- figures --------------------------------------------------------------------------


def _pyplot() -> Any:
    """matplotlib's pyplot, on the Agg backend: files only, never a window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, out_dir: Path, stem: str) -> tuple[Path, Path]:
    svg, png = out_dir / f"{stem}.svg", out_dir / f"{stem}.png"
    fig.savefig(svg, bbox_inches="tight", metadata={"Date": None})
    fig.savefig(png, dpi=130, bbox_inches="tight")
    _pyplot().close(fig)
    return svg, png


def timeline_figure(store: Store, case_id: str, out_dir: Path) -> Figure:
    """One case's timeline: phase episodes shaded, events labelled at their date precision."""
    from matplotlib.patches import Patch

    plt = _pyplot()
    case = analyse.case_by_id(store, case_id)
    items = analyse.timeline(store, case_id)
    episodes = [i for i in items if i.kind == "episode" and i.start is not None]
    events = [i for i in items if i.kind == "event" and i.start is not None]
    undated = [i for i in items if i.kind == "event" and i.start is None]

    starts = [i.start for i in episodes + events if i.start is not None]
    ends = [i.end for i in episodes + events if i.end is not None]
    lo = min(starts, default=2000.0) - 1
    hi = max([*ends, *starts], default=2020.0) + 1
    open_end = hi + 1  # episodes with no end run to the edge of the figure

    height = max(3.0, 0.42 * len(events) + 1.6)
    fig, ax = plt.subplots(figsize=(11, height))
    labels: list[str] = []
    handles = []
    for ep in episodes:
        colour = PHASE_COLOURS.get(ep.phase or "", "#eeeeee")
        end = ep.end if ep.end is not None else open_end
        ax.axvspan(ep.start, end, color=colour, alpha=0.85, zorder=0)
        ax.axvline(ep.start, color=PHASE_EDGE.get(ep.phase or "", "#888"), lw=1, ls="--")
        text = f"{ep.phase}" + (f" ({textwrap.shorten(ep.date_text, 40)})" if ep.date_text else "")
        if ep.end is None:
            text += ", ongoing"
        handles.append(
            Patch(facecolor=colour, edgecolor=PHASE_EDGE.get(ep.phase or ""), label=text)
        )
        labels.append(ep.phase or "")
    for y, ev in enumerate(reversed(events)):
        start = ev.start or 0.0
        end = ev.end if ev.end is not None else start
        colour = PHASE_EDGE.get(ev.phase or "", "#555555")
        if ev.precision == "year" or end - start > 0.2:
            ax.plot([start, end], [y, y], color=colour, lw=6, solid_capstyle="butt", alpha=0.8)
        else:
            ax.plot([start], [y], marker="o", color=colour, ms=7)
        label = f"{ev.label} — {ev.date_text}" if ev.date_text else ev.label
        ax.text(end + 0.15, y, textwrap.shorten(label, 95), va="center", fontsize=8.5)
        labels.append(ev.label)
    ax.set_xlim(lo, open_end + 6)
    ax.set_ylim(-1, max(1, len(events)))
    ax.set_yticks([])
    ax.set_xlabel("year (bars: known to the year or a span; dots: known to the month or day)")
    ax.set_title(f"{case.label}: timeline", loc="left", fontsize=12, pad=30)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if handles:
        ax.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=3,
            fontsize=8,
            frameon=False,
        )
    if undated:
        note = "Undated in the source: " + "; ".join(u.label for u in undated)
        fig.text(0.01, -0.02, textwrap.fill(note, 160), fontsize=8, va="top")
        labels.extend(u.label for u in undated)
    svg, png = _save(fig, out_dir, f"timeline-{case_id}")
    return Figure(f"timeline-{case_id}", f"Timeline of {case.label}", svg, png, tuple(labels))


def construct_network_figure(store: Store, out_dir: Path, *, phase: str | None = None) -> Figure:
    """Cases and the constructs their findings are coded to (edge width: number of findings)."""
    from matplotlib.patches import Patch

    plt = _pyplot()
    g = analyse.case_construct_graph(store, phase=phase)
    case_nodes = [n for n, d in g.nodes(data=True) if d["kind"] == "case"]
    case_nodes.sort(key=lambda n: g.nodes[n]["label"])
    constructs = [n for n, d in g.nodes(data=True) if d["kind"] == "construct"]
    # constructs shared by more cases first, then by name: the common core reads top down
    constructs.sort(key=lambda n: (-g.degree(n), g.nodes[n]["label"]))
    pos = {}
    for i, n in enumerate(case_nodes):
        pos[n] = (0.0, 1 - (i + 0.5) / max(1, len(case_nodes)))
    for i, n in enumerate(constructs):
        pos[n] = (1.0, 1 - (i + 0.5) / max(1, len(constructs)))
    fig, ax = plt.subplots(figsize=(11, max(5.0, 0.24 * len(constructs) + 1)))
    for a, b, d in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0, x1], [y0, y1], color="#7a8fa6", lw=0.6 + 0.6 * d["weight"], alpha=0.55)
    labels = []
    for n in case_nodes:
        x, y = pos[n]
        ax.scatter([x], [y], s=400, color="#2f6fad", zorder=3)
        ax.text(x - 0.05, y, g.nodes[n]["label"], ha="right", va="center", fontsize=10)
        labels.append(g.nodes[n]["label"])
    seen_schemes: dict[str, str] = {}
    for n in constructs:
        x, y = pos[n]
        d = g.nodes[n]
        name, colour = SCHEMES.get(d["scheme"].rsplit("/", 1)[-1], ("other", "#777777"))
        seen_schemes[name] = colour
        ax.scatter([x], [y], s=40 + 30 * g.degree(n), color=colour, zorder=3)
        coded = (
            f"{d['notation']} {d['label']}"
            if name.startswith(("CFIR", "Greenhalgh"))
            else d["label"]
        )
        ax.text(x + 0.04, y, f"{coded}  ({g.degree(n)} of {len(case_nodes)} cases)",
                va="center", fontsize=8)  # fmt: skip
        labels.append(d["label"])
    ax.legend(
        handles=[Patch(color=c, label=nm) for nm, c in seen_schemes.items()],
        loc="upper left",
        fontsize=8,
        frameon=False,
        title="construct scheme",
        title_fontsize=8,
    )
    ax.set_xlim(-0.9, 2.2)
    ax.axis("off")
    title = "Constructs coded in each case" + (f" ({phase})" if phase else " (all phases)")
    ax.set_title(title, loc="left")
    stem = f"construct-network{'-' + phase if phase else ''}"
    svg, png = _save(fig, out_dir, stem)
    return Figure(stem, title, svg, png, tuple(labels))


# --- rendering ------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _answer_table(answer: QueryAnswer, columns: Sequence[str] | None = None) -> list[list[str]]:
    """The columns the query declares for display (all when it declares none), with
    headers as people write them ("case_id" -> "case id")."""
    cols = list(columns or answer.display or answer.variables)
    header = [c.replace("_", " ") for c in cols]
    return [header] + [[_cell(r.data.get(c)) for c in cols] for r in answer.rows]


def _pivot_rows(answer: QueryAnswer) -> list[list[str]]:
    table = pivot(answer)
    rows = [list(table.header)]
    for key, cells in table.rows:
        rows.append([key] + ["\n".join(table.cell_lines(items)) for items in cells])
    return rows


def _html_table(rows: list[list[str]], *, caption: str = "") -> str:
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in rows[0])
    body = []
    for r in rows[1:]:
        cells = "".join(f"<td>{html.escape(c).replace(chr(10), '<br>')}</td>" for c in r)
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _md_table(rows: list[list[str]]) -> str:
    def esc(c: str) -> str:
        return c.replace("|", "\\|").replace("\n", "<br>")

    out = ["| " + " | ".join(esc(h) for h in rows[0]) + " |"]
    out.append("|" + "---|" * len(rows[0]))
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows[1:]]
    return "\n".join(out)


@dataclass
class _Doc:
    """Builds the HTML and Markdown versions side by side."""

    html: list[str] = field(default_factory=list)
    md: list[str] = field(default_factory=list)

    def heading(self, text: str, level: int = 2, anchor: str = "") -> None:
        ident = f" id='{html.escape(anchor)}'" if anchor else ""
        self.html.append(f"<h{level}{ident}>{html.escape(text)}</h{level}>")
        self.md.append(f"{'#' * level} {text}\n")

    def para(self, text: str) -> None:
        self.html.append(f"<p>{html.escape(text)}</p>")
        self.md.append(text + "\n")

    def table(self, rows: list[list[str]], caption: str = "") -> None:
        self.html.append(_html_table(rows, caption=caption))
        if caption:
            self.md.append(f"*{caption}*\n")
        self.md.append(_md_table(rows) + "\n")

    def details(self, summary: str, rows: list[list[str]]) -> None:
        """A long table folded away in HTML (Markdown keeps only the summary line)."""
        self.html.append(
            f"<details><summary>{html.escape(summary)}</summary>{_html_table(rows)}</details>"
        )

    def figure(self, fig: Figure) -> None:
        svg = fig.svg.read_text(encoding="utf-8")
        svg = svg[svg.find("<svg") :]  # drop the XML prolog and DOCTYPE for inlining
        self.html.append(
            f"<figure role='group' aria-label='{html.escape(fig.title)}'>{svg}"
            f"<figcaption>{html.escape(fig.title)} (<a href='{fig.png.name}'>PNG</a>, "
            f"<a href='{fig.svg.name}'>SVG</a>)</figcaption></figure>"
        )
        self.md.append(f"![{fig.title}]({fig.png.name})\n")


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#1d2733;line-height:1.45}
h1{font-size:1.7em}h2{border-bottom:2px solid #dfe6ee;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;width:100%;font-size:.92em}
th,td{border:1px solid #cbd5e0;padding:.35em .55em;vertical-align:top;text-align:left}
th{background:#eef3f8}caption{text-align:left;font-weight:600;padding:.3em 0}
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#4a5868}
blockquote{margin:.3em 0 .6em 1.2em;padding-left:.8em;border-left:3px solid #b5c6d8;color:#2b3a4a}
.finding{margin:.8em 0}.meta{color:#5a6878;font-size:.85em}nav a{margin-right:1em}
"""


def _findings_with_quotations(doc: _Doc, store: Store) -> int:
    answer = run_query("quotations", store=store)
    by_finding: dict[str, list[Any]] = {}
    for row in answer.rows:
        by_finding.setdefault(str(row.data.get("finding")), []).append(row)
    count = 0
    for rows in by_finding.values():
        first = rows[0].data
        case = first.get("case_id") or ""
        doc.html.append("<div class='finding'>")
        doc.html.append(
            f"<p><strong>{html.escape(_cell(first.get('statement')))}</strong> "
            f"<span class='meta'>({html.escape(_cell(case))}, "
            f"{html.escape(_cell(first.get('phase')))})</span></p>"
        )
        doc.md.append(f"**{_cell(first.get('statement'))}** ({case}, {first.get('phase')})\n")
        seen = set()
        for r in rows:
            text, code = _cell(r.data.get("text")), _cell(r.data.get("informant"))
            if (text, code) in seen:
                continue
            seen.add((text, code))
            doc.html.append(f"<blockquote>{html.escape(text)} [{html.escape(code)}]</blockquote>")
            doc.md.append(f"> {text} [{code}]\n")
            count += 1
        doc.html.append("</div>")
    return count


def build_report(store: Store, out_dir: Path, *, progress: Progress | None = None) -> ReportResult:
    """Write `index.html`, `report.md`, figures and network exports into `out_dir`."""
    say = progress or (lambda _msg: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = _Doc()
    cases = analyse.cases(store)
    figures: list[Figure] = []

    doc.html.append(f"<h1>cokg cross-case report</h1><p class='meta'>cokg {__version__}</p>")
    doc.md.append(f"# cokg cross-case report\n\n*cokg {__version__}*\n")
    nav = [
        ("features", "Case features"),
        ("system", "Health systems"),
        ("sampling", "Sampling frame"),
        *((phase, phase.capitalize()) for phase in PHASE_NAMES),
        ("timelines", "Timelines"),
        ("constructs", "Constructs"),
        ("evidence", "Evidence"),
    ]
    doc.html.append(
        "<nav>" + "".join(f"<a href='#{a}'>{html.escape(t)}</a>" for a, t in nav) + "</nav>"
    )

    say("tables 1–5: case features, health systems, sampling frame")
    doc.heading("Case features (Tables 1–3)", anchor="features")
    features = run_query("case-features", store=store)
    doc.table(_pivot_rows(features) if features.pivot else _answer_table(features))
    doc.heading("Health and social care system features (Table 4)", anchor="system")
    system = run_query("health-system-features", store=store)
    doc.table(_pivot_rows(system) if system.pivot else _answer_table(system))
    doc.heading("Sampling frame (Table 5)", anchor="sampling")
    doc.table(_answer_table(run_query("sampling-frame", store=store)))

    say("tables 6–8: cross-case comparison")
    summaries = phase_summaries(store)
    for summary in summaries:
        phase = summary.phase
        number, name = PHASE_TABLES[phase]
        doc.heading(f"Cross-case comparison: {phase} (Table {number})", anchor=phase)
        if name != "cross-case":
            doc.table(_pivot_rows(run_query(name, store=store)))
            continue
        doc.table(_pivot_rows(run_query(name, store=store, phase=phase)))
        shared = ", ".join(summary.in_every_case) or "none"
        doc.para(f"Coded in every case for {phase}: {shared}.")

    doc.heading("Timelines (Figures 1–3)", anchor="timelines")
    for case in cases:
        say(f"timeline figure: {case.case_id}")
        fig = timeline_figure(store, case.case_id, out_dir)
        figures.append(fig)
        doc.figure(fig)
        doc.table(
            _answer_table(
                run_query("timeline", store=store, case=case.case_id),
                ["date", "date_text", "phase", "event", "agents"],
            )
        )

    say("construct network")
    doc.heading("Constructs across cases", anchor="constructs")
    fig = construct_network_figure(store, out_dir)
    figures.append(fig)
    doc.figure(fig)
    sim_rows = [["phase", "case pair", "Jaccard similarity of coded constructs"]]
    for summary in summaries:
        for a, b, value in summary.similarity:
            sim_rows.append([summary.phase, f"{a} / {b}", f"{value:.2f}"])
    doc.table(sim_rows, caption="Case similarity per phase")

    say("evidence")
    doc.heading("Evidence", anchor="evidence")
    doc.table(_answer_table(run_query("dataset-summary", store=store)), caption="Dataset summary")
    gaps = run_query("evidence-gaps", store=store)
    counts: dict[tuple[str, str], int] = {}
    for row in gaps.rows:
        key = (_cell(row.data.get("gap")), _cell(row.data.get("case_id")))
        counts[key] = counts.get(key, 0) + 1
    doc.para(
        f"Evidence gaps: {len(gaps)} record(s) a steward may want to complete "
        "(cokg query evidence-gaps lists them)."
    )
    if counts:
        doc.table(
            [["gap", "case", "records"]] + [[g, c, str(n)] for (g, c), n in sorted(counts.items())],
            caption="Evidence gaps by kind and case",
        )
        doc.details(f"All {len(gaps)} records", _answer_table(gaps))
    doc.heading("Findings and their supporting quotations", level=3)
    _findings_with_quotations(doc, store)

    say("network exports")
    exported = analyse.export_all(store, out_dir / "networks")

    html_path = out_dir / "index.html"
    html_path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>cokg cross-case report</title><style>{_CSS}</style></head><body>"
        + "\n".join(doc.html)
        + "</body></html>\n",
        encoding="utf-8",
    )
    md_path = out_dir / "report.md"
    md_path.write_text("\n".join(doc.md), encoding="utf-8")
    return ReportResult(html=html_path, markdown=md_path, figures=figures, networks=exported)
