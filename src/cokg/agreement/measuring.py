"""Coder agreement: reading the codings, making the units, computing the measures (the
design is described in cokg.agreement)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cokg.agreement.stats import (
    Alpha,
    Kappa,
    cohen_kappa,
    krippendorff_alpha,
    pairwise_agreement,
    pooled_kappa,
)
from cokg.errors import ParameterError

if TYPE_CHECKING:
    from cokg.store import Store

__all__ = [
    "UNITS",
    "AgreementReport",
    "Applied",
    "CodeAgreement",
    "Disagreement",
    "Unit",
    "agreement",
    "make_units",
    "measure",
    "read_codings",
]

UNITS = ("segment", "span", "source")


@dataclass(frozen=True)
class Applied:
    """One row of `codings-by-coder`: a coder applied a code to a passage."""

    case_id: str
    quotation: str
    quotation_id: str | None
    text: str
    source: str
    source_label: str
    start: int | None
    end: int | None
    code: str
    code_label: str
    coder: str  # the coder's name as shown: label, else the IRI's last segment
    code_parent: str | None = None  # the label of the code above it


@dataclass(frozen=True)
class Unit:
    """What the coders are compared on: a passage, merged passages or a whole source."""

    key: tuple[str, ...]
    case_id: str
    source: str
    source_label: str
    label: str  # "120–164", a quotation id, or "(whole text)"
    text: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class CodeAgreement:
    """The agreement on one code: `units` rated by two coders or more, `coded` the units each
    coder applied it to (among those), `agreement` in percent (None: no unit)."""

    code: str
    label: str
    units: int
    coded: dict[str, int]
    agreement: float | None
    kappa: Kappa | None  # two coders only
    alpha: Alpha


@dataclass(frozen=True)
class Disagreement:
    """A unit the coders coded differently: each coder's codes (None: not rated)."""

    unit: Unit
    codes: dict[str, tuple[str, ...] | None]


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, ...]
    unit: str
    case: str | None
    source: str | None
    units: int  # units in scope (coded by one of the coders)
    compared: int  # units rated by two coders or more
    codes: tuple[CodeAgreement, ...]
    agreement: float | None  # overall percent agreement
    kappa: Kappa | None  # pooled, two coders only
    alpha: Alpha  # over every (unit, code)
    disagreements: tuple[Disagreement, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)


# --- reading -------------------------------------------------------------------------------


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def read_codings(store: Store, case: str | None = None) -> list[Applied]:
    """The codings of the store (of one case) as `codings-by-coder` gives them."""
    from cokg.query import run_query

    params: dict[str, Any] = {"case": case} if case is not None else {}
    out = []
    for row in run_query("codings-by-coder", store=store, **params):
        d = row.data
        code = str(d["code"])
        label = d.get("code_label") or _tail(code)
        if d.get("code_notation"):
            label = f"{d['code_notation']} {label}"
        out.append(
            Applied(
                case_id=str(d["case_id"]),
                quotation=str(d["quotation"]),
                quotation_id=d.get("quotation_id"),
                text=str(d.get("text") or ""),
                source=str(d["source"]),
                source_label=str(d.get("source_label") or _tail(str(d["source"]))),
                start=int(d["start"]) if d.get("start") is not None else None,
                end=int(d["end"]) if d.get("end") is not None else None,
                code=code,
                code_label=str(label),
                coder=str(d.get("coder_label") or _tail(str(d["coder"]))),
                code_parent=d.get("code_parent"),
            )
        )
    return out


# --- units -----------------------------------------------------------------------------------


def _excerpt(spans: Sequence[Applied]) -> str:
    """The text a run of overlapping spans covers, stitched from the spans' own texts."""
    text, end = "", None
    for s in sorted(spans, key=lambda s: (s.start or 0, -(s.end or 0))):
        if end is None or s.start is None or s.end is None:
            text, end = s.text, s.end
        elif s.end > end:
            text += s.text[end - s.start :]
            end = s.end
    return text


