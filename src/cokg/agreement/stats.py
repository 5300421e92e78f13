"""The agreement statistics, in pure Python: percent agreement, Cohen's kappa, pooled kappa and
Krippendorff's alpha for nominal data with missing values.

Arithmetic is exact (fractions.Fraction) until the result is turned into a float, so a test
can hold a value to a hand computation at 1e-9 and no rounding differs between platforms. A
statistic that is 0/0 for the data given (one category only, no unit rated twice) is returned
as undefined with the reason, never as NaN and never as an exception.

- Cohen's kappa (Cohen 1960): κ = (p_o − p_e) / (1 − p_e), p_o the share of units both coders
  put in the same category, p_e = Σ_c p_A(c) · p_B(c) from each coder's own marginals.
- Pooled kappa over several binary items (De Vries et al. 2008, Field Methods 20(3)):
  κ_pooled = (mean p_o − mean p_e) / (1 − mean p_e), the means taken over the items.
- Krippendorff's alpha, nominal metric (Krippendorff 2011, "Computing Krippendorff's
  alpha-reliability"): from the coincidence matrix o_ck (each ordered pair of values given to
  one unit by two different coders adds 1/(m_u − 1), m_u the unit's number of values; units
  with fewer than two values are not pairable), n = Σ o_ck, n_c = Σ_k o_ck:
  α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations

__all__ = [
    "Alpha",
    "Kappa",
    "cohen_kappa",
    "krippendorff_alpha",
    "pairwise_agreement",
    "pooled_kappa",
]


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa for two coders over `units` units both rated: `value` None when
    undefined (`reason` says why); `observed` and `expected` are p_o and p_e."""

    value: float | None
    observed: float | None
    expected: float | None
    units: int
    reason: str | None = None


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha (nominal): `value` None when undefined (`reason` says why);
    `units` the pairable units, `values` n (the values in them)."""

    value: float | None
    units: int
    values: int
    observed_disagreement: float | None = None  # D_o
    expected_disagreement: float | None = None  # D_e
    reason: str | None = None


def _shown(category: Hashable) -> str:
    if category is True:
        return "present"
    if category is False:
        return "absent"
    return str(category)


def _kappa_parts(pairs: Sequence[tuple[Hashable, Hashable]]) -> tuple[Fraction, Fraction]:
    n = len(pairs)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    po = Fraction(sum(1 for a, b in pairs if a == b), n)
    pe = sum((Fraction(first[c] * second[c], n * n) for c in first.keys() & second.keys()),
             Fraction(0))  # fmt: skip
    return po, pe


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> Kappa:
    """Cohen's kappa of (category by coder A, category by coder B), one pair per unit both
    coders rated."""
    pairs = list(pairs)
    if not pairs:
        return Kappa(None, None, None, 0, "no unit was rated by both coders")
    po, pe = _kappa_parts(pairs)
    if pe == 1:
        only = _shown(pairs[0][0])
        return Kappa(
            None,
            float(po),
            float(pe),
            len(pairs),
            f"both coders put every unit in one category ({only}): kappa is 0/0",
        )
    return Kappa(float((po - pe) / (1 - pe)), float(po), float(pe), len(pairs))


def pooled_kappa(items: Iterable[Sequence[tuple[Hashable, Hashable]]]) -> Kappa:
    """De Vries et al.'s pooled kappa over items (codes), each a list of (A, B) pairs over
    the same units: (mean p_o − mean p_e) / (1 − mean p_e). Items with no pairs are left out."""
    lists = [list(pairs) for pairs in items]
    parts = [_kappa_parts(pairs) for pairs in lists if pairs]
    units = max((len(pairs) for pairs in lists), default=0)
    if not parts:
        return Kappa(None, None, None, 0, "no unit was rated by both coders")
    po = sum((p for p, _ in parts), Fraction(0)) / len(parts)
    pe = sum((e for _, e in parts), Fraction(0)) / len(parts)
    if pe == 1:
        return Kappa(None, float(po), float(pe), units,
                     "every code was present on every unit, or absent from every unit, for "
                     "both coders: pooled kappa is 0/0")  # fmt: skip
    return Kappa(float((po - pe) / (1 - pe)), float(po), float(pe), units)


def pairwise_agreement(units: Iterable[Sequence[Hashable | None]]) -> tuple[int, int]:
    """(agreeing, all) unordered pairs of coders who both rated a unit, over the units (each
    unit a sequence of one value per coder, None where that coder gave none)."""
    agree = total = 0
    for unit in units:
        values = [v for v in unit if v is not None]
        for i in range(len(values)):
            for j in range(i + 1, len(values)):
                total += 1
                agree += values[i] == values[j]
    return agree, total


def krippendorff_alpha(units: Iterable[Sequence[Hashable | None]]) -> Alpha:
    """Krippendorff's alpha for nominal data: each unit a sequence of one value per coder,
    None where that coder gave none (a missing value)."""
    weights: dict[tuple[Hashable, Hashable], Fraction] = {}
    pairable = 0
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        pairable += 1
        for a, b in permutations(values, 2):
            weights[(a, b)] = weights.get((a, b), Fraction(0)) + Fraction(1, m - 1)
    if not pairable:
        return Alpha(None, 0, 0, reason="no unit was rated by two coders or more")
    marginals: dict[Hashable, Fraction] = {}
    for (a, _), w in weights.items():
        marginals[a] = marginals.get(a, Fraction(0)) + w
    n = sum(marginals.values(), Fraction(0))
    observed = sum((w for (a, b), w in weights.items() if a != b), Fraction(0))
    expected_pairs = n * n - sum((x * x for x in marginals.values()), Fraction(0))
    if expected_pairs == 0:
        only = _shown(next(iter(marginals)))
        return Alpha(None, pairable, int(n), float(observed / n), 0.0,
                     f"every value given is one category ({only}): alpha is 0/0")  # fmt: skip
    d_o = observed / n
    d_e = expected_pairs / (n * (n - 1))
    return Alpha(float(1 - d_o / d_e), pairable, int(n), float(d_o), float(d_e))
