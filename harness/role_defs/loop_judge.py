"""The loop-judge (legal protocol): reads a candidate's diagnostic packet and says accept or improve.

Its reply is the paper's JSON (weak and strong patterns, the gap's interpretation, rubric concerns,
GRPO suitability, verdict, a suggestion for the writer); the whole reply is recorded with the
candidate. Its prompt is a gene: the instruction that easing the rubric is gaming can be removed.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from harness.role_registry import RoleDef

FIELDS = ("weak_pattern", "strong_pattern", "gap_interpretation", "rubric_concerns", "grpo_suitability", "verdict",
          "suggestion_for_writer")

INSTRUCTIONS = (
    "You judge one candidate training question for reinforcement learning. `packet` reports how "
    "5 weak and 3 strong rollouts scored on the rubric: the overall rates, the rate per capability "
    "tag, how many positive criteria every weak rollout already meets, and the spread between rollouts. "
    "Describe what the weak rollouts get wrong (`weak_pattern`) and what the strong ones do "
    "(`strong_pattern`), say whether the gap reflects real skill (`gap_interpretation`), list "
    "problems with the rubric (`rubric_concerns`), and rate how useful the question is for GRPO "
    "(`grpo_suitability`: high, medium or low). Answer `verdict` accept only when the strong "
    "rollouts mostly succeed, the weak ones mostly fail, and the gap comes from capabilities the "
    "question is about; otherwise improve, and tell the writer what to change in "
    "`suggestion_for_writer`. When uncertain, answer improve. Treat a rubric eased toward what "
    "the weak rollouts already write (criteria every rollout meets, padding that lifts the rates) "
    "as gaming, never as progress: answer improve."
)


@cache
def signature() -> Any:
    import dspy

    class LoopJudge(dspy.Signature):
        """Judge a candidate question from its diagnostic packet."""

        question: str = dspy.InputField()
        packet: str = dspy.InputField(desc="per-capability weak and strong rates, rollout variance")
        weak_pattern: str = dspy.OutputField()
        strong_pattern: str = dspy.OutputField()
        gap_interpretation: str = dspy.OutputField()
        rubric_concerns: str = dspy.OutputField()
        grpo_suitability: Literal["high", "medium", "low"] = dspy.OutputField()
        verdict: Literal["accept", "improve"] = dspy.OutputField()
        suggestion_for_writer: str = dspy.OutputField()

    return LoopJudge.with_instructions(INSTRUCTIONS)


def check(prediction: Any, names: list[str]) -> None:
    from harness.reply_checks import ReplyProblem, check_text  # imports DSPy: only when a reply is read

    if getattr(prediction, "verdict", None) not in ("accept", "improve"):
        raise ReplyProblem("unparseable", f"verdict {getattr(prediction, 'verdict', None)!r}")
    if getattr(prediction, "grpo_suitability", None) not in ("high", "medium", "low"):
        raise ReplyProblem("unparseable", f"grpo_suitability {getattr(prediction, 'grpo_suitability', None)!r}")
    for field in ("weak_pattern", "strong_pattern", "gap_interpretation"):
        check_text(field, getattr(prediction, field, None), names)
    if prediction.verdict == "improve":
        check_text("suggestion_for_writer", getattr(prediction, "suggestion_for_writer", None), names)


def preflight_inputs() -> dict[str, Any]:
    return {"question": "Is Ann a harbour master?",
            "packet": "criteria: 4\noverall: weak 0.25, strong 0.75, gap 0.50\n"
                      "capability conclusion (1 criteria): weak 0.20, strong 1.00\n"
                      "positive criteria every weak rollout meets: 0 of 3\nrollout spread: weak sd 0.10, strong sd 0.05"}


ROLE = RoleDef(name="loop_judge", signature=signature, instructions=INSTRUCTIONS, check=check,
               model_slot="judge", temperature=0.0, gene=True, preflight_inputs=preflight_inputs)
