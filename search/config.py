"""Sweep configuration: the seed harness and the search space around it, from YAML.

Everything that can be wrong is checked here, before any call is made: an empty knob range, a
knob that does not exist, an objective that is not a scorecard metric, a guarded field listed
as a gene, splits that do not fit. Errors name the file and the field (exit code 2 in the CLI).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.config import (
    BaseGenes,
    ConfigError,
    Genes,
    HarnessConfig,
    Knobs,
    ModelSpec,
    apply_overrides,
    format_validation_error,
    load_yaml,
)
from objectives.scorecard import METRICS

# Searched unless a sweep names its genes: the three roles every protocol calls. A registered role's
# gene (genes.loop_judge_instructions, ...) is searched only when named (a CS harness never reads it).
GENES = tuple(BaseGenes.model_fields)
ALL_GENES = tuple(Genes.model_fields)
KNOBS = tuple(Knobs.model_fields)
GUARDED = ("acceptance", "solver_instructions", "judge_instructions", "scorer", "documents", "models")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KnobRange(Strict):
    """A searched knob: a numeric range (``low``/``high``, ``log``) or a list of ``choices``."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: list[float] | None = None

    @model_validator(mode="after")
    def _shape(self) -> KnobRange:
        if self.choices is not None:
            if not self.choices:
                raise ValueError("choices is empty")
            if self.low is not None or self.high is not None:
                raise ValueError("give either low/high or choices, not both")
            return self
        if self.low is None or self.high is None:
            raise ValueError("needs low and high (or choices)")
        if self.low > self.high:
            raise ValueError(f"empty range: low {self.low:g} > high {self.high:g}")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        return self


class Objective(Strict):
    metric: str
    direction: Literal["maximize", "minimize"] | None = None  # default: the metric's own direction

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError(f"unknown objective '{value}'; scorecard metrics are {', '.join(METRICS)}")
        return value

    @property
    def resolved_direction(self) -> str:
        own = METRICS[self.metric][1]
        return self.direction or (own if own != "none" else "maximize")


class Splits(Strict):
    """Documents (from the harness's document source) for screening, acceptance and the final report."""

    train: int = Field(default=10, ge=1)  # minibatch for screening proposals
    validation: int = Field(default=30, ge=1)  # decides whether a mutant replaces its parent
    test: int = Field(default=30, ge=1)  # never shown to any proposer; reported at the end
    offset: int = Field(default=0, ge=0)


class Budget(Strict):
    candidates: int = Field(default=30, ge=1)
    calls: int | None = Field(default=None, ge=1)
    tokens: int | None = Field(default=None, ge=1)
    dollars: float | None = Field(default=None, gt=0)
    wall_s: float | None = Field(default=None, gt=0)


