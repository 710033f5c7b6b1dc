"""Reflective mutation: an analyzer reads the parent's full round records and writes a
root-cause analysis; an implementer rewrites one text gene to fix those causes. Both are DSPy
programs (on the offline world they run on the ``sim/proposer`` profile)."""

from __future__ import annotations

from typing import Any

import dspy

from harness.feedback import format_round_records
from harness.roles import derive_seed
from search.operators.base import Proposal, ProposalContext
from search.operators.registry import OperatorDeps


class AnalyzeRounds(dspy.Signature):
    """Read a data-generation harness's full round records and find the root causes of its failures:
    which failure dominates, how hard the failed and the accepted questions were, which quality problems recur."""

    round_records: str = dspy.InputField(desc="every round: guidance, question, context, scores, decision")
    gene: str = dspy.InputField(desc="the instruction text that will be rewritten next")
    analysis: str = dspy.OutputField(desc="root-cause analysis")


class RewriteGene(dspy.Signature):
    """Rewrite one instruction text of the harness so that the causes in the analysis are fixed.
    Keep what works; return the complete new text."""

    gene: str = dspy.InputField(desc="which instruction text this is")
    current_text: str = dspy.InputField()
    analysis: str = dspy.InputField()
    new_text: str = dspy.OutputField(desc="the complete rewritten instruction text")


class ReflectiveMutation:
    name = "mutation"

    def __init__(self, lm: dspy.LM, temperature: float = 0.7) -> None:
        self.analyzer = dspy.Predict(AnalyzeRounds)
        self.implementer = dspy.Predict(RewriteGene)
        self.analyzer.set_lm(lm)
        self.implementer.set_lm(lm)
        self.temperature = temperature
        self.simulated = lm.model.startswith("sim/")
        self.calls = 0  # proposer calls, counted apart from the inner loop's

    @classmethod
    def create(cls, deps: OperatorDeps) -> ReflectiveMutation:
        return cls(deps.proposer_lm, deps.proposer_temperature)

    async def rewrite(self, gene: str, current: str, analysis: str, salt: tuple) -> str:
        """The implementer's new text for ``gene`` (one proposer call)."""
        out = await self.implementer.acall(gene=gene, current_text=current, analysis=analysis,
                                           config=self._config("rewrite", *salt))
        self.calls += 1
        return out.new_text.strip()

    def _config(self, *parts: Any) -> dict[str, Any]:
        # The offline world takes a seed; real endpoints get a distinct cache entry instead.
        key = "seed" if self.simulated else "rollout_id"
        return {key: derive_seed(*parts), "temperature": self.temperature}

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        if not ctx.spec.genes:
            return None
        parent = ctx.select_parent()
        gene = ctx.rng.choice(ctx.spec.genes)  # component selection: uniform over mutable genes
        records = format_round_records(ctx.train_records(parent), max_chars=ctx.spec.records_chars)
        salt = ctx.rng.random()
        analysis = await self.analyzer.acall(round_records=records, gene=gene,
                                             config=self._config("analyze", parent.number, gene, salt))
        self.calls += 1
        new_text = await self.rewrite(gene, parent.genes[gene], analysis.analysis, (parent.number, gene, salt))
        if not new_text or new_text == parent.genes[gene]:
            return None
        return Proposal(
            operator=self.name,
            parents=[parent.number],
            knobs=dict(parent.knobs),
            genes={**parent.genes, gene: new_text},
            mutated_gene=gene,
            analysis=analysis.analysis,
        )
