"""The six roles as DSPy modules, each bound to its own LM and instructions.

Every call is asynchronous (``acall``), carries a seed derived from (run seed, document, round,
role, attempt), and is retried when the model's output cannot be parsed or fails validation
(a judge returning the wrong number of verdicts, say): errors are retried, never fed back.
Endpoint failures were already retried by the engine (harness/endpoint); the ones left, and a
budget stop, propagate and stop the round without recording it.
Usage (calls, tokens, cache hits) is tallied per role.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections import defaultdict
from typing import Any

import dspy

from harness import prompts
from harness.config import HarnessConfig
from harness.endpoint.errors import BudgetExceeded, EndpointError
from harness.models import ModelRegistry
from harness.records import Attempt, QVResult, Sample
from harness.rubric import rubric_score
from harness.secrets import scrub
from harness.signatures import Challenge, ChallengeUngrounded, Judge, Orchestrate, Solve, VerifyQuality

PARSE_RETRIES = 3

# The usage tally of the round being run; asyncio tasks inherit it, so concurrent documents
# each count their own calls.
round_tally: contextvars.ContextVar[dict | None] = contextvars.ContextVar("round_tally", default=None)


class RoleError(RuntimeError):
    """A role kept failing (unparseable output or transport errors) after its retries."""

    def __init__(self, role: str, cause: BaseException) -> None:
        first = str(cause).splitlines()[0] if str(cause) else ""
        super().__init__(scrub(f"{role}: {type(cause).__name__}: {first}"))  # errors reach records
        self.role = role
        self.cause = cause


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


def _usage_of(prediction: Any) -> dict[str, int]:
    usage = prediction.get_lm_usage() if hasattr(prediction, "get_lm_usage") else None
    if not usage:
        return {}
    totals: dict[str, int] = defaultdict(int)
    for entry in usage.values():
        totals["input_tokens"] += int(entry.get("prompt_tokens") or 0)
        totals["output_tokens"] += int(entry.get("completion_tokens") or 0)
    return dict(totals)


class Roles:
    """Holds one predictor per role and calls them with retries and usage accounting."""

    def __init__(self, config: HarnessConfig, registry: ModelRegistry) -> None:
        self.config = config
        self.registry = registry
        genes, guarded, pipeline = config.genes, config.guarded, config.resolved_pipeline
        challenger_text = genes.challenger_instructions
        if pipeline.plan:
            challenger_text = f"{challenger_text}\n{prompts.PLAN_NOTE}"
        signature = Challenge if pipeline.grounded else ChallengeUngrounded
        module = dspy.ChainOfThought if pipeline.plan else dspy.Predict
        self.predictors: dict[str, dspy.Module] = {
            "challenger": module(signature.with_instructions(challenger_text)),
            "qv": dspy.Predict(VerifyQuality.with_instructions(genes.qv_instructions)),
            "weak": dspy.Predict(Solve.with_instructions(guarded.solver_instructions)),
            "strong": dspy.Predict(Solve.with_instructions(guarded.solver_instructions)),
            "judge": dspy.Predict(Judge.with_instructions(guarded.judge_instructions)),
            "orchestrator": dspy.Predict(Orchestrate.with_instructions(genes.orchestrator_instructions)),
        }
        for role, predictor in self.predictors.items():
            predictor.set_lm(registry.lm(role))
        self.usage: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def _count(self, role: str, key: str, value: int = 1) -> None:
        self.usage[role][key] += value
        tally = round_tally.get()
        if tally is not None:
            tally.setdefault(role, {}).setdefault(key, 0)
            tally[role][key] += value

    async def _call(
        self, role: str, seed: int, validate: Any = None, predictor: dspy.Module | None = None, **inputs: Any
    ) -> Any:
        predictor = predictor or self.predictors[role]
        temperature = self.registry.temperature(role, self.config.knobs.challenger_temperature)
        last: BaseException | None = None
        for retry in range(PARSE_RETRIES):
            config = self.registry.call_config(role, derive_seed(seed, retry) if retry else seed, temperature)
            try:
                prediction = await predictor.acall(config=config, **inputs)
                if validate is not None:
                    validate(prediction)
            except Exception as error:  # unparseable or invalid output: retried, never fed back
                self._count(role, "errors")
                stop = endpoint_failure(error)
                if stop is not None:
                    # The engine already retried what can be retried: this stops the round
                    # unrecorded (resumable), it is not a bad output to try again.
                    raise (stop.for_role(role) if isinstance(stop, EndpointError) else stop) from None
                last = error
                continue
            finally:
                self._count(role, "calls")
            tokens = _usage_of(prediction)
            if tokens:
                for key, value in tokens.items():
                    self._count(role, key, value)
            elif self.registry.cache_enabled(self.registry.spec(role)):
                self._count(role, "cache_hits")
            return prediction
        raise RoleError(role, last or RuntimeError("no attempt made"))

    async def challenge(self, *, document: str, title: str, guidance: str, seed: int) -> Sample:
        knobs = self.config.knobs
        size = f"between {knobs.rubric_min} and {knobs.rubric_max} criteria"
        inputs = {"guidance": guidance or "none", "rubric_size": size}
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
            rubric=p.rubric,
            question_type=p.question_type,
            skill_tags=list(p.skill_tags or []),
            plan=getattr(p, "reasoning", None),
        )

    async def verify(self, sample: Sample, seed: int) -> QVResult:
        p = await self._call(
            "qv",
            seed,
            context=sample.context,
            question=sample.question,
            reference_answer=sample.reference_answer,
            final_answer=sample.final_answer,
            rubric=sample.rubric,
            question_type=sample.question_type,
        )
        return QVResult(verdict=p.verdict, reason=p.reason, explanation=p.explanation)

    def with_demos(self, role: str, demos: list[dspy.Example]) -> dspy.Module:
        """A copy of a role's predictor that shows ``demos`` (in-context learning)."""
        predictor = dspy.Predict(self.predictors[role].signature)
        predictor.set_lm(self.registry.lm(role))
        predictor.demos = list(demos)
        return predictor

    async def solve_and_judge(
        self, solver: str, index: int, sample: Sample, seed: int, predictor: dspy.Module | None = None
    ) -> Attempt:
        p = await self._call(
            solver, derive_seed(seed, solver, index), predictor=predictor, context=sample.context, question=sample.question
        )

        def check(j: Any) -> None:
            if len(j.verdicts) != len(sample.rubric):
                raise ValueError(f"judge gave {len(j.verdicts)} verdicts for {len(sample.rubric)} criteria")

        j = await self._call(
            "judge",
            derive_seed(seed, solver, index, "judge"),
            validate=check,
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
            final_answer=p.final_answer,
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