class Operators(BaseModel):
    """Relative weights of the proposal operators (0 switches one off), by registered name
    (``search/operators/registry.py``). Given as a mapping, an operator it does not list has
    weight 0; without one, the defaults below apply."""

    model_config = ConfigDict(extra="allow", frozen=True)

    optuna: float = Field(default=0.4, ge=0)
    mutation: float = Field(default=0.4, ge=0)
    merge: float = Field(default=0.2, ge=0)
    random: float = Field(default=0.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _unlisted_are_off(cls, data: Any) -> Any:
        if isinstance(data, dict) and data:
            return {**dict.fromkeys(("optuna", "mutation", "merge", "random"), 0.0), **data}
        return data

    @model_validator(mode="after")
    def _some(self) -> Operators:
        from search.operators.registry import OPERATORS  # lazily: the registry names modules, not this one

        for name, weight in (self.model_extra or {}).items():
            if name not in OPERATORS:
                raise ValueError(f"unknown operator '{name}'; operators are {', '.join(OPERATORS)}")
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
                raise ValueError(f"operator '{name}': weight must be a number >= 0, got {weight!r}")
        if sum(self.weights().values()) <= 0:
            raise ValueError("every operator weight is 0: nothing could propose a candidate")
        return self

    def weights(self) -> dict[str, float]:
        return {name: float(weight) for name, weight in self.model_dump().items()}


class Selection(Strict):
    """Noise-aware selection (search/noise.py): a child replaces its parent only when it is better
    in at least ``confidence`` of bootstrap resamples over the validation documents they share
    (same documents, same run seed); a parent chosen again is evaluated at up to ``draws`` run
    seeds, and its score is their mean."""

    confidence: float = Field(default=0.8, ge=0.5, lt=1.0)
    draws: int = Field(default=3, ge=1, le=10)
    # Racing (search/racing.py): a child is first evaluated on this share of the validation
    # documents and stops there when its parent is better on them; 0: every child is evaluated on all.
    race: float = Field(default=0.25, ge=0.0, lt=1.0)
    # The train screen's run seeds: candidate n is screened against its parent at seed ``n mod
    # screen_draws`` (both on the same draw, paired). With 1, every candidate meets the parent's
    # one draw on the train minibatch, and a lucky draw screens out every child for the whole sweep.
    screen_draws: int = Field(default=1, ge=1, le=10)


class SearchSpec(Strict):
    knobs: dict[str, KnobRange] = Field(default_factory=dict)
    genes: list[str] = Field(default_factory=lambda: list(GENES))
    objectives: list[Objective] = Field(default_factory=lambda: [Objective(metric="acceptance_rate")])
    splits: Splits = Splits()
    budget: Budget = Budget()
    operators: Operators = Operators()
    operator_choice: str = "fixed"  # how the next operator is drawn from the weights (search/operator_choice.py)
    selection: Selection = Selection()
    temperature: float = Field(default=0.1, gt=0)  # Boltzmann parent selection
    concurrency: int = Field(default=2, ge=1, le=64)
    screen_margin: float = Field(default=0.0, ge=0)  # minibatch score may trail the parent's by this much
    records_chars: int = Field(default=60_000, ge=1000)  # how much of the parent's records the analyzer reads
    proposer: ModelSpec = ModelSpec(model="sim/proposer")  # the analyzer and implementer of mutations
    proposer_temperature: float = Field(default=0.7, ge=0, le=2)

    @field_validator("knobs")
    @classmethod
    def _known_knobs(cls, value: dict[str, KnobRange]) -> dict[str, KnobRange]:
        for name in value:
            if name not in KNOBS:
                raise ValueError(f"unknown knob '{name}'; knobs are {', '.join(KNOBS)}")
        return value

    @field_validator("operator_choice")
    @classmethod
    def _known_choice(cls, value: str) -> str:
        from search.operator_choice import CHOICES  # lazily, as the operators' registry

        if value not in CHOICES:
            raise ValueError(f"unknown operator_choice '{value}'; choices are {', '.join(CHOICES)}")
        return value

    @field_validator("genes")
    @classmethod
    def _mutable_genes(cls, value: list[str]) -> list[str]:
        for name in value:
            if name in GUARDED or name in ("acceptance_rule", "judge", "solver"):
                raise ValueError(f"'{name}' is guarded and can never be a gene")
            if name not in ALL_GENES:
                raise ValueError(f"unknown gene '{name}'; genes are {', '.join(ALL_GENES)}")
        return value

    @field_validator("objectives")
    @classmethod
    def _some_objective(cls, value: list[Objective]) -> list[Objective]:
        if not value:
            raise ValueError("at least one objective is needed")
        return value

    @property
    def multi_objective(self) -> bool:
        return len(self.objectives) > 1


class SweepConfig(Strict):
    name: str = Field(default="sweep", pattern=r"^[A-Za-z0-9_.\-]+$")
    seed: int = 0
    harness: HarnessConfig = HarnessConfig()
    search: SearchSpec = SearchSpec()

    @model_validator(mode="after")
    def _seed_in_space(self) -> SweepConfig:
        # The seed harness is the first candidate: the guard would reject it if its own knobs
        # lay outside the searched ranges, and the sweep would have nothing to start from.
        for name, knob in self.search.knobs.items():
            value = getattr(self.harness.knobs, name)
            inside = value in knob.choices if knob.choices is not None else knob.low <= value <= knob.high
            if not inside:
                raise ValueError(f"search.knobs.{name}: the seed harness's value {value} is outside the searched "
                                 f"{'choices' if knob.choices is not None else 'range'}")
        return self


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
    return merged


def read_sweep_data(path: str | Path) -> dict[str, Any]:
    """The sweep YAML as data, before validation: ``base: other.yaml`` merged into ``harness``.

    Separate from ``load_sweep_config`` so that an ablation over sweeps can apply its factors to
    the data and name the factor (not this file) when a value does not validate."""
    path = Path(path)
    data = load_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of fields, got {type(data).__name__}")
    base = data.pop("base", None)
    if base is not None:
        base_path = (path.parent / base) if not Path(base).is_absolute() else Path(base)
        base_data = load_yaml(base_path)
        if not isinstance(base_data, dict):
            raise ConfigError(f"{base_path}: (top level): expected a mapping of fields")
        data["harness"] = deep_merge(base_data, data.get("harness") or {})
    return data


def load_sweep_config(path: str | Path, overrides: dict[str, Any] | None = None) -> SweepConfig:
    """The sweep YAML: ``harness`` (inline, or ``base: other.yaml`` plus inline overrides) and ``search``."""
    data = read_sweep_data(path)
    if overrides:
        data = apply_overrides(data, overrides)
    try:
        return SweepConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(str(path), error)) from None
