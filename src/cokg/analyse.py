"""Cross-case analysis: networkx projections of the knowledge graph.

This is the one home of networkx. Every projection is read from a `Store` by saved queries
(`cases`, `coded-findings`, `role-assignments`, `case-events`, `case-episodes`, tagged
internal in queries/), so it works the same on the embedded store, in memory and on a remote
endpoint. Nodes are keyed by IRI strings and carry `label` and `kind` attributes so
exports open cleanly in Gephi or Cytoscape.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Literal
from rdflib.term import Node

from cokg.errors import InputError, ParameterError
from cokg.namespaces import COKG
from cokg.query import run_query
from cokg.store import Store
from cokg.vocabulary import PHASE_NAMES


class NoDatedAdoption(InputError):
    """A case whose adoption has no dated start, so nothing can be placed before it."""


@dataclass(frozen=True)
class CaseRef:
    """A case as the analyses name it."""

    iri: str
    case_id: str
    label: str
    number: int | None


@dataclass(frozen=True)
class TimelineItem:
    """An event or a phase episode placed on a case's time axis (fractional years)."""

    iri: str
    label: str
    kind: str  # "event" | "episode"
    phase: str | None
    start: float | None
    end: float | None
    date_text: str
    precision: str  # "year" | "month" | "day" | "none"


def _select(store: Store, name: str, **params: Any) -> list[Mapping[str, Node | None]]:
    """The rows of a saved query as RDF terms by variable."""
    return [row.terms for row in run_query(name, store=store, **params)]


def _s(term: object) -> str | None:
    return None if term is None else str(term)


def cases(store: Store) -> list[CaseRef]:
    """The cases in the store, in case-number order."""
    out = []
    for row in _select(store, "cases"):
        number = row.get("case_number")
        out.append(
            CaseRef(
                iri=str(row["case"]),
                case_id=str(row["case_id"]),
                label=str(row["label"]),
                number=int(str(number)) if number is not None else None,
            )
        )
    return out


def case_by_id(store: Store, case_id: str) -> CaseRef:
    """Look a case up by its id; the error lists the ids that exist."""
    known = cases(store)
    for case in known:
        if case.case_id == case_id:
            return case
    allowed = ", ".join(c.case_id for c in known)
    raise ParameterError(f"unknown case {case_id!r}; allowed: {allowed}")


def _check_phase(phase: str | None) -> None:
    if phase is not None and phase not in PHASE_NAMES:
        raise ParameterError(f"unknown phase {phase!r}; allowed: {', '.join(PHASE_NAMES)}")


def _coded(
    store: Store, phase: str | None, schemes: Iterable[str] | None
) -> list[Mapping[str, Node | None]]:
    """Coded findings (case, concept, ...) of a phase, limited to some schemes if given."""
    _check_phase(phase)
    wanted = set(schemes) if schemes is not None else None
    return [
        r
        for r in _select(store, "coded-findings")
        if (phase is None or _s(r.get("phase")) == phase)
        and (wanted is None or _s(r.get("scheme")) in wanted)
    ]


def _add_weight(g: nx.Graph, a: str, b: str) -> None:
    """Add an edge of weight 1, or add 1 to the weight of the edge already there."""
    if g.has_edge(a, b):
        g[a][b]["weight"] += 1
    else:
        g.add_edge(a, b, weight=1)


def _concept_attrs(row: Mapping[str, Node | None]) -> dict[str, str]:
    return {
        "kind": "construct",
        "label": _s(row.get("concept_label")) or str(row["concept"]),
        "notation": _s(row.get("notation")) or "",
        "scheme": _s(row.get("scheme")) or "",
    }


def case_construct_graph(
    store: Store, *, phase: str | None = None, schemes: Iterable[str] | None = None
) -> nx.Graph:
    """Bipartite case–construct graph; edge `weight` = number of findings coding it, `stances`
    the stances those findings have ("occurred; resisted", "" when none says one)."""
    g = nx.Graph(name=f"case-construct ({phase or 'all phases'})")
    stances: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _coded(store, phase, schemes):
        case, concept = str(row["case"]), str(row["concept"])
        g.add_node(case, kind="case", label=str(row["case_label"]), bipartite=0)
        g.add_node(concept, bipartite=1, **_concept_attrs(row))
        _add_weight(g, case, concept)
        if row.get("stance") is not None:
            stances[case, concept].add(stance_name(row["stance"]))
    for a, b, d in g.edges(data=True):
        d["stances"] = "; ".join(sorted(stances.get((a, b)) or stances.get((b, a)) or ()))
    return g


