"""The equivalence judge (science protocol): is a solver's answer the reference answer, yes or no?

Not a rubric score: one judgement per attempt, which the protocol counts (correct of k).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from harness.role_registry import RoleDef

INSTRUCTIONS = (
    "Decide whether the answer states the same result as the reference answer. Judge the final "
    "claim only: wording, order and the amount of working shown do not matter; a different or "
    "hedged result, or no result at all, is not equivalent. Set `equivalent` to true or false and "
    "say why in one sentence."
)


@cache
def signature() -> Any:
    import dspy

    class Equivalence(dspy.Signature):
        """Judge whether an answer is equivalent to the reference answer."""

        question: str = dspy.InputField()
        reference_answer: str = dspy.InputField(desc="the reference, one sentence")
        answer: str = dspy.InputField(desc="the answer to judge")
        equivalent: bool = dspy.OutputField(desc="true when the answer states the reference's result")
        explanation: str = dspy.OutputField(desc="one sentence")

    return Equivalence.with_instructions(INSTRUCTIONS)


def check(prediction: Any, names: list[str]) -> None:
    from harness.reply_checks import ReplyProblem, check_text  # imports DSPy: only when a reply is read

    if not isinstance(getattr(prediction, "equivalent", None), bool):
        raise ReplyProblem("unparseable", f"equivalent {getattr(prediction, 'equivalent', None)!r} is not true/false")
    check_text("explanation", getattr(prediction, "explanation", None), names, required=False)


def preflight_inputs() -> dict[str, Any]:
    return {"question": "Is Ann a senior pilot?", "reference_answer": "Ann is a senior pilot.",
            "answer": "Step 1: Ann is a licensed pilot (given). Conclusion: Yes, Ann is a senior pilot."}


ROLE = RoleDef(name="equivalence", signature=signature, instructions=INSTRUCTIONS, check=check,
               model_slot="judge", temperature=0.0, gene=False, preflight_inputs=preflight_inputs)
