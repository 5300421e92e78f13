"""The cross-case report: HTML (self-contained) and Markdown, with figures; and the cross-case
summary that `cokg analyse` and `make demo` print (`summarise`, rendered by
`cokg.formats.render_analysis`).

Tables come from the saved queries (so the report shows exactly what a researcher gets from
`cokg query`), networks from `cokg.analyse`, figures from matplotlib (SVG inlined into the
HTML, PNG and SVG written beside it). matplotlib is imported when the first figure is drawn,
so the summary does not pay for it. A store with construct ratings also gets a ratings
section (heatmaps from construct-matrix, distinguishing-constructs tables); one without, none.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import textwrap
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cokg import __version__, analyse
from cokg.formats import NOT_COMPARED
from cokg.namespaces import CFIROUT
from cokg.query import QueryAnswer, get_query, pivot, run_query
from cokg.store import Store
from cokg.vocabulary import OUTCOME_LEVELS, PHASE_NAMES

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
class StudyShare:
    """What the cases of one study have in common in a phase (a store of several studies)."""

    study_id: str
    label: str
    in_every_case: tuple[str, ...]  # labels of the constructs every studied case codes, sorted
    studied_cases: int  # the study's cases studied in the phase (`analyse.studied_cases`)
    stances: tuple[tuple[str, str], ...] = ()  # as PhaseSummary.stances

    def shared_text(self) -> str:
        """As PhaseSummary.shared_text."""
        return shared_text(self.in_every_case, self.stances)


@dataclass(frozen=True)
class PhaseSummary:
    """What the cases have in common in one phase."""

    phase: str
    in_every_case: tuple[str, ...]  # labels of the constructs every studied case codes, sorted
    # (case id, case id, Jaccard) per pair; None when neither case has a coded construct
    similarity: tuple[tuple[str, str, float | None], ...]
    studied_cases: int = 0  # the cases studied in the phase ("every case" above)
    # the same, study by study, when the store holds several: a second study in the store
    # makes "every case" across studies a different question from "every case of mine"
    by_study: tuple[StudyShare, ...] = ()
    # (label, "resisted in 2 cases, occurred in 1") for those of in_every_case whose findings
    # state a stance: coded in every case is not the same as happened in every case
    stances: tuple[tuple[str, str], ...] = ()

    def shared_text(self) -> str:
        """The constructs in every case, each with its stances: "Co-optation (resisted in 2
        cases, occurred in 1), Transformation (occurred in 3 cases)"."""
        return shared_text(self.in_every_case, self.stances)


def shared_text(labels: tuple[str, ...], stances: tuple[tuple[str, str], ...]) -> str:
    said = dict(stances)
    return ", ".join(f"{x} ({said[x]})" if said.get(x) else x for x in labels) or "none"


def _stance_words(counts: Mapping[str, int]) -> str:
    parts = [f"{stance} in {n}" for stance, n in counts.items()]
    if parts:  # "in 2 cases" once, on the first count
        first = next(iter(counts.values()))
        parts[0] += f" case{'s' * (first != 1)}"
    return ", ".join(parts)


