"""The acceptance rule: when a sample is discriminative enough to keep.

Default is the paper's deployed CS rule. The rule is data (configurable per experiment) and
guarded: the meta-optimizer can never propose a change to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Means and gaps are float sums: 0.7 - 0.5 is 0.19999999999999996 and mean([0.95] * 3) is
# 0.9499999999999998. A value that is at a threshold in decimal counts as at it.
TOLERANCE = 1e-9


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    TOO_EASY = "too_easy"
    FAILED_ON_STRONG = "failed_on_strong"
    FAILED_QUALITY = "failed_quality_check"
    KEPT = "kept"  # baseline presets: no solver gate, the sample is kept as written
    FILTERED = "filtered"  # baseline presets: dropped by the answer-consistency filter
    IMPROVE = "improve"  # legal protocol: the loop-judge (or a code override) asked for a better question
    SKIPPED = "skipped"  # legal protocol: the extractor found the document unsuitable


class AcceptanceRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weak_mean_max: float = Field(default=0.65, ge=0, le=1)
    weak_max_max: float = Field(default=0.75, ge=0, le=1)
    strong_mean_min: float = Field(default=0.60, ge=0, le=1)
    strong_mean_below: float = Field(default=0.95, ge=0, le=1.0000001)
    forbid_strong_zero: bool = True
    gap_min: float = Field(default=0.20, ge=-1, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> AcceptanceRule:
        if self.strong_mean_min >= self.strong_mean_below:
            raise ValueError("strong_mean_min must be below strong_mean_below")
        return self

    def weak_check(self, weak: list[float]) -> Verdict:
        """First gate: a sample the weak solver handles is too easy (strong solver not needed)."""
        if not weak:
            raise ValueError("weak check needs at least one weak score")
        mean, best = sum(weak) / len(weak), max(weak)
        if mean > self.weak_mean_max + TOLERANCE:
            return Verdict(False, f"weak mean {mean:.2f} > {self.weak_mean_max:.2f}")
        if best > self.weak_max_max + TOLERANCE:
            return Verdict(False, f"weak max {best:.2f} > {self.weak_max_max:.2f}")
        return Verdict(True, "weak check passed")

    def strong_check(self, weak: list[float], strong: list[float]) -> Verdict:
        """Second gate: the strong solver must mostly succeed, never score 0, and beat weak by the gap."""
        if not strong:
            raise ValueError("strong check needs at least one strong score")
        strong_mean = sum(strong) / len(strong)
        gap = strong_mean - sum(weak) / len(weak)
        if strong_mean < self.strong_mean_min - TOLERANCE:
            return Verdict(False, f"strong mean {strong_mean:.2f} < {self.strong_mean_min:.2f}")
        if strong_mean >= self.strong_mean_below - TOLERANCE:
            return Verdict(False, f"strong mean {strong_mean:.2f} >= {self.strong_mean_below:.2f}")
        if self.forbid_strong_zero and min(strong) <= 0.0:
            return Verdict(False, "a strong attempt scored 0")
        if gap < self.gap_min - TOLERANCE:
            return Verdict(False, f"gap {gap:.2f} < {self.gap_min:.2f}")
        return Verdict(True, f"accepted (gap {gap:.2f})")

    def decide(self, weak: list[float], strong: list[float] | None) -> tuple[Outcome, str]:
        """Full rule: weak check, then strong check (``strong`` is None when it was not run)."""
        first = self.weak_check(weak)
        if not first.passed:
            return Outcome.TOO_EASY, first.reason
        if strong is None:
            raise ValueError("weak check passed: strong scores are required")
        second = self.strong_check(weak, strong)
        return (Outcome.ACCEPTED if second.passed else Outcome.FAILED_ON_STRONG), second.reason


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str


class ScienceRule(BaseModel):
    """The science protocol (atomic answers judged for equivalence): counts of correct attempts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weak_attempts: int = Field(default=4, ge=1, le=16)
    strong_attempts: int = Field(default=4, ge=1, le=16)
    weak_correct_max: int = Field(default=1, ge=0)  # at most this many weak answers correct
    strong_correct_min: int = Field(default=3, ge=1)  # at least this many strong answers correct
    challengers: int = Field(default=4, ge=1, le=8)  # in parallel per round (the paper: 3-5), screened

    @model_validator(mode="after")
    def _counts(self) -> ScienceRule:
        if self.weak_correct_max >= self.weak_attempts:
            raise ValueError("weak_correct_max must be below weak_attempts (else nothing is too easy)")
        if self.strong_correct_min > self.strong_attempts:
            raise ValueError("strong_correct_min cannot exceed strong_attempts")
        return self


class LegalRule(BaseModel):
    """The legal protocol: no fixed thresholds; a loop-judge decides, code overrides force improve."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weak_attempts: int = Field(default=5, ge=1, le=16)
    strong_attempts: int = Field(default=3, ge=1, le=16)
    rubric_min: int = Field(default=15, ge=1, le=50)
    rubric_max: int = Field(default=25, ge=1, le=50)
    max_body_chars: int = Field(default=1000, ge=1)  # a longer question body is forced to improve
    improve_cap: int = Field(default=15, ge=1, le=100)  # hard cap on improve rounds per document
    extractor: bool = True  # the extractor reads each document first and may skip it
