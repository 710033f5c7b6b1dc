"""Is a parsed reply usable by the loop? One check per role, each failure with its reason.

A reply that parsed can still be useless: an empty answer, a rubric of 0 or 80 criteria, fewer
verdicts than criteria, a field that repeats its own placeholder (``{answer}``), or guidance that
echoes the template or the orchestrator's own inputs (a base model copies what it reads). Such a
reply is a parse failure like an unparseable one: retried with a new seed, never fed back.

Reasons (counted per role in the run summary and the scorecard):
``unparseable`` no reply in the format; ``truncated`` cut at the token limit; ``empty`` a required
field empty; ``echo`` a placeholder or a copy of the inputs; ``wrong_count`` verdicts do not match
the criteria; ``bad_rubric`` not 1-50 criteria with finite weights; ``unsupported`` the request
could not be sent as configured (a ``structured`` mode the client cannot carry).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from harness.structured import RUBRIC_MAX, RUBRIC_MIN

REASONS = ("unparseable", "truncated", "empty", "echo", "wrong_count", "bad_rubric", "unsupported")


class ReplyProblem(ValueError):
    """A reply the loop cannot use, with its reason (one of ``REASONS``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().strip("\"'`").lower()


def is_placeholder(value: str, names: Iterable[str]) -> bool:
    """``{answer}``, ``{{answer}}``, ``<answer>``, ``[[ ## answer ## ]]`` or the bare name, for any field name."""
    text = _norm(value)
    for name in names:
        n = name.lower()
        if text in (f"{{{n}}}", f"{{{{{n}}}}}", f"<{n}>", f"[[ ## {n} ## ]]", f"[{n}]", n, f"${n}", f"${{{n}}}"):
            return True
    return False


_BRACED = re.compile(r"\{\{?\s*(\w+)\s*\}?\}")


def has_placeholder(value: str, names: Iterable[str]) -> bool:
    """Whether ``value`` contains a template slot for one of ``names`` (``... {guidance} ...``)."""
    wanted = {n.lower() for n in names}
    return any(m.group(1).lower() in wanted for m in _BRACED.finditer(value))


def check_text(field: str, value: Any, names: Iterable[str], required: bool = True) -> None:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if not text.strip():
        if required:
            raise ReplyProblem("empty", f"{field} is empty")
        return
    if is_placeholder(text, names):
        raise ReplyProblem("echo", f"{field} is a placeholder: {text.strip()[:40]!r}")


def is_echo(reply: str, sources: Iterable[str]) -> bool:
    """Whether ``reply`` repeats one of ``sources`` (an input or the instructions) instead of adding
    to it: equal to one, or (40 characters or more) a verbatim piece of one."""
    text = _norm(reply)
    for source in sources:
        src = _norm(source or "")
        if not src:
            continue
        if text == src or (len(text) >= 40 and text in src):
            return True
    return False


def check_rubric(rubric: Any) -> None:
    if not isinstance(rubric, list) or not RUBRIC_MIN <= len(rubric) <= RUBRIC_MAX:
        count = len(rubric) if isinstance(rubric, list) else "no"
        raise ReplyProblem("bad_rubric", f"{count} criteria, expected {RUBRIC_MIN}-{RUBRIC_MAX}")
    for item in rubric:
        weight = getattr(item, "weight", None)
        if not isinstance(weight, int | float) or not math.isfinite(weight):
            raise ReplyProblem("bad_rubric", f"weight {weight!r} is not a number")
        if not str(getattr(item, "criterion", "")).strip():
            raise ReplyProblem("bad_rubric", "a criterion has no text")


def check_challenge(p: Any, names: Iterable[str], rubric: bool = True) -> None:
    """``rubric``: the schema asks for one (an atomic-answer schema does not; its answer is then required)."""
    names = list(names)
    for field in ("question", "context", "reference_answer"):
        check_text(field, getattr(p, field, None), names)
    check_text("final_answer", getattr(p, "final_answer", None), names, required=not rubric)
    if rubric:
        check_rubric(getattr(p, "rubric", None))


def check_capabilities(p: Any) -> None:
    """A tagged rubric: one non-empty capability tag per criterion."""
    tags, rubric = getattr(p, "capabilities", None), getattr(p, "rubric", None) or []
    count = len(tags) if isinstance(tags, list) else 0
    if count != len(rubric):
        raise ReplyProblem("wrong_count", f"{count} capability tags for {len(rubric)} criteria")
    if any(not str(t).strip() for t in tags):
        raise ReplyProblem("empty", "a capability tag is empty")


def check_verification(p: Any, names: Iterable[str]) -> None:
    if getattr(p, "verdict", None) not in ("PASS", "FAIL"):
        raise ReplyProblem("unparseable", f"verdict {getattr(p, 'verdict', None)!r}")


def check_reader_check(p: Any, names: Iterable[str]) -> None:
    if not isinstance(getattr(p, "addressed", None), bool):
        raise ReplyProblem("unparseable", f"addressed {getattr(p, 'addressed', None)!r} is not true/false")
    check_text("quote", getattr(p, "quote", None), names, required=False)


def check_answer(p: Any, names: Iterable[str]) -> None:
    names = list(names)
    check_text("answer", getattr(p, "answer", None), names)
    check_text("final_answer", getattr(p, "final_answer", None), names, required=False)


def check_verdicts(p: Any, criteria: int) -> None:
    verdicts = getattr(p, "verdicts", None)
    count = len(verdicts) if isinstance(verdicts, list) else 0
    if count != criteria:
        raise ReplyProblem("wrong_count", f"{count} verdicts for {criteria} criteria")


def check_guidance(p: Any, names: Iterable[str], inputs: dict[str, Any], instructions: str) -> None:
    """Guidance must be text of its own: not empty or "none", not a placeholder, no template slot,
    not a copy of the instructions or of an input (the task, the failures)."""
    names = list(names)
    guidance = getattr(p, "guidance", None)
    check_text("guidance", guidance, names)
    if has_placeholder(guidance, names):
        raise ReplyProblem("echo", f"guidance holds a template slot: {guidance.strip()[:60]!r}")
    if _norm(guidance) in ("none", "n/a", "null", "-"):
        raise ReplyProblem("empty", f"guidance is {guidance.strip()!r}")
    # The previous guidance is not a source: giving the same advice after the same failure is
    # advice; copying the task, the failures or the instructions is not.
    sources = [instructions, *(v for k, v in inputs.items() if isinstance(v, str) and k != "previous_guidance")]
    if is_echo(guidance, sources):
        raise ReplyProblem("echo", f"guidance repeats its inputs: {guidance.strip()[:60]!r}")
