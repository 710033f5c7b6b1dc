"""Science (mathematical objects): atomic one-sentence answers, judged for equivalence, counted.

Each solver answers k times (4); each answer is judged equivalent to the reference or not (a
score of 1 or 0). Accept when at most ``weak_correct_max`` weak answers and at least
``strong_correct_min`` strong answers are correct. Several challengers write in parallel each
round (``challengers``); a question whose answer is not atomic (more than one sentence, a bare
integer or a precision-sensitive real) is screened out before any solver is paid.
"""

from __future__ import annotations

import re
from typing import Any

from harness import prompts
from harness.acceptance import Outcome, Verdict
from harness.protocols.base import Protocol
from harness.records import Candidate, Sample

_BARE_NUMBER = re.compile(r"^\s*[-+]?(\d[\d,]*)(\.\d+)?\s*\.?\s*$")
_LONG_REAL = re.compile(r"\d+\.\d{3,}")  # precision-sensitive: three or more decimals
_SENTENCE_END = re.compile(r"[.!?](\s+|$)")


def atomic_problem(answer: str) -> str | None:
    """Why ``answer`` is not an atomic one-sentence answer (None: it is)."""
    text = answer.strip()
    if not text:
        return "empty answer"
    if _BARE_NUMBER.match(text):
        return f"bare number answer {text!r}"
    if _LONG_REAL.search(text):
        return "precision-sensitive real in the answer"
    if len([m for m in _SENTENCE_END.finditer(text) if m.end() < len(text)]) >= 1:
        return "answer is more than one sentence"
    if len(text.split()) < 3:
        return f"answer {text!r} is not a sentence"
    return None


class CountRule:
    """The correctness-count rule, in the shape the loop reads (scores are 1 correct, 0 not)."""

    forbid_strong_zero = False

    def __init__(self, weak_correct_max: int, strong_correct_min: int, weak_k: int, strong_k: int) -> None:
        self.weak_correct_max, self.strong_correct_min = weak_correct_max, strong_correct_min
        self.weak_k, self.strong_k = weak_k, strong_k

    def weak_check(self, weak: list[float]) -> Verdict:
        correct = sum(1 for s in weak if s >= 0.5)
        if correct > self.weak_correct_max:
            return Verdict(False, f"weak correct {correct}/{len(weak)} > {self.weak_correct_max}")
        return Verdict(True, f"weak correct {correct}/{len(weak)}")

    def strong_check(self, weak: list[float], strong: list[float]) -> Verdict:
        correct = sum(1 for s in strong if s >= 0.5)
        if correct < self.strong_correct_min:
            return Verdict(False, f"strong correct {correct}/{len(strong)} < {self.strong_correct_min}")
        weak_correct = sum(1 for s in weak if s >= 0.5)
        return Verdict(True, f"accepted (weak correct {weak_correct}/{len(weak)}, strong correct {correct}/{len(strong)})")

    def decide(self, weak: list[float], strong: list[float] | None) -> tuple[str, str]:
        first = self.weak_check(weak)
        if not first.passed:
            return Outcome.TOO_EASY, first.reason
        second = self.strong_check(weak, strong or [])
        return (Outcome.ACCEPTED if second.passed else Outcome.FAILED_ON_STRONG), second.reason


class ScienceProtocol(Protocol):
    name = "science"
    schema = "atomic"
    scorer = "equivalence"
    default_challenger = prompts.SCIENCE_CHALLENGER_INSTRUCTIONS
    default_qv = prompts.SCIENCE_QV_INSTRUCTIONS
    extra_roles = ("equivalence",)

    @property
    def settings(self) -> Any:
        return self.config.guarded.science

    @property
    def rule(self) -> CountRule:
        s = self.settings
        return CountRule(s.weak_correct_max, s.strong_correct_min, s.weak_attempts, s.strong_attempts)

    def attempts(self) -> tuple[int, int]:
        return self.settings.weak_attempts, self.settings.strong_attempts

    def challengers(self) -> int:
        return self.settings.challengers

    def screen_sample(self, sample: Sample) -> str | None:
        problem = atomic_problem(sample.final_answer)
        return f"not atomic: {problem}" if problem else None

    def candidate_stats(self, candidate: Candidate) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for solver in ("weak", "strong"):
            scores = candidate.scores(solver)
            if scores:
                out[f"{solver}_correct"] = sum(1 for s in scores if s >= 0.5)
                out[f"{solver}_attempts"] = len(scores)
        return out
