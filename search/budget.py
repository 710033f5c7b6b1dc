"""What a sweep has spent, read from its study's trials, and whether its budget stops it.

The study is the record: any worker (or a resumed sweep) counts the same spending from it.
Candidates are trials that reached evaluation; rejected proposals and repeats of a harness
already evaluated are counted apart, and a reviewer check's calls count even when it rejects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from optuna.trial import FrozenTrial, TrialState

from search.config import SearchSpec

MAX_REJECTIONS_FACTOR = 5  # proposals rejected by the guard before the sweep gives up
_CANDIDATE_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)


@dataclass
class Spent:
    candidates: int = 0
    calls: float = 0.0
    tokens: float = 0.0
    dollars: float = 0.0
    wall_s: float = 0.0
    rejected: int = 0
    proposer_calls: float = 0.0  # the analyzer's and implementer's calls (part of ``calls``)
    strategy_calls: float = 0.0  # inner-loop calls a strategy made in its own evaluations (part of ``calls``)
    repeated: int = 0  # proposals of a harness already evaluated in the study: not candidates

    def as_dict(self) -> dict[str, float]:
        return dict(vars(self))


def spent_of(trials: Iterable[FrozenTrial], operators: Mapping[str, Any], wall_s: float) -> Spent:
    """The spending recorded in the trials, plus what the operators spent outside them."""
    spent = Spent(wall_s=wall_s)
    for trial in trials:
        attrs = trial.user_attrs
        if attrs.get("rejected"):
            spent.rejected += 1
            spent.calls += (attrs.get("cost") or {}).get("calls", 0)  # a reviewer check's calls
            continue
        if "repeat_of" in attrs:
            spent.repeated += 1
            continue
        if trial.state in _CANDIDATE_STATES:
            spent.candidates += 1
        cost = attrs.get("cost") or {}
        spent.calls += cost.get("calls", 0)
        spent.tokens += cost.get("tokens", 0)
        spent.dollars += cost.get("dollars", 0)
    # Proposer calls count against the same budget as the inner loop's, and are reported apart.
    spent.proposer_calls = float(sum(getattr(op, "calls", 0) for op in operators.values()))
    # A strategy with its own loop (GEPA) runs the inner loop outside the sweep's trials too.
    spent.strategy_calls = float(sum(getattr(op, "inner_calls", 0) for op in operators.values()))
    spent.calls += spent.proposer_calls + spent.strategy_calls
    return spent


def why_stop(spec: SearchSpec, spent: Spent, operators: Mapping[str, Any], owed: bool = False) -> str | None:
    """Why the sweep must stop, or None. ``owed``: trials already counted against the candidate
    budget are waiting to be evaluated, so that budget does not stop it yet."""
    b = spec.budget
    if spent.candidates >= b.candidates and not owed:
        return f"candidates {spent.candidates} >= {b.candidates}"
    if b.calls is not None and spent.calls >= b.calls:
        return f"LM calls {spent.calls:.0f} >= {b.calls}"
    if b.tokens is not None and spent.tokens >= b.tokens:
        return f"tokens {spent.tokens:.0f} >= {b.tokens}"
    if b.dollars is not None and spent.dollars >= b.dollars:
        return f"dollars {spent.dollars:.2f} >= {b.dollars}"
    if b.wall_s is not None and spent.wall_s >= b.wall_s:
        return f"wall time {spent.wall_s:.0f} s >= {b.wall_s:g} s"
    if operators and all(getattr(op, "done", False) for op in operators.values()):
        return "no operator has anything left to propose"
    if spent.rejected >= MAX_REJECTIONS_FACTOR * b.candidates:
        return f"{spent.rejected} proposals rejected by the guard"
    if spent.repeated >= MAX_REJECTIONS_FACTOR * b.candidates:  # a space with nothing new left in it
        return f"{spent.repeated} proposals repeated a harness already evaluated"
    return None
