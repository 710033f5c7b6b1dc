"""Simulated orchestrator: reads the grouped failures and writes guidance for the challenger.

It re-derives each failed question from its context to see how deep it was. How useful its
guidance is depends on its instructions:

- ``specific``, ``concrete``, ``exact``, ``number of steps`` or ``quantitative``: it names step
  counts ("at least 4 reasoning steps", "at most 3 steps") from the depths it measured;
- otherwise it speaks in relative terms ("more reasoning steps", "fewer steps"), which the
  challenger, having no memory of earlier rounds, reads as one step more than its default;
- ``quality``, ``each reason`` or ``every reason``: it also turns quality-check reasons into
  fixes ("do not reveal the answer", "keep the context self-contained", "verify ...");
- ``exception`` / ``distractor``: it asks for them when questions were too easy.
"""

from __future__ import annotations

import re

from harness.sim.tasks import question_depth

SECTIONS = ("TOO EASY", "FAILED ON STRONG", "FAILED QUALITY CHECK")
QV_FIXES = {
    "answer_leaked": "Do not reveal the answer anywhere in the context.",
    "recall_not_reasoning": "Ask for more reasoning steps, not recall of a definition.",
    "context_insufficient": "Keep the context self-contained: quote every provision the answer needs.",
    "reference_incorrect": "Verify the reference answer against the provisions before writing it.",
    "malformed_rubric": "Verify that every rubric criterion has a non-zero weight and some are positive.",
    "type_mismatch": "Label the question type accurately.",
}


def _sections(report: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {name: [] for name in SECTIONS}
    current = None
    for block in re.split(r"\n(?=(?:TOO EASY|FAILED ON STRONG|FAILED QUALITY CHECK)\b)", report):
        for name in SECTIONS:
            if block.startswith(name):
                current = name
        if current:
            found[current].extend(item for item in re.split(r"\n(?=\[round \d+)", block)[1:])
    return found


def _depth(item: str) -> int | None:
    if "Question:" not in item:
        return None
    return question_depth(item.split("Context:", 1)[-1], item.split("Question:", 1)[-1])


def write_guidance(instructions: str, report: str) -> str:
    text = instructions.lower()
    specific = any(cue in text for cue in ("specific", "concrete", "exact", "number of steps", "quantitative"))
    fixes_quality = any(cue in text for cue in ("quality", "each reason", "every reason"))
    groups = _sections(report)
    easy = [d for d in map(_depth, groups["TOO EASY"]) if d is not None]
    hard = [d for d in map(_depth, groups["FAILED ON STRONG"]) if d is not None]
    parts = ["Write an entirely new question from a different angle."]
    if specific and (easy or hard):
        low = max(easy) + 1 if easy else None
        high = min(hard) - 1 if hard else None
        if low is not None and high is not None and high < low:
            high = low  # conflicting evidence: aim at the boundary
        if low is not None:
            parts.append(f"It must need at least {low} reasoning steps.")
        if high is not None:
            parts.append(f"Use at most {high} steps.")
    elif groups["TOO EASY"] and len(groups["TOO EASY"]) >= len(groups["FAILED ON STRONG"]):
        parts.append("The weak solver found it easy: it needs more reasoning steps.")
    elif groups["FAILED ON STRONG"]:
        parts.append("Even the strong solver failed: use fewer steps.")
    if groups["TOO EASY"]:
        if "exception" in text:
            parts.append("Make the chain cross an exception.")
        if "distractor" in text:
            parts.append("Add distractor provisions whose conditions are only partly met.")
    if fixes_quality:
        reasons = re.findall(r"reason: (\w+)", "\n".join(groups["FAILED QUALITY CHECK"]))
        parts.extend(QV_FIXES[r] for r in dict.fromkeys(reasons) if r in QV_FIXES)
    return " ".join(parts)