def make_units(codings: Sequence[Applied], unit: str) -> dict[str, Unit]:
    """Quotation IRI (or source IRI, for `source`) -> its unit."""
    out: dict[str, Unit] = {}
    if unit == "source":
        for c in codings:
            out.setdefault(c.source, Unit(("source", c.source), c.case_id, c.source,
                                          c.source_label, "(whole text)", ""))  # fmt: skip
        return out
    spans: dict[str, dict[str, Applied]] = {}
    for c in codings:
        spans.setdefault(c.source, {}).setdefault(c.quotation, c)
    for source, quotations in spans.items():
        placed = sorted((q for q in quotations.values() if q.start is not None),
                        key=lambda q: (q.start, q.end))  # fmt: skip
        groups: list[list[Applied]] = []
        for q in placed:
            assert q.start is not None and q.end is not None
            last = groups[-1] if groups else None
            if last is not None and unit == "segment":
                joins = q.start < max(g.end or 0 for g in last)  # overlaps, not only touches
            else:
                joins = last is not None and (last[0].start, last[0].end) == (q.start, q.end)
            if joins and last is not None:
                last.append(q)
            else:
                groups.append([q])
        for group in groups:
            start = min(q.start or 0 for q in group)
            end = max(q.end or 0 for q in group)
            first = group[0]
            u = Unit(("span", source, str(start), str(end)), first.case_id, source,
                     first.source_label, f"{start}–{end}", _excerpt(group), start, end)  # fmt: skip
            for q in group:
                out[q.quotation] = u
        for q in quotations.values():
            if q.start is None:
                out[q.quotation] = Unit(("quotation", q.quotation), q.case_id, source,
                                        q.source_label, q.quotation_id or _tail(q.quotation),
                                        q.text)  # fmt: skip
    return out


# --- the measures ----------------------------------------------------------------------------


def _pick_coders(coders: Sequence[str], present: set[str], where: str) -> tuple[str, ...]:
    wanted = [c.strip() for c in coders if c.strip()]
    if len({w.casefold() for w in wanted}) < 2:
        raise ParameterError("give two coders or more: --coders A,B")
    by_fold = {p.casefold(): p for p in present}
    unknown = [w for w in wanted if w.casefold() not in by_fold]
    if unknown:
        shown = ", ".join(sorted(present, key=str.casefold)) or "none"
        raise ParameterError(
            f"unknown coder{'s' * (len(unknown) > 1)} {', '.join(map(repr, unknown))}; "
            f"coders {where}: {shown}"
        )
    picked: list[str] = []
    for w in wanted:
        if by_fold[w.casefold()] not in picked:
            picked.append(by_fold[w.casefold()])
    return tuple(picked)


def _pick_source(codings: Sequence[Applied], source: str) -> set[str]:
    want = source.strip()
    fold = want.casefold()
    found = {
        c.source
        for c in codings
        if want == c.source or fold in (c.source_label.casefold(), _tail(c.source).casefold())
    }
    if not found:
        names = sorted({c.source_label for c in codings}, key=str.casefold)
        shown = "; ".join(names[:12]) + (f"; ... ({len(names)} in all)" if len(names) > 12 else "")
        raise ParameterError(f"no coded source {source!r}; sources: {shown or 'none'}")
    return found


def agreement(
    store: Store | str | Path | None = None,
    *,
    coders: Sequence[str],
    case: str | None = None,
    source: str | None = None,
    unit: str = "segment",
) -> AgreementReport:
    """The agreement of `coders` (names as stored: labels or coder ids) on the codings of
    the store, of one case (its id or number) and one source (its name or IRI) when given,
    with units as `unit` says (see the module docstring). Raises ParameterError for an
    unknown coder or source, fewer than two coders, or no unit two of them both rated."""
    from cokg.query import open_for_call

    if unit not in UNITS:
        raise ParameterError(f"unit {unit!r}: use one of {', '.join(UNITS)}")
    st, opened = open_for_call(store)
    try:
        codings = read_codings(st, case)
    finally:
        if opened:
            st.close()
    where = f"in case {case}" if case else "in the store"
    picked = _pick_coders(coders, {c.coder for c in codings}, where)
    codings = [c for c in codings if c.coder in picked]
    if source is not None:
        sources = _pick_source(codings, source)
        codings = [c for c in codings if c.source in sources]
    return measure(codings, picked, unit=unit, case=case, source=source)