def _shared_stances(
    g: Any, shared: Iterable[str], cases: set[str]
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(labels sorted, (label, stances in words)) of the constructs in `shared`."""
    named = sorted((g.nodes[n]["label"], n) for n in shared)
    words = ((label, _stance_words(analyse.stances_in_cases(g, n, cases))) for label, n in named)
    return tuple(label for label, _ in named), tuple((lb, w) for lb, w in words if w)


@dataclass(frozen=True)
class AnalysisSummary:
    """The cross-case measures `cokg analyse` prints (see `summarise`)."""

    phases: tuple[PhaseSummary, ...]
    # (case id, the agents on paths to the start of its adoption), per case; None for a case
    # whose adoption has no dated start (nothing can be placed before it)
    before_adoption: tuple[tuple[str, tuple[str, ...] | None], ...]
    network_dir: str | None = None  # where the networks were exported, as given
    networks: tuple[Path, ...] = ()  # the files written there


@dataclass
class ReportResult:
    """What `build_report` produced."""

    html: Path
    markdown: Path
    figures: list[Figure] = field(default_factory=list)
    networks: list[Path] = field(default_factory=list)
    heatmaps: list[Figure] = field(default_factory=list)  # the rating heatmaps (also in figures)
    warnings: list[str] = field(default_factory=list)  # what a reader should know of the figures


# --- the cross-case summary ------------------------------------------------------------


def phase_summaries(store: Store) -> tuple[PhaseSummary, ...]:
    """Per phase: the constructs coded in every case, and the cases' pairwise similarity."""
    nodes = analyse.case_construct_graph(store).nodes  # a construct's label is every phase's
    several = analyse.studies(store)
    several = several if len(several) > 1 else []
    out = []
    for phase in PHASE_NAMES:
        g = analyse.case_construct_graph(store, phase=phase)
        for n in g.nodes:
            g.nodes[n]["label"] = nodes[n]["label"]
        studied = analyse.studied_cases(store, phase)
        shared = analyse.constructs_in_all_cases(store, phase=phase, studied=studied)
        similarity = analyse.case_similarity(store, phase=phase)
        by_study = []
        for s in several:
            own = analyse.studied_cases(store, phase, study=s.study_id)
            common = analyse.constructs_in_all_cases(store, phase=phase, studied=own)
            labels, stances = _shared_stances(g, common, own)
            by_study.append(StudyShare(s.study_id, s.label, labels, len(own), stances))
        labels, stances = _shared_stances(g, shared, studied)
        out.append(
            PhaseSummary(
                phase=phase,
                in_every_case=labels,
                similarity=tuple((a, b, value) for (a, b), value in similarity.items()),
                studied_cases=len(studied),
                by_study=tuple(by_study),
                stances=stances,
            )
        )
    return tuple(out)


def summarise(store: Store, *, export_dir: str | Path | None = None) -> AnalysisSummary:
    """The cross-case summary; with `export_dir`, the networks are also exported there
    (GraphML, GEXF and node-link JSON, see `cokg.analyse.export_all`)."""
    phases = phase_summaries(store)
    before = tuple((case.case_id, _agents_before_adoption(store, case.case_id))
                   for case in analyse.cases(store))  # fmt: skip
    if export_dir is None:
        return AnalysisSummary(phases, before)
    written = analyse.export_all(store, Path(export_dir))
    return AnalysisSummary(phases, before, network_dir=str(export_dir), networks=tuple(written))


def _agents_before_adoption(store: Store, case_id: str) -> tuple[str, ...] | None:
    """The agents on paths to the start of a case's adoption; None when that start is not
    dated (a case may give no adoption date: the other cases are still summarised)."""
    try:
        return tuple(analyse.paths_to_adoption(store, case_id)["agents"])
    except analyse.NoDatedAdoption:
        return None


# --- figures --------------------------------------------------------------------------


def _pyplot() -> Any:
    """matplotlib's pyplot, on the Agg backend: files only, never a window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# matplotlib's warning for a character its font lacks (Japanese, emoji in a label)
_GLYPH = re.compile(r"Glyph (\d+) .*missing from font")
# (figure stem, characters its font lacks) of the report being built: said once per figure
_MISSING_GLYPHS: ContextVar[list[tuple[str, str]] | None] = ContextVar("missing", default=None)


_SVG_ID = re.compile(r"""(\bid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href="#)([^"]+)(")""")


def _own_ids(svg: str, stem: str) -> str:
    """An SVG's ids (and the references to them) prefixed with its figure's stem: matplotlib
    names every figure's parts alike (figure_1, axes_1, ...), so several inlined in one page
    gave it duplicate ids."""

    def rename(m: re.Match[str]) -> str:
        groups = [g for g in m.groups() if g is not None]
        return f"{groups[0]}{stem}-{groups[1]}{groups[2]}"

    return _SVG_ID.sub(rename, svg)


