"""GEPA as a strategy: ``gepa.optimize`` over the sweep's text genes, its best candidates handed
to the sweep as proposals.

On its first proposal the operator runs GEPA (gepa 0.1.4, installed with DSPy 3.4) in a worker
thread. The adapter's ``evaluate`` runs the inner loop on a batch of documents with the seed's
knobs (GEPA searches texts only; knobs stay fixed) and scores each document by the sweep's first
objective computed on that document alone (accepted per 1,000 calls, or accepted 0/1). The
reflective dataset of a component is the documents' round records (every candidate, score and
decision), grouped by document. GEPA's own reflection prompt is not in the round-record shape the
offline world's proposer reads, so proposals go through the sweep's proposer (the analyzer reads
the grouped records, the implementer rewrites the component): a custom proposer, on every
endpoint alike. GEPA stops when its share of the sweep's LM-call budget is spent (inner loop and
proposer counted together, by a stop callback reading this operator's counters).

Then each propose() returns the next of GEPA's candidates, best validation score first, and the
sweep evaluates it like any other (train screen, validation, acceptance, MLflow), so GEPA's
candidates are compared with the sweep's own on the same documents and seeds.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from harness.documents import Document, DocumentSet
from harness.feedback import format_round_records
from harness.generate import load_rounds, run_generation
from harness.models import ModelRegistry
from harness.records import RoundRecord
from search.operators.base import Proposal, ProposalContext
from search.operators.reflective import ReflectiveMutation
from search.operators.registry import OperatorDeps
from search.space import build_harness

GEPA_SHARE = 0.8  # of the sweep's LM-call budget; the rest pays for the sweep's own checks of GEPA's picks
HANDED = 3  # GEPA's best candidates handed to the sweep
CALLS_PER_CANDIDATE_DOC = 40  # LM calls a document takes until GEPA has measured it
MINIBATCH = 3  # GEPA's reflection minibatch (its default)


def document_score(records: list[RoundRecord], metric: str) -> tuple[float, int]:
    """(score, calls) of one document's rounds under the sweep's first objective."""
    calls = sum(u.get("calls", 0) for r in records for u in r.usage.values())
    accepted = float(any(r.in_dataset for r in records))
    if metric == "accepted_per_kcall":
        return (1000.0 * accepted / calls if calls else 0.0), calls
    return accepted, calls


class HarnessAdapter:
    """GEPA's adapter: a candidate is the genes; a data instance is one document."""

    def __init__(self, op: GepaOperator, ctx: ProposalContext, out: Path) -> None:
        self.op, self.ctx, self.out = op, ctx, out
        self.metric = ctx.spec.objectives[0].metric
        self.knobs = {name: getattr(ctx.seed_config.knobs, name) for name in ctx.spec.knobs}
        self.evaluations = 0

    def evaluate(self, batch: list[Document], candidate: dict[str, str], capture_traces: bool = False) -> Any:
        from gepa.core.adapter import EvaluationBatch

        config = build_harness(self.ctx.seed_config, self.knobs, candidate)
        self.evaluations += 1
        where = self.out / f"eval-{self.evaluations:05d}"
        registry = ModelRegistry(config.models, config.runtime, world_seed=config.documents.world_seed)
        asyncio.run(run_generation(config, DocumentSet(list(batch)), where, registry=registry))
        rounds = load_rounds(where)
        scores, trajectories = [], []
        for doc in batch:
            records = rounds.get(doc.id, [])
            score, calls = document_score(records, self.metric)
            self.op.inner_calls += calls
            self.op.docs_evaluated += 1
            scores.append(score)
            trajectories.append({"doc_id": doc.id, "score": score, "records": records})
        return EvaluationBatch(outputs=[t["score"] for t in trajectories], scores=scores,
                               trajectories=trajectories if capture_traces else None)

    def make_reflective_dataset(self, candidate: dict[str, str], eval_batch: Any,
                                components_to_update: list[str]) -> dict[str, list[dict[str, Any]]]:
        rows = [{"doc_id": t["doc_id"], "score": t["score"],
                 "round_records": format_round_records(t["records"], max_chars=self.ctx.spec.records_chars)}
                for t in eval_batch.trajectories or []]
        return {name: rows for name in components_to_update}

    def propose_new_texts(self, candidate: dict[str, str], reflective_dataset: dict[str, list[dict[str, Any]]],
                          components_to_update: list[str]) -> dict[str, str]:
        return asyncio.run(self._propose(candidate, reflective_dataset, components_to_update))

    async def _propose(self, candidate: dict[str, str], dataset: dict[str, list[dict[str, Any]]],
                       names: list[str]) -> dict[str, str]:
        out = {}
        proposer = self.op.proposer
        for name in names:
            records = "\n".join(row["round_records"] for row in dataset.get(name, []))
            salt = (name, self.evaluations, len(out))
            analysis = await proposer.analyzer.acall(round_records=records[: self.ctx.spec.records_chars], gene=name,
                                                     config=proposer._config("gepa-analyze", *salt))
            proposer.calls += 1
            new = await proposer.rewrite(name, candidate[name], analysis.analysis, ("gepa", *salt))
            out[name] = new or candidate[name]
        return out


