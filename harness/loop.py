"""The inner loop (Agentic Self-Instruct) for one grounding document.

Round order: challenger -> QV (FAIL ends the round) -> weak solver x k -> weak check (fail:
too easy) -> strong solver x k -> strong + gap check (fail: failed on strong) -> accepted.
Between failed rounds the orchestrator reads every failure so far, grouped, and writes new
guidance. The loop ends on acceptance or when the round budget is spent; an accepted sample
then passes a final QV check before it enters the dataset. Baseline presets run the same code
with stages switched off (see ``presets.py``).

Every round is handed to ``on_round`` as soon as it is complete, so the caller can persist it
before the next round starts; ``prior`` rounds (read back on resume) rebuild the loop's state.

Unusable replies never discard good work: a solver or judge that keeps failing loses that one
attempt (recorded under ``failed_attempts``), the candidate is decided on the attempts that
scored. A round in which no candidate has a usable sample (or any scored attempt) is recorded as
``error`` with its reason; it does not use up the round budget, is not shown to the orchestrator,
and ``runtime.errors_per_document`` such rounds stop the document. Work whose result can no longer
matter is not asked for: solver attempts are requested in waves (``runtime.attempt_parallelism``)
and a further wave only while the candidate is undecided, attempt i is not judged once attempts
0..i-1 decide the candidate (the weak check already failed whatever the rest score, or a strong
attempt scored 0 where that is forbidden), and candidate i is not tried on the strong solver once
an earlier candidate of the round was accepted. Both are decided in index order from the replies alone, so the requests a
run makes do not depend on timing, and no request is ever abandoned in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from harness.acceptance import Outcome
from harness.config import HarnessConfig
from harness.dataset_feedback import DatasetFeedback, Snapshot
from harness.documents import Document
from harness.endpoint.shared import Wave, attempt_seed
from harness.feedback import format_failures
from harness.injection import lemmas, screen_sample
from harness.records import Attempt, Candidate, FailedAttempt, QVResult, RoundRecord, Sample
from harness.roles import RoleError, Roles, Skipped, derive_seed, round_tally

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


def is_error_round(record: RoundRecord) -> bool:
    return record.decision == "error"


def rounds_used(rounds: list[RoundRecord]) -> int:
    """Rounds that count against the round budget: every round but the ``error`` ones."""
    return sum(1 for r in rounds if not is_error_round(r))


def stopped_for_errors(rounds: list[RoundRecord], config: HarnessConfig) -> bool:
    """The document hit ``runtime.errors_per_document`` without a sample: it is given up."""
    errors = sum(1 for r in rounds if is_error_round(r))
    return errors >= config.runtime.errors_per_document and not any(r.chosen is not None for r in rounds)


def round_budget(config: HarnessConfig) -> int:
    """Rounds a document may use: 1 for one-shot presets, else the knob, capped by the protocol's own cap."""
    if config.resolved_pipeline.one_shot:
        return 1
    from harness.protocols import protocol_for

    cap = protocol_for(config).round_cap()
    return min(config.knobs.round_budget, cap) if cap else config.knobs.round_budget


def document_finished(rounds: list[RoundRecord], config: HarnessConfig) -> bool:
    if not rounds:
        return False
    last = rounds[-1]
    if last.decision == Outcome.SKIPPED:
        return True  # found unsuitable before any question was written
    return last.chosen is not None or rounds_used(rounds) >= round_budget(config) or stopped_for_errors(rounds, config)


def normalize_answer(answer: str) -> str:
    return answer.strip().lower().rstrip(".")


def majority_answer(answers: list[str]) -> str:
    """The most frequent short answer (normalized); on a tie, the one given first."""
    normalized = [normalize_answer(a) for a in answers if a.strip()]
    if not normalized:
        return ""
    counts = Counter(normalized)
    return max(counts, key=lambda a: (counts[a], -normalized.index(a)))


