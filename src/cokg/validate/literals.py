"""Literals checked against the lexical forms of their XSD datatypes, whatever the property.

rdflib leaves gYear and friends unchecked and pyoxigraph stores any lexical form, so
validation checks them itself: `"twenty"^^xsd:gYear` is a violation even where no shape looks.
"""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef

from cokg.models import ValidationResult
from cokg.namespaces import SH, XSD
from cokg.validate.locate import short

_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_MD = r"(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_B64 = r"[A-Za-z0-9+/] ?"
# Lexical forms of the XSD datatypes (XML Schema 1.1 part 2), without surrounding whitespace.
# rdflib leaves gYear and friends unchecked and pyoxigraph stores any lexical form, so
# validation checks them itself; day-of-month and integer ranges are checked in Python.
_LEXICAL_FORMS: dict[URIRef, tuple[str, str]] = {
    XSD.boolean: (r"true|false|1|0", "true or false"),
    XSD.decimal: (_DECIMAL, "a number such as 3.25"),
    XSD.integer: (r"[+-]?[0-9]+", "a whole number such as 12"),
    XSD.float: (_DECIMAL + r"(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN", "a number such as 3.25 or 1e6"),
    XSD.double: (_DECIMAL + r"(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN", "a number such as 3.25 or 1e6"),
    XSD.gYear: (_YEAR + _TZ + "?", "a year such as 2015"),
    XSD.gYearMonth: (_YEAR + r"-(?P<m>[0-9]{2})" + _TZ + "?", "a year and month such as 2015-06"),
    XSD.date: (_YEAR + "-" + _MD + _TZ + "?", "a date such as 2015-06-24"),
    XSD.dateTime: (
        _YEAR + "-" + _MD + "T" + _TIME + _TZ + "?",
        "a date and time such as 2015-06-24T10:30:00Z",
    ),
    XSD.dateTimeStamp: (
        _YEAR + "-" + _MD + "T" + _TIME + _TZ,
        "a date and time with a time zone such as 2015-06-24T10:30:00Z",
    ),
    XSD.time: (_TIME + _TZ + "?", "a time such as 10:30:00"),
    XSD.gMonthDay: ("--" + _MD + _TZ + "?", "a month and day such as --06-24"),
    XSD.gMonth: (r"--(?P<m>[0-9]{2})" + _TZ + "?", "a month such as --06"),
    XSD.gDay: (r"---(?P<d>[0-9]{2})" + _TZ + "?", "a day of the month such as ---24"),
    XSD.duration: (
        r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
        r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?",
        "a duration such as P1Y2M or PT3H",
    ),
    XSD.yearMonthDuration: (
        r"-?P(?=[0-9])(?:[0-9]+Y)?(?:[0-9]+M)?",
        "a duration in years and months such as P1Y2M",
    ),
    XSD.dayTimeDuration: (
        r"-?P(?=[0-9T])(?:[0-9]+D)?(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?"
        r"(?:[0-9]+(?:\.[0-9]+)?S)?)?",
        "a duration in days and time such as P2DT3H",
    ),
    XSD.hexBinary: (r"(?:[0-9a-fA-F]{2})*", "pairs of hexadecimal digits"),
    XSD.base64Binary: (
        rf"(?:(?:{_B64}){{4}})*(?:(?:{_B64}){{3}}[A-Za-z0-9+/]|(?:{_B64}){{2}}"
        rf"[AEIMQUYcgkosw048] ?=|{_B64}[AQgw] ?= ?=)?",
        "base64 text",
    ),
    XSD.language: (r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*", "a language tag such as en-GB"),
}
_INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
_COMPILED_FORMS = {dt: re.compile(rx) for dt, (rx, _) in _LEXICAL_FORMS.items()}
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def lexical_problem(lexical: str, datatype: URIRef) -> str | None:
    """What a steward should write instead when `lexical` is not a valid form of `datatype`
    (an XSD datatype); None when it is valid or the datatype is not checked."""
    if datatype in _INTEGER_RANGES:
        lo, hi = _INTEGER_RANGES[datatype]
        bounds = f"at least {lo}" if hi is None else f"at most {hi}" if lo is None else ""
        bounds = bounds or f"from {lo} to {hi}"
        if not re.fullmatch(r"[+-]?[0-9]+", lexical):
            return f"a whole number {bounds}"
        value = int(lexical)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return f"a whole number {bounds}"
        return None
    rx = _COMPILED_FORMS.get(datatype)
    if rx is None:
        return None
    m = rx.fullmatch(lexical)
    hint = _LEXICAL_FORMS[datatype][1]
    if m is None:
        return hint
    groups = m.groupdict()
    month = int(groups["m"]) if groups.get("m") else None
    day = int(groups["d"]) if groups.get("d") else None
    if month is not None and not 1 <= month <= 12:
        return hint
    if day is not None:
        if not 1 <= day <= (_DAYS[month - 1] if month else 31):
            return hint
        if month == 2 and day == 29 and datatype in (XSD.date, XSD.dateTime, XSD.dateTimeStamp):
            year = int(re.match(r"-?[0-9]+", lexical).group())  # type: ignore[union-attr]
            if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
                return hint
    return None


def ill_typed_literals(graph: Graph) -> list[ValidationResult]:
    """A violation for every literal whose text is not a valid form of its XSD datatype,
    whatever the property: `"twenty"^^xsd:gYear` is an error even outside cokg's shapes."""
    verdicts: dict[tuple[str, URIRef], str | None] = {}
    out = []
    for s, p, o in graph:
        if not isinstance(o, Literal) or o.datatype is None or not o.datatype.startswith(str(XSD)):
            continue
        key = (str(o), o.datatype)
        if key not in verdicts:
            verdicts[key] = lexical_problem(*key)
        hint = verdicts[key]
        if hint is None:
            continue
        out.append(
            ValidationResult(
                severity="violation",
                focus_node=s,
                path=p,
                constraint_component=SH.DatatypeConstraintComponent,
                source_shape=None,
                message=f"{short(p)} {str(o)!r} is not a valid {short(o.datatype)}: write {hint}",
                value=o,
            )
        )
    return out