def stance_name(stance: object) -> str:
    """A stance IRI in words, as its notation: cokg:NotObserved -> "not-observed"."""
    local = str(stance).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", local).lower()


def stances_in_cases(g: nx.Graph, construct: str, cases: Iterable[str]) -> dict[str, int]:
    """How many of `cases` have findings of each stance coded to `construct` in the
    case-construct graph `g` (a case whose findings differ counts under each), most first:
    "in every case" says a construct was coded there, not that it happened (a scenario
    resisted in two cases and occurring in one is coded in all three)."""
    counts: dict[str, int] = defaultdict(int)
    for case in cases:
        if g.has_edge(case, construct):
            for stance in filter(None, g[case][construct]["stances"].split("; ")):
                counts[stance] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _score(term: object) -> int | None:
    return None if term is None else int(str(term))


def rating_network(
    store: Store, *, phase: str | None = None, schemes: Iterable[str] | None = None
) -> nx.Graph:
    """Bipartite case–construct graph of the construct ratings (CFIR's +2 … -2, X, missing).

    One edge per rated (case, construct): `valence` is the mean score of its numeric ratings
    (every rater, and every phase unless `phase` narrows them), `weight` its magnitude, so
    that layouts pull strongly rated constructs close whichever way they bore; `sign` is +1,
    -1 or 0; `ratings` lists every rating as "phase: value (rater)"; `mixed` counts X ratings,
    `findings` the findings cited. A pair rated only X gets an edge of weight 0 (a mixed
    influence is an influence); a pair rated only "missing" gets none (the data said nothing).
    Case nodes carry their outcome levels (`outcome`, e.g. "implementation: high")."""
    _check_phase(phase)
    return _rating_graph(
        _select(store, "case-ratings"), _outcome_levels(store), phase=phase, schemes=schemes
    )


def _outcome_levels(store: Store) -> dict[str, str]:
    """Each case's outcome levels in words, e.g. "implementation: high"."""
    # dict keys, not a list: two judges giving the same level are said once
    levels: dict[str, dict[str, None]] = defaultdict(dict)
    for row in _select(store, "case-outcomes"):
        name = _s(row.get("outcome_notation")) or _s(row.get("outcome_label")) or "outcome"
        levels[str(row["case"])][f"{name}: {row['level']}"] = None
    return {case: "; ".join(named) for case, named in levels.items()}


def _rating_graph(
    ratings: list[Mapping[str, Node | None]],
    levels: Mapping[str, str],
    *,
    phase: str | None,
    schemes: Iterable[str] | None,
) -> nx.Graph:
    """`rating_network` from the rows already read (`networks` reads them once for every
    phase)."""
    wanted = set(schemes) if schemes is not None else None
    g = nx.Graph(name=f"case-construct ratings ({phase or 'all phases'})")
    pairs: dict[tuple[str, str], list[Mapping[str, Node | None]]] = defaultdict(list)
    for row in ratings:
        if phase is not None and _s(row.get("phase")) != phase:
            continue
        if wanted is not None and _s(row.get("scheme")) not in wanted:
            continue
        case, concept = str(row["case"]), str(row["concept"])
        if case not in g:
            g.add_node(
                case,
                kind="case",
                label=_s(row.get("case_label")) or str(row["case_id"]),
                case_id=str(row["case_id"]),
                bipartite=0,
            )
        if concept not in g:
            g.add_node(concept, bipartite=1, **_concept_attrs(row))
        pairs[case, concept].append(row)
    for (case, concept), rows in pairs.items():
        values = [str(r["rating"]) for r in rows]
        if all(v == "missing" for v in values):
            continue
        scores = [s for s in (_score(r.get("score")) for r in rows) if s is not None]
        mean = sum(scores) / len(scores) if scores else 0.0
        g.add_edge(
            case,
            concept,
            valence=mean,
            weight=abs(mean),
            sign=(mean > 0) - (mean < 0),
            ratings="; ".join(
                f"{_s(r.get('phase')) or 'case'}: {r['rating']}"
                + (f" ({r['rater']})" if r.get("rater") is not None else "")
                for r in rows
            ),
            mixed=values.count("X"),
            findings=sum(int(str(r["findings"])) for r in rows),
        )
    # nodes of pairs rated only "missing" stay out, like their edges
    g.remove_nodes_from([n for n in list(g) if g.degree(n) == 0])
    for case, named in levels.items():
        if case in g:
            g.nodes[case]["outcome"] = named
    return g


