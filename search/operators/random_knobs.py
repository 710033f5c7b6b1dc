"""Random search: uniform knobs and a parent's genes chosen uniformly (the baseline)."""

from __future__ import annotations

import math

from search.operators.base import Proposal, ProposalContext
from search.space import INT_KNOBS


class RandomKnobs:
    name = "random"

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        knobs = {}
        for name, knob in ctx.spec.knobs.items():
            if knob.choices is not None:
                knobs[name] = ctx.rng.choice(knob.choices)
            elif name in INT_KNOBS:
                knobs[name] = ctx.rng.randint(int(knob.low), int(knob.high))
            elif knob.log:
                knobs[name] = math.exp(ctx.rng.uniform(math.log(knob.low), math.log(knob.high)))
            else:
                knobs[name] = ctx.rng.uniform(knob.low, knob.high)
        population = ctx.population()
        parent = ctx.rng.choice(population)
        return Proposal(operator=self.name, parents=[parent.number], knobs={**parent.knobs, **knobs}, genes=dict(parent.genes))
