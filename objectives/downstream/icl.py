"""Downstream reward by in-context uplift: the weak solver with k accepted samples as
demonstrations against the same solver without them, on held-out samples, scored by the judge
against each held-out sample's rubric. Works with any endpoint configured for the weak solver
and the judge; on the offline world the held-out samples are drawn from documents the generator
never saw (SIMULATED).
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import dspy

from harness import aio, provenance
from harness.adapter import call_settings
from harness.config import HarnessConfig
from harness.models import ModelRegistry, offline_eval_samples
from harness.records import AcceptedSample, Sample
from harness.roles import RoleError, Roles, derive_seed
from objectives.downstream.base import DownstreamResult
from objectives.run import RunRecords


class EvalSetError(ValueError):
    """The held-out evaluation file cannot be read (names file and line)."""


def load_eval_samples(path: Path) -> list[Sample]:
    """Held-out samples from JSONL: rows shaped like accepted.jsonl (with ``sample``) or flat samples."""
    if not path.is_file():
        raise EvalSetError(f"{path}: evaluation file not found")
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"expected a JSON object, got {type(row).__name__}")
            samples.append(Sample.model_validate(row.get("sample", row)))
        except (json.JSONDecodeError, ValueError) as error:
            raise EvalSetError(f"{path}:{number}: not a sample ({str(error).splitlines()[0]})") from None
    return samples


def world_eval_samples(count: int, seed: int = 0) -> list[Sample]:
    """Held-out samples from the offline world (documents of a separate world)."""
    return offline_eval_samples(count, seed)


def choose_demos(dataset: list[AcceptedSample], k: int, seed: int) -> list[AcceptedSample]:
    ordered = sorted(dataset, key=lambda s: s.id)
    return random.Random(f"icl-demos:{seed}").sample(ordered, min(k, len(ordered)))


class ICLTrainer:
    name = "icl"

    def __init__(self, config: HarnessConfig, eval_samples: list[Sample], k: int = 4, seed: int = 0,
                 registry: ModelRegistry | None = None) -> None:
        self.config = config
        self.eval_samples = eval_samples
        self.k = k
        self.seed = seed
        self.registry = registry or ModelRegistry(config.models, config.runtime,
                                                  world_seed=config.documents.world_seed)

    async def _score(self, roles: Roles, predictor: dspy.Module | None, tag: str) -> tuple[list[float], list[bool]]:
        async def one(i: int, sample: Sample) -> tuple[float, bool]:
            attempt = await roles.solve_and_judge("weak", 0, sample, derive_seed(self.seed, "icl", i), predictor=predictor)
            right = attempt.final_answer.strip().lower() == sample.final_answer.strip().lower()
            return attempt.score, right

        results = await asyncio.gather(*(one(i, s) for i, s in enumerate(self.eval_samples)))
        return [r[0] for r in results], [r[1] for r in results]

    def train(self, dataset: list[AcceptedSample], **options: Any) -> DownstreamResult:
        if not dataset:
            return DownstreamResult.failed(self.name, "empty dataset: no demonstrations to show")
        demos = choose_demos(dataset, self.k, self.seed)
        examples = [
            dspy.Example(context=d.sample.context, question=d.sample.question,
                         answer=d.sample.reference_answer, final_answer=d.sample.final_answer).with_inputs("context", "question")
            for d in demos
        ]
        roles = Roles(self.config, self.registry)

        async def run() -> tuple[tuple[list[float], list[bool]], tuple[list[float], list[bool]]]:
            with call_settings():
                return await scored()

        async def scored() -> tuple[tuple[list[float], list[bool]], tuple[list[float], list[bool]]]:
            base = await self._score(roles, None, "none")
            shown = await self._score(roles, roles.with_demos("weak", examples), "demos")
            return base, shown

        try:
            (base_scores, base_right), (demo_scores, demo_right) = aio.run(run())
        except RoleError as error:
            return DownstreamResult.failed(self.name, f"evaluation failed: {error}")
        before, after = sum(base_scores) / len(base_scores), sum(demo_scores) / len(demo_scores)
        # The two roles this reward comes from, labelled by where their replies came from.
        played = [r for r in provenance.simulated_roles(self.config) if r in ("weak", "judge")]
        return DownstreamResult(
            trainer=self.name,
            ok=True,
            reward=after - before,
            before=before,
            after=after,
            samples_used=len(demos),
            simulated=bool(played),
            details={
                "simulated_roles": played,
                "metric": "mean rubric score of the weak solver on held-out samples",
                "eval_samples": len(self.eval_samples),
                "k": len(demos),
                "demo_ids": [d.id for d in demos],
                "accuracy_before": sum(base_right) / len(base_right),
                "accuracy_after": sum(demo_right) / len(demo_right),
            },
        )


def run(config: HarnessConfig, records: RunRecords, out: Path) -> DownstreamResult:
    """The ``icl`` trainer: the held-out set from ``downstream.eval_path``, or the offline world's."""
    spec = config.downstream
    try:
        if spec.eval_path:
            samples = load_eval_samples(Path(spec.eval_path))[: spec.eval_count]
        elif "weak" in provenance.simulated_roles(config, records.summary.get("simulated_roles") or []):
            # the offline world's weak solver (in process or serve-sim) answers its own tasks
            samples = world_eval_samples(spec.eval_count, seed=config.seed)
        else:
            return DownstreamResult.failed("icl", "downstream.eval_path is required with real endpoints")
    except EvalSetError as error:
        return DownstreamResult.failed("icl", str(error))
    return ICLTrainer(config, samples, k=spec.k, seed=config.seed).train(records.accepted)
