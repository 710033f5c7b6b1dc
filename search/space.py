"""The search space: knob distributions for Optuna, and how a candidate's genes become a harness."""

from __future__ import annotations

from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution

from harness.config import HarnessConfig, Knobs
from search.config import GENES, KnobRange, SearchSpec

INT_KNOBS = {name for name, field in Knobs.model_fields.items() if field.annotation is int}


def distribution(name: str, knob: KnobRange) -> BaseDistribution:
    if knob.choices is not None:
        values = [int(v) if name in INT_KNOBS else float(v) for v in knob.choices]
        return CategoricalDistribution(values)
    if name in INT_KNOBS:
        return IntDistribution(int(knob.low), int(knob.high), log=knob.log)
    return FloatDistribution(float(knob.low), float(knob.high), log=knob.log)


def distributions(spec: SearchSpec) -> dict[str, BaseDistribution]:
    return {name: distribution(name, knob) for name, knob in spec.knobs.items()}


def knobs_of(config: HarnessConfig, spec: SearchSpec) -> dict[str, Any]:
    """The searched knobs' values in a harness (what Optuna sees as the trial's params)."""
    return {name: getattr(config.knobs, name) for name in spec.knobs}


def genes_of(config: HarnessConfig) -> dict[str, str]:
    """The genes this harness reads: the three base ones, and its protocol's registered roles' ones."""
    from harness import role_registry
    from harness.protocols import PROTOCOLS

    used = set(GENES) | {role_registry.get(r).gene_field for r in PROTOCOLS[config.protocol_name].extra_roles
                         if role_registry.get(r).gene}
    return {name: text for name, text in config.genes.model_dump().items() if name in used}


def build_harness(seed: HarnessConfig, knobs: dict[str, Any], genes: dict[str, str]) -> HarnessConfig:
    """The seed harness with these knobs and genes; nothing else can differ."""
    data = seed.model_dump()
    data["knobs"] = {**data["knobs"], **knobs}
    data["genes"] = {**data["genes"], **genes}
    return HarnessConfig.model_validate(data)
