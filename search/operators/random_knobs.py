"""Random knob search: uniform knobs and a uniformly chosen parent's genes (texts never change).

Kept as ``random_knobs``: the benchmark's power check uses it as the known-poor probe; the
random baseline over the whole space is ``random`` (``random_space.py``)."""

from __future__ import annotations

import math

from search.operators.base import Proposal, ProposalContext
from search.space import INT_KNOBS


class RandomKnobs:
    @classmethod
    def create(cls, deps: object) -> RandomKnobs:
        return cls()

    name = "random_knobs"

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        population = ctx.population()
        parent = ctx.rng.choice(population)
        return Proposal(operator=self.name, parents=[parent.number], knobs={**parent.knobs, **uniform_knobs(ctx)},
                        genes=dict(parent.genes))


def uniform_knobs(ctx: ProposalContext) -> dict[str, float]:
    """Every searched knob drawn uniformly from its range (log-uniform where the range says so)."""
    knobs: dict[str, float] = {}
    for name, knob in ctx.spec.knobs.items():
        if knob.choices is not None:
            knobs[name] = ctx.rng.choice(knob.choices)
        elif name in INT_KNOBS:
            knobs[name] = ctx.rng.randint(int(knob.low), int(knob.high))
        elif knob.log:
            knobs[name] = math.exp(ctx.rng.uniform(math.log(knob.low), math.log(knob.high)))
        else:
            knobs[name] = ctx.rng.uniform(knob.low, knob.high)
    return knobs
