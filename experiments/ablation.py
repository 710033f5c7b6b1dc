"""Ablation studies: factors over a base harness, cells over seeds, effects with confidence intervals.

An ablation YAML names a base harness (``base: demo.yaml`` plus inline ``harness:`` overrides),
factors as dotted configuration paths with the values to try (``pipeline.feedback: [true,
false]``), a design (``one_at_a_time`` from the base, or a full ``grid``), seeds, and metrics.
Every factor value is applied to the base configuration and validated before any cell runs, so
an unknown setting or a value of the wrong type is an error naming the file and factor. Each
cell x seed is a generation in ``OUT/cells/<cell>/seed<seed>/``; a finished one (its
``scorecard.json`` exists) is never run again, so a killed ablation resumes with only the
missing cells.

An ablation whose YAML names ``sweep:`` instead has whole sweeps as cells (factors into the
sweep configuration, such as each search operator on or off): see ``experiments/ablation_sweep.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness import provenance
from harness.config import ConfigError, HarnessConfig, apply_overrides, format_validation_error, load_yaml
from harness.documents import load_documents
from harness.generate import run_generation
from objectives.evaluate import read_scorecard, score_run
from objectives.run import load_run
from objectives.scorecard import METRICS
from search.config import SweepConfig, deep_merge

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


class DesignSpec(BaseModel):
    """What every ablation has, whatever its cells run: factors, design, seeds, metrics."""

    model_config = ConfigDict(extra="forbid")
    aliases: ClassVar[dict[str, str]] = {}
    known_metrics: ClassVar[tuple[str, ...]] = ()

    name: str = Field(default="ablation", pattern=r"^[A-Za-z0-9_.\-]+$")
    factors: dict[str, list[Any]]
    design: str = Field(default="one_at_a_time", pattern=r"^(one_at_a_time|grid)$")
    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1)
    metrics: list[str]
    concurrency: int = Field(default=2, ge=1, le=32)

    @field_validator("factors")
    @classmethod
    def _factors(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if not value:
            raise ValueError("at least one factor is needed")
        for name, values in value.items():
            if not values:
                raise ValueError(f"factor '{name}' has no values")
        return {cls.aliases.get(k, k): v for k, v in value.items()}

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in cls.known_metrics:
                raise ValueError(f"unknown metric '{name}'; known: {', '.join(cls.known_metrics)}")
        return value


class AblationSpec(DesignSpec):
    aliases: ClassVar[dict[str, str]] = ALIASES
    known_metrics: ClassVar[tuple[str, ...]] = (*METRICS, *EXTRA_METRICS)

    harness: dict[str, Any] = Field(default_factory=dict)
    documents: int = Field(default=30, ge=1)
    metrics: list[str] = Field(default_factory=lambda: ["acceptance_rate", "gap_mean", "calls_per_accepted"])
    downstream: str = Field(default="none", pattern=r"^(none|sim|icl|command)$")


@dataclass(frozen=True)
class Cell:
    name: str
    settings: dict[str, Any]  # factor path -> value
    config: HarnessConfig | SweepConfig  # a generation's harness, or a whole sweep


CellRunner = Callable[["Cell", int, Path, "Ablation"], Awaitable[dict[str, float | None]]]


@dataclass
class Ablation:
    spec: DesignSpec
    base: HarnessConfig | SweepConfig
    cells: list[Cell] = field(default_factory=list)
    runner: CellRunner | None = None  # None: a generation per cell (``run_cell``)

    @property
    def harness(self) -> HarnessConfig:
        """The harness every cell starts from (a sweep's seed harness)."""
        return self.base.harness if isinstance(self.base, SweepConfig) else self.base

    def cell_harnesses(self) -> list[tuple[str, HarnessConfig]]:
        """Each cell's own resolved harness (a factor may change its models): what is checked
        before any call, as a run checks its own."""
        return [(c.name, c.config.harness if isinstance(c.config, SweepConfig) else c.config) for c in self.cells]

    def simulated_roles(self, out: Path) -> list[str]:
        """Roles the offline world played in any cell: what each cell x seed recorded (a generation's
        summary, a sweep's report), and what this process has seen answering (``harness.provenance``)."""
        seen: set[str] = set()
        for name, harness in self.cell_harnesses():
            seen.update(provenance.simulated_roles(harness))
            for record in ("summary.json", "report.json"):
                for path in (out / "cells" / name).glob(f"seed*/{record}"):
                    seen.update(json.loads(path.read_text(encoding="utf-8")).get("simulated_roles") or [])
        return sorted(seen)

    @property
    def scope(self) -> str:
        """How big one cell is, for the reports."""
        if isinstance(self.base, SweepConfig):
            s = self.base.search
            return (f"a sweep per cell of {s.budget.candidates} candidates, splits train/validation/test "
                    f"{s.splits.train}/{s.splits.validation}/{s.splits.test}")
        assert isinstance(self.spec, AblationSpec)
        return f"documents per cell: {self.spec.documents}"


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
    if "sweep" in data:
        from experiments.ablation_sweep import load_sweep_ablation  # it builds on this module

        return load_sweep_ablation(path, data)
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
    current = {name: _get(resolved, name) for name in spec.factors}
    for settings in designs(spec, current):
        try:
            config = HarnessConfig.model_validate(apply_overrides(base_data, settings))
        except ValidationError as error:
            where = ", ".join(f"factors.{k}={v!r}" for k, v in settings.items())
            raise ConfigError(f"{path}: {where}: {format_validation_error('value', error)}") from None
        ablation.cells.append(Cell(cell_name(settings, current), settings, config))
    return ablation


def cell_name(settings: dict[str, Any], current: dict[str, Any]) -> str:
    """A cell's settings, or for the base (no settings) the base's value of every factor."""
    return _cell_name(settings) or "base: " + ", ".join(f"{k.split('.')[-1]}={v}" for k, v in current.items())


def designs(spec: DesignSpec, current: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells' settings; ``current`` is the base's value of each factor, in the factor's own terms."""
    if spec.design == "grid":
        names = list(spec.factors)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*spec.factors.values())]
    cells: list[dict[str, Any]] = [{}]
    for name, values in spec.factors.items():
        for value in values:
            if value != current[name]:
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


async def run_cell(cell: Cell, seed: int, out: Path, ablation: Ablation) -> dict[str, float | None]:
    """One cell x seed: a generation, its scorecard, and the extra measures (skipped when done)."""
    where = out / "cells" / cell.name / f"seed{seed}"
    assert isinstance(cell.config, HarnessConfig) and isinstance(ablation.spec, AblationSpec)
    downstream = ablation.spec.downstream
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
    runner = ablation.runner or run_cell

    async def one(cell: Cell, seed: int) -> None:
        async with semaphore:
            results[cell.name][seed] = await runner(cell, seed, out, ablation)
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