def _save(fig: Any, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """The figure as SVG and PNG. The SVG keeps text as text, not outlines: searchable, small
    when inlined in the HTML, and drawn in the reader's fonts, so characters the figure font
    lacks (a Japanese site name) show there though the PNG has boxes for them; those are
    said once per figure (`ReportResult.warnings`), not once per character and drawing."""
    plt = _pyplot()
    svg, png = out_dir / f"{stem}.svg", out_dir / f"{stem}.png"
    with warnings.catch_warnings(record=True) as caught, plt.rc_context({"svg.fonttype": "none"}):
        warnings.simplefilter("always")
        fig.savefig(svg, bbox_inches="tight", metadata={"Date": None})
        fig.savefig(png, dpi=130, bbox_inches="tight")
    plt.close(fig)
    missing: set[str] = set()
    for w in caught:
        m = _GLYPH.search(str(w.message))
        if m:
            missing.add(chr(int(m.group(1))))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    found = _MISSING_GLYPHS.get()
    if missing and found is not None:
        found.append((stem, "".join(sorted(missing))))
    return svg, png


def timeline_figure(store: Store, case_id: str, out_dir: Path) -> Figure:
    """One case's timeline: phase episodes shaded, events labelled at their date precision."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, MaxNLocator

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
    right = hi + 7  # room for the labels of the last events

    height = max(3.0, 0.42 * len(events) + 1.6)
    fig, ax = plt.subplots(figsize=(11, height))
    labels: list[str] = []
    handles = []
    for ep in episodes:
        colour = PHASE_COLOURS.get(ep.phase or "", "#eeeeee")
        end = ep.end if ep.end is not None else right  # ongoing: to the edge of the figure
        # translucent: overlapping phases (adoption still running when implementation
        # starts) both show, the later one no longer hiding the earlier
        ax.axvspan(ep.start, end, color=colour, alpha=0.5, zorder=0)
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
        # the date's wording, unless the name says it already ("... since the 1990s")
        said = ev.date_text and ev.date_text.casefold() not in ev.label.casefold()
        label = f"{ev.label} — {ev.date_text}" if said else ev.label
        ax.text(end + 0.15, y, textwrap.shorten(label, 95), va="center", fontsize=8.5)
        labels.append(ev.label)
    ax.set_xlim(lo, right)
    ax.set_ylim(-1, max(1, len(events)))
    ax.set_yticks([])
    # years are whole numbers: ticks at 2007.5 said nothing
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:.0f}"))
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
        groups: dict[str, list[str]] = {}  # in phase order, as analyse.timeline gives them
        for u in undated:
            groups.setdefault(u.phase or "no phase", []).append(u.label)
        note = "Undated in the source: " + "; ".join(
            f"{phase}: {', '.join(names)}" for phase, names in groups.items()
        )
        # below the axis title, in points from the axes (a figure fraction overlapped it)
        ax.annotate(textwrap.fill(note, 160), xy=(0, 0), xycoords="axes fraction",
                    xytext=(0, -44), textcoords="offset points", fontsize=8, va="top")  # fmt: skip
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


# --- construct ratings ------------------------------------------------------------------


# A diverging scale for the scored ratings, strong red through a neutral grey to strong green;
# a mean between two scores (several raters) is interpolated between its neighbours.
VALENCE_COLOURS: dict[int, str] = {
    -2: "#b2182b",
    -1: "#f09a9a",
    0: "#e6e6e6",
    1: "#9fd49a",
    2: "#1b7837",
}
MIXED_COLOUR = "#8c6bb1"  # X: purple, off the red-grey-green scale - an influence with no valence
MISSING_HATCH = "///"  # missing: hatched white - the data said nothing, which a 0 does not mean
NOT_RATED_COLOUR = "#ffffff"
INK, INK_LIGHT = "#1d2733", "#ffffff"
GRID, HATCH_EDGE = "#cfcfcf", "#7a7a7a"
# The band above the columns: each case's level on the outcome distinguishing-constructs
# compares by default (CFIR outcomes addendum, actual implementation), in blues so that it is
# not read as a rating.
HEATMAP_OUTCOME = str(CFIROUT.implementation)
HEATMAP_OUTCOME_NAME = "implementation outcome"
OUTCOME_COLOURS = dict(zip(OUTCOME_LEVELS, ("#08519c", "#6baed6", "#deebf7"), strict=True))
DISAGREED_COLOUR = "#bdbdbd"  # judges naming different levels
# Columns per heatmap: beyond this a figure is split (cells stay about an inch wide, legible
# in the PNG and SVG).
MAX_HEATMAP_CASES = 30
# Figures per matrix: a consortium of 1,000 rated cases would otherwise get ~100 figures (minutes
# of drawing, pages nobody scrolls); past this the tables and the XLSX workbook hold the rest.
MAX_HEATMAP_PARTS = 4


@dataclass(frozen=True)
class CellStyle:
    """How one heatmap cell is drawn."""

    kind: str  # "scored", "mixed", "missing", "none" (not rated) or "other"
    face: str
    hatch: str = ""
    ink: str = INK  # the annotation's colour


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def valence_colour(score: float) -> str:
    """The colour of a score, or a mean of scores, on the diverging scale (clamped to ±2)."""
    x = min(2.0, max(-2.0, float(score)))
    lo = min(1, math.floor(x))  # the anchors lo and lo + 1 around x (2 lies in [1, 2])
    t = x - lo
    a, b = _rgb(VALENCE_COLOURS[lo]), _rgb(VALENCE_COLOURS[lo + 1])
    return "#" + "".join(f"{round(p + (q - p) * t):02x}" for p, q in zip(a, b, strict=True))


def _score(notation: str) -> int | None:
    # the scored values' notations are the signed numbers themselves, "+2" ... "-2" (rating.ttl)
    try:
        return int(notation)
    except ValueError:
        return None


def rating_style(ratings: Sequence[str]) -> CellStyle:
    """The style of a cell holding these ratings (value notations, one per rater).

    Several raters: the colour is the mean of their scored ratings - the raters' scores are
    averaged as distinguishing-constructs averages them - and the annotation lists every value
    ("+1/+2"), so a disagreement stays visible. An X or missing beside a score leaves the colour
    to the score; only X is mixed, only missing is hatched, no rating is a blank cell."""
    if not ratings:
        return CellStyle("none", NOT_RATED_COLOUR)
    scores = [s for s in map(_score, ratings) if s is not None]
    if scores:
        mean = sum(scores) / len(scores)
        return CellStyle("scored", valence_colour(mean), ink=INK_LIGHT if abs(mean) >= 1.5 else INK)
    if "X" in ratings:
        return CellStyle("mixed", MIXED_COLOUR, ink=INK_LIGHT)
    if all(r == "missing" for r in ratings):
        return CellStyle("missing", NOT_RATED_COLOUR, hatch=MISSING_HATCH)
    return CellStyle("other", NOT_RATED_COLOUR, hatch="..")  # a value cokg does not know yet


@dataclass(frozen=True)
class RatingCell:
    """The ratings of one construct in one case (one per rating, by rater), with the number
    of findings each cites and of quotations supporting those findings."""

    ratings: tuple[str, ...] = ()
    findings: tuple[int, ...] = ()
    quotations: tuple[int, ...] = ()

    @property
    def style(self) -> CellStyle:
        return rating_style(self.ratings)

    def _parts(self) -> tuple[str, str]:
        def joined(items: Sequence[object]) -> str:
            return "/".join(str(i) for i in items)

        return joined(self.ratings), f"{joined(self.findings)} f, {joined(self.quotations)} q"

    def annotation(self) -> str:
        """As drawn in the cell: "+2\\n3 f, 2 q"; two raters "+1/+2\\n1/0 f, 0/0 q"."""
        return "\n".join(self._parts()) if self.ratings else ""

    def text(self) -> str:
        """As in the tables, like construct-matrix's cells: "+2 (3 f, 2 q)"."""
        value, counts = self._parts()
        return f"{value} ({counts})" if self.ratings else ""


@dataclass(frozen=True)
class RatedCase:
    """A column of a rating matrix."""

    case_id: str
    label: str
    number: int | None = None
    outcome: str | None = None  # level on HEATMAP_OUTCOME; "high/low" when the judges disagree

    @property
    def heading(self) -> str:
        return f"{self.label} ({self.outcome})" if self.outcome else self.label


@dataclass(frozen=True)
class RatingMatrix:
    """The construct ratings of one framework and phase, construct by case (construct-matrix)."""

    scheme: str  # as construct-matrix's scheme parameter names it, e.g. "cfir-2022"
    phase: str | None  # None: the ratings of a case as a whole
    constructs: tuple[str, ...]  # "III.D Culture", in notation order
    cases: tuple[RatedCase, ...]  # by case number, then case id
    cells: Mapping[tuple[str, str], RatingCell]  # (construct, case id); absent: not rated

    @property
    def stem(self) -> str:
        return f"ratings-{self.scheme}-{self.phase or 'whole-case'}"

    @property
    def title(self) -> str:
        name = SCHEMES.get(self.scheme, (self.scheme, ""))[0]
        return f"{name}, {self.phase or 'the case as a whole (no phase)'}"

    def cell(self, construct: str, case_id: str) -> RatingCell:
        return self.cells.get((construct, case_id), RatingCell())

    def chunks(self, size: int = MAX_HEATMAP_CASES) -> list[tuple[RatedCase, ...]]:
        """The cases in runs of at most `size`, one per figure."""
        return [self.cases[i : i + size] for i in range(0, len(self.cases), size)] or [()]

    def table(self, cases: Sequence[RatedCase] | None = None) -> list[list[str]]:
        """The matrix as table rows (header first), cells as construct-matrix writes them."""
        cols = self.cases if cases is None else cases
        rows = [["Construct", *(c.heading for c in cols)]]
        for k in self.constructs:
            rows.append([k, *(self.cell(k, c.case_id).text() for c in cols)])
        return rows


def _outcome_levels(store: Store) -> dict[str, str]:
    """Case id -> its level(s) on HEATMAP_OUTCOME, best first ("high", or "high/low")."""
    levels: dict[str, dict[str, int]] = {}
    for row in run_query("case-outcomes", store=store):
        if row.data.get("outcome") != HEATMAP_OUTCOME:
            continue
        order = row.data.get("level_order")
        levels.setdefault(row.data["case_id"], {})[row.data["level"]] = (
            order if isinstance(order, int) else len(OUTCOME_LEVELS)
        )
    return {case: "/".join(sorted(ls, key=lambda k: ls[k])) for case, ls in levels.items()}


def _phase_order(phase: str | None) -> tuple[int, str]:
    if phase is None:  # the ratings of a case as a whole come last
        return len(PHASE_NAMES) + 1, ""
    return (PHASE_NAMES.index(phase) if phase in PHASE_NAMES else len(PHASE_NAMES)), phase


def _matrix(
    scheme: str, phase: str | None, rows: Sequence[Any], outcomes: Mapping[str, str]
) -> RatingMatrix:
    constructs: dict[str, None] = {}  # in the query's order: by notation
    cases: dict[str, RatedCase] = {}
    found: dict[tuple[str, str], list[Any]] = {}
    seen: set[str] = set()
    for row in rows:
        d = row.data
        if d["rating_iri"] in seen:  # a construct with two labels gives a rating two rows
            continue
        seen.add(d["rating_iri"])
        construct, case_id = str(d["construct"]).strip(), str(d["case_id"])
        constructs.setdefault(construct, None)
        number = d.get("case_number")
        cases.setdefault(
            case_id,
            RatedCase(
                case_id,
                str(d.get("case") or case_id),
                number if isinstance(number, int) else None,
                outcomes.get(case_id),
            ),
        )
        found.setdefault((construct, case_id), []).append(d)
    cells = {
        key: RatingCell(
            tuple(str(d["rating"]) for d in ds),
            tuple(int(d.get("findings") or 0) for d in ds),
            tuple(int(d.get("quotations") or 0) for d in ds),
        )
        for key, ds in found.items()
    }
    ordered = sorted(cases.values(), key=lambda c: (c.number is None, c.number or 0, c.case_id))
    return RatingMatrix(scheme, phase, tuple(constructs), tuple(ordered), cells)


def rating_matrices(store: Store) -> list[RatingMatrix]:
    """The store's construct ratings as matrices (from construct-matrix): one per framework
    and phase that has ratings, phases in order, then the ratings of a case as a whole.
    Empty when the store holds no ratings (the founding dataset)."""
    out: list[RatingMatrix] = []
    outcomes: dict[str, str] | None = None
    for scheme in get_query("construct-matrix").param("scheme").allowed:
        answer = run_query("construct-matrix", store=store, scheme=scheme)
        if not answer.rows:
            continue
        if outcomes is None:
            outcomes = _outcome_levels(store)
        by_phase: dict[str | None, list[Any]] = {}
        for row in answer.rows:
            by_phase.setdefault(row.data.get("phase"), []).append(row)
        for phase in sorted(by_phase, key=_phase_order):
            out.append(_matrix(scheme, phase, by_phase[phase], outcomes))
    return out


def _heatmap_legend(band: bool) -> list[Any]:
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=VALENCE_COLOURS[s], edgecolor=GRID, label=f"{s:+d}" if s else "0")
        for s in (2, 1, 0, -1, -2)
    ]
    handles += [
        Patch(facecolor=MIXED_COLOUR, edgecolor=GRID, label="X (mixed)"),
        Patch(facecolor=NOT_RATED_COLOUR, edgecolor=HATCH_EDGE, hatch=MISSING_HATCH,
              label="missing (no data)"),
        Patch(facecolor=NOT_RATED_COLOUR, edgecolor=GRID, label="not rated"),
    ]  # fmt: skip
    if band:
        handles += [
            Patch(facecolor=c, edgecolor=GRID, label=f"{level} {HEATMAP_OUTCOME_NAME}")
            for level, c in OUTCOME_COLOURS.items()
        ]
    return handles


