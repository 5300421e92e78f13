"""An agreement report as text: `table` and `md` show the measures per code, the overall line
and the disagreements; `csv` and `tsv` give one table for other programs (the measures, or with
`disagreements=True` the disagreements); `json` gives everything, undefined statistics as null
with their reasons."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from cokg.agreement.measuring import AgreementReport, Disagreement
from cokg.agreement.stats import Alpha, Kappa
from cokg.errors import ParameterError

__all__ = ["FORMATS", "render_agreement"]

FORMATS = ("table", "md", "csv", "tsv", "json")
EXCERPT = 48  # characters of a passage a table shows
_UNIT_WORDS = {
    "segment": "segments (coded passages merged where they overlap)",
    "span": "spans (each exact coded passage)",
    "source": "sources (each coded text as a whole)",
}


def _number(value: float | None, digits: int = 3) -> str:
    return "undefined" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _measure_rows(
    report: AgreementReport, *, raw: bool = False
) -> tuple[list[str], list[dict[str, str]], list[str]]:
    """The measures table; `raw`: numbers unrounded, undefined as an empty cell (for csv)."""
    number = (lambda v: "" if v is None else repr(v)) if raw else _number
    percent = (lambda v: "" if v is None else repr(v)) if raw else _percent
    two = len(report.coders) == 2
    columns = ["code", "units", *report.coders, "agreement", *(["kappa"] if two else []), "alpha"]
    rows: list[dict[str, str]] = []
    undefined: list[str] = []

    def row(code: str, units: int, coded: dict[str, int] | None, agree: float | None,
            kappa: Kappa | None, alpha: Alpha) -> None:  # fmt: skip
        cells = {"code": code, "units": str(units), "agreement": percent(agree),
                 "alpha": number(alpha.value)}  # fmt: skip
        for c in report.coders:
            cells[c] = str(coded[c]) if coded is not None else ""
        if two and kappa is not None:
            cells["kappa"] = number(kappa.value)
            if kappa.value is None and kappa.reason:
                undefined.append(f"kappa for {code}: {kappa.reason}")
        if alpha.value is None and alpha.reason:
            undefined.append(f"alpha for {code}: {alpha.reason}")
        rows.append(cells)

    for c in report.codes:
        row(c.label, c.units, c.coded, c.agreement, c.kappa, c.alpha)
    row("(all codes)", report.compared, None, report.agreement, report.kappa, report.alpha)
    return columns, rows, undefined


def _codes_text(codes: tuple[str, ...] | None) -> str:
    if codes is None:
        return "(not rated)"
    return "; ".join(codes) if codes else "(none)"


def _excerpt(text: str, short: bool) -> str:
    text = " ".join(text.split())
    if short and len(text) > EXCERPT:
        return text[: EXCERPT - 1].rstrip() + "…"
    return text


def _disagreement_rows(
    report: AgreementReport, *, short: bool
) -> tuple[list[str], list[dict[str, str]]]:
    # the case column only when the disagreements span several cases
    several = len({d.unit.case_id for d in report.disagreements}) > 1 or not short
    columns = [*(["case"] if several else []), "source", "unit", "text", *report.coders]
    rows = []
    for d in report.disagreements:
        cells = {"case": d.unit.case_id, "source": d.unit.source_label, "unit": d.unit.label,
                 "text": _excerpt(d.unit.text, short)}  # fmt: skip
        for c in report.coders:
            cells[c] = _codes_text(d.codes[c])
        rows.append(cells)
    return columns, rows


def _answer(name: str, columns: list[str], rows: list[dict[str, str]]) -> Any:
    from cokg.query import QueryAnswer, Row

    return QueryAnswer(
        name=name,
        kind="select",
        variables=tuple(columns),
        rows=tuple(Row(dict(r), {}) for r in rows),
    )


def _table(name: str, columns: list[str], rows: list[dict[str, str]], fmt: str) -> str:
    from cokg.formats import render

    return render(_answer(name, columns, rows), fmt)


def render_agreement(
    report: AgreementReport, fmt: str = "table", *, disagreements: bool = False
) -> str:
    """The report in one of FORMATS (see the module docstring)."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if fmt == "json":
        return _json(report, disagreements_only=disagreements)
    if fmt in ("csv", "tsv"):
        if disagreements:
            columns, rows = _disagreement_rows(report, short=False)
        else:
            columns, rows, _ = _measure_rows(report, raw=True)
        return _table("agreement", columns, rows, fmt)
    short = fmt == "table"
    d_columns, d_rows = _disagreement_rows(report, short=short)
    n = len(d_rows)
    d_head = f"{n} disagreement{'s' * (n != 1)}" + (":" if n else "")
    if disagreements:
        return d_head + "\n" + (_table("disagreements", d_columns, d_rows, fmt) if n else "")
    columns, rows, undefined = _measure_rows(report)
    scope = [f"coders: {', '.join(report.coders)}"]
    if report.case:
        scope.append(f"case: {report.case}")
    if report.source:
        scope.append(f"source: {report.source}")
    lines = [
        "; ".join(scope),
        f"units: {_UNIT_WORDS[report.unit]}; {report.units} in all, {report.compared} rated by "
        + ("both coders" if len(report.coders) == 2 else "two coders or more"),
    ]
    out = "\n".join(lines) + "\n" + _table("agreement", columns, rows, fmt)
    out += "".join(f"note: {x}\n" for x in (*undefined, *report.notes))
    out += "\n" + d_head + "\n"
    if n:
        out += _table("disagreements", d_columns, d_rows, fmt)
    return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _disagreement(d: Disagreement) -> dict[str, Any]:
    u = d.unit
    codes = {c: list(v) if v is not None else None for c, v in d.codes.items()}
    return {"case": u.case_id, "source": u.source, "source_label": u.source_label,
            "unit": u.label, "start": u.start, "end": u.end, "text": u.text,
            "codes": codes}  # fmt: skip


def _json(report: AgreementReport, *, disagreements_only: bool) -> str:
    items = [_disagreement(d) for d in report.disagreements]
    if disagreements_only:
        doc: Any = items
    else:
        doc = {
            "coders": list(report.coders),
            "unit": report.unit,
            "case": report.case,
            "source": report.source,
            "units": report.units,
            "compared": report.compared,
            "codes": [_plain(c) for c in report.codes],
            "overall": {
                "agreement": report.agreement,
                "kappa": _plain(report.kappa),
                "alpha": _plain(report.alpha),
            },
            "disagreements": items,
            "notes": list(report.notes),
        }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
