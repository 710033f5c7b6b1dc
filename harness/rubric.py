"""Weighted rubrics and their score.

score = clip(sum(w_i * s_i) / sum(w_i for w_i > 0), 0, 1), where s_i is the judge's binary
verdict. For a negative criterion, s_i = 1 means the bad behaviour occurred, so it subtracts.
A rubric without positive weight scores 0 (it is malformed, and QV rejects it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field


class Criterion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    criterion: str = Field(min_length=1, description="one checkable statement about the answer")
    weight: float = Field(description="positive: credit when met; negative: penalty when the bad behaviour occurs")


def rubric_score(rubric: Sequence[Criterion], verdicts: Sequence[bool]) -> float:
    if len(rubric) != len(verdicts):
        raise ValueError(f"{len(verdicts)} verdicts for {len(rubric)} criteria")
    positive = sum(c.weight for c in rubric if c.weight > 0)
    if positive <= 0:
        return 0.0  # undefined without positive weight; such a rubric is malformed (see rubric_problems)
    earned = sum(c.weight for c, met in zip(rubric, verdicts, strict=True) if met)
    return min(1.0, max(0.0, earned / positive))


def rubric_problems(rubric: Sequence[Criterion], size_min: int = 1, size_max: int = 50) -> list[str]:
    """Structural problems that make a rubric unusable (checked before any solver is paid)."""
    problems = []
    if not size_min <= len(rubric) <= size_max:
        problems.append(f"{len(rubric)} criteria, expected {size_min}-{size_max}")
    if not any(c.weight > 0 for c in rubric):
        problems.append("no positive weight")
    if any(c.weight == 0 for c in rubric):
        problems.append("a criterion has weight 0")
    texts = [c.criterion.strip().lower() for c in rubric]
    if len(set(texts)) != len(texts):
        problems.append("duplicate criteria")
    return problems
