"""The extractor (legal protocol): reads a document first and may skip it as unsuitable.

Its reason is recorded with the skipped document; a suitable document goes on to the writer.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from harness.role_registry import RoleDef

INSTRUCTIONS = (
    "You screen source documents before anyone writes a question on them. Read the document and "
    "decide whether it can carry a hard, self-contained reasoning question: it must state rules "
    "with conditions (and ideally exceptions) that chain into one another over several steps, "
    "not only definitions or a list of isolated provisions. Set `suitable` to true or false and "
    "give the deciding observation in one sentence as `reason` (for example how many provisions "
    "build on one another)."
)


@cache
def signature() -> Any:
    import dspy

    class Extract(dspy.Signature):
        """Decide whether a document can ground a hard reasoning question."""

        document: str = dspy.InputField(desc="the candidate grounding document")
        suitable: bool = dspy.OutputField(desc="true when the document can carry a hard multi-step question")
        reason: str = dspy.OutputField(desc="one sentence: why")

    return Extract.with_instructions(INSTRUCTIONS)


def check(prediction: Any, names: list[str]) -> None:
    from harness.reply_checks import ReplyProblem, check_text  # imports DSPy: only when a reply is read

    if not isinstance(getattr(prediction, "suitable", None), bool):
        raise ReplyProblem("unparseable", f"suitable {getattr(prediction, 'suitable', None)!r} is not true/false")
    check_text("reason", getattr(prediction, "reason", None), names)


def preflight_inputs() -> dict[str, Any]:
    return {"document": "§1. A licensed pilot is a senior pilot. §2. A senior pilot who holds a harbour pass "
                        "is a harbour master, unless suspended. Ann is a licensed pilot."}


ROLE = RoleDef(name="extractor", signature=signature, instructions=INSTRUCTIONS, check=check,
               model_slot="challenger", temperature=0.0, gene=True, preflight_inputs=preflight_inputs)
