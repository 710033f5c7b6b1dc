"""How the simulated writer roles read their instructions: a small, documented lexicon.

Instructions act causally: the challenger turns its instructions and the orchestrator's guidance
into an *intent* (target chain depth, how often to cross an exception, distractors, and how
careful to be) through the cues below, matched case-insensitively. Guidance is applied after
the instructions, so it can override them. Unknown text has no effect.

=====================================  ============================================================
cue                                    effect on the challenger
=====================================  ============================================================
``at least N (reasoning) steps``       target depth at least N (N in digits or words)
``at most N steps`` / ``N-step``       target depth at most N / exactly N
``multi-step``, ``several steps``,     depth +1
``long chain``, ``more reasoning
steps``
``many more reasoning steps``          depth +2
``harder``, ``challenging``            depth +0.5
``fewer steps``, ``simpler``           depth -1
``exception``                          crosses an exception 70% of the time (base 20%)
``distractor``, ``irrelevant``         two distractor provisions (base 0.3)
``self-contained``, ``every            missing-provision rate x0.3
provision``
``do not reveal``, ``never state``,    leaked-answer rate x0.2
``give away``, ``leak``
``verify``, ``double-check``           wrong-reference rate x0.3, malformed-rubric and
                                       type-label rates x0.5
``question type``                      type-label rate x0.3
=====================================  ============================================================

Temperature widens the spread of the depth actually written (sd 0.35 + 0.6 T) and scales the
flaw rates by (0.6 + 0.6 T). The orchestrator's own cues are in ``orchestrator.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace

from harness.sim.intent import Intent

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_NUM = r"(\d+|one|two|three|four|five|six|seven|eight)"


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _has(text: str, *cues: str) -> bool:
    return any(cue in text for cue in cues)


def apply_cues(intent: Intent, raw: str) -> Intent:
    text = raw.lower()
    depth, lo, hi = intent.depth, intent.depth_min, intent.depth_max
    if m := re.search(rf"at least {_NUM}(?: reasoning)? steps?", text):
        lo = max(lo, _number(m.group(1)))
        depth = max(depth, lo + 0.3)
    if m := re.search(rf"at most {_NUM}(?: reasoning)? steps?", text):
        hi = min(hi, _number(m.group(1)))
        depth = min(depth, hi - 0.3)
    if m := re.search(rf"\b{_NUM}-step\b", text):
        depth = float(_number(m.group(1)))
    if "many more reasoning steps" in text:
        depth += 2
    elif _has(text, "multi-step", "several steps", "long chain", "more reasoning steps"):
        depth += 1
    if _has(text, "harder", "challenging"):
        depth += 0.5
    if _has(text, "fewer steps", "simpler"):
        depth -= 1
    changes: dict[str, float] = {}
    if "exception" in text:
        changes["exception"] = 0.7
    if _has(text, "distractor", "irrelevant"):
        changes["distractors"] = 2.0
    if _has(text, "self-contained", "every provision"):
        changes["missing"] = intent.missing * 0.3
    if _has(text, "do not reveal", "never state", "give away", "leak"):
        changes["leak"] = intent.leak * 0.2
    if _has(text, "verify", "double-check"):
        changes["reference_error"] = intent.reference_error * 0.3
        changes["malformed"] = intent.malformed * 0.5
        changes["type_mismatch"] = intent.type_mismatch * 0.5
    if "question type" in text:
        changes["type_mismatch"] = changes.get("type_mismatch", intent.type_mismatch) * 0.3
    lo, hi = max(1, min(lo, 7)), max(1, min(hi, 7))
    return replace(intent, depth=depth, depth_min=lo, depth_max=max(lo, hi), **changes)


def read_intent(instructions: str, guidance: str = "") -> Intent:
    """The challenger's intent: instructions first, then guidance on top."""
    return apply_cues(apply_cues(Intent(), instructions), guidance)
