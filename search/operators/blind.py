"""Blind mutation: the implementer rewrites one text with an empty analysis.

The control for reflective mutation: the same implementer, the same gene choice and the same
parent selection, but nothing read from the parent's failures (and no analyzer call). Informed
against blind isolates what reading the round records is worth.
"""

from __future__ import annotations

from search.operators.base import Proposal, ProposalContext
from search.operators.reflective import ReflectiveMutation


class BlindMutation(ReflectiveMutation):
    name = "blind"

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        if not ctx.spec.genes:
            return None
        parent = ctx.select_parent()
        gene = ctx.rng.choice(ctx.spec.genes)
        new_text = await self.rewrite(gene, parent.genes[gene], "", ("blind", parent.number, gene, ctx.rng.random()))
        if not new_text or new_text == parent.genes[gene]:
            return None
        return Proposal(operator=self.name, parents=[parent.number], knobs=dict(parent.knobs),
                        genes={**parent.genes, gene: new_text}, mutated_gene=gene, analysis="")