def construct_cooccurrence(
    store: Store, *, phase: str | None = None, schemes: Iterable[str] | None = None
) -> nx.Graph:
    """Constructs coded together in a case and phase.

    Edge `weight` counts the (case, phase) pairs in which both constructs were coded;
    node `cases` counts the cases that coded the construct.
    """
    groups: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    attrs: dict[str, dict] = {}
    case_sets: dict[str, set[str]] = defaultdict(set)
    for row in _coded(store, phase, schemes):
        concept = str(row["concept"])
        groups[(str(row["case"]), _s(row.get("phase")))].add(concept)
        attrs[concept] = _concept_attrs(row)
        case_sets[concept].add(str(row["case"]))
    g = nx.Graph(name=f"construct co-occurrence ({phase or 'all phases'})")
    for concept, attr in attrs.items():
        g.add_node(concept, cases=len(case_sets[concept]), **attr)
    for members in groups.values():
        for a, b in itertools.combinations(sorted(members), 2):
            _add_weight(g, a, b)
    return g


def constructs_in_all_cases(
    store: Store,
    *,
    phase: str,
    schemes: Iterable[str] | None = None,
    studied: set[str] | None = None,
    study: str | None = None,
) -> set[str]:
    """IRIs of constructs coded in every case studied in a phase (the overarching patterns),
    as the saved query `constructs-in-all-cases` answers: a case never studied in the phase
    (`studied_cases`) is no evidence that a construct was absent there. `study` (its id):
    every case of that study only. `studied`: those cases, when the caller has them
    (`studied_cases`)."""
    g = case_construct_graph(store, phase=phase, schemes=schemes)
    studied = studied_cases(store, phase, study=study) if studied is None else studied
    return {
        n
        for n, d in g.nodes(data=True)
        if studied and d["kind"] == "construct" and studied <= set(g.neighbors(n))
    }


def studied_cases(store: Store, phase: str, *, study: str | None = None) -> set[str]:
    """IRIs of the cases studied in a phase (`phase-cases`): those with an episode of it, and
    those with no episode at all (a study imported from a QDA project) that have findings,
    quotations or ratings placed in it; with `study` (its id, as `studies` lists them), those
    of that study only."""
    if phase not in PHASE_NAMES:
        raise ParameterError(f"unknown phase {phase!r}; allowed: {', '.join(PHASE_NAMES)}")
    wanted = None
    if study is not None:
        from cokg.query.binding import study_ids

        known = study_ids(store)  # the same ids the queries' study= takes
        if study.casefold() not in known:
            raise ParameterError(f"no study {study!r}; the studies: {', '.join(sorted(known))}")
        wanted = str(known[study.casefold()])
    return {
        str(r["case"])
        for r in _select(store, "phase-cases")
        if str(r["phase"]) == phase and (wanted is None or str(r.get("study")) == wanted)
    }


@dataclass(frozen=True)
class StudyRef:
    iri: str
    study_id: str  # the last segment of its IRI, as the template's study_id
    label: str


def studies(store: Store) -> list[StudyRef]:
    """The studies in the store, by id."""
    return [
        StudyRef(str(r["study"]), str(r["study_id"]), str(r.get("label") or r["study_id"]))
        for r in _select(store, "studies")
    ]


