"""How one candidate is judged against its parents: the train screen, the race on the first
validation documents, the whole validation, and the paired comparisons (search/noise.py).

The judge decides and pays; the sweep records. Costs go into the ``cost`` dict the sweep passes
(so a candidate that fails half-way is charged what it spent), and an evaluation extended to more
documents (racing) is charged for what it added. A parent's evaluation at a draw or on documents
it did not have yet is paid for by the candidate that needs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.config import HarnessConfig
from search.config import SearchSpec
from search.evaluation import Evaluation, Evaluator
from search.noise import Comparison, compare
from search.operators.base import Member
from search.racing import first_documents, stops
from search.space import build_harness


@dataclass
class Judged:
    """The candidate's outcome: its trial's attributes, and where it stopped if it was pruned."""

    train: Evaluation
    attrs: dict[str, Any]
    stopped_at: tuple[float, int] | None = None  # (value, step) reported to the sampler when pruned
    validation: Evaluation | None = None
    beats: bool = False


@dataclass
class Judge:
    evaluator: Evaluator
    seed_config: HarnessConfig
    spec: SearchSpec
    validation_docs: int
    cost: dict[str, float]  # the candidate's spending so far, added to in place
    dirs: dict[str, str] = field(default_factory=dict)  # split -> the candidate's evaluation directory
    _counted: dict[str, dict[str, float]] = field(default_factory=dict)

    async def judge(self, config: HarnessConfig, operator: str, parents_now: Callable[[], list[Member]],
                    number: int, draw_of: Callable[[int], int], best_score: Callable[[], float],
                    noted: Callable[[str, Any], None]) -> Judged:
        """The population is read when needed, as other candidates change it meanwhile:
        ``parents_now()``, the candidate's parents that are members; ``draw_of(parent)``, the
        parent's draw for this comparison; ``best_score()``, the best member's score (a candidate
        with no parent must beat it). ``noted`` records an attribute at once (the train
        directory, kept even if a later evaluation fails)."""
        screen_draw = number % self.spec.selection.screen_draws
        train = await self.evaluator.evaluate(config, "train", screen_draw)
        self._add(train)
        noted("train_dir", str(train.out))
        parents = parents_now()
        if parents and operator != "seed":
            parent_train = [await self.evaluator.evaluate(self._harness(p), "train", screen_draw) for p in parents]
            for evaluation in parent_train:  # a parent's train draw it did not have yet: paid by this candidate
                self._pay(evaluation.added())
            if train.score < max(e.score for e in parent_train) - self.spec.screen_margin:
                return Judged(train, {"cost": self.cost, "train_score": train.score}, (train.score, 0))
        compared = parents if operator != "seed" else []
        draw = draw_of(compared[0].number) if compared else 0
        part = first_documents(self.validation_docs, self.spec.selection.race) if compared else None
        if part is not None:
            early = await self.evaluator.evaluate(config, "validation", draw, first=part)
            self._add(early)
            raced = [await self.compare(p, early, draw, number, first=part) for p in compared]
            if stops(raced, self.spec.selection.confidence):
                # Lost its race on the first ``part`` documents: the comparison that stopped it is kept.
                raced_out = {"documents": part, "draw": raced[0].draw, "score": early.score,
                             "parents": [c.record() for c in raced]}
                return Judged(train, {"train_score": train.score, "raced_out": raced_out, "cost": self.cost},
                              (early.values[0], part))
        validation = await self.evaluator.evaluate(config, "validation", draw)
        self._add(validation)
        comparisons = [await self.compare(p, validation, draw, number) for p in compared]
        beats = all(c.better for c in comparisons) if parents else operator == "seed"
        if operator != "seed" and not parents:
            beats = validation.score > best_score()
        attrs = {"train_score": train.score, "validation_score": validation.score,
                 "validation_values": list(validation.values), "validation_dir": str(validation.out),
                 "validation_acceptance": validation.acceptance, "validation_draw": draw,
                 "parent_draws": [c.record() for c in comparisons], "accepted": beats, "cost": self.cost}
        return Judged(train, attrs, None, validation, beats)

    async def compare(self, parent: Member, validation: Evaluation, draw: int, number: int,
                      first: int | None = None) -> Comparison:
        """The candidate against a parent on the same validation documents and draw."""
        parent_eval = await self.evaluator.evaluate(self._harness(parent), "validation", draw, first=first)
        self._pay(parent_eval.added())
        objective = self.spec.objectives[0]
        return compare(parent.number, draw, parent_eval, validation, objective.metric,
                       objective.resolved_direction == "maximize", self.spec.selection.confidence, seed=number)

    def _harness(self, member: Member) -> HarnessConfig:
        return build_harness(self.seed_config, member.knobs, member.genes)

    def _pay(self, added: dict[str, float]) -> None:
        for key, value in added.items():
            self.cost[key] += value

    def _add(self, evaluation: Evaluation) -> None:
        """The candidate's own evaluation; one extended to more documents is counted for what it added."""
        where = str(evaluation.out)
        self.dirs[evaluation.split] = where
        done = self._counted.get(where, {})
        self._pay({key: value - done.get(key, 0.0) for key, value in evaluation.cost().items()})
        self._counted[where] = evaluation.cost()
