"""Evaluating a harness on a split of documents: a generation, then its scorecard.

Evaluations are content-addressed (harness hash, split, seed): the same harness on the same
split is evaluated once, and an evaluation killed half-way resumes from its records.
"""

from __future__ import annotations

import asyncio
import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.config import HarnessConfig
from harness.documents import DocumentSet
from harness.generate import SUMMARY_FILE, run_generation
from harness.models import ModelRegistry
from harness.records import RoundRecord
from objectives.evaluate import read_scorecard, score_run
from objectives.run import load_run
from objectives.scorecard import Scorecard
from search.config import SearchSpec


@dataclass(frozen=True)
class Evaluation:
    harness_hash: str
    split: str
    out: Path
    scorecard: Scorecard
    score: float  # first objective, oriented so that larger is better
    values: tuple[float, ...]  # every objective, raw
    fresh: bool = False  # made by this call (its cost was paid now), not read back

    @property
    def acceptance(self) -> float:
        return self.scorecard.value("acceptance_rate") or 0.0

    def cost(self) -> dict[str, float]:
        m = self.scorecard.metrics
        return {
            "calls": m["calls"].value or 0.0,
            "tokens": (m["input_tokens"].value or 0.0) + (m["output_tokens"].value or 0.0),
            "dollars": m["dollars"].value or 0.0,
        }

    def rounds(self) -> list[RoundRecord]:
        return load_run(self.out).rounds


def _lock_file(path: Path) -> IO[str]:
    """An exclusive lock across processes, held while the returned handle is open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def objective_values(card: Scorecard, spec: SearchSpec) -> tuple[float, tuple[float, ...]]:
    values = tuple(card.value(o.metric) or 0.0 for o in spec.objectives)
    first = spec.objectives[0]
    score = values[0] if first.resolved_direction == "maximize" else -values[0]
    return score, values


class Evaluator:
    def __init__(self, out: Path, splits: dict[str, DocumentSet], spec: SearchSpec, seed: int) -> None:
        self.out = out
        self.splits = splits
        self.spec = spec
        self.seed = seed
        self._locks: dict[str, asyncio.Lock] = {}

    def directory(self, config: HarnessConfig, split: str, draw: int = 0) -> Path:
        return self.out / "evals" / f"{config.harness_hash()}-{split}-s{self.seed + draw}"

    async def evaluate(self, config: HarnessConfig, split: str, draw: int = 0) -> Evaluation:
        """``draw`` d runs with seed ``seed + d``: another sample of the same harness on the same
        documents (noise-aware selection re-evaluates parents so, search/noise.py)."""
        config = config.model_copy(update={"seed": self.seed + draw})
        where = self.directory(config, split, draw)
        fresh = False
        lock = self._locks.setdefault(str(where), asyncio.Lock())
        async with lock:  # two proposals of the same harness share one evaluation
            card = read_scorecard(where) if (where / SUMMARY_FILE).exists() else None
            if card is None:
                # ... and so do two worker processes: the second waits, then reads the first's records.
                handle = await asyncio.to_thread(_lock_file, where.with_suffix(".lock"))
                try:
                    card = read_scorecard(where) if (where / SUMMARY_FILE).exists() else None
                    if card is None:
                        registry = ModelRegistry(config.models, config.runtime,
                                                 world_seed=config.documents.world_seed)
                        summary = await run_generation(config, self.splits[split], where, registry=registry)
                        if summary.get("stopped"):
                            # Scored on part of its documents, it would be compared with whole ones
                            # (and kept as finished): the candidate fails instead.
                            raise RuntimeError(f"evaluation stopped early: {summary['stopped']}")
                        card = await asyncio.to_thread(score_run, where, config)
                        fresh = True
                finally:
                    handle.close()
        score, values = objective_values(card, self.spec)
        return Evaluation(config.harness_hash(), split, where, card, score, values, fresh)
