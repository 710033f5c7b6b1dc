"""The six roles as DSPy modules, each bound to its own LM and instructions.

Every call is asynchronous (``acall``), carries a seed derived from (run seed, document, round,
role, attempt), asks for the role's JSON schema where its endpoint takes one (harness/structured.py;
the JSONAdapter's format then, the ChatAdapter's text format otherwise), and is retried with a new
seed when the reply is unusable: unparseable, cut at the token limit, or failing the role's check
(harness/reply_checks.py: an empty answer, a wrong number of verdicts, an echoed placeholder...).
Errors are retried, never fed back; each failure is counted per role under ``failed.<reason>``.
Endpoint failures were already retried by the engine (harness/endpoint); the ones left, and a
budget stop, propagate and stop the round without recording it.

Usage is tallied per role from DSPy's usage tracker around each attempt, so every reply counts,
a failed one and the ChatAdapter's JSON fallback too: ``calls`` are requests that got a reply
(what ``spend.jsonl`` charges), ``attempts`` role calls, ``cache_hits`` attempts served from cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import dspy
from dspy.utils.exceptions import AdapterParseError, LMUnsupportedFeatureError
from dspy.utils.usage_tracker import track_usage

from harness import prompts, reply_checks, role_registry
from harness.adapter import adapter_for, truncations
from harness.config import HarnessConfig
from harness.endpoint.engine import cached_tokens
from harness.endpoint.errors import BudgetExceeded, EndpointError
from harness.endpoint.shared import Member, Wave
from harness.models import ModelRegistry
from harness.protocols import protocol_for
from harness.records import Attempt, QVResult, Sample
from harness.rubric import rubric_score
from harness.secrets import scrub
from harness.signatures import (
    Challenge,
    ChallengeAtomic,
    ChallengeTagged,
    ChallengeUngrounded,
    CheckReaders,
    Judge,
    Orchestrate,
    Solve,
    VerifyQuality,
)
from harness.structured import StructuredModes, response_format

PARSE_RETRIES = 3
ATTEMPT_TRIES = 2  # a solver attempt whose answer or verdicts stay unusable is tried again, alone

# The usage tally of the round being run; asyncio tasks inherit it, so concurrent documents
# each count their own calls.
round_tally: contextvars.ContextVar[dict | None] = contextvars.ContextVar("round_tally", default=None)


class RoleError(RuntimeError):
    """A role kept failing (unusable output) after its retries; ``reason`` is the last failure's kind
    (``reply_checks.REASONS``)."""

    def __init__(self, role: str, cause: BaseException, reason: str = "unparseable") -> None:
        first = str(cause).splitlines()[0] if str(cause) else ""
        super().__init__(scrub(f"{role}: {reason}: {type(cause).__name__}: {first}"[:500]))  # errors reach records
        self.role = role
        self.cause = cause
        self.reason = reason


class Skipped(Exception):
    """A call not made because its result is no longer needed (its candidate or round is decided)."""


def derive_seed(*parts: Any) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=6).digest()
    return int.from_bytes(digest, "big")


def endpoint_failure(error: BaseException) -> EndpointError | BudgetExceeded | None:
    """The endpoint failure or budget stop behind an error DSPy wrapped, if there is one."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (EndpointError, BudgetExceeded)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _replies(tracker: Any) -> list[dict[str, Any]]:
    """Usage of every reply DSPy received inside a tracker (cached replies are not tracked)."""
    return [entry for entries in tracker.usage_data.values() for entry in entries]


def failure_reason(error: BaseException) -> str:
    """The kind of a failed parse (``reply_checks.REASONS``)."""
    if isinstance(error, reply_checks.ReplyProblem):
        return error.reason
    if isinstance(error, LMUnsupportedFeatureError):
        return "unsupported"
    if isinstance(error, AdapterParseError):
        text = str(error)
        if "field rubric" in text:
            return "bad_rubric"
        if "empty or null response" in text:
            return "empty"
    return "unparseable"


def signature_of(predictor: dspy.Module) -> type[dspy.Signature]:
    """The signature a predictor sends (ChainOfThought's inner Predict adds ``reasoning``)."""
    inner = getattr(predictor, "predict", predictor)
    return inner.signature


