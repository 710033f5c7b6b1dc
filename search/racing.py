"""Racing: a child is evaluated first on a share of the validation documents, and stops there when
its parent is already better on them (``search.selection.race``; 0 turns it off).

Why: a validation evaluation is most of a child's cost (about 3,500 LM calls on 100 documents in
the benchmark), and most children do not enter the population. A child that clearly loses on the
first documents pays for a quarter of that, and the budget buys more children. This is the racing
idea of F-Race and irace, with the paired test that selection already uses (search/noise.py).

The rule: on the documents done, the child stops when its share of bootstrap resamples in which it
is better is at most ``1 - confidence``: its parent is at least as good with the confidence a child
needs to enter, the same evidence turned round. A child that survives is evaluated on every
document and compared as before; nothing is decided on part of the documents except stopping. An
objective that cannot be resampled per document never stops a child early.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from search.noise import Comparison


def first_documents(total: int, share: float) -> int | None:
    """How many validation documents a child is raced on first; None: no race (off, or too few
    documents for a part to be smaller than the whole)."""
    if share <= 0:
        return None
    part = max(1, math.ceil(share * total))
    return part if part < total else None


def stops(comparisons: Sequence[Comparison], confidence: float) -> bool:
    """Whether the child stops: some parent is better on the documents done, with ``confidence``."""
    limit = round(1.0 - confidence, 9)  # 1 - 0.8 is 0.19999999999999996 in floating point
    return any(c.p_better is not None and c.p_better <= limit for c in comparisons)
