"""Ablation studies: factors over a base harness, cells over seeds, effects with confidence intervals.

An ablation YAML names a base harness (``base: demo.yaml`` plus inline ``harness:`` overrides),
factors as dotted configuration paths with the values to try (``pipeline.feedback: [true,
false]``), a design (``one_at_a_time`` from the base, or a full ``grid``), seeds, and metrics.
Every factor value is applied to the base configuration and validated before any cell runs, so
an unknown setting or a value of the wrong type is an error naming the file and factor. Each
cell x seed is a generation in ``OUT/cells/<cell>/seed<seed>/``; a finished one (its
``scorecard.json`` exists) is never run again, so a killed ablation resumes with only the
missing cells.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.config import ConfigError, HarnessConfig, apply_overrides, format_validation_error, load_yaml
from harness.documents import load_documents
from harness.generate import run_generation
from objectives.evaluate import read_scorecard, score_run
from objectives.run import load_run
from objectives.scorecard import METRICS
from search.config import deep_merge

# Extra per-sample measures of the dataset (the paper's Table 1 reports them).
EXTRA_METRICS = ("question_words", "rubric_items", "too_easy_share", "failed_on_strong_share", "failed_quality_share")
ALIASES = {
    "feedback": "pipeline.feedback",
    "weak_first": "pipeline.weak_first",
    "qv": "pipeline.qv_gate",
    "final_qv": "pipeline.final_qv",
    "solver_attempts": "knobs.solver_attempts",
    "round_budget": "knobs.round_budget",
}


class AblationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="ablation", pattern=r"^[A-Za-z0-9_.\-]+$")
    harness: dict[str, Any] = Field(default_factory=dict)
    factors: dict[str, list[Any]]
    design: str = Field(default="one_at_a_time", pattern=r"^(one_at_a_time|grid)$")
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    documents: int = Field(default=30, ge=1)
    metrics: list[str] = Field(default_factory=lambda: ["acceptance_rate", "gap_mean", "calls_per_accepted"])
    downstream: str = Field(default="none", pattern=r"^(none|sim|icl|command)$")
    concurrency: int = Field(default=2, ge=1, le=32)

    @field_validator("factors")
    @classmethod
    def _factors(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if not value:
            raise ValueError("at least one factor is needed")
        for name, values in value.items():
            if not values:
                raise ValueError(f"factor '{name}' has no values")
        return {ALIASES.get(k, k): v for k, v in value.items()}

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in METRICS and name not in EXTRA_METRICS:
                raise ValueError(f"unknown metric '{name}'; known: {', '.join([*METRICS, *EXTRA_METRICS])}")
        return value


@dataclass(frozen=True)
class Cell:
    name: str
    settings: dict[str, Any]  # factor path -> value
    config: HarnessConfig


@dataclass
class Ablation:
    spec: AblationSpec
    base: HarnessConfig
    cells: list[Cell] = field(default_factory=list)


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node[part]
    return node


def _cell_name(settings: dict[str, Any]) -> str:
    return "__".join(f"{k.split('.')[-1]}={v}" for k, v in settings.items())


def load_ablation(path: str | Path) -> Ablation:
    """Read and validate the ablation, building every cell's configuration (errors before any run)."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of fields")
    base_ref = data.pop("base", None)
    harness: dict[str, Any] = {}
    if base_ref is not None:
        base_path = path.parent / base_ref if not Path(base_ref).is_absolute() else Path(base_ref)
        loaded = load_yaml(base_path)
        if not isinstance(loaded, dict):
            raise ConfigError(f"{base_path}: (top level): expected a mapping of fields")
        harness = loaded
    data["harness"] = deep_merge(harness, data.get("harness") or {})
    try:
        spec = AblationSpec.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(str(path), error)) from None
    base_data = apply_overrides(spec.harness, {"documents.count": spec.documents, "tracking.enabled": False})
    try:
        base = HarnessConfig.model_validate(base_data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(f"{path} (harness)", error)) from None
    resolved = base.model_dump(mode="json")
    resolved["pipeline"] = base.resolved_pipeline.model_dump()
    for name in spec.factors:
        try:
            _get(resolved, name)
        except (KeyError, TypeError):
            raise ConfigError(f"{path}: factors.{name}: unknown setting") from None
    ablation = Ablation(spec, base)
    for settings in _designs(spec, resolved):
        try:
            config = HarnessConfig.model_validate(apply_overrides(base_data, settings))
        except ValidationError as error:
            where = ", ".join(f"factors.{k}={v!r}" for k, v in settings.items())
            raise ConfigError(f"{path}: {where}: {format_validation_error('value', error)}") from None
        name = _cell_name(settings) or "base: " + ", ".join(
            f"{k.split('.')[-1]}={_get(resolved, k)}" for k in spec.factors)
        ablation.cells.append(Cell(name, settings, config))
    return ablation