class FileLog:
    """GEPA's progress lines, appended to a file under the sweep's directory (not the console)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def log(self, message: str) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(message.rstrip() + "\n")


class GepaOperator:
    name = "gepa"

    def __init__(self, proposer: ReflectiveMutation) -> None:
        self.proposer = proposer
        self.inner_calls = 0  # the inner loop's calls inside GEPA's own evaluations
        self.docs_evaluated = 0
        self.queue: list[dict[str, str]] | None = None
        self.done = False
        self.gepa_calls_limit = 0.0
        self.metric_calls = 0

    @classmethod
    def create(cls, deps: OperatorDeps) -> GepaOperator:
        return cls(ReflectiveMutation(deps.proposer_lm, deps.proposer_temperature))

    @property
    def calls(self) -> int:  # proposer calls, read by the sweep's budget
        return self.proposer.calls

    def per_doc(self) -> float:
        return self.inner_calls / self.docs_evaluated if self.docs_evaluated else CALLS_PER_CANDIDATE_DOC

    def _limit(self, ctx: ProposalContext) -> float:
        budget = ctx.spec.budget
        if budget.calls is not None:
            return GEPA_SHARE * budget.calls
        docs = ctx.spec.splits.validation
        return GEPA_SHARE * budget.candidates * docs * CALLS_PER_CANDIDATE_DOC

    def _run(self, ctx: ProposalContext, out: Path) -> list[dict[str, str]]:
        import gepa

        seed = {name: ctx.seed_config.genes.model_dump()[name] for name in ctx.spec.genes}
        adapter = HarnessAdapter(self, ctx, out)
        self.gepa_calls_limit = self._limit(ctx)
        splits = ctx.splits

        # GEPA checks its stoppers between iterations, so stop while one more iteration still fits:
        # two minibatches, a proposal and a full validation pass.
        iteration_docs = 2 * MINIBATCH + len(splits["validation"].documents)

        def stop(_state: Any) -> bool:
            ahead = self.per_doc() * iteration_docs + 2 * len(ctx.spec.genes)
            return self.inner_calls + self.proposer.calls + ahead >= self.gepa_calls_limit

        result = gepa.optimize(
            seed_candidate=seed, trainset=list(splits["train"].documents), valset=list(splits["validation"].documents),
            adapter=adapter, stop_callbacks=[stop], reflection_minibatch_size=MINIBATCH, seed=ctx.rng.randrange(2**31), raise_on_exception=False,
            run_dir=None, display_progress_bar=False, logger=FileLog(out / "gepa.log"),
        )
        self.metric_calls = int(result.total_metric_calls or 0)
        ranked = sorted(range(len(result.candidates)), key=lambda i: -result.val_aggregate_scores[i])
        return [dict(result.candidates[i]) for i in ranked if dict(result.candidates[i]) != seed][:HANDED]

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        if not ctx.spec.genes:
            self.done = True
            return None
        if self.queue is None:
            out = Path(tempfile.mkdtemp(prefix="gepa-", dir=ctx.out))
            self.queue = await asyncio.to_thread(self._run, ctx, out)
        budget = ctx.spec.budget.calls
        docs = ctx.spec.splits.train + ctx.spec.splits.validation
        if budget is not None and self.queue and ctx.spent().calls + self.per_doc() * docs > budget:
            self.queue = []  # the sweep could not pay for checking another of GEPA's picks
        if not self.queue:
            self.done = True
            return None
        genes = self.queue.pop(0)
        seed_member = min(ctx.population(), key=lambda m: m.number)
        knobs = {name: getattr(ctx.seed_config.knobs, name) for name in ctx.spec.knobs}
        return Proposal(operator=self.name, parents=[seed_member.number], knobs=knobs,
                        genes={**ctx.seed_config.genes.model_dump(), **genes})