def _raise_first(outcomes: list[object]) -> None:
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


class InnerLoop:
    def __init__(self, config: HarnessConfig, roles: Roles, dataset_feedback: DatasetFeedback | None = None) -> None:
        self.config = config
        self.roles = roles
        self.protocol = roles.protocol
        self.pipeline = config.resolved_pipeline
        self.harness_hash = config.harness_hash()
        self.dataset_feedback = dataset_feedback
        auditor = config.guarded.auditor
        # Every role in process: the content guard runs on the loop (a thread's timing would change
        # the order of a seed's records, and there is no reply in flight to overlap).
        self.in_process = all(spec.simulated for _, spec in config.models.items())
        if auditor.enabled and auditor.content_guard:
            lemmas("ready")  # the lemmatizer's tables load now (0.3-0.7 s), not with calls in flight

    def _seed(self, *parts: object) -> int:
        # Not the harness hash: two harnesses on the same documents and seed draw the same random
        # numbers wherever their requests agree, so comparisons (ablations, sweeps) are paired.
        return derive_seed(self.config.seed, *parts)

    def _waves(self, k: int, can_decide: bool, solver: str) -> list[range]:
        """The attempts of one solver, in request waves (``runtime.attempt_parallelism``). ``auto``:
        all at once where they share one request (``n``: one call whatever the width; their judges
        are still called only while undecided), else one at a time, each only while undecided."""
        setting = self.config.runtime.attempt_parallelism
        if setting == "all" or not can_decide:
            return [range(k)]
        if setting == "auto":
            setting = k if self.roles.shares_prompt(solver) else 1
        return [range(start, min(k, start + setting)) for start in range(0, k, setting)]

    async def _attempts(
        self, candidate: Candidate, solver: str, sample: object, seed: int, decided: Callable[[list[float]], bool],
        can_decide: bool = True, k: int | None = None,
    ) -> list[Attempt]:
        """k attempts of one solver, requested in waves: a further wave only while the attempts so
        far leave the candidate undecided (``decided(their scores)`` is false), so the decisions
        are those of all k. Within a wave the answers are asked for at once (one shared request
        where the endpoint honours ``n``: harness/endpoint/shared.py); attempt i's judge is
        called only once attempts 0..i-1 are known and do not decide, so which requests are made
        depends on the replies alone, never on which came first (a replay from the cache asks for
        nothing new). A failed attempt is recorded and dropped. ``attempt_parallelism: all``
        requests and judges every attempt, each in its own request."""
        k = k or self.config.knobs.solver_attempts
        full = self.config.runtime.attempt_parallelism == "all"
        known = [asyncio.Event() for _ in range(k)]
        results: dict[int, Attempt | FailedAttempt | None] = {}
        base = self._solver_seed(seed, solver)

        def scored(before: int) -> list[float]:
            return [r.score for i, r in sorted(results.items()) if i < before and isinstance(r, Attempt)]

        async def one(index: int, wave: Wave | None) -> None:
            async def before_judge() -> bool:
                for event in known[:index]:
                    await event.wait()
                scores = scored(index)
                return not (scores and decided(scores)) and all(results.get(i) is not None for i in range(index))

            try:
                results[index] = await self.roles.solve_and_judge(
                    solver, index, sample, attempt_seed(base, index), before_judge=None if full else before_judge,
                    wave=wave)
            except RoleError as error:
                results[index] = FailedAttempt(solver=solver, index=index, role=error.role, reason=error.reason,
                                               error=str(error))
            except Skipped:
                results[index] = None
            finally:
                known[index].set()

        unrequested = 0
        for number, wave in enumerate(self._waves(k, can_decide and not full, solver)):
            if number and (scores := scored(wave.start)) and decided(scores):
                unrequested = k - wave.start  # the candidate is decided: no further wave
                break
            shared = Wave(len(wave)) if len(wave) > 1 and not full else None
            outcomes = await asyncio.gather(*(one(i, shared) for i in wave), return_exceptions=True)
            _raise_first(outcomes)  # an endpoint failure or a budget stop stops the round, as before
        attempts = [r for _, r in sorted(results.items()) if isinstance(r, Attempt)]
        candidate.failed_attempts.extend(r for _, r in sorted(results.items()) if isinstance(r, FailedAttempt))
        candidate.cancelled_attempts += sum(1 for r in results.values() if r is None)
        candidate.unrequested_attempts += unrequested
        return attempts

    @staticmethod
    def _solver_seed(seed: int, solver: str) -> int:
        # Attempts take consecutive seeds from here (attempt_seed): a request with n answers them.
        return derive_seed(seed, solver)

    async def _candidate(self, doc: Document, round_number: int, candidate: Candidate, guidance: str,
                         before_strong: Callable[[], Awaitable[bool]] | None = None) -> Candidate:
        p, rule = self.pipeline, self.protocol.rule
        k, strong_k = self.protocol.attempts()
        index = candidate.index
        seed = self._seed(doc.id, round_number, index)
        try:
            sample = await self.roles.challenge(document=doc.text, title=doc.title, guidance=guidance, seed=seed)
        except RoleError as error:
            candidate.decision, candidate.reason = "error", str(error)
            candidate.error_kind = f"{error.role}:{error.reason}"
            return candidate
        candidate.sample = sample
        if (problem := self.protocol.screen_sample(sample)) is not None:  # not worth a solver's call
            candidate.decision, candidate.reason = Outcome.FAILED_QUALITY, problem
            candidate.qv = QVResult(verdict="FAIL", reason="screened", explanation=problem)
            return candidate
        if p.qv_gate:
            try:
                candidate.qv = await self.roles.verify(sample, self._seed(doc.id, round_number, index, "qv"))
            except RoleError as error:
                candidate.decision, candidate.reason = "error", str(error)
                candidate.error_kind = f"{error.role}:{error.reason}"
                return candidate
            if not candidate.qv.passed:
                candidate.decision, candidate.reason = Outcome.FAILED_QUALITY, candidate.qv.reason
                return candidate
        weak_gate = p.solver_gate and p.weak_first

        def weak_decides(scores: list[float]) -> bool:
            # The weak check only gets harder to pass as scores rise: failing with every missing
            # attempt at 0 means failing whatever they score.
            return p.solver_gate and not rule.weak_check(scores + [0.0] * (k - len(scores))).passed

        def weak_decided(scores: list[float]) -> bool:  # stop asking: only where the loop stops early anyway
            return weak_gate and weak_decides(scores)

        weak = await self._attempts(candidate, "weak", sample, seed, weak_decided, can_decide=weak_gate, k=k)
        candidate.attempts.extend(weak)
        if not weak:
            return self._no_scores(candidate, "weak")
        # Read from the attempts that decided, whether or not the rest were measured (weak_first off).
        weak_scores = self._evidence(candidate, "weak", [a.score for a in weak], weak_decides)
        if weak_gate:
            check = rule.weak_check(weak_scores)
            if not check.passed:
                candidate.decision, candidate.reason = Outcome.TOO_EASY, check.reason
                return candidate

        if before_strong is not None and not await before_strong():
            raise Skipped("strong")

        def strong_decides(scores: list[float]) -> bool:
            return p.solver_gate and rule.forbid_strong_zero and min(scores) <= 0.0

        def strong_decided(scores: list[float]) -> bool:
            # Only where the loop stops early anyway (weak first): an ablation without it measures all.
            return weak_gate and strong_decides(scores)

        strong = await self._attempts(candidate, "strong", sample, seed, strong_decided,
                                      can_decide=weak_gate and rule.forbid_strong_zero, k=strong_k)
        candidate.attempts.extend(strong)
        if not strong:
            return self._no_scores(candidate, "strong")
        strong_scores = self._evidence(candidate, "strong", [a.score for a in strong], strong_decides)
        if p.solver_gate:
            outcome, reason = rule.decide(weak_scores, strong_scores)
            candidate.decision, candidate.reason = outcome, reason
        else:
            candidate.decision, candidate.reason = Outcome.KEPT, "no solver gate: scores measured only"
        candidate.stats = self.protocol.candidate_stats(candidate)
        if candidate.decision in (Outcome.ACCEPTED, Outcome.KEPT):
            try:  # the protocol's last look (legal: the loop-judge reads the diagnostic packet); without
                # a solver gate (baselines) it is measured only and the decision stands
                await self.protocol.review(candidate, self.roles, self._seed(doc.id, round_number, index, "review"),
                                           measure_only=not p.solver_gate)
            except RoleError as error:
                candidate.decision, candidate.reason = "error", str(error)
                candidate.error_kind = f"{error.role}:{error.reason}"
                return candidate
            candidate.stats = self.protocol.candidate_stats(candidate)
        if candidate.failed_attempts:
            candidate.reason += f" ({len(candidate.failed_attempts)} of {k + strong_k} attempts unusable)"
        if p.consistency_filter and candidate.decision in (Outcome.KEPT, Outcome.ACCEPTED):
            majority = majority_answer([a.final_answer for a in strong])
            reference = normalize_answer(sample.final_answer)
            consistent = majority == reference
            if self.protocol.scorer == "equivalence":  # answers judged equivalent, not compared as strings
                majority = f"{sum(a.score >= 0.5 for a in strong)} of {len(strong)} strong answers equivalent"
                consistent = 2 * sum(a.score >= 0.5 for a in strong) > len(strong)
            candidate.consistency = {"majority": majority, "reference": reference, "consistent": consistent}
            if not consistent:
                candidate.decision, candidate.reason = Outcome.FILTERED, f"strong majority '{majority}' != reference"
        return candidate

    @staticmethod
    def _evidence(candidate: Candidate, solver: str, scores: list[float], decided: Callable[[list[float]], bool]
                  ) -> list[float]:
        """The leading scores that decided the candidate (all of them when none did): what its
        decision is read from, whether or not the later attempts were measured."""
        for count in range(1, len(scores) + 1):
            if decided(scores[:count]):
                candidate.decided_after[solver] = count
                return scores[:count]
        return scores

    @staticmethod
    def _no_scores(candidate: Candidate, solver: str) -> Candidate:
        failed = [f for f in candidate.failed_attempts if f.solver == solver]
        last = failed[-1] if failed else None
        candidate.decision = "error"
        candidate.reason = f"no {solver} attempt could be scored" + (f" (last: {last.error})" if last else "")
        candidate.error_kind = f"{last.role}:{last.reason}" if last else f"{solver}:unparseable"
        return candidate

    async def _screen(self, doc: Document, on_round: OnRound) -> RoundRecord | None:
        """The protocol's look at the document before any question (legal: the extractor); a
        skipped document is recorded as one round with decision ``skipped`` and the reason."""
        try:
            reason = await self.protocol.screen_document(doc, self.roles, self._seed(doc.id, "screen"))
        except RoleError as error:
            reason = None  # an unreadable screening reply is not a reason to drop the document
            self.roles._count(error.role, "screen_errors")
        if reason is None:
            return None
        record = RoundRecord(doc_id=doc.id, round=1, harness_hash=self.harness_hash, preset=self.config.preset,
                             seed=self.config.seed, guidance="none", candidates=[], decision=Outcome.SKIPPED,
                             skip_reason=reason, usage=round_tally.get() or {})
        result = on_round(record)
        if asyncio.iscoroutine(result):
            await result
        return record

    async def run(self, doc: Document, prior: list[RoundRecord], on_round: OnRound) -> DocumentOutcome:
        rounds = list(prior)
        screening: dict = {}  # the screening's calls: counted in the first round's usage
        if not rounds:
            token = round_tally.set(screening)
            try:
                skipped = await self._screen(doc, on_round)
            finally:
                round_tally.reset(token)
            if skipped is not None:
                return DocumentOutcome(doc.id, [skipped])
        budget = round_budget(self.config)
        n = self.protocol.challengers()
        guidance = (rounds[-1].next_guidance or rounds[-1].guidance if rounds else None) or "none"
        # The dataset report this document reads: the one its earlier rounds read (a resumed run
        # reads the same snapshot), else the latest one now.
        snapshot = self.dataset_feedback.for_document(rounds) if self.dataset_feedback is not None else None
        while not document_finished(rounds, self.config):
            round_number = len(rounds) + 1
            started = time.perf_counter()
            tally: dict = {}
            token = round_tally.set(tally)
            try:
                record = await self._round(doc, round_number, guidance, rounds, budget, n, snapshot)
            finally:
                round_tally.reset(token)
            for role, counts in screening.items():  # once: the first round carries the screening's usage
                for key, value in counts.items():
                    tally.setdefault(role, {}).setdefault(key, 0)
                    tally[role][key] += value
            screening = {}
            record.usage = tally
            if snapshot is not None:
                record.dataset_snapshot = snapshot.id
            record.elapsed_s = round(time.perf_counter() - started, 4)
            rounds.append(record)
            result = on_round(record)
            if asyncio.iscoroutine(result):
                await result
            guidance = record.next_guidance or guidance
        return DocumentOutcome(doc.id, rounds)

    async def _round(
        self, doc: Document, round_number: int, guidance: str, earlier: list[RoundRecord], budget: int, n: int,
        snapshot: Snapshot | None = None,
    ) -> RoundRecord:
        candidates = [Candidate(index=i, decision="pending") for i in range(n)]
        finished = [asyncio.Event() for _ in range(n)]

        async def one(candidate: Candidate) -> None:
            async def before_strong() -> bool:
                # Candidate i tries the strong solver only if no candidate before it was accepted:
                # decided by the replies alone, whatever order they came in.
                for event in finished[:candidate.index]:
                    await event.wait()
                return not any(c.decision in (Outcome.ACCEPTED, Outcome.KEPT) for c in candidates[:candidate.index])

            try:
                await self._candidate(doc, round_number, candidate, guidance, before_strong)
            except Skipped:
                candidate.decision, candidate.reason = "cancelled", "an earlier candidate of the round was accepted"
            finally:
                if candidate.attempts:  # the protocol's own evidence, however the candidate ended
                    candidate.stats = self.protocol.candidate_stats(candidate)
                finished[candidate.index].set()

        _raise_first(await asyncio.gather(*(one(c) for c in candidates), return_exceptions=True))
        record = RoundRecord(
            doc_id=doc.id,
            round=round_number,
            harness_hash=self.harness_hash,
            preset=self.config.preset,
            seed=self.config.seed,
            guidance=guidance,
            candidates=candidates,
            decision="pending",
        )
        self._decide(record)
        if record.chosen is not None:
            await self._final_checks(record, doc, round_number)
        used = rounds_used([*earlier, record])
        written = self.protocol.guidance(record) if record.chosen is None else None
        if written is not None and used < budget:
            record.next_guidance = written  # the protocol's own feedback (legal: the loop-judge's suggestion)
        elif record.chosen is None and not is_error_round(record) and used < budget and self.pipeline.feedback:
            failures = format_failures([*earlier, record])
            if snapshot is not None:  # dataset-level feedback: the report rides on this call
                failures = f"{failures}\n\n{snapshot.text}"
                record.dataset_snapshot = snapshot.id
            try:
                record.next_guidance = await self.roles.orchestrate(
                    task=TASK_DESCRIPTION,
                    previous_guidance=guidance,
                    failures=failures,
                    seed=self._seed(doc.id, round_number, "orchestrator"),
                )
            except RoleError:
                record.next_guidance = None  # keep the previous guidance; errors are not feedback
        return record

    async def _final_checks(self, record: RoundRecord, doc: Document, round_number: int) -> None:
        """The loop's final QV (recorded), the guarded auditor and the content guard: a chosen
        sample enters the dataset only if the auditor (where there is a final QV) passes it and
        the content guard finds nothing addressed to its readers."""
        chosen = record.candidates[record.chosen]
        sample, seed = chosen.sample, self._seed(doc.id, round_number, "final-qv")
        auditor = self.config.guarded.auditor
        passed = True
        if self.pipeline.final_qv:
            try:
                record.final_qv = await self.roles.verify(sample, seed)
            except RoleError as error:
                record.final_qv = QVResult(verdict="ERROR", reason="error", explanation=str(error))
            passed = record.final_qv.passed
            if auditor.enabled:
                try:
                    record.audit = await self.roles.audit(sample, seed, record.final_qv)
                    if record.audit.passed and self.pipeline.qv_gate and not self.roles.auditor_is_qv:
                        record.audit = await self._audit_gate(sample, doc, round_number, record.chosen)
                except RoleError as error:
                    record.audit = QVResult(verdict="ERROR", reason="error", explanation=str(error))
                passed = record.audit.passed  # the auditor, not the candidate's own QV, decides
        if auditor.enabled and auditor.content_guard:
            # Pure CPU work of 5-20 ms a sample: in a worker thread, the event loop still reads the
            # replies in flight meanwhile (the same findings, wherever it runs).
            if self.in_process:
                record.injections = screen_sample(sample)
            else:
                record.injections = await asyncio.get_running_loop().run_in_executor(None, screen_sample, sample)
            if passed and not record.injections:
                # The auditor asked too, only of a sample about to enter (a reply it cannot give is
                # counted as a parse failure and leaves the deterministic screen's verdict).
                try:
                    quote = await self.roles.check_readers(sample, self._seed(doc.id, round_number, "reader-check"))
                except RoleError:
                    quote = None
                if quote is not None:
                    record.injections = [f"auditor: addressed to its readers: {quote[:160]}"]
        record.in_dataset = passed and not record.injections

    async def _audit_gate(self, sample: Sample, doc: Document, round_number: int, index: int) -> QVResult:
        """The auditor's reading at the QV gate's seed. The seed's pipeline reads a sample twice
        before it enters (at its QV gate and at its final QV); a candidate's own QV may wave it
        through the gate, so the auditor reads it there too. Whatever the loop's QV, a sample then
        enters only past the checks the seed's reviewer would have made (a lenient QV still changes
        the loop's trajectory: the supervisor reads its verdicts; search/reviewer_check.py)."""
        verdict = await self.roles.verify(sample, self._seed(doc.id, round_number, index, "qv"), role="auditor")
        return verdict if verdict.passed else verdict.model_copy(
            update={"explanation": f"at the QV gate: {verdict.explanation}"})

    def _decide(self, record: RoundRecord) -> None:
        """The round's decision: an accepted (or kept) candidate, the one with the largest gap."""
        winners = [c for c in record.candidates if c.decision in (Outcome.ACCEPTED, Outcome.KEPT)]
        if winners:
            best = max(winners, key=lambda c: ((c.mean("strong") or 0) - (c.mean("weak") or 0), -c.index))
            record.chosen, record.decision = best.index, best.decision
            return
        decisions = [c.decision for c in record.candidates if c.decision != "cancelled"]
        record.decision = decisions[0] if len(set(decisions)) == 1 else "mixed"
        if all(c.decision in ("error", "cancelled") for c in record.candidates):
            record.decision = "error"
            record.error = "; ".join(sorted({c.error_kind or "unknown" for c in record.candidates if c.decision == "error"}))
