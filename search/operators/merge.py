"""Merge: each text gene taken from one of two Pareto parents (knobs from the better one)."""

from __future__ import annotations

from search.operators.base import Proposal, ProposalContext


class MergeGenes:
    @classmethod
    def create(cls, deps: object) -> MergeGenes:
        return cls()

    name = "merge"

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        front = ctx.pareto()
        if len(front) < 2:
            front = ctx.population()
        distinct = {tuple(sorted(m.genes.items())): m for m in front}
        if len(distinct) < 2:
            return None
        first, second = ctx.rng.sample(list(distinct.values()), 2)
        better, other = (first, second) if first.score >= second.score else (second, first)
        genes = {name: (better if ctx.rng.random() < 0.5 else other).genes[name] for name in ctx.spec.genes}
        genes = {**better.genes, **genes}
        if genes in (first.genes, second.genes):  # a copy of one parent: take one gene from the other
            name = ctx.rng.choice([g for g in ctx.spec.genes if first.genes[g] != second.genes[g]])
            genes[name] = (better if genes == other.genes else other).genes[name]
        return Proposal(operator=self.name, parents=[better.number, other.number], knobs=dict(better.knobs), genes=genes)
