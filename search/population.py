"""The sweep's population, rebuilt from the study's completed trials, and the choice of a parent.

A candidate accepted on validation is a member; an accepted child replaces its parents in the
population (they stay members: the Pareto front and the report still see them). A member chosen
as a parent again has several validation draws, and its score is their mean (search/noise.py).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from optuna.trial import FrozenTrial

from search.bank import PromptBank, resolve
from search.config import SearchSpec
from search.noise import mean_draws
from search.operators.base import Member
from search.selection import ParetoArchive, boltzmann_choice


class NoParent(LookupError):
    """No evaluated candidate to choose a parent from yet."""


@dataclass
class SweepState:
    """What a worker knows, rebuilt from the study's trials."""

    members: dict[int, Member] = field(default_factory=dict)  # accepted candidates
    replaced: set[int] = field(default_factory=set)  # parents an accepted child replaced
    train_dirs: dict[int, str] = field(default_factory=dict)
    best: tuple[int, float] | None = None

    def population(self) -> list[Member]:
        alive = [m for n, m in self.members.items() if n not in self.replaced]
        return alive or list(self.members.values())

    def pareto(self, directions: Sequence[str]) -> list[Member]:
        archive: ParetoArchive[Member] = ParetoArchive(list(directions))
        for member in self.members.values():
            archive.add(member, member.values)
        return archive.items

    def select_parent(self, spec: SearchSpec, directions: Sequence[str], rng: random.Random) -> Member:
        if not self.members:
            raise NoParent("no evaluated candidate to choose a parent from yet")
        if spec.multi_objective:
            return rng.choice(self.pareto(directions))
        population = self.population()
        return boltzmann_choice(population, [m.score for m in population], spec.temperature, rng)


def state_of(complete: Sequence[FrozenTrial], bank: PromptBank) -> SweepState:
    """The population as the completed trials record it."""
    state = SweepState()
    means = mean_draws(complete)  # a parent chosen again has several draws: its score is their mean
    for trial in complete:
        attrs = trial.user_attrs
        if "train_dir" in attrs:
            state.train_dirs[trial.number] = attrs["train_dir"]
        if not attrs.get("accepted"):
            continue
        values = tuple(attrs.get("validation_values") or trial.values)
        mean = means.get(trial.number)
        score = mean.score if mean else float(attrs.get("validation_score", values[0]))
        state.members[trial.number] = Member(trial.number, dict(trial.params), resolve(bank, attrs), score,
                                             mean.values if mean else values, mean.count if mean else 1)
        if attrs.get("operator") != "seed":
            state.replaced.update(attrs.get("parents") or [])
    for number, member in state.members.items():
        if state.best is None or member.score > state.best[1]:
            state.best = (number, member.score)
    return state