def construct_centrality(
    store: Store, *, phase: str | None = None, schemes: Iterable[str] | None = None
) -> dict[str, float]:
    """Weighted degree centrality of constructs in the co-occurrence network."""
    g = construct_cooccurrence(store, phase=phase, schemes=schemes)
    if g.number_of_nodes() <= 1:
        return dict.fromkeys(g.nodes, 0.0)
    total = max(1, sum(w for _, _, w in g.edges(data="weight")))
    return {n: g.degree(n, weight="weight") / total for n in g.nodes}


def case_similarity(
    store: Store, *, phase: str | None = None, schemes: Iterable[str] | None = None
) -> dict[tuple[str, str], float | None]:
    """Jaccard similarity of the construct sets of each pair of cases (keys: case ids); None
    (nothing to compare, not 0) for two cases neither of which has a coded construct and, for
    a phase, where either case was never studied in it (neither an episode of it nor a finding
    coded in it: nothing was looked for there, so sharing nothing with it is no finding)."""
    g = case_construct_graph(store, phase=phase, schemes=schemes)
    refs = cases(store)
    sets = {c.case_id: set(g.neighbors(c.iri)) if c.iri in g else set() for c in refs}
    studied = set(sets)
    if phase is not None:
        iris = studied_cases(store, phase)
        studied = {c.case_id for c in refs if str(c.iri) in iris or sets[c.case_id]}
    out: dict[tuple[str, str], float | None] = {}
    for a, b in itertools.combinations(sorted(sets), 2):
        union = sets[a] | sets[b]
        compared = union and a in studied and b in studied
        out[(a, b)] = len(sets[a] & sets[b]) / len(union) if compared else None
    return out


def organisation_role_network(store: Store) -> nx.MultiDiGraph:
    """Agents → cases, one edge per role assignment (`role`, `phase` on the edge)."""
    g = nx.MultiDiGraph(name="organisation roles")
    for row in _select(store, "role-assignments"):
        agent, case = str(row["agent"]), str(row["case"])
        kind = "organisation"
        if row.get("agent_kind") == COKG.UnnamedIndividual:
            kind = "individual"
        g.add_node(agent, kind=kind, label=_s(row.get("agent_label")) or agent)
        g.add_node(case, kind="case", label=_s(row.get("case_label")) or case)
        key = (str(row["assignment"]), _s(row.get("phase")))
        if not g.has_edge(agent, case, key=key):
            g.add_edge(
                agent,
                case,
                key=key,
                role=_s(row.get("role_label")) or str(row["role"]),
                phase=_s(row.get("phase")) or "",
            )
    return g


# --- time -----------------------------------------------------------------------------


def date_bounds(term: object) -> tuple[float, float, str] | None:
    """Fractional-year bounds and precision of an xsd:gYear/gYearMonth/date literal."""
    if term is None:
        return None
    text = str(term).strip()
    lit_type = str(term.datatype) if isinstance(term, Literal) and term.datatype else ""
    try:
        year = int(text[:4])
        if lit_type.endswith("gYearMonth") or (len(text) == 7 and text[4] == "-"):
            month = int(text[5:7])
            return year + (month - 1) / 12, year + month / 12, "month"
        if lit_type.endswith("#date") or (len(text) == 10 and text[4] == "-"):
            month, day = int(text[5:7]), int(text[8:10])
            start = year + (month - 1) / 12 + (day - 1) / 365
            return start, start + 1 / 365, "day"
        return float(year), year + 1.0, "year"
    except (ValueError, IndexError):
        return None


