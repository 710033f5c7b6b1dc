"""Simulated orchestrator: reads the grouped failures and writes guidance for the next attempt.

It is sent the report of ``harness.feedback.format_failures`` (sections TOO EASY, FAILED ON
STRONG, FAILED QUALITY CHECK, each attempt with its question and context) and estimates how
deep the failed questions were by bounded re-derivation with its own profile (``estimate.py``:
reach and accuracy, so deep chains read only as "deeper than I can follow"). What it writes
follows its ``OrchestratorStyle``, which the dispatcher reads from its instructions:

- ``quantify``: the chance it names step counts (one more than the too-easy questions took,
  one fewer than the strong-failing ones, from its noisy estimates) instead of speaking in
  relative terms ("longer derivations", "simpler");
- ``address_quality``: the chance each quality-check reason gets a fix;
- ``push_exceptions`` / ``push_distractors``: the chance it asks for an exception or a decoy
  provision when questions were too easy;
- ``harder_bias``: shifts the difficulty it asks for beyond the evidence (up to 2 steps);
- ``relay``: requests its instructions address to the writer ("have the writer remind X that
  Y", "tell the writer to add ..."), passed on at the end of the guidance as sentences to the
  writer ("Remind X that Y."), which the writer reads like any other guidance; a conditional
  one ("if attempts FAILED ON STRONG, ...") only when that section of the report has attempts.

Every sentence comes from ``advice.py``, in varied words and with that module's rate of vague,
irrelevant, misread and overshooting advice.
"""

from __future__ import annotations

import random
import re

from harness.sim import advice as A
from harness.sim.estimate import DepthSummary, estimate_depth, summarize
from harness.sim.intent import OrchestratorStyle
from harness.sim.profiles import Profile

SECTIONS = {"TOO EASY": "easy", "FAILED ON STRONG": "hard", "FAILED QUALITY CHECK": "quality"}
_ITEM_SPLIT = re.compile(r"\n(?=\[round \d+)")
_SECTION_SPLIT = re.compile(r"\n\s*\n(?=TOO EASY|FAILED ON STRONG|FAILED QUALITY CHECK)")
_OPENERS = (
    "{Write|Try} {an entirely new|a fresh|a completely different} question {from a different angle|on another "
    "part of the document}.",
    "Start over with a {new|different} case{ rather than repairing the last one|}.",
    "{Next time|For the next attempt}, {pick|choose} a different status to ask about.",
)


def read_report(report: str) -> dict[str, list[str]]:
    """The attempts of each section (a section absent from the report is empty)."""
    groups: dict[str, list[str]] = {group: [] for group in SECTIONS.values()}
    for block in _SECTION_SPLIT.split(report.strip()):
        for title, group in SECTIONS.items():
            if block.startswith(title):
                groups[group].extend(_ITEM_SPLIT.split(block)[1:])
    return groups


def _summary(items: list[str], profile: Profile, rng: random.Random) -> DepthSummary | None:
    estimates = []
    for item in items:
        if "Question:" not in item:
            continue
        question = item.split("Question:", 1)[1].split("\n", 1)[0]
        context = item.split("Context:", 1)[-1]
        if (estimate := estimate_depth(context, question, profile, rng)) is not None:
            estimates.append(estimate)
    return summarize(estimates)


def _chance(p: float, rng: random.Random) -> bool:
    return rng.random() < p


_DATASET = re.compile(r"\n*DATASET SO FAR.*", re.DOTALL)
_UNDER = re.compile(r"under-covered question types: (.+)")


def under_covered(report: str) -> list[str]:
    """The question types a dataset-level report says the dataset lacks (none: no report)."""
    m = _UNDER.search(report)
    return [] if m is None or m.group(1).strip() == "none" else [t.strip() for t in m.group(1).split(",")]


def _toward(kind: str, rng: random.Random) -> A.Advice | None:
    """Advice toward a kind of question, read from its name: an exception, more steps, or fewer."""
    words = set(re.findall(r"[a-z]+", kind.lower()))
    if words & {"exception", "exceptions", "exemption"}:
        return A.advise(A.EXCEPTION, rng)
    if words & {"multi", "deduction", "chain", "deep"}:
        return A.advise(A.DEEPER, rng)
    if words & {"application", "direct", "single", "simple"}:
        return A.advise(A.SHALLOWER, rng)
    return None


def write_guidance(style: OrchestratorStyle, report: str, profile: Profile, rng: random.Random) -> str:
    lacking = under_covered(report)
    report = _DATASET.sub("", report)  # the dataset report is read apart from the failed attempts
    groups = read_report(report)
    easy, hard = _summary(groups["easy"], profile, rng), _summary(groups["hard"], profile, rng)
    bias = round(2 * style.harder_bias)
    parts = [A.expand(rng.choice(_OPENERS), rng)]
    advice: list[A.Advice] = []
    if _chance(style.quantify, rng) and (easy or hard):
        low = easy.high + 1 if easy else None  # one past the deepest the weak solver still managed
        high = hard.low - 1 if hard and not (hard.beyond and hard.low == hard.high) else None
        if low is not None and high is not None and high < low:
            high = low  # conflicting evidence: aim at the boundary
        if low is not None:
            advice.append(A.advise(A.DEEPER, rng, max(1, low + bias)))
        if high is not None:
            advice.append(A.advise(A.SHALLOWER, rng, max(1, high + bias)))
    else:  # relative terms: the evidence's direction, overturned only by a strong bias
        direction = 1 if groups["easy"] and len(groups["easy"]) >= len(groups["hard"]) else -bool(groups["hard"])
        if direction == 0 or abs(bias) >= 2:
            direction = max(-1, min(1, direction + bias))
        if direction:
            advice.append(A.advise(A.DEEPER if direction > 0 else A.SHALLOWER, rng))
    if groups["easy"]:
        if _chance(style.push_exceptions, rng):
            advice.append(A.advise(A.EXCEPTION, rng))
        if _chance(style.push_distractors, rng):
            advice.append(A.advise(A.DISTRACTOR, rng))
    reasons = re.findall(r"reason: (\S+)", "\n".join(groups["quality"]))
    for reason in dict.fromkeys(reasons):
        if (idea := A.fix_for(reason)) is not None and _chance(style.address_quality, rng):
            advice.append(A.advise(idea, rng))
    # Dataset-level feedback: steer toward what the dataset under-covers, at its care for the evidence.
    for kind in lacking:
        if (idea := _toward(kind, rng)) is not None and _chance(profile.accuracy, rng):
            advice.append(idea)
    parts.extend(dict.fromkeys(a.text for a in advice))
    # What its instructions tell it to ask of the writer, passed on as asked (when its condition,
    # a section of the report, is there).
    parts.extend(text for when, text in style.relay if not when or groups[when])
    return " ".join(parts)