def rating_heatmap_figure(
    matrix: RatingMatrix,
    out_dir: Path,
    *,
    cases: Sequence[RatedCase] | None = None,
    stem: str | None = None,
    title: str | None = None,
) -> Figure:
    """A heatmap of `matrix` (or of some of its `cases`): a row per rated construct, a column
    per case, the cell coloured by `rating_style` and annotated with the rating(s) and the
    findings and quotations behind them; a band above the columns gives the cases' outcome."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    plt = _pyplot()
    cols = list(matrix.cases if cases is None else cases)
    rows = list(matrix.constructs)
    band = any(c.outcome for c in cols)
    top = -1 if band else 0
    fig, ax = plt.subplots(
        figsize=(max(7.0, 3.4 + 1.05 * len(cols)), max(3.0, 2.6 + 0.5 * (len(rows) - top)))
    )
    # the plain cells as one collection: a large store draws thousands of them
    plain: list[Any] = []
    faces: list[str] = []
    for i, construct in enumerate(rows):
        for j, case in enumerate(cols):
            cell = matrix.cell(construct, case.case_id)
            style = cell.style
            if style.hatch:
                ax.add_patch(
                    Rectangle((j, i), 1, 1, facecolor=style.face, hatch=style.hatch,
                              edgecolor=HATCH_EDGE, lw=0.8)
                )  # fmt: skip
            else:
                plain.append(Rectangle((j, i), 1, 1))
                faces.append(style.face)
            if cell.ratings:
                # on a hatched cell the text gets a white ground, to stay readable
                ground = {"facecolor": "white", "edgecolor": "none", "pad": 1}
                ax.text(
                    j + 0.5, i + 0.5, cell.annotation(), ha="center", va="center",
                    fontsize=7.5, color=style.ink, bbox=ground if style.hatch else None,
                )  # fmt: skip
    ax.add_collection(PatchCollection(plain, facecolors=faces, edgecolors=GRID, linewidths=0.8))
    if band:
        for j, case in enumerate(cols):
            level = case.outcome or ""
            colour = OUTCOME_COLOURS.get(level, DISAGREED_COLOUR if level else NOT_RATED_COLOUR)
            ax.add_patch(Rectangle((j, -1), 1, 0.8, facecolor=colour, edgecolor=GRID, lw=0.8))
            ink = INK_LIGHT if level == "high" else INK
            ax.text(j + 0.5, -0.6, level or "not judged", ha="center", va="center",
                    fontsize=7.5, color=ink)  # fmt: skip
    ax.set_xlim(0, max(1, len(cols)))
    ax.set_ylim(max(1, len(rows)), top)  # inverted: the first construct on top
    ax.set_yticks(
        [*([-0.6] if band else []), *(i + 0.5 for i in range(len(rows)))],
        [*([HEATMAP_OUTCOME_NAME] if band else []), *rows],
        fontsize=9,
    )
    ax.xaxis.tick_top()
    ax.set_xticks(
        [j + 0.5 for j in range(len(cols))],
        [textwrap.fill(c.label, 16) for c in cols],
        fontsize=8,
    )
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    legend = ax.legend(
        handles=_heatmap_legend(band),
        loc="upper left",
        bbox_to_anchor=(0, -0.02),
        ncol=4 if band else 8,
        fontsize=8,
        frameon=False,
        title="cell: rating(s), then findings (f) and quotations (q) cited; "
        "several raters: values by rater, colour their mean",
        title_fontsize=8,
    )
    legend.set_gid("rating-legend")  # an id in the SVG: the cells are what comes before it
    title = title or f"Construct ratings: {matrix.title}"
    ax.set_title(title, loc="left", fontsize=11)
    stem = stem or matrix.stem
    svg, png = _save(fig, out_dir, stem)
    return Figure(stem, title, svg, png, (*rows, *(c.label for c in cols)))


def rating_heatmap_figures(
    matrix: RatingMatrix, out_dir: Path, *, max_cases: int = MAX_HEATMAP_CASES
) -> list[Figure]:
    """The heatmaps of `matrix`: one, or one per run of at most `max_cases` cases."""
    chunks = matrix.chunks(max_cases)[:MAX_HEATMAP_PARTS]
    if len(chunks) == 1:
        return [rating_heatmap_figure(matrix, out_dir)]
    out = []
    for n, cases in enumerate(chunks, 1):
        first = sum(len(c) for c in chunks[: n - 1]) + 1
        title = (
            f"Construct ratings: {matrix.title} "
            f"(cases {first}–{first + len(cases) - 1} of {len(matrix.cases)})"
        )
        out.append(
            rating_heatmap_figure(
                matrix, out_dir, cases=cases, stem=f"{matrix.stem}-part{n}", title=title
            )
        )
    return out


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
        svg = _own_ids(svg[svg.find("<svg") :], fig.stem)  # no prolog or DOCTYPE, inlined
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
    # the finding's own phase: a quotation's (the query's ?phase) may be another, as when an
    # informant recalls the adoption to explain an implementation finding
    phases = {str(r.data["finding"]): r.data.get("phase") for r in run_query("coded-findings",
              store=store)}  # fmt: skip
    count = 0
    for finding, rows in by_finding.items():
        first = rows[0].data
        case = first.get("case_id") or ""
        meta = ", ".join(_cell(x) for x in (case, phases.get(finding)) if x)
        doc.html.append("<div class='finding'>")
        doc.html.append(
            f"<p><strong>{html.escape(_cell(first.get('statement')))}</strong> "
            f"<span class='meta'>({html.escape(meta)})</span></p>"
        )
        doc.md.append(f"**{_cell(first.get('statement'))}** ({meta})\n")
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


DISTINGUISHING_COLUMNS = (
    "construct", "high_mean", "low_mean", "difference", "high_cases", "low_cases",
    "distinction", "direction",
)  # fmt: skip


def _distinguishing(doc: _Doc, store: Store, scheme: str, phase: str | None) -> None:
    where = f"in {phase}" if phase else "over all phases, each case and phase counted once"
    name = SCHEMES.get(scheme, (scheme, ""))[0]
    doc.heading(f"Distinguishing constructs: {name}, {where}", level=4)
    doc.para(
        "A construct distinguishes the cases judged high on implementation from those judged "
        "low when both groups have a scored rating and their mean scores (a case's raters "
        "averaged; X, missing and cases judged mixed left out) differ by at least 2 points "
        "(strong) or lie on opposite sides of 0 (weak) - saved query distinguishing-constructs."
    )
    params: dict[str, Any] = {"scheme": scheme, **({"phase": phase} if phase else {})}
    answer = run_query("distinguishing-constructs", store=store, **params)
    if answer.rows:
        doc.table(_answer_table(answer, DISTINGUISHING_COLUMNS))
    else:
        doc.para(f"No construct of {name} distinguishes high from low cases {where}.")


def _ratings_section(
    doc: _Doc,
    store: Store,
    matrices: Sequence[RatingMatrix],
    out_dir: Path,
    say: Progress,
    max_cases: int,
) -> list[Figure]:
    doc.heading("Construct ratings", anchor="ratings")
    doc.para(
        "One heatmap per framework and phase with ratings: a row per rated construct, a column "
        "per case (by case number). Colour gives the rating's valence, -2 red through 0 grey to "
        "+2 green; X (mixed) is purple, missing is hatched white, a blank cell was not rated. "
        "Each cell gives the rating and the findings (f) and quotations (q) it rests on; where "
        "several raters rated it, their values are given in turn (+1/+2) and the colour is "
        f"their mean. The band above the columns gives each case's {HEATMAP_OUTCOME_NAME} "
        "(CFIR outcomes addendum) where it was judged."
    )
    split = [m for m in matrices if len(m.cases) > max_cases]
    if split:
        doc.para(
            f"At most {max_cases} cases are drawn per figure, so "
            + "; ".join(
                f"the {len(m.cases)} cases of {m.title} are drawn in "
                f"{min(len(m.chunks(max_cases)), MAX_HEATMAP_PARTS)} figures"
                + (
                    f" (the first {MAX_HEATMAP_PARTS * max_cases} cases)"
                    if len(m.chunks(max_cases)) > MAX_HEATMAP_PARTS
                    else ""
                )
                for m in split
            )
            + ", in case-number order; the tables under the figures hold every case, and "
            "`cokg query construct-matrix --format xlsx --out FILE` writes them as a workbook."
        )
    figures: list[Figure] = []
    for m in matrices:
        say(f"rating heatmap: {m.title}")
        doc.heading(m.title, level=3)
        for fig in rating_heatmap_figures(m, out_dir, max_cases=max_cases):
            figures.append(fig)
            doc.figure(fig)
        table = m.table()
        levels = (
            f", each case's {HEATMAP_OUTCOME_NAME} in brackets"
            if any(c.outcome for c in m.cases)
            else ""
        )
        # the matrix as a table too, so that it reads without the figure (folded in the HTML)
        doc.md.append(f"*Ratings, {m.title}: the matrix drawn above{levels}*\n")
        doc.md.append(_md_table(table) + "\n")
        doc.details(
            f"The matrix drawn above ({len(m.constructs)} constructs, {len(m.cases)} cases)", table
        )
        if m.phase is not None:
            _distinguishing(doc, store, m.scheme, m.phase)
    for scheme in dict.fromkeys(m.scheme for m in matrices):
        # the query cannot single out the ratings of a case as a whole: they count here only
        doc.heading(f"{SCHEMES.get(scheme, (scheme, ''))[0]}, all phases together", level=3)
        _distinguishing(doc, store, scheme, None)
    return figures


def build_report(
    store: Store,
    out_dir: Path,
    *,
    progress: Progress | None = None,
    max_heatmap_cases: int = MAX_HEATMAP_CASES,
) -> ReportResult:
    """Write `index.html`, `report.md`, figures and network exports into `out_dir`. A rating
    heatmap draws at most `max_heatmap_cases` cases; more are split over several figures."""
    say = progress or (lambda _msg: None)
    if max_heatmap_cases < 1:
        raise ValueError(f"max_heatmap_cases must be at least 1, not {max_heatmap_cases}")
    missing: list[tuple[str, str]] = []
    token = _MISSING_GLYPHS.set(missing)
    # a report that fails removes the folders it created (it left an empty report/ behind)
    created = next((p for p in (*reversed(out_dir.parents), out_dir) if not p.exists()), None)
    try:
        result = _build_report(store, out_dir, say, max_heatmap_cases)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        _MISSING_GLYPHS.reset(token)
    result.warnings = [
        f"figure {stem}: the figure font has no glyph for {len(chars)} character(s) "
        f"({textwrap.shorten(chars, 20, placeholder='...')}): the PNG shows boxes for them; "
        "the SVG (in the HTML) keeps them as text for the reader's fonts"
        for stem, chars in missing
    ]
    return result


def _build_report(
    store: Store, out_dir: Path, say: Callable[[str], None], max_heatmap_cases: int
) -> ReportResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = _Doc()
    cases = analyse.cases(store)
    figures: list[Figure] = []
    # the ratings section, and its entry in the contents, only where there are ratings: the
    # founding dataset has none, and its report stays as it was
    matrices = rating_matrices(store)

    doc.html.append(f"<h1>cokg cross-case report</h1><p class='meta'>cokg {__version__}</p>")
    doc.md.append(f"# cokg cross-case report\n\n*cokg {__version__}*\n")
    nav = [
        ("features", "Case features"),
        ("system", "Health systems"),
        ("sampling", "Sampling frame"),
        *((phase, phase.capitalize()) for phase in PHASE_NAMES),
        ("timelines", "Timelines"),
        ("constructs", "Constructs"),
        *([("ratings", "Construct ratings")] if matrices else []),
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
    studies = analyse.studies(store)
    if len(studies) > 1:  # each study's own cases and total: one total across studies misleads
        for study in studies:
            frame = run_query("sampling-frame", store=store, study=study.study_id)
            doc.table(_answer_table(frame), caption=f"{study.label} ({study.study_id})")
    else:
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
        shared = summary.shared_text()
        n = summary.studied_cases
        across = ", across all studies" if summary.by_study else ""
        doc.para(
            f"Coded in every case studied in {phase}{across} ({n} case{'s' * (n != 1)} with "
            f"an episode of it, or with no episode at all and evidence placed in it): {shared}."
        )
        for s in summary.by_study:
            m = s.studied_cases
            doc.para(
                f"In every case of {s.label} ({s.study_id}) studied in {phase} ({m} "
                f"case{'s' * (m != 1)}): {s.shared_text()}."
            )

    doc.heading("Timelines, one figure per case", anchor="timelines")
    for case in cases:
        if not analyse.timeline(store, case.case_id):  # an empty figure says nothing
            doc.para(f"{case.label}: no events or phase episodes recorded.")
            continue
        say(f"timeline figure: {case.case_id}")
        fig = timeline_figure(store, case.case_id, out_dir)
        figures.append(fig)
        doc.figure(fig)
        doc.table(
            _answer_table(
                run_query("timeline", store=store, case=case.case_id),
                ["date", "end_date", "date_text", "phase", "event", "agents"],
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
            shown = NOT_COMPARED if value is None else f"{value:.2f}"
            sim_rows.append([summary.phase, f"{a} / {b}", shown])
    doc.table(sim_rows, caption="Case similarity per phase")

    heatmaps: list[Figure] = []
    if matrices:
        say("construct ratings")
        heatmaps = _ratings_section(doc, store, matrices, out_dir, say, max_heatmap_cases)
        figures.extend(heatmaps)

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
    return ReportResult(
        html=html_path, markdown=md_path, figures=figures, networks=exported, heatmaps=heatmaps
    )
