"""The agreement statistics (cokg.agreement.stats) against worked examples computed by hand
here, the arithmetic written out: Cohen's kappa on 2×2 and 3×3 tables, De Vries et al.'s pooled
kappa, Krippendorff's published example for nominal data with missing values, and the edge
cases (one category only, no unit rated by two coders)."""

from __future__ import annotations

import pytest

from cokg.agreement.stats import (
    cohen_kappa,
    krippendorff_alpha,
    pairwise_agreement,
    pooled_kappa,
)

TOL = 1e-9


def _pairs(table: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """One (A, B) pair per unit, from a contingency table."""
    return [pair for pair, n in table.items() for _ in range(n)]


# --- Cohen's kappa ---------------------------------------------------------------------------


def test_kappa_two_by_two() -> None:
    # 50 units: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    # p_o = (20 + 15) / 50 = 0.7
    # A says yes 25/50 = 0.5, B says yes 30/50 = 0.6
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5
    # kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    k = cohen_kappa(_pairs({("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15}))
    assert k.units == 50
    assert k.observed == pytest.approx(0.7, abs=TOL)
    assert k.expected == pytest.approx(0.5, abs=TOL)
    assert k.value == pytest.approx(0.4, abs=TOL)
    assert k.reason is None


def test_kappa_three_categories() -> None:
    # 20 units, rows A, columns B:     a  b  c
    #                               a  6  1  1     A: a 8, b 7, c 5
    #                               b  2  4  1     B: a 9, b 6, c 5
    #                               c  1  1  3
    # p_o = (6 + 4 + 3) / 20 = 13/20
    # p_e = (8*9 + 7*6 + 5*5) / 400 = (72 + 42 + 25) / 400 = 139/400
    # kappa = (260/400 - 139/400) / (261/400) = 121/261
    table = {("a", "a"): 6, ("a", "b"): 1, ("a", "c"): 1, ("b", "a"): 2, ("b", "b"): 4,
             ("b", "c"): 1, ("c", "a"): 1, ("c", "b"): 1, ("c", "c"): 3}  # fmt: skip
    k = cohen_kappa(_pairs(table))
    assert k.observed == pytest.approx(13 / 20, abs=TOL)
    assert k.expected == pytest.approx(139 / 400, abs=TOL)
    assert k.value == pytest.approx(121 / 261, abs=TOL)


def test_kappa_below_chance() -> None:
    # Opposite on every unit: 2 units (yes, no) and (no, yes).
    # p_o = 0; p_e = 0.5 * 0.5 + 0.5 * 0.5 = 0.5; kappa = (0 - 0.5) / 0.5 = -1
    k = cohen_kappa([(True, False), (False, True)])
    assert k.value == pytest.approx(-1.0, abs=TOL)


def test_kappa_one_category_only_is_undefined() -> None:
    # Both coders put all 4 units in one category: p_o = p_e = 1, kappa = 0/0.
    k = cohen_kappa([(True, True)] * 4)
    assert k.value is None
    assert k.observed == pytest.approx(1.0, abs=TOL) and k.expected == pytest.approx(1.0)
    assert k.units == 4
    assert k.reason is not None and "one category (present)" in k.reason


def test_kappa_one_category_each_but_different_is_defined() -> None:
    # A always yes, B always no: p_o = 0, p_e = 1*0 + 0*1 = 0, kappa = 0.
    k = cohen_kappa([(True, False)] * 3)
    assert k.value == pytest.approx(0.0, abs=TOL)


def test_kappa_no_units() -> None:
    k = cohen_kappa([])
    assert k.value is None and k.units == 0
    assert k.reason == "no unit was rated by both coders"


# --- pooled kappa ------------------------------------------------------------------------------


def test_pooled_kappa_over_codes() -> None:
    # Two codes over the same 4 units.
    # code 1: A = 1 1 0 0, B = 1 0 0 0: p_o = 3/4; p_e = (2/4)(1/4) + (2/4)(3/4) = 8/16 = 1/2
    # code 2: A = 1 1 1 1, B = 1 1 1 0: p_o = 3/4; p_e = (4/4)(3/4) + 0 = 3/4
    #   (code 2 alone: kappa = (3/4 - 3/4) / (1/4) = 0)
    # pooled: mean p_o = 3/4, mean p_e = (1/2 + 3/4) / 2 = 5/8
    #         kappa = (3/4 - 5/8) / (1 - 5/8) = (1/8) / (3/8) = 1/3
    code1 = [(True, True), (True, False), (False, False), (False, False)]
    code2 = [(True, True), (True, True), (True, True), (True, False)]
    k = pooled_kappa([code1, code2])
    assert k.observed == pytest.approx(3 / 4, abs=TOL)
    assert k.expected == pytest.approx(5 / 8, abs=TOL)
    assert k.value == pytest.approx(1 / 3, abs=TOL)
    assert k.units == 4


def test_pooled_kappa_defined_when_one_code_is_not() -> None:
    # code 1 as above (p_o 3/4, p_e 1/2); code 2 present on every unit for both (p_o = p_e = 1,
    # its own kappa undefined). mean p_o = 7/8, mean p_e = 3/4: kappa = (1/8) / (1/4) = 1/2
    code1 = [(True, True), (True, False), (False, False), (False, False)]
    code2 = [(True, True)] * 4
    assert cohen_kappa(code2).value is None
    assert pooled_kappa([code1, code2]).value == pytest.approx(1 / 2, abs=TOL)


def test_pooled_kappa_every_code_one_category() -> None:
    k = pooled_kappa([[(True, True)] * 3, [(False, False)] * 3])
    assert k.value is None and k.reason is not None and "0/0" in k.reason


# --- Krippendorff's alpha ----------------------------------------------------------------------

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the example for nominal
# data with missing values: 4 observers, 12 units (None: missing).
KRIPPENDORFF_2011 = [
    # A     B     C     D
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, 3, None, None],
]


