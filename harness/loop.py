"""The inner loop (Agentic Self-Instruct) for one grounding document.

Round order: challenger -> QV (FAIL ends the round) -> weak solver x k -> weak check (fail:
too easy) -> strong solver x k -> strong + gap check (fail: failed on strong) -> accepted.
Between failed rounds the orchestrator reads every failure so far, grouped, and writes new
guidance. The loop ends on acceptance or when the round budget is spent; an accepted sample
then passes a final QV check before it enters the dataset. Baseline presets run the same code
with stages switched off (see ``presets.py``).

Every round is handed to ``on_round`` as soon as it is complete, so the caller can persist it
before the next round starts; ``prior`` rounds (read back on resume) rebuild the loop's state.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from harness.acceptance import Outcome
from harness.config import HarnessConfig
from harness.documents import Document
from harness.feedback import format_failures
from harness.records import Candidate, QVResult, RoundRecord
from harness.roles import RoleError, Roles, derive_seed, round_tally

TASK_DESCRIPTION = (
    "Write one question grounded in the document that a strong solver answers well and a weak "
    "solver does not, with context, reference answer and weighted rubric."
)

OnRound = Callable[[RoundRecord], Awaitable[None] | None]


@dataclass
class DocumentOutcome:
    doc_id: str
    rounds: list[RoundRecord]

    @property
    def final(self) -> RoundRecord | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def in_dataset(self) -> bool:
        return bool(self.final and self.final.in_dataset)


def document_finished(rounds: list[RoundRecord], config: HarnessConfig) -> bool:
    if not rounds:
        return False
    pipeline = config.resolved_pipeline
    budget = 1 if pipeline.one_shot else config.knobs.round_budget
    last = rounds[-1]
    return last.chosen is not None or len(rounds) >= budget


def normalize_answer(answer: str) -> str:
    return answer.strip().lower().rstrip(".")


def majority_answer(answers: list[str]) -> str:
    """The most frequent short answer (normalized); on a tie, the one given first."""
    normalized = [normalize_answer(a) for a in answers if a.strip()]
    if not normalized:
        return ""
    counts = Counter(normalized)
    return max(counts, key=lambda a: (counts[a], -normalized.index(a)))


class InnerLoop:
    def __init__(self, config: HarnessConfig, roles: Roles) -> None:
        self.config = config
        self.roles = roles
        self.pipeline = config.resolved_pipeline
        self.harness_hash = config.harness_hash()

    def _seed(self, *parts: object) -> int:
        # Not the harness hash: two harnesses on the same documents and seed draw the same random
        # numbers wherever their requests agree, so comparisons (ablations, sweeps) are paired.
        return derive_seed(self.config.seed, *parts)

    async def _candidate(self, doc: Document, round_number: int, index: int, guidance: str) -> Candidate:
        p, k, rule = self.pipeline, self.config.knobs.solver_attempts, self.config.guarded.acceptance
        seed = self._seed(doc.id, round_number, index)
        try:
            sample = await self.roles.challenge(document=doc.text, title=doc.title, guidance=guidance, seed=seed)
        except RoleError as error:
            return Candidate(index=index, decision="error", reason=str(error))
        candidate = Candidate(index=index, sample=sample, decision="pending")
        try:
            if p.qv_gate:
                candidate.qv = await self.roles.verify(sample, self._seed(doc.id, round_number, index, "qv"))
                if not candidate.qv.passed:
                    candidate.decision, candidate.reason = Outcome.FAILED_QUALITY, candidate.qv.reason
                    return candidate
            weak = await asyncio.gather(*(self.roles.solve_and_judge("weak", i, sample, seed) for i in range(k)))
            candidate.attempts.extend(weak)
            weak_scores = [a.score for a in weak]
            if p.solver_gate and p.weak_first:
                check = rule.weak_check(weak_scores)
                if not check.passed:
                    candidate.decision, candidate.reason = Outcome.TOO_EASY, check.reason
                    return candidate
            strong = await asyncio.gather(*(self.roles.solve_and_judge("strong", i, sample, seed) for i in range(k)))
            candidate.attempts.extend(strong)
        except RoleError as error:
            candidate.decision, candidate.reason = "error", str(error)
            return candidate
        strong_scores = [a.score for a in strong]
        if p.solver_gate:
            outcome, reason = rule.decide(weak_scores, strong_scores)
            candidate.decision, candidate.reason = outcome, reason
        else:
            candidate.decision, candidate.reason = Outcome.KEPT, "no solver gate: scores measured only"
        if p.consistency_filter and candidate.decision in (Outcome.KEPT, Outcome.ACCEPTED):
            majority = majority_answer([a.final_answer for a in strong])
            reference = normalize_answer(sample.final_answer)
            consistent = majority == reference
            candidate.consistency = {"majority": majority, "reference": reference, "consistent": consistent}
            if not consistent:
                candidate.decision, candidate.reason = Outcome.FILTERED, f"strong majority '{majority}' != reference"
        return candidate

    async def run(self, doc: Document, prior: list[RoundRecord], on_round: OnRound) -> DocumentOutcome:
        rounds = list(prior)
        budget = 1 if self.pipeline.one_shot else self.config.knobs.round_budget
        n = self.config.knobs.challengers_per_round
        guidance = (rounds[-1].next_guidance if rounds else None) or "none"
        while not document_finished(rounds, self.config):
            round_number = len(rounds) + 1
            started = time.perf_counter()
            tally: dict = {}
            token = round_tally.set(tally)
            try:
                record = await self._round(doc, round_number, guidance, rounds, budget, n)
            finally:
                round_tally.reset(token)
            record.usage = tally
            record.elapsed_s = round(time.perf_counter() - started, 4)
            rounds.append(record)
            result = on_round(record)
            if asyncio.iscoroutine(result):
                await result
            guidance = record.next_guidance or guidance
        return DocumentOutcome(doc.id, rounds)

    async def _round(
        self, doc: Document, round_number: int, guidance: str, earlier: list[RoundRecord], budget: int, n: int
    ) -> RoundRecord:
        candidates = await asyncio.gather(*(self._candidate(doc, round_number, i, guidance) for i in range(n)))
        record = RoundRecord(
            doc_id=doc.id,
            round=round_number,
            harness_hash=self.harness_hash,
            preset=self.config.preset,
            seed=self.config.seed,
            guidance=guidance,
            candidates=list(candidates),
            decision="pending",
        )
        self._decide(record)
        if record.chosen is not None and self.pipeline.final_qv:
            chosen = record.candidates[record.chosen]
            try:
                record.final_qv = await self.roles.verify(chosen.sample, self._seed(doc.id, round_number, "final-qv"))
            except RoleError as error:
                record.final_qv = QVResult(verdict="ERROR", reason="error", explanation=str(error))
            record.in_dataset = record.final_qv.passed
        elif record.chosen is not None:
            record.in_dataset = True
        if record.chosen is None and round_number < budget and self.pipeline.feedback:
            try:
                record.next_guidance = await self.roles.orchestrate(
                    task=TASK_DESCRIPTION,
                    previous_guidance=guidance,
                    failures=format_failures([*earlier, record]),
                    seed=self._seed(doc.id, round_number, "orchestrator"),
                )
            except RoleError:
                record.next_guidance = None  # keep the previous guidance; errors are not feedback
        return record

    def _decide(self, record: RoundRecord) -> None:
        """The round's decision: an accepted (or kept) candidate, the one with the largest gap."""
        winners = [c for c in record.candidates if c.decision in (Outcome.ACCEPTED, Outcome.KEPT)]
        if winners:
            best = max(winners, key=lambda c: ((c.mean("strong") or 0) - (c.mean("weak") or 0), -c.index))
            record.chosen, record.decision = best.index, best.decision
            return
        decisions = [c.decision for c in record.candidates]
        record.decision = decisions[0] if len(set(decisions)) == 1 else "mixed"
