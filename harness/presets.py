"""Presets: the paper's baselines and the agentic loop as settings of one pipeline.

Every preset runs the same code; a preset only switches stages on and off. The flags are
also what ablations toggle (feedback, weak-first gating, QV, final QV, ...).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class Pipeline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grounded: bool = True  # the challenger sees the document
    plan: bool = False  # the challenger plans (chain of thought) before writing
    one_shot: bool = False  # one round per document instead of the round budget
    qv_gate: bool = True  # quality verifier before the solvers; FAIL ends the round
    solver_gate: bool = True  # the acceptance rule decides; off = solver scores measured only
    weak_first: bool = True  # strong solver only when the weak check passed
    feedback: bool = True  # orchestrator writes guidance from grouped failures
    final_qv: bool = True  # a last QV pass over the accepted set
    consistency_filter: bool = False  # drop if the strong majority answer differs from the reference
    # The acceptance protocol (harness/protocols): which rule decides, the challenger's output schema,
    # the judge (rubric or equivalence) and the extra roles. ``guarded.protocol`` overrides it.
    protocol: str = "cs"


_BASELINE = dict(one_shot=True, qv_gate=False, solver_gate=False, weak_first=False, feedback=False, final_qv=False)

PRESETS: dict[str, Pipeline] = {
    "self-instruct": Pipeline(grounded=False, **_BASELINE),
    "grounded-self-instruct": Pipeline(**_BASELINE),
    "cot-self-instruct": Pipeline(plan=True, consistency_filter=True, **_BASELINE),
    "agentic": Pipeline(),
    # The paper's three domain protocols, each a complete harness (docs/protocols.md).
    "cs": Pipeline(),
    "science": Pipeline(protocol="science"),
    # The loop-judge reads all 5 weak and 3 strong rollouts (no weak-first gate) and replaces the QV
    # passes; its suggestion goes to the writer (the orchestrator is not called).
    "legal": Pipeline(protocol="legal", weak_first=False, qv_gate=False, final_qv=False),
}


def pipeline_for(preset: str, overrides: dict[str, Any] | None = None) -> Pipeline:
    """The preset's pipeline with explicit flag overrides applied (validated)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset '{preset}'; expected one of {', '.join(PRESETS)}")
    if not overrides:
        return PRESETS[preset]
    try:
        return Pipeline.model_validate({**PRESETS[preset].model_dump(), **overrides})
    except ValidationError as error:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors())
        raise ValueError(f"invalid pipeline override ({fields}); flags are {', '.join(Pipeline.model_fields)}") from None
