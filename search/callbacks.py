"""Typed sweep events and the callback protocol. ``search/`` only emits them; experiments/
attaches displays and trackers (MLflow lives there, never here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class CandidateStarted:
    number: int
    operator: str
    parents: list[int]
    mutated_gene: str | None


@dataclass(frozen=True)
class CandidateFinished:
    number: int
    operator: str
    state: str  # "complete" | "screened_out" | "failed"
    train_score: float | None
    validation_score: float | None
    validation_values: list[float] | None
    accepted: bool  # entered the population (beat its parent on validation)
    harness_hash: str
    cost: dict[str, float] = field(default_factory=dict)
    evaluations: dict[str, str] = field(default_factory=dict)  # split -> output directory
    attrs: dict[str, Any] = field(default_factory=dict)  # the trial's user attributes (lineage, genes)
    knobs: dict[str, Any] = field(default_factory=dict)  # the trial's params
    # The population's best after this candidate: (trial, score as the mean over its draws). A
    # best re-evaluated at a new draw can fall (search/noise.py), so this is not monotone.
    best: tuple[int, float] | None = None


@dataclass(frozen=True)
class CandidateRepeated:
    """A proposal whose harness the study had already evaluated: served from the evaluation store,
    paid nothing, and not a candidate of the budget."""

    number: int
    operator: str
    repeat_of: int
    harness_hash: str


@dataclass(frozen=True)
class TestEvaluated:
    __test__ = False  # an event, not a pytest test class

    number: int
    role: str  # "seed" | "best" | "top" | "pareto"
    out: str
    test_acceptance: float


@dataclass(frozen=True)
class ProposalRejected:
    operator: str
    reasons: list[str]
    stage: str  # "proposal" | "evaluation"


@dataclass(frozen=True)
class NewBest:
    number: int
    score: float
    previous: float | None


@dataclass(frozen=True)
class BudgetReached:
    reason: str
    spent: dict[str, float]


Event = CandidateStarted | CandidateFinished | CandidateRepeated | ProposalRejected | NewBest | BudgetReached | TestEvaluated


class SweepCallback(Protocol):
    def __call__(self, event: Event) -> None: ...