def _designs(spec: AblationSpec, resolved: dict[str, Any]) -> list[dict[str, Any]]:
    if spec.design == "grid":
        names = list(spec.factors)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*spec.factors.values())]
    cells: list[dict[str, Any]] = [{}]
    for name, values in spec.factors.items():
        for value in values:
            if value != _get(resolved, name):
                cells.append({name: value})
    return cells


def extra_metrics(out: Path) -> dict[str, float | None]:
    accepted = load_run(out).accepted
    if not accepted:
        return dict.fromkeys(EXTRA_METRICS)
    return {
        "question_words": statistics.mean(len(f"{a.sample.context} {a.sample.question}".split()) for a in accepted),
        "rubric_items": statistics.mean(len(a.sample.rubric) for a in accepted),
    }


async def run_cell(cell: Cell, seed: int, out: Path, downstream: str) -> dict[str, float | None]:
    """One cell x seed: a generation, its scorecard, and the extra measures (skipped when done)."""
    where = out / "cells" / cell.name / f"seed{seed}"
    config = cell.config.model_copy(update={"seed": seed})
    card = read_scorecard(where)
    if card is None:
        await run_generation(config, load_documents(config.documents), where)
        card = await asyncio.to_thread(score_run, where, config, downstream)
    values = {name: m.value for name, m in card.metrics.items()}
    values.update(extra_metrics(where))
    mix = card.failure_mix
    values.update({"too_easy_share": mix.get("too_easy"), "failed_on_strong_share": mix.get("failed_on_strong"),
                   "failed_quality_share": mix.get("failed_quality_check")})
    return values


async def run_ablation(ablation: Ablation, out: Path, progress: Any = None) -> dict[str, dict[int, dict[str, Any]]]:
    """Every cell x seed, at most ``concurrency`` at a time; results[cell][seed] = metric values."""
    semaphore = asyncio.Semaphore(ablation.spec.concurrency)
    results: dict[str, dict[int, dict[str, Any]]] = {c.name: {} for c in ablation.cells}

    async def one(cell: Cell, seed: int) -> None:
        async with semaphore:
            results[cell.name][seed] = await run_cell(cell, seed, out, ablation.spec.downstream)
        if progress is not None:
            progress(cell.name, seed)

    await asyncio.gather(*(one(c, s) for c in ablation.cells for s in ablation.spec.seeds))
    return results


@dataclass(frozen=True)
class Estimate:
    mean: float | None
    low: float | None
    high: float | None
    n: int


def estimate(values: list[float]) -> Estimate:
    """Mean and 95% confidence interval (Student's t over seeds)."""
    from scipy import stats

    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return Estimate(None, None, None, 0)
    mean = statistics.mean(values)
    if len(values) < 2:
        return Estimate(mean, None, None, len(values))
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return Estimate(mean, mean - half, mean + half, len(values))


@dataclass(frozen=True)
class Effect:
    cell: str
    metric: str
    difference: Estimate  # cell - base, paired by seed
    p_value: float | None


def effect(base: dict[int, dict[str, Any]], cell: dict[int, dict[str, Any]], metric: str, name: str) -> Effect:
    """The cell's effect against the base, paired by seed (same documents): mean difference,
    its 95% CI, and a paired t-test p-value (scipy)."""
    from scipy import stats

    pairs = [(cell[s].get(metric), base[s].get(metric)) for s in sorted(set(base) & set(cell))]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    differences = [a - b for a, b in pairs]
    p_value = None
    if len(pairs) >= 2 and statistics.pstdev(differences) > 0:
        p_value = float(stats.ttest_rel([a for a, _ in pairs], [b for _, b in pairs]).pvalue)
    return Effect(name, metric, estimate(differences), p_value)