def test_alpha_krippendorffs_worked_example() -> None:
    # Unit 12 has one value: not pairable. The other 11 hold n = 3+4*8+3+2 = 40 values.
    # Value counts: 1: units 1 (3), 6 (1), 8 (3), 11 (2) = 9
    #               2: units 2 (3), 5 (4), 6 (1), 8 (1), 9 (4) = 13
    #               3: units 2 (1), 3 (4), 4 (4), 6 (1) = 10
    #               4: units 6 (1), 7 (4) = 5;  5: unit 10 (3) = 3        (9+13+10+5+3 = 40)
    # Disagreeing coincidences (ordered pairs of different values, each weighted 1/(m_u - 1)):
    #   unit 2 (2,2,3,2): 3*1*2 = 6 pairs / 3 = 2
    #   unit 6 (1,2,3,4): 4*3 = 12 pairs / 3 = 4
    #   unit 8 (1,1,2,1): 6 pairs / 3 = 2                              total 8
    # sum over c != k of n_c n_k = 40^2 - (81 + 169 + 100 + 25 + 9) = 1600 - 384 = 1216
    # alpha = 1 - (n - 1) * 8 / 1216 = 1 - 39 * 8 / 1216 = 1 - 312/1216 = 904/1216 (0.743)
    a = krippendorff_alpha(KRIPPENDORFF_2011)
    assert a.units == 11 and a.values == 40
    assert a.value == pytest.approx(904 / 1216, abs=TOL)
    assert a.observed_disagreement == pytest.approx(8 / 40, abs=TOL)
    assert a.expected_disagreement == pytest.approx(1216 / (40 * 39), abs=TOL)


def test_alpha_two_coders_binary() -> None:
    # Two coders, 6 units, no missing values: A = 1 1 0 0 0 1, B = 1 0 0 0 1 1.
    # n = 12; ones: A 3 + B 3 = 6, zeros 6. Units 2 and 5 disagree: 2 ordered pairs each,
    # weight 1/(2-1): sum o_ck (c != k) = 4. sum n_c n_k (c != k) = 2*6*6 = 72.
    # alpha = 1 - 11 * 4 / 72 = 1 - 44/72 = 28/72 = 7/18
    a = krippendorff_alpha([[1, 1], [1, 0], [0, 0], [0, 0], [0, 1], [1, 1]])
    assert a.value == pytest.approx(7 / 18, abs=TOL)


def test_alpha_missing_ratings_leave_units_out() -> None:
    # The example above plus units only one coder rated, and a unit no one rated: the same.
    a = krippendorff_alpha([[1, 1], [1, 0], [0, 0], [0, 0], [0, 1], [1, 1],
                            [None, 1], [0, None], [None, None]])  # fmt: skip
    assert a.value == pytest.approx(7 / 18, abs=TOL) and a.units == 6


def test_alpha_one_category_only_is_undefined() -> None:
    a = krippendorff_alpha([[True, True, None], [True, True, True]])
    assert a.value is None
    assert a.reason is not None and "one category (present)" in a.reason


def test_alpha_no_overlap_is_undefined() -> None:
    # No unit has two values: nothing pairable.
    a = krippendorff_alpha([[1, None], [None, 2], [None, None]])
    assert a.value is None and a.units == 0
    assert a.reason == "no unit was rated by two coders or more"


def test_pairwise_agreement_counts_pairs_of_raters() -> None:
    # unit 1: 3 raters all agree: 3 pairs agree; unit 2: (1, 1, 2): 1 of 3 pairs agrees;
    # unit 3: one rater: no pair; unit 4: (2, None, 2): 1 pair, agrees.   5 of 7
    assert pairwise_agreement([[1, 1, 1], [1, 1, 2], [None, 3, None], [2, None, 2]]) == (5, 7)
