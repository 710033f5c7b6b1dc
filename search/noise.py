"""Noise-aware selection: a child replaces its parent only when it beats it paired, by more than
the pair's noise, and a parent chosen again is evaluated again, its score the mean of its draws.

Why: one validation evaluation is noisy (the seed harness on 30 documents scored 0.40 to 0.70
over four run seeds), so "beats its parent" on one evaluation keeps lucky children, and a lucky
parent stays on top for good (the winner's curse).

- **Paired test.** Child and parent are evaluated on the same validation documents with the same
  run seed (the same *draw*). A bootstrap over documents resamples documents, with both
  harnesses' results on them, and recomputes the first objective for each; the child wins when
  it is strictly better in at least ``confidence`` of the resamples (a one-sided test: 0.8 by
  default, ``search.selection.confidence``; 0.5 is close to "better on the mean"). With few
  documents that differ the test is lenient: a child better on 2 of 30 documents and worse on
  none is better in about 87% of resamples, on 1 in about 64%. Only objectives that are ratios
  of per-document sums can be resampled so (``acceptance_rate``, ``accepted_per_kcall``); for
  any other the child must be better at the same draw, without a noise margin.
- **Draws.** Draw d is an evaluation with run seed ``seed + d``. A parent's first child is
  evaluated at the parent's own draw, later ones at its other draws in turn, and the parent is
  evaluated at that draw too when it has not been: a parent
  chosen again accumulates up to ``search.selection.draws`` evaluations, and its score (for
  parent selection and for naming the best) is their mean. A new draw is not made when the
  sweep's LM-call budget left could not pay for it and the child's own evaluation; the child is
  then compared at the parent's own draw.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.paired import RESAMPLE_METRICS, per_document, value_of

RESAMPLES = 1000


@dataclass(frozen=True)
class Comparison:
    """A child against one parent at one draw."""

    parent: int
    draw: int
    parent_score: float
    parent_values: tuple[float, ...]
    parent_acceptance: float
    child_score: float
    p_better: float | None  # share of resamples in which the child is better; None: not resampled
    better: bool

    def record(self) -> dict[str, Any]:
        return {"parent": self.parent, "draw": self.draw, "score": self.parent_score,
                "values": list(self.parent_values), "acceptance": self.parent_acceptance,
                "p_better": self.p_better, "better": self.better}


def p_better(parent_dir: Path, child_dir: Path, metric: str, maximize: bool, seed: int = 0) -> float | None:
    """The share of bootstrap resamples over shared documents in which the child scores better
    than the parent on ``metric``; None when the metric cannot be recomputed per resample."""
    if metric not in RESAMPLE_METRICS:
        return None
    a, b = per_document(parent_dir), per_document(child_dir)
    pairs = [(a[d], b[d]) for d in sorted(set(a) & set(b))]
    if not pairs:
        return None
    sign = 1.0 if maximize else -1.0
    rng = random.Random(seed)
    wins = 0
    for _ in range(RESAMPLES):
        sample = [rng.choice(pairs) for _ in pairs]
        difference = sign * (value_of([c for _, c in sample], metric) - value_of([p for p, _ in sample], metric))
        wins += difference > 0  # a tie is no evidence for the child
    return wins / RESAMPLES


def compare(parent: int, draw: int, parent_eval: Any, child_eval: Any, metric: str, maximize: bool,
            confidence: float, seed: int) -> Comparison:
    """The child against its parent at one draw (``Evaluation``s of both on the same documents and seed)."""
    share = p_better(parent_eval.out, child_eval.out, metric, maximize, seed)
    better = share >= confidence if share is not None else child_eval.score > parent_eval.score
    return Comparison(parent, draw, parent_eval.score, tuple(parent_eval.values), parent_eval.acceptance,
                      child_eval.score, share, better)


def draw_for(own: int, compared: int, draws: int) -> int:
    """The draw at which a parent's next child is evaluated, and the parent with it: the parent's
    own draw first (no new evaluation of it), then the others in turn, ``compared`` being the
    comparisons made against it so far."""
    order = [own, *(d for d in range(draws) if d != own)][:draws]
    return order[compared % len(order)]


@dataclass(frozen=True)
class Draws:
    """A trial's validation numbers averaged over its draws."""

    score: float
    values: tuple[float, ...]
    acceptance: float | None
    count: int


def mean_draws(trials: Iterable[Any]) -> dict[int, Draws]:
    """Each trial's validation score, values and acceptance averaged over its draws: its own
    evaluation plus every draw at which a child compared against it re-evaluated it."""
    draws: dict[int, dict[int, tuple[float, tuple[float, ...], float | None]]] = {}
    for trial in trials:
        attrs = trial.user_attrs
        if attrs.get("validation_score") is not None and attrs.get("validation_values"):
            own = draws.setdefault(trial.number, {})
            own.setdefault(int(attrs.get("validation_draw", 0)), (float(attrs["validation_score"]),
                           tuple(attrs["validation_values"]), attrs.get("validation_acceptance")))
        for row in attrs.get("parent_draws") or []:
            draws.setdefault(int(row["parent"]), {}).setdefault(
                int(row["draw"]), (float(row["score"]), tuple(row["values"]), row.get("acceptance")))
    out = {}
    for number, by_draw in draws.items():
        rows = list(by_draw.values())
        width = len(rows[0][1])
        accepted = [a for _, _, a in rows if a is not None]
        out[number] = Draws(sum(s for s, _, _ in rows) / len(rows),
                            tuple(sum(v[i] for _, v, _ in rows) / len(rows) for i in range(width)),
                            sum(accepted) / len(accepted) if accepted else None, len(rows))
    return out
