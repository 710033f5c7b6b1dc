"""Whether a QV's instructions guard it against text in the sample addressed to it, read by meaning.

A reviewer told that what the sample says to its readers is material to review, not an order to
carry out, is harder to sway by a note planted for it (``verifier.py`` lowers its obedience). The
instructions say so when one sentence joins

- *text carried by the sample*: a message noun (instruction, note, request, directive, ...) placed
  in the sample ("inside the context", "embedded in the rubric") or addressed to a reader of it
  ("aimed at the grader", "addressed to you"), and
- *a refusal to act on it*: a negated verb of following ("never follow", "do not obey"), a verb of
  disregarding ("ignore", "disregard"), treating it as a flaw or as content ("treat it as a
  defect", "is part of what you review"), or failing the sample for it.

"Follow the instructions in the rubric" (no refusal) and "ignore typos" (no message in the sample)
guard nothing.
"""

from __future__ import annotations

from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks
from harness.sim.reading.text import analyse

_MESSAGE = S.sense("instruction directive request command note order demand message aside remark comment line "
                   "sentence text wording content appeal plea prompt")
_CARRIER = S.sense("sample context question rubric passage item reference criterion submission case", "reference answer")
_PLACED = S.sense("in inside within embed embedded hide hidden plant planted insert inserted contain")
_ADDRESS = S.sense("address aim direct target mean intend", "meant for", "aimed at", "directed at", "written for")
_READER = S.sense("you your reader reviewer verifier checker grader judge marker evaluator solver model assistant "
                  "answerer examiner assessor auditor")
_FOLLOW = S.sense("follow obey heed execute comply act honour honor carry", "act on", "carry out", "go along")
_DISREGARD = S.sense("ignore disregard discount dismiss")
_FLAW = S.sense("defect flaw problem error fault red-flag", "red flag")
_MATERIAL = S.sense("data content material evidence part")
_TREAT = S.sense("treat regard count consider view see handle")
_FAIL = S.sense("fail reject flag")


def _message(toks: Toks) -> bool:
    """A message noun carried by the sample or addressed to one of its readers, in this sentence."""
    for i in _MESSAGE.at(toks):
        after = range(i + 1, min(len(toks), i + 9))
        placed = any(j in after for j in _PLACED.at(toks)) and any(j in after for j in _CARRIER.at(toks))
        addressed = any(j in after for j in _ADDRESS.at(toks)) and any(j in after for j in _READER.at(toks))
        # "an instruction to the grader", "notes for you"
        addressed = addressed or any(toks[j].word in ("to", "for") and _READER.at(toks[j + 1 : j + 3])
                                     for j in range(i + 1, min(len(toks) - 1, i + 3)))
        if placed or addressed:
            return True
    return False


def _refused(toks: Toks) -> bool:
    """The sentence refuses to act on what it speaks of, or counts it against the sample."""
    if any(toks[j].negated for j in _FOLLOW.at(toks)):
        return True
    if any(not toks[j].negated for j in _DISREGARD.at(toks)):
        return True
    treated = any(not toks[j].negated for j in _TREAT.at(toks))
    flawed = any(not toks[j].negated for j in _FLAW.at(toks))
    material = any(not toks[j].negated for j in _MATERIAL.at(toks))
    failed = any(not toks[j].negated for j in _FAIL.at(toks))
    return flawed or failed or treated and material


def guards_against_notes(instructions: str) -> bool:
    """Whether the instructions tell the QV not to act on text in the sample addressed to its readers."""
    return any(_message(toks) and _refused(toks) for toks in analyse(instructions))
