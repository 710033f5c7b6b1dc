"""Discrimination: how well a dataset separates the strong solver from the weak one.

Per sample: weak and strong means, gap, the spread of the weak rollouts, whether the weak
solver did at least as well as the strong one (confusion). Per dataset: the acceptance rate
(the paper's meta-optimization signal), the means of those, rounds per accepted sample, the
failure-reason mix over every candidate tried, and a histogram of difficulty (1 - weak mean).
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from harness.records import AcceptedSample, RoundRecord

FAILURE_REASONS = ("too_easy", "failed_on_strong", "failed_quality_check")
DIFFICULTY_BINS = 5  # [0, .2), [.2, .4), ... [.8, 1.0]


@dataclass(frozen=True)
class SampleDiscrimination:
    id: str
    weak_mean: float
    strong_mean: float
    gap: float
    weak_std: float
    confused: bool  # the weak solver scored at least as well as the strong one
    rounds: int


@dataclass
class Discrimination:
    acceptance_rate: float
    accepted: int
    documents: int
    weak_mean: float | None
    strong_mean: float | None
    gap_mean: float | None
    confusion_rate: float | None
    weak_std_mean: float | None
    rounds_per_accepted: float | None
    failure_mix: dict[str, float] = field(default_factory=dict)  # share of failed candidates by reason
    failure_counts: dict[str, int] = field(default_factory=dict)
    difficulty_histogram: list[int] = field(default_factory=list)
    samples: list[SampleDiscrimination] = field(default_factory=list)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def per_sample(accepted: list[AcceptedSample]) -> list[SampleDiscrimination]:
    out = []
    for sample in accepted:
        weak, strong = sample.weak_scores, sample.strong_scores
        if not weak or not strong:
            continue
        weak_mean, strong_mean = sum(weak) / len(weak), sum(strong) / len(strong)
        out.append(
            SampleDiscrimination(
                id=sample.id,
                weak_mean=weak_mean,
                strong_mean=strong_mean,
                gap=strong_mean - weak_mean,
                weak_std=statistics.pstdev(weak) if len(weak) > 1 else 0.0,
                confused=weak_mean >= strong_mean,
                rounds=sample.round,
            )
        )
    return out


def difficulty_histogram(samples: list[SampleDiscrimination], bins: int = DIFFICULTY_BINS) -> list[int]:
    counts = [0] * bins
    for s in samples:
        difficulty = 1.0 - s.weak_mean
        # round() first: 1 - 0.8 is 0.19999999999999996, which belongs to the [.2, .4) bin.
        counts[min(bins - 1, int(round(difficulty * bins, 9)))] += 1
    return counts


def discrimination(rounds: list[RoundRecord], accepted: list[AcceptedSample], documents: int) -> Discrimination:
    samples = per_sample(accepted)
    failures: Counter[str] = Counter({reason: 0 for reason in FAILURE_REASONS})
    for record in rounds:
        for candidate in record.candidates:
            if candidate.decision in FAILURE_REASONS:
                failures[candidate.decision] += 1
    total_failures = sum(failures.values())
    docs_with_sample = len({a.doc_id for a in accepted})
    return Discrimination(
        acceptance_rate=docs_with_sample / documents if documents else 0.0,
        accepted=len(accepted),
        documents=documents,
        weak_mean=_mean([s.weak_mean for s in samples]),
        strong_mean=_mean([s.strong_mean for s in samples]),
        gap_mean=_mean([s.gap for s in samples]),
        confusion_rate=_mean([1.0 if s.confused else 0.0 for s in samples]),
        weak_std_mean=_mean([s.weak_std for s in samples]),
        rounds_per_accepted=len(rounds) / len(accepted) if accepted else None,
        failure_mix={k: (v / total_failures if total_failures else 0.0) for k, v in failures.items()},
        failure_counts=dict(failures),
        difficulty_histogram=difficulty_histogram(samples),
        samples=samples,
    )