def timeline(store: Store, case_id: str) -> list[TimelineItem]:
    """Events and phase episodes of a case on a fractional-year axis, in date order."""
    case = case_by_id(store, case_id)
    items: dict[str, TimelineItem] = {}
    for row in _select(store, "case-events", case_iri=case.iri):
        iri = str(row["event"])
        if iri in items:
            continue
        start = date_bounds(row.get("date") or row.get("start"))
        end = date_bounds(row.get("date") or row.get("end"))
        items[iri] = TimelineItem(
            iri=iri,
            label=str(row["label"]),
            kind="event",
            phase=_s(row.get("phase")),
            start=start[0] if start else None,
            end=end[1] if end else (start[1] if start else None),
            date_text=_s(row.get("date_text")) or _s(row.get("date") or row.get("start")) or "",
            precision=start[2] if start else "none",
        )
    for row in _select(store, "case-episodes", case_iri=case.iri):
        start = date_bounds(row.get("start"))
        end = date_bounds(row.get("end"))
        phase = str(row["phase"])
        items[str(row["episode"])] = TimelineItem(
            iri=str(row["episode"]),
            label=phase,
            kind="episode",
            phase=phase,
            start=start[0] if start else None,
            end=end[1] if end else None,
            date_text=_s(row.get("date_text")) or "",
            precision=start[2] if start else "none",
        )
    # undated events in phase order (adoption, implementation, assimilation, none), then by
    # name: alphabetical alone mixed an implementation event before an adoption one
    rank = {p: n for n, p in enumerate(PHASE_NAMES)}
    return sorted(
        items.values(),
        key=lambda i: (
            i.start is None,
            i.start or 0.0,
            rank.get(i.phase or "", len(rank)) if i.start is None else 0,
            i.label,
        ),
    )


def event_precedence(store: Store, case_id: str) -> nx.DiGraph:
    """A DAG of a case's dated events in time order, with phase starts and agents.

    Nodes: events (`kind=event`), phase starts (`kind=phase-start`, e.g. "adoption begins")
    and agents (`kind=agent`). An item precedes another when it ends no later than the other
    starts (interval order at the precision the source gives: "2015" is all of 2015, so it
    neither precedes nor follows "2015-06"). A phase start known only to the year is the
    latest moment it can be, the end of that year: what the source dates within that year
    counts as leading up to it, as the paper narrates it. The graph keeps only the direct
    precedences (transitive reduction); agents point to the events they were involved in.
    Items with no date stay off the time axis.
    """
    case = case_by_id(store, case_id)
    spans: dict[str, tuple[float, float]] = {}
    g = nx.DiGraph()
    for item in timeline(store, case_id):
        if item.kind == "episode":
            node = f"{case.iri}#{item.phase}-begins"
            g.add_node(node, kind="phase-start", label=f"{item.phase} begins", phase=item.phase)
            if item.start is not None:
                moment = _phase_start_moment(item)
                spans[node] = (moment, moment)
        else:
            node = item.iri
            g.add_node(node, kind="event", label=item.label, phase=item.phase or "")
            if item.start is not None:
                spans[node] = (item.start, item.end if item.end is not None else item.start)
        if node in spans:
            g.nodes[node]["time"] = spans[node][0]
            g.nodes[node]["date"] = item.date_text
    order = nx.DiGraph()
    order.add_nodes_from(spans)
    for a, (a_start, a_end) in spans.items():
        for b, (b_start, _) in spans.items():
            if a != b and a_end <= b_start and a_start < b_start:
                order.add_edge(a, b)
    for a, b in nx.transitive_reduction(order).edges:
        g.add_edge(a, b, relation="precedes")
    for row in _select(store, "case-events", case_iri=case.iri):
        agent = row.get("agent")
        if agent is None:
            continue
        g.add_node(str(agent), kind="agent", label=_s(row.get("agent_label")) or str(agent))
        g.add_edge(str(agent), str(row["event"]), relation="involved in")
    g.graph["name"] = f"event precedence: {case.label}"
    return g


def _phase_start_moment(item: TimelineItem) -> float:
    """The latest moment a phase can have begun, given the precision of its start date."""
    assert item.start is not None
    widths = {"year": 1.0, "month": 1 / 12, "day": 1 / 365}
    return item.start + widths.get(item.precision, 0.0)


def paths_to_adoption(store: Store, case_id: str) -> dict[str, list[str]]:
    """Events and agents from which the start of the case's adoption can be reached.

    Returns {"events": [...labels], "agents": [...labels]} in time order.
    """
    case = case_by_id(store, case_id)
    g = event_precedence(store, case_id)
    target = f"{case.iri}#adoption-begins"
    if target not in g or "time" not in g.nodes[target]:
        raise NoDatedAdoption(f"case {case_id} has no dated adoption episode")
    before = nx.ancestors(g, target)
    events = sorted(
        (n for n in before if g.nodes[n]["kind"] == "event"),
        key=lambda n: (g.nodes[n].get("time", 0.0), g.nodes[n]["label"]),
    )
    agents = sorted(g.nodes[n]["label"] for n in before if g.nodes[n]["kind"] == "agent")
    return {"events": [g.nodes[n]["label"] for n in events], "agents": agents}