def measure(
    codings: Sequence[Applied],
    coders: Sequence[str],
    *,
    unit: str = "segment",
    case: str | None = None,
    source: str | None = None,
) -> AgreementReport:
    """The agreement of `coders` over `codings` (already limited to them and to the scope)."""
    coders = tuple(coders)
    units = make_units(codings, unit)
    key_of = {c.quotation: units[c.source if unit == "source" else c.quotation] for c in codings}
    applied: dict[tuple[str, ...], dict[str, set[str]]] = {}
    worked_in: dict[str, set[str]] = {c: set() for c in coders}
    labels: dict[str, str] = {}
    by_key: dict[tuple[str, ...], Unit] = {}
    for c in codings:
        u = key_of[c.quotation]
        by_key[u.key] = u
        applied.setdefault(u.key, {}).setdefault(c.coder, set()).add(c.code)
        worked_in[c.coder].add(c.source)
        labels[c.code] = c.code_label
    # who rated each unit: the coders who coded anything in its source
    ratings: dict[tuple[str, ...], dict[str, set[str] | None]] = {}
    order = sorted(
        by_key.values(),
        key=lambda u: (
            u.case_id,
            u.source_label.casefold(),
            u.source,
            u.start or 0,
            u.end or 0,
            _natural(u.label),
        ),
    )
    for u in order:
        key = u.key
        ratings[key] = {
            coder: (applied[key].get(coder, set()) if u.source in worked_in[coder] else None)
            for coder in coders
        }
    compared = [k for k, r in ratings.items() if sum(v is not None for v in r.values()) >= 2]
    if not compared:
        counts = ", ".join(f"{c}: {len(worked_in[c])} source{'s' * (len(worked_in[c]) != 1)}"
                           for c in coders)  # fmt: skip
        raise ParameterError(
            f"no unit was coded by two of the coders ({counts}; none in common): nothing to compare"
        )
    _disambiguate(labels, codings)
    codes = sorted(labels, key=lambda k: (labels[k].casefold(), k))
    per_code: list[CodeAgreement] = []
    all_items: list[list[bool | None]] = []
    pair_lists: list[list[tuple[bool, bool]]] = []
    agree_all = pairs_all = 0
    for code in codes:
        items: list[list[bool | None]] = []
        for key in compared:
            rated = ratings[key]
            items.append([None if (v := rated[c]) is None else code in v for c in coders])
        all_items += items
        agree, pairs = pairwise_agreement(items)
        agree_all += agree
        pairs_all += pairs
        kappa = None
        if len(coders) == 2:
            both = [(a, b) for a, b in items if a is not None and b is not None]
            pair_lists.append(both)
            kappa = cohen_kappa(both)
        per_code.append(
            CodeAgreement(
                code=code,
                label=labels[code],
                units=len(items),
                coded={c: sum(1 for it in items if it[i]) for i, c in enumerate(coders)},
                agreement=100 * agree / pairs if pairs else None,
                kappa=kappa,
                alpha=krippendorff_alpha(items),
            )
        )
    disagreements = []
    for key in compared:
        rated = ratings[key]
        given = {frozenset(v) for v in rated.values() if v is not None}
        if len(given) > 1:
            shown = {
                c: None if v is None else tuple(sorted((labels[x] for x in v), key=str.casefold))
                for c, v in rated.items()
            }
            disagreements.append(Disagreement(by_key[key], shown))
    notes = []
    single = len(ratings) - len(compared)
    if single:
        notes.append(
            f"{single} unit{'s' * (single != 1)} rated by one coder only (in a source only "
            "that coder coded): left out"
        )
    return AgreementReport(
        coders=coders,
        unit=unit,
        case=case,
        source=source,
        units=len(ratings),
        compared=len(compared),
        codes=tuple(per_code),
        agreement=100 * agree_all / pairs_all if pairs_all else None,
        kappa=pooled_kappa(pair_lists) if len(coders) == 2 else None,
        alpha=krippendorff_alpha(all_items),
        disagreements=tuple(disagreements),
        notes=tuple(notes),
    )


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    """Q2 before Q10."""
    return tuple((int(p), "") if p.isdigit() else (0, p) for p in re.split(r"(\d+)", text))


def _disambiguate(labels: dict[str, str], codings: Sequence[Applied]) -> None:
    """Codes of one label (two branches' "Other") are told apart by the code above them,
    else by their IRI's tail."""
    parent = {c.code: c.code_parent for c in codings}
    seen: dict[str, list[str]] = {}
    for code, label in labels.items():
        seen.setdefault(label.casefold(), []).append(code)
    for same in seen.values():
        if len(same) > 1:
            above = [parent.get(code) for code in same]
            distinct = None not in above and len(set(above)) == len(above)
            for code in same:
                labels[code] += f" ({parent[code] if distinct else _tail(code)})"
