"""Coder agreement: how far coders who coded the same passages agree on their codes.

    >>> report = agreement(store, coders=["ana", "ben"], case="fx-north")   # doctest: +SKIP
    >>> print(render_agreement(report))                                   # doctest: +SKIP

What is compared (read from the store by the saved query `codings-by-coder`):

- **Imported QDA projects**: each cokg:Coding applies one code to one passage (a quotation, with
  its coded text and its span in code points) by one coder.
- **Template submissions**: a finding whose `coder` column names a coder is that coder's coding
  of every quotation that supports the finding, with each construct the finding is coded to
  (one row per finding per coder). A quotation's source is its interview, else its source
  document.

Units (`unit=`):

- `segment` (the default): the passages of one source, merged where they overlap - a unit is a
  maximal stretch of text covered by overlapping coded spans (spans that only touch, one
  ending where the next starts, stay apart). Coders rarely select exactly the same characters;
  merging overlaps compares what they coded in the same place, as QDA programs' coding
  comparisons do by character. Identical spans are the simplest case.
- `span`: one unit per exact span (per quotation): two coders agree on a unit only when they
  selected the very same characters.
- `source`: one unit per coded text (or interview, or source document): a code is present when
  the coder applied it anywhere in it.
A template quotation has no span: it is a unit of its own under `segment` and `span`.

Only the chosen coders' codings make units (a passage only another coder coded is no unit).
A coder **rated** a unit when they coded anything in its source; in a source a coder coded, a
unit they gave no code is rated "absent" for every code. In a source a coder never coded,
their ratings are **missing**.

Per code, each rated unit is coded present or absent by each coder (binary):

- **percent agreement**: of the pairs of coders who both rated a unit, the share agreeing;
- **Cohen's kappa** (two coders): over the units both rated;
- **Krippendorff's alpha** (nominal, any number of coders, missing ratings allowed): over the
  units at least two coders rated.
Overall: percent agreement over every unit and code; **pooled kappa** (De Vries et al. 2008:
mean p_o and mean p_e over the codes); alpha over every (unit, code) pair as one binary item.
A statistic that is 0/0 for the data (one category only, e.g. a code every coder applied to
every unit) is reported as undefined with the reason (see cokg.agreement.stats).

Errors, one line each: an unknown coder (naming the coders present), fewer than two coders,
an unknown source, and no unit that two of the coders both rated (nothing to compare).
"""

from cokg.agreement.measuring import (
    UNITS,
    AgreementReport,
    Applied,
    CodeAgreement,
    Disagreement,
    Unit,
    agreement,
    make_units,
    measure,
    read_codings,
)
from cokg.agreement.rendering import FORMATS, render_agreement
from cokg.agreement.stats import Alpha, Kappa, cohen_kappa, krippendorff_alpha, pooled_kappa

__all__ = [
    "FORMATS",
    "UNITS",
    "AgreementReport",
    "Alpha",
    "Applied",
    "CodeAgreement",
    "Disagreement",
    "Kappa",
    "Unit",
    "agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "make_units",
    "measure",
    "pooled_kappa",
    "read_codings",
    "render_agreement",
]