# --- exports --------------------------------------------------------------------------

EXPORT_FORMATS = ("graphml", "gexf", "json")


def _flatten(g: nx.Graph) -> nx.Graph:
    """GraphML/GEXF take scalar attributes only. A multigraph stays one (the three formats
    carry parallel edges): each role assignment is its own edge with its role and phase, its
    key a string; merged into one edge per pair, who held which role in which phase was lost."""
    if g.is_multigraph():
        h: nx.Graph = nx.MultiDiGraph() if g.is_directed() else nx.MultiGraph()
    else:
        h = nx.DiGraph() if g.is_directed() else nx.Graph()
    # nodes, edges and attributes in sorted order: the files are the same, byte for byte, from
    # run to run on the same store (the order the store answered in varied)
    h.graph.update({k: str(v) for k, v in sorted(g.graph.items())})
    for n, d in sorted(g.nodes(data=True), key=lambda x: str(x[0])):
        h.add_node(n, **{k: v for k, v in sorted(d.items()) if isinstance(v, str | int | float)})
    if g.is_multigraph():
        edges = []
        for a, b, key, d in g.edges(keys=True, data=True):
            if not g.is_directed() and str(b) < str(a):
                a, b = b, a
            name = " ".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
            edges.append((str(a), str(b), name, a, b, d))
        for *_, name, a, b, d in sorted(edges, key=lambda e: e[:3]):
            h.add_edge(a, b, key=name, weight=1, **{k: str(v) for k, v in sorted(d.items())})
    else:
        pairs = []
        for a, b, d in g.edges(data=True):
            if not g.is_directed() and str(b) < str(a):
                a, b = b, a
            pairs.append((str(a), str(b), a, b, d))
        for *_, a, b, d in sorted(pairs, key=lambda e: e[:2]):
            kept = {k: v for k, v in sorted(d.items()) if isinstance(v, str | int | float)}
            h.add_edge(a, b, **kept)
    return h


def export_graph(g: nx.Graph, path: Path, *, fmt: str | None = None) -> Path:
    """Write a network as GraphML, GEXF or node-link JSON (chosen by `fmt` or suffix)."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise ParameterError(
            f"unknown network format {fmt!r}; allowed: {', '.join(EXPORT_FORMATS)}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = _flatten(g)
    if fmt == "graphml":
        nx.write_graphml(flat, path)
    elif fmt == "gexf":
        nx.write_gexf(flat, path)
    else:
        data = nx.node_link_data(flat, edges="links")
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def networks(store: Store) -> dict[str, nx.Graph]:
    """Every network the report and `cokg analyse` export, by file stem."""
    out: dict[str, nx.Graph] = {
        "case-construct": case_construct_graph(store),
        "construct-cooccurrence": construct_cooccurrence(store),
        "organisation-roles": organisation_role_network(store),
    }
    # rating networks only where there are ratings (the founding dataset has none)
    ratings = _select(store, "case-ratings")
    if ratings:
        levels = _outcome_levels(store)
        for phase in (None, *PHASE_NAMES):
            g = _rating_graph(ratings, levels, phase=phase, schemes=None)
            if g.number_of_edges():
                out["case-construct-ratings" + (f"-{phase}" if phase else "")] = g
    for case in cases(store):
        out[f"events-{case.case_id}"] = event_precedence(store, case.case_id)
    return out


def export_all(store: Store, out_dir: Path) -> list[Path]:
    """Export every network in every format into `out_dir`."""
    written = []
    for stem, g in networks(store).items():
        for fmt in EXPORT_FORMATS:
            written.append(export_graph(g, out_dir / f"{stem}.{fmt}", fmt=fmt))
    return written
