"""How the simulated writer roles read their instructions (challenger, orchestrator, QV).

Transitional: the challenger still reads through the cue lexicon (``lexicon.py``) and the
orchestrator and QV through their old cue words; the meaning-based reader replaces these
three functions with the same signatures.
"""

from __future__ import annotations

from harness.sim import lexicon
from harness.sim.intent import QV_CHECKS, Intent, OrchestratorStyle, QVStyle

_QV_CUES = {
    "answer_leaked": ("gives the answer away", "leak", "reveal"),
    "recall_not_reasoning": ("recall",),
    "malformed_rubric": ("rubric",),
    "context_insufficient": ("insufficient", "self-contained", "missing"),
    "reference_incorrect": ("reference answer", "reference is"),
    "type_mismatch": ("type",),
}


def read_intent(instructions: str, guidance: str = "") -> Intent:
    """The challenger's intent: instructions first, then guidance on top."""
    return lexicon.read_intent(instructions, guidance)


def read_orchestrator_style(instructions: str) -> OrchestratorStyle:
    text = instructions.lower()
    quantify = any(c in text for c in ("specific", "concrete", "exact", "number of steps", "quantitative"))
    quality = any(c in text for c in ("quality", "each reason", "every reason"))
    return OrchestratorStyle(
        quantify=1.0 if quantify else 0.0,
        address_quality=1.0 if quality else 0.0,
        push_exceptions=1.0 if "exception" in text else 0.0,
        push_distractors=1.0 if "distractor" in text else 0.0,
    )


def read_qv_style(instructions: str) -> QVStyle:
    text = instructions.lower()
    named = frozenset(c for c in QV_CHECKS if any(cue in text for cue in _QV_CUES[c]))
    return QVStyle(named_checks=named, strictness=0.5 if "strict" in text else 0.0)
