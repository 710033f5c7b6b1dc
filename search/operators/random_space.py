"""Random search over the whole space: knobs and texts both.

Every searched knob is drawn uniformly; every text gene is drawn uniformly from the texts the
sweep has evaluated for it (the seed's among them) plus one fresh blind rewrite of the seed's
text (the implementer with an empty analysis, one proposer call). So random search can change
what mutation changes, and what it finds is not bought by reading any failure.
"""

from __future__ import annotations

from search.operators.base import Proposal, ProposalContext
from search.operators.random_knobs import uniform_knobs
from search.operators.reflective import ReflectiveMutation
from search.operators.registry import OperatorDeps


class RandomSpace:
    name = "random"

    def __init__(self, blind: ReflectiveMutation) -> None:
        self.blind = blind

    @classmethod
    def create(cls, deps: OperatorDeps) -> RandomSpace:
        return cls(ReflectiveMutation(deps.proposer_lm, deps.proposer_temperature))

    @property
    def calls(self) -> int:  # proposer calls, read by the sweep's budget
        return self.blind.calls

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        population = ctx.population()
        parent = ctx.rng.choice(population)
        genes = dict(parent.genes)
        if ctx.spec.genes:
            seen = {name: sorted({m.genes[name] for m in population}) for name in ctx.spec.genes}
            gene = ctx.rng.choice(ctx.spec.genes)  # one fresh text per proposal keeps proposer calls low
            seed_text = ctx.seed_config.genes.model_dump()[gene]
            fresh = await self.blind.rewrite(gene, seed_text, "", ("random", parent.number, gene, ctx.rng.random()))
            for name in ctx.spec.genes:
                pool = seen[name] + ([fresh] if name == gene and fresh else [])
                genes[name] = ctx.rng.choice(pool)
        return Proposal(operator=self.name, parents=[parent.number], knobs={**parent.knobs, **uniform_knobs(ctx)},
                        genes=genes)
