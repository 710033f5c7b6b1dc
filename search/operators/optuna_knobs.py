"""Optuna proposes the knobs (TPE for one objective, NSGA-II for several); genes come from a
Boltzmann-chosen parent. The sampler itself lives in the study; this operator only defers to it."""

from __future__ import annotations

import optuna

from search.config import SearchSpec
from search.operators.base import Proposal, ProposalContext


def make_sampler(spec: SearchSpec, seed: int) -> optuna.samplers.BaseSampler:
    if spec.multi_objective:
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)


class OptunaKnobs:
    @classmethod
    def create(cls, deps: object) -> OptunaKnobs:
        return cls()

    name = "optuna"

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        if not ctx.spec.knobs:
            return None  # nothing for the sampler to search
        parent = ctx.select_parent()
        return Proposal(operator=self.name, parents=[parent.number], knobs=None, genes=dict(parent.genes))