class Roles:
    """Holds one predictor per role and calls them with retries and usage accounting."""

    def __init__(self, config: HarnessConfig, registry: ModelRegistry, structured: StructuredModes | None = None) -> None:
        self.config = config
        self.registry = registry
        genes, guarded, pipeline = config.genes, config.guarded, config.resolved_pipeline
        self.protocol = protocol_for(config)
        challenger_text = self.protocol.challenger_instructions()
        if pipeline.plan:
            challenger_text = f"{challenger_text}\n{prompts.PLAN_NOTE}"
        signature = {"atomic": ChallengeAtomic, "tagged": ChallengeTagged}.get(self.protocol.schema, Challenge)
        if not pipeline.grounded:
            signature = ChallengeUngrounded
        module = dspy.ChainOfThought if pipeline.plan else dspy.Predict
        self.predictors: dict[str, dspy.Module] = {
            "challenger": module(signature.with_instructions(challenger_text)),
            "qv": dspy.Predict(VerifyQuality.with_instructions(self.protocol.qv_instructions())),
            "weak": dspy.Predict(Solve.with_instructions(guarded.solver_instructions)),
            "strong": dspy.Predict(Solve.with_instructions(guarded.solver_instructions)),
            "judge": dspy.Predict(Judge.with_instructions(guarded.judge_instructions)),
            "orchestrator": dspy.Predict(Orchestrate.with_instructions(genes.orchestrator_instructions)),
        }
        for name in self.protocol.extra_roles:  # registered roles (harness/role_defs) the protocol calls
            definition = role_registry.get(name)
            self.predictors[name] = dspy.Predict(definition.signature().with_instructions(genes.instructions_of(name)))
        auditor = guarded.auditor
        if auditor.enabled and not self.auditor_is_qv:
            # A guarded QV: its own instructions and model, which no proposal can change.
            registry.add_role("auditor", auditor.model or config.models.qv)
            # At its default, the auditor checks by the protocol's own QV prompt (science, legal).
            self.predictors["auditor"] = dspy.Predict(
                VerifyQuality.with_instructions(self.protocol.qv_prompt(auditor.instructions)))
        if auditor.enabled and auditor.content_guard:
            # The auditor's question about instructions to the reader: its model, guarded instructions.
            registry.add_role("reader_check", auditor.model or config.models.qv)
            self.predictors["reader_check"] = dspy.Predict(
                CheckReaders.with_instructions(prompts.READER_CHECK_INSTRUCTIONS))
        for role, predictor in self.predictors.items():
            predictor.set_lm(registry.lm(role))
        self.usage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.structured = structured or StructuredModes()

    def _count(self, role: str, key: str, value: int = 1) -> None:
        self.usage[role][key] += value
        tally = round_tally.get()
        if tally is not None:
            tally.setdefault(role, {}).setdefault(key, 0)
            tally[role][key] += value

    def _check(self, role: str, predictor: dspy.Module, prediction: Any, inputs: dict[str, Any],
               criteria: int | None) -> None:
        signature = signature_of(predictor)
        names = [*signature.input_fields, *signature.output_fields]
        if role in self.protocol.extra_roles:
            role_registry.get(role).check(prediction, names)
        elif role == "challenger":
            reply_checks.check_challenge(prediction, names, rubric="rubric" in signature.output_fields)
            if "capabilities" in signature.output_fields:
                reply_checks.check_capabilities(prediction)
        elif role in ("qv", "auditor"):
            reply_checks.check_verification(prediction, names)
        elif role == "reader_check":
            reply_checks.check_reader_check(prediction, names)
        elif role in ("weak", "strong"):
            reply_checks.check_answer(prediction, names)
        elif role == "judge":
            reply_checks.check_verdicts(prediction, criteria or 0)
        elif role == "orchestrator":
            reply_checks.check_guidance(prediction, names, inputs, signature.instructions)

    async def _call(
        self, role: str, seed: int, predictor: dspy.Module | None = None, criteria: int | None = None,
        wave: Wave | None = None, **inputs: Any
    ) -> Any:
        predictor = predictor or self.predictors[role]
        spec, lm = self.registry.spec(role), self.registry.lm(role)
        temperature = self.registry.temperature(role, self.config.knobs.challenger_temperature)
        signature = signature_of(predictor)
        last: BaseException | None = None
        reason = "unparseable"
        for retry in range(PARSE_RETRIES):
            config = self.registry.call_config(role, derive_seed(seed, retry) if retry else seed, temperature)
            prediction, error = None, None
            # Only the first try of a wave's attempt may share its wave's request; retries go alone.
            member = wave.member() if wave is not None and retry == 0 else contextlib.nullcontext()
            with track_usage() as tracker, truncations() as cut, member as joined:
                try:
                    mode = await self.structured.mode(spec, lm, lambda: self.registry.stats.total("simulated"))
                    schema = response_format(mode, signature, verdicts=criteria, reply_tokens=spec.max_tokens)
                    if schema is not None:
                        config["response_format"] = schema
                    with adapter_for(schema is not None):
                        prediction = await predictor.acall(config=config, **inputs)
                except asyncio.CancelledError:
                    # A sibling decided the candidate: what this attempt received still counts.
                    self._tally(role, tracker, cut, failed=True, joined=joined)
                    self._count(role, "cancelled")
                    raise
                except Exception as failure:  # unparseable output: retried, never fed back
                    stop = endpoint_failure(failure)
                    if stop is not None:
                        self._tally(role, tracker, cut, failed=True, joined=joined)
                        self._count(role, "errors")
                        # The engine already retried what can be retried: this stops the round
                        # unrecorded (resumable), it is not a bad output to try again.
                        raise (stop.for_role(role) if isinstance(stop, EndpointError) else stop) from None
                    error = failure
            replies = self._tally(role, tracker, cut, failed=error is not None, joined=joined)
            if error is None and self._truncated(spec, replies, cut):
                error = reply_checks.ReplyProblem("truncated", "the reply was cut at the token limit")
            elif error is not None and cut:
                error = reply_checks.ReplyProblem("truncated", f"the reply was cut at the token limit ({error})")
            if error is None:
                try:
                    self._check(role, predictor, prediction, inputs, criteria)
                except reply_checks.ReplyProblem as problem:
                    error = problem
            if error is None:
                return prediction
            reason = failure_reason(error)
            self._count(role, "errors")
            self._count(role, f"failed.{reason}")
            last = error
            if reason == "unsupported":
                break  # the same request cannot be sent by any seed
        raise RoleError(role, last or RuntimeError("no attempt made"), reason)

    def _tally(self, role: str, tracker: Any, cut: list[str], failed: bool, joined: Member | None = None
               ) -> list[dict[str, Any]]:
        """Counts one attempt: its replies and their tokens (failed or not), a cache hit, truncations.
        A reply that rode along in another attempt's request (``n``) is a choice, not a call."""
        replies = _replies(tracker)
        self._count(role, "attempts")
        for number, entry in enumerate(replies):
            riding = number == 0 and joined is not None and joined.rode_along
            self._count(role, "shared_choices" if riding else "calls")
            self._count(role, "input_tokens", int(entry.get("prompt_tokens") or 0))
            self._count(role, "cached_input_tokens", cached_tokens(entry))
            self._count(role, "output_tokens", int(entry.get("completion_tokens") or 0))
        if not replies and not failed and self.registry.cache_enabled(self.registry.spec(role)):
            self._count(role, "cache_hits")
        limit = getattr(self.registry.spec(role), "max_tokens", None)
        at_limit = sum(1 for e in replies if limit and int(e.get("completion_tokens") or 0) == limit)
        if cut or at_limit:
            self._count(role, "truncated_replies", max(len(cut), at_limit))
        return replies

    def _truncated(self, spec: Any, replies: list[dict[str, Any]], cut: list[str]) -> bool:
        """Whether the reply that was read ended at the token limit: DSPy warned for every reply of
        the attempt, or the last one used the whole ``max_tokens`` (a route DSPy does not warn on)."""
        if cut and len(cut) >= max(1, len(replies)):
            return True
        limit = getattr(spec, "max_tokens", None)
        # Exactly the limit: a server that honours it stops there when it cuts a reply.
        return bool(limit and replies and int(replies[-1].get("completion_tokens") or 0) == limit)

    async def challenge(self, *, document: str, title: str, guidance: str, seed: int) -> Sample:
        low, high = self.protocol.rubric_range()
        inputs = {"guidance": guidance or "none"}
        if "rubric_size" in signature_of(self.predictors["challenger"]).input_fields:
            inputs["rubric_size"] = f"between {low} and {high} criteria"
        if self.config.resolved_pipeline.grounded:
            inputs["document"] = document
        else:
            inputs["topic"] = title
        p = await self._call("challenger", seed, **inputs)
        return Sample(
            context=p.context,
            question=p.question,
            reference_answer=p.reference_answer,
            final_answer=p.final_answer,
            rubric=getattr(p, "rubric", None) or [],
            question_type=p.question_type,
            skill_tags=list(p.skill_tags or []),
            plan=getattr(p, "reasoning", None),
            capabilities=[str(c) for c in (getattr(p, "capabilities", None) or [])],
        )

    async def ask(self, role: str, seed: int, **inputs: Any) -> Any:
        """One call of a registered role (harness/role_defs), with the retries and checks of every role."""
        return await self._call(role, seed, **inputs)

    @property
    def auditor_is_qv(self) -> bool:
        """The loop's QV is the auditor (same instructions, same model): its verdict is the audit."""
        auditor = self.config.guarded.auditor
        return auditor.instructions == self.config.genes.qv_instructions and (auditor.model or self.config.models.qv) == \
            self.config.models.qv

    async def audit(self, sample: Sample, seed: int, loop_verdict: QVResult | None) -> QVResult:
        """The guarded auditor's verdict. Where the loop's QV is the auditor, its verdict (same
        seed) is reused: the seed harness pays nothing and decides exactly as it did before."""
        if self.auditor_is_qv:
            return loop_verdict if loop_verdict is not None else await self.verify(sample, seed)
        return await self.verify(sample, seed, role="auditor")

    async def check_readers(self, sample: Sample, seed: int) -> str | None:
        """The auditor asked whether the sample addresses its readers: the sentence, or None."""
        p = await self._call("reader_check", seed, context=sample.context, question=sample.question,
                             rubric=sample.rubric, reference_answer=sample.reference_answer)
        return (str(p.quote or "").strip() or "(no quote given)") if p.addressed else None

    async def verify(self, sample: Sample, seed: int, role: str = "qv") -> QVResult:
        p = await self._call(
            role,
            seed,
            context=sample.context,
            question=sample.question,
            reference_answer=sample.reference_answer,
            final_answer=sample.final_answer,
            rubric=sample.rubric,
            question_type=sample.question_type,
        )
        return QVResult(verdict=p.verdict, reason=p.reason, explanation=p.explanation)

    def shares_prompt(self, role: str) -> bool:
        """Whether a wave of this role's attempts can share one request (harness/endpoint/shared.py)."""
        engine = getattr(self.registry.lm(role), "_async_engine_spec", None)
        return bool(getattr(engine, "shares_prompt", lambda: False)())

    def with_demos(self, role: str, demos: list[dspy.Example]) -> dspy.Module:
        """A copy of a role's predictor that shows ``demos`` (in-context learning)."""
        predictor = dspy.Predict(self.predictors[role].signature)
        predictor.set_lm(self.registry.lm(role))
        predictor.demos = list(demos)
        return predictor

    async def solve_and_judge(
        self, solver: str, index: int, sample: Sample, seed: int, predictor: dspy.Module | None = None,
        before_judge: Callable[[], Awaitable[bool]] | None = None, wave: Wave | None = None,
    ) -> Attempt:
        """One scored attempt; ``seed`` is the attempt's own (harness/endpoint/shared.py
        ``attempt_seed``). An attempt whose answer or verdicts stay unusable after the role's
        retries is tried again whole (new seeds), up to ``ATTEMPT_TRIES``; then RoleError.
        ``before_judge`` is awaited once the answer is in: False means the score is no longer
        needed, and ``Skipped`` is raised instead of calling the judge. ``wave``: the attempts
        whose first answers may share one request."""
        last: RoleError | None = None
        for trial in range(ATTEMPT_TRIES):
            salt = () if trial == 0 else (solver, index, "again", trial)
            try:
                return await self._solve_and_judge_once(solver, index, sample, seed, salt, predictor, before_judge,
                                                        wave if trial == 0 else None)
            except RoleError as error:
                last = error
                if error.reason == "unsupported":
                    break
        assert last is not None
        raise last

    async def _solve_and_judge_once(
        self, solver: str, index: int, sample: Sample, seed: int, salt: tuple[Any, ...], predictor: dspy.Module | None,
        before_judge: Callable[[], Awaitable[bool]] | None, wave: Wave | None = None,
    ) -> Attempt:
        own = derive_seed(seed, *salt) if salt else seed  # the first try keeps the attempt's seed
        p = await self._call(solver, own, predictor=predictor, wave=wave, context=sample.context,
                             question=sample.question)
        if before_judge is not None and not await before_judge():
            self._count("judge", "skipped")
            raise Skipped(solver)
        if self.protocol.scorer == "equivalence":  # science: correct or not, against the reference
            e = await self._call("equivalence", derive_seed(own, "judge"), question=sample.question,
                                 reference_answer=sample.final_answer, answer=p.answer)
            return Attempt(solver=solver, index=index, answer=p.answer, final_answer=p.final_answer or "",
                           verdicts=[bool(e.equivalent)], score=1.0 if e.equivalent else 0.0)
        j = await self._call(
            "judge",
            derive_seed(own, "judge"),
            criteria=len(sample.rubric),
            context=sample.context,
            question=sample.question,
            rubric=sample.rubric,
            answer=p.answer,
        )
        verdicts = [bool(v) for v in j.verdicts]
        return Attempt(
            solver=solver,
            index=index,
            answer=p.answer,
            final_answer=p.final_answer or "",
            verdicts=verdicts,
            score=rubric_score(sample.rubric, verdicts),
        )

    async def orchestrate(self, *, task: str, previous_guidance: str, failures: str, seed: int) -> str:
        p = await self._call(
            "orchestrator", seed, task=task, previous_guidance=previous_guidance or "none", failures=failures
        )
        return p.guidance

    def usage_snapshot(self) -> dict[str, dict[str, int]]:
        return {role: dict(values) for role, values in self.usage.items()}
