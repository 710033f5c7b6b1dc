"""The guard: no proposal may touch the guarded settings, or aim its gene texts past their roles.

Guarded: the acceptance rule, the solver and judge prompts, the auditor (instructions, model),
the scorer (objectives), the evaluation documents, and the role models. A proposal is checked
when it is made and again before it is evaluated; anything but the searched knobs and the
mutable genes differing from the seed harness is a violation, and so is a gene text that targets
the solvers, the judge, the auditor or the acceptance rule (search/gene_screen.py: "tell the
solver ...", "grade leniently", "pass everything"). A violating proposal is rejected with its
reasons.
"""

from __future__ import annotations

from typing import Any

from harness.config import HarnessConfig
from search import gene_screen
from search.config import SearchSpec


class GuardViolation(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _diff(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += _diff(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return out
    return [] if a == b else [path]


def violations(seed: HarnessConfig, proposal: HarnessConfig, spec: SearchSpec) -> list[str]:
    allowed = {f"knobs.{name}" for name in spec.knobs} | {f"genes.{name}" for name in spec.genes}
    changed = _diff(seed.model_dump(mode="json"), proposal.model_dump(mode="json"), "")
    reasons = []
    for path in changed:
        if path in allowed:
            continue
        if path.startswith(("guarded.", "documents", "models.", "downstream")):
            reasons.append(f"guarded setting changed: {path}")
        else:
            reasons.append(f"not in the search space: {path}")
    for name, knob in spec.knobs.items():
        value = getattr(proposal.knobs, name)
        if knob.choices is not None and value not in knob.choices:
            reasons.append(f"knobs.{name}={value} is not one of {knob.choices}")
        elif knob.choices is None and not (knob.low <= value <= knob.high):
            reasons.append(f"knobs.{name}={value} is outside [{knob.low:g}, {knob.high:g}]")
    return reasons + gene_screen.screen(seed, proposal)


def check(seed: HarnessConfig, proposal: HarnessConfig, spec: SearchSpec) -> None:
    reasons = violations(seed, proposal, spec)
    if reasons:
        raise GuardViolation(reasons)
