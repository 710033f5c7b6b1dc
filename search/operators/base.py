"""What an operator proposes, and what it may look at when proposing."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.config import HarnessConfig
from harness.documents import DocumentSet
from harness.records import RoundRecord
from search.config import SearchSpec


@dataclass(frozen=True)
class Member:
    """A candidate in the population: evaluated on validation, accepted into the search."""

    number: int  # Optuna trial number
    knobs: dict[str, Any]
    genes: dict[str, str]
    score: float  # scalar validation score (first objective for several): the mean over its draws
    values: tuple[float, ...]  # validation objective vector, the mean over its draws
    draws: int = 1  # validation evaluations behind the means (search/noise.py)


@dataclass
class Proposal:
    operator: str
    parents: list[int]
    knobs: dict[str, Any] | None  # None: let the Optuna sampler choose the knobs
    genes: dict[str, str]
    mutated_gene: str | None = None
    analysis: str | None = None
    # Dotted-path changes beyond knobs and genes. Legitimate operators never set these; the guard
    # rejects any proposal that does (an adversarial proposer is tested against it).
    overrides: dict[str, Any] = field(default_factory=dict)


class ProposalContext(Protocol):
    rng: random.Random
    spec: SearchSpec
    seed_config: HarnessConfig
    splits: Mapping[str, DocumentSet]  # train, validation, test (a strategy with its own loop reads them)
    out: Path  # the sweep's directory (a strategy's own records go under it)

    def population(self) -> list[Member]: ...

    def pareto(self) -> list[Member]: ...

    def select_parent(self) -> Member: ...

    def train_records(self, member: Member) -> list[RoundRecord]: ...

    def spent(self) -> Any: ...  # the sweep's spending so far (``search.budget.Spent``)


class Operator(Protocol):
    name: str

    async def propose(self, ctx: ProposalContext) -> Proposal | None: ...
