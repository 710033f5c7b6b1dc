"""Evaluating a harness on a split of documents: a generation, then its scorecard.

Evaluations are content-addressed (harness hash, split, seed): the same harness on the same
split is evaluated once, and an evaluation killed half-way resumes from its records.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.config import HarnessConfig
from harness.documents import DocumentSet
from harness.generate import SUMMARY_FILE, run_generation
from harness.models import ModelRegistry
from harness.records import RoundRecord
from objectives.evaluate import SCORECARD_FILE, read_scorecard, score_run
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
    before: dict[str, float] | None = None  # the cost already in its directory when this call began

    @property
    def acceptance(self) -> float:
        return self.scorecard.value("acceptance_rate") or 0.0

    def cost(self) -> dict[str, float]:
        return _costs(self.scorecard)

    def added(self) -> dict[str, float]:
        """The cost this call paid: all of it for a new evaluation, the difference for one
        extended to more documents, nothing for one read back."""
        if not self.fresh:
            return {key: 0.0 for key in self.cost()}
        before = self.before or {}
        return {key: value - before.get(key, 0.0) for key, value in self.cost().items()}

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

    async def evaluate(self, config: HarnessConfig, split: str, draw: int = 0, first: int | None = None) -> Evaluation:
        """``draw`` d runs with seed ``seed + d``: another sample of the same harness on the same
        documents (noise-aware selection re-evaluates parents so, search/noise.py).

        ``first``: only the split's first ``first`` documents (racing, search/racing.py). A later
        call for more documents extends the same directory: the documents done are not run again.
        The scorecard read back is then the larger one, which covers the documents asked for."""
        config = config.model_copy(update={"seed": self.seed + draw})
        where = self.directory(config, split, draw)
        docs = self.splits[split]
        if first is not None and first < len(docs.documents):
            docs = DocumentSet(docs.documents[:first], docs.skipped, docs.refused)
        wanted = {d.id for d in docs.documents}
        fresh, before = False, None
        lock = self._locks.setdefault(str(where), asyncio.Lock())
        async with lock:  # two proposals of the same harness share one evaluation
            card = _covering_card(where, wanted)
            if card is None:
                # ... and so do two worker processes: the second waits, then reads the first's records.
                handle = await asyncio.to_thread(_lock_file, where.with_suffix(".lock"))
                try:
                    card = _covering_card(where, wanted)
                    if card is None:
                        earlier = read_scorecard(where) if (where / SUMMARY_FILE).exists() else None
                        if earlier is not None:
                            # Extended to more documents: the smaller scorecard goes first, so a kill
                            # before the new one is written cannot leave it standing for the larger run.
                            (where / SCORECARD_FILE).unlink()
                        registry = ModelRegistry(config.models, config.runtime,
                                                 world_seed=config.documents.world_seed)
                        summary = await run_generation(config, docs, where, registry=registry)
                        if summary.get("stopped"):
                            # Scored on part of its documents, it would be compared with whole ones
                            # (and kept as finished): the candidate fails instead.
                            raise RuntimeError(f"evaluation stopped early: {summary['stopped']}")
                        card = await asyncio.to_thread(score_run, where, config)
                        fresh = True
                        if earlier is not None:
                            before = _costs(earlier)
                finally:
                    handle.close()
        score, values = objective_values(card, self.spec)
        return Evaluation(config.harness_hash(), split, where, card, score, values, fresh, before)


def _costs(card: Scorecard) -> dict[str, float]:
    m = card.metrics
    return {"calls": m["calls"].value or 0.0,
            "tokens": (m["input_tokens"].value or 0.0) + (m["output_tokens"].value or 0.0),
            "dollars": m["dollars"].value or 0.0}


def _covering_card(where: Path, wanted: set[str]) -> Scorecard | None:
    """The directory's scorecard when its finished run covers every document wanted."""
    summary_path = where / SUMMARY_FILE
    if not summary_path.exists():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    ids = summary.get("document_ids")
    if ids is not None and not wanted <= set(ids):
        return None
    return read_scorecard(where)
