"""The offline world's downstream trainer: fine-tune the weak profile on the dataset.

The weak profile learns from each sample through the world's documented training model
(``harness.sim.learning``), reading the sample's text: depth, exceptions and label correctness
come from re-deriving its context. Accuracy (final answer right) is measured before and after on
a held-out benchmark drawn from documents of a separate world; the reward is the gain on the
hard part of it (chains of 4 to 6 steps), as in the paper's hard test set. SIMULATED.
Reached through the model registry (``harness.models.offline_trainer``), registered by name as
``sim`` in objectives/downstream/registry.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from harness.downstream import DownstreamResult
from harness.records import AcceptedSample, Sample
from harness.rubric import Criterion
from harness.sim.learning import Lesson, read_lesson, train
from harness.sim.logic import parse_rules
from harness.sim.profiles import Profile, profile
from harness.sim.solver import solve
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.world import World

HELD_OUT_WORLD = 1_000_003  # documents the generator never sees


@dataclass(frozen=True)
class Benchmark:
    tasks: tuple[Task, ...]

    @classmethod
    def draw(cls, size: int = 300, seed: int = 0, min_depth: int = 1, max_depth: int = 7) -> Benchmark:
        world, rng = World(HELD_OUT_WORLD + seed), random.Random(f"benchmark:{seed}:{min_depth}")
        tasks = []
        while len(tasks) < size:
            rules = parse_rules(world.document(len(tasks) % 60).text)
            exception = rng.random() < 0.5
            spec = TaskSpec(depth=rng.randint(min_depth, max_depth), exception=exception,
                            negative=exception and rng.random() < 0.4, distractors=rng.choice((0, 1, 2)))
            task = build_task(rules, spec, rng)
            if task is not None and task.depth >= min_depth:
                tasks.append(task)
        return cls(tuple(tasks))

    def accuracy(self, learner: Profile, seed: int = 0) -> float:
        right = 0
        for i, task in enumerate(self.tasks):
            _, final = solve(task.context, task.question, learner, random.Random(f"bench-solve:{seed}:{i}"))
            right += final == task.final_answer
        return right / len(self.tasks)


class SimTrainer:
    name = "sim"

    def __init__(self, learner: str = "weak", lr: float = 0.1, benchmark_size: int = 1000, seed: int = 0,
                 world_seed: int = 0) -> None:
        # The learner is the configured world's weak solver: its reach differs between worlds.
        self.learner = profile(learner, world_seed)
        self.lr = lr
        self.seed = seed
        self.hard = Benchmark.draw(benchmark_size, seed, min_depth=4, max_depth=6)
        self.full = Benchmark.draw(benchmark_size, seed, min_depth=1)

    def lessons(self, dataset: list[AcceptedSample]) -> list[Lesson]:
        read = (read_lesson(s.sample.context, s.sample.question, s.sample.reference_answer, s.sample.final_answer)
                for s in dataset)
        return [lesson for lesson in read if lesson is not None]

    def train(self, dataset: list[AcceptedSample], **options: Any) -> DownstreamResult:
        lessons = self.lessons(dataset)
        trained = train(self.learner, lessons, lr=self.lr)
        before, after = self.hard.accuracy(self.learner, self.seed), self.hard.accuracy(trained, self.seed)
        return DownstreamResult(
            trainer=self.name,
            ok=True,
            reward=after - before,
            before=before,
            after=after,
            samples_used=len(lessons),
            simulated=True,
            details={
                "benchmark": f"{len(self.hard.tasks)} held-out tasks of depth 4-6 (hard)",
                "full_before": self.full.accuracy(self.learner, self.seed),
                "full_after": self.full.accuracy(trained, self.seed),
                "mislabelled": sum(not lesson.correct for lesson in lessons),
                "unreadable": len(dataset) - len(lessons),
                "mean_depth": sum(lesson.depth for lesson in lessons) / len(lessons) if lessons else None,
            },
        )


def eval_samples(count: int, seed: int = 0) -> list[Sample]:
    """Held-out samples from the offline world (documents of a separate world)."""
    tasks = Benchmark.draw(count, seed=seed, min_depth=3, max_depth=6).tasks
    return [
        Sample(
            context=t.context,
            question=t.question,
            reference_answer=t.reference_answer,
            final_answer=t.final_answer,
            rubric=[Criterion.model_validate(c) for c in t.rubric],
            question_type=t.question_type,
            skill_tags=t.skill_tags,
        )
        for t in tasks
    ]
