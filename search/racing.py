"""Racing: a child is evaluated first on a share of the validation documents, and stops there when
its parent is already better on them (``search.selection.race``; 0 turns it off).

Why: a validation evaluation is most of a child's cost (about 3,500 LM calls on 100 documents in
the benchmark), and most children do not enter the population. A child that clearly loses on the
first documents pays for a quarter of that, and the budget buys more children. This is the racing
idea of F-Race and irace, with the paired test that selection already uses (search/noise.py).

The part is at least ``MIN_DOCUMENTS`` (below). The rule: on the documents done, the child stops
when its share of bootstrap resamples in which it is better is at most ``1 - confidence``: its
parent is at least as good with the confidence a child needs to enter, the same evidence turned
round. A child that survives is evaluated on every
document and compared as before; nothing is decided on part of the documents except stopping. An
objective that cannot be resampled per document never stops a child early.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from search.noise import Comparison

# The fewest documents a race is run on. On one document a parent better there is better in every
# resample (p_better 0), and on a handful a single document decides: such a race stops children on
# one document's luck. Below this the child is evaluated on every document.
MIN_DOCUMENTS = 10


def first_documents(total: int, share: float, least: int = MIN_DOCUMENTS) -> int | None:
    """How many validation documents a child is raced on first: ``share`` of them, rounded up, and
    at least ``least``; None: no race (off, or the part would be the whole)."""
    if share <= 0:
        return None
    part = max(least, math.ceil(share * total))
    return part if part < total else None


def stops(comparisons: Sequence[Comparison], confidence: float) -> bool:
    """Whether the child stops: some parent is better on the documents done, with ``confidence``."""
    limit = round(1.0 - confidence, 9)  # 1 - 0.8 is 0.19999999999999996 in floating point
    return any(c.p_better is not None and c.p_better <= limit for c in comparisons)
