"""Construct ratings recorded in a QDA project: how CFIR teams write a valence into their codes.

A CFIR team rates each construct per case from -2 to +2, with X for a mixed influence
(Damschroder & Lowery 2013). In a QDA program the rating is recorded in one of three ways, and
these functions recognise each (`cokg.qda.converting` turns them into cokg:ConstructRating):

(a) a code whose name ends in the rating: "Leadership engagement (+2)", "IV.A Leadership
    Engagement [-1]", "Tension for change +1" (a bare suffix must carry its sign);
(b) rating codes nested under the construct's code: "Relative Advantage" with the children
    "+2", "+1", "0", "-1", "-2", "X";
(c) a variable of a case named after the construct, whose value is the rating.

A minus may be written as a hyphen, the Unicode minus sign (U+2212) or an en dash (what word
processors turn a typed hyphen into); "X" and "mixed" both mean mixed. Nothing here knows
whether a name belongs to a construct: the converter decides that from the mappings.
"""

from __future__ import annotations

import re
from decimal import Decimal

from cokg.qda.model import VariableValueType
from cokg.vocabulary import rating_notation

__all__ = ["RATED_SCHEMES", "rating_token", "split_valence", "valence_only", "variable_rating"]

# The frameworks whose constructs are rated (shapes/rating.ttl, frameworkConstruct): an
# outcome is judged as a case outcome instead, and the store would refuse its rating.
RATED_SCHEMES = frozenset(
    f"https://w3id.org/cokg/framework/{s}"
    for s in ("cfir-2022", "cfir-2009", "greenhalgh-2004", "study-frame")
)

_BRACKETED = re.compile(r"(?P<base>.*?\S)\s*(?:\((?P<round>[^()]*)\)|\[(?P<square>[^\[\]]*)\])")
_SUFFIX = re.compile(r"(?P<base>.*\S)\s+(?P<token>[+\-\u2212\u2013][12])")


def rating_token(text: str, *, unsigned: bool = False) -> str | None:
    """The rating notation ("+2", "+1", "0", "-1", "-2", "X") `text` stands for, else None.
    `unsigned`: also read "1" and "2" as +1 and +2 (safe for a variable's value, not for a code
    name, where "Culture (2)" is how programs tell apart two codes of one name)."""
    return rating_notation(text, unsigned=unsigned)


def split_valence(name: str) -> tuple[str, str] | None:
    """(the construct's name, the rating) of a code named like form (a), else None:
    "Leadership engagement (+2)" -> ("Leadership engagement", "+2")."""
    text = name.strip()
    m = _BRACKETED.fullmatch(text)
    if m:
        value = rating_token(
            m.group("round") if m.group("round") is not None else m.group("square")
        )
        return (m.group("base").strip(), value) if value else None
    m = _SUFFIX.fullmatch(text)
    if m:
        value = rating_token(m.group("token"))
        return (m.group("base").strip(), value) if value else None
    return None


def valence_only(name: str) -> str | None:
    """The rating a code's whole name is (form (b): "+2", "−1", "X", "(0)"), else None."""
    text = name.strip()
    if len(text) > 2 and text[0] + text[-1] in ("()", "[]"):
        text = text[1:-1]
    return rating_token(text)


def variable_rating(value: VariableValueType) -> str | None:
    """The rating notation a case variable's value gives (form (c)), else None: a rating
    token, "missing", or a whole number from -2 to 2 (an Integer or Float variable)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        if value != int(value) or not -2 <= value <= 2:
            return None
        n = int(value)
        return f"+{n}" if n > 0 else str(n)
    if isinstance(value, str):
        if value.strip().casefold() == "missing":
            return "missing"
        return rating_token(value, unsigned=True)
    return None
