"""Selection: Boltzmann choice of parents, and the Pareto archive for several objectives."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


def boltzmann_weights(scores: Sequence[float], temperature: float) -> list[float]:
    """p_i ~ exp(score_i / T), computed stably."""
    if not scores:
        return []
    top = max(scores)
    raw = [math.exp((s - top) / temperature) for s in scores]
    total = sum(raw)
    return [r / total for r in raw]


def boltzmann_choice(items: Sequence[T], scores: Sequence[float], temperature: float, rng: random.Random) -> T:
    if not items:
        raise ValueError("no candidates to choose a parent from")
    return rng.choices(list(items), weights=boltzmann_weights(scores, temperature), k=1)[0]


def dominates(a: Sequence[float], b: Sequence[float], directions: Sequence[str]) -> bool:
    """a is at least as good as b everywhere and better somewhere."""
    better = False
    for x, y, d in zip(a, b, directions, strict=True):
        if d == "minimize":
            x, y = -x, -y
        if x < y:
            return False
        if x > y:
            better = True
    return better


@dataclass
class ParetoArchive(Generic[T]):
    directions: list[str]
    members: list[tuple[T, list[float]]] = field(default_factory=list)

    def add(self, item: T, values: Sequence[float]) -> bool:
        """Insert unless dominated; drop members it dominates. True when it entered."""
        values = list(values)
        if any(dominates(v, values, self.directions) or v == values for _, v in self.members):
            return False
        self.members = [(m, v) for m, v in self.members if not dominates(values, v, self.directions)]
        self.members.append((item, values))
        return True

    @property
    def items(self) -> list[T]:
        return [m for m, _ in self.members]
