"""Ablations whose cells are whole sweeps: each search operator on or off, a budget, a split size.

An ablation YAML with ``sweep: sweep_demo.yaml`` (plus optional inline ``search:`` and
``harness:`` overrides of that sweep) has factors that are dotted paths into the sweep
configuration (``search.operators.mutation: [true, false]``, or the alias ``mutation``). For an
operator weight, ``true`` means the base sweep's weight and ``false`` means 0 (switched off).
Every cell's sweep configuration is validated, and its documents counted, before any cell runs.
Each cell x seed is a whole sweep (the ablation seed is the sweep seed) in
``OUT/cells/<cell>/seed<seed>/`` with its own Optuna journal and tracking off; its metrics come
from the sweep's ``report.json``. Cells share content-addressed evaluations (``OUT/evals/``). A cell whose ``report.json`` exists is never run again; a
killed cell resumes its own study (completed trials and evaluations are kept).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationError

from experiments.ablation import Ablation, Cell, DesignSpec, _get, cell_name, designs
from harness.config import ConfigError, apply_overrides, content_hash, format_validation_error
from harness.documents import DocumentError
from search.config import Operators, SweepConfig, deep_merge, read_sweep_data

OPERATORS = tuple(Operators.model_fields)  # optuna, mutation, merge, random
SWEEP_ALIASES = {
    **{name: f"search.operators.{name}" for name in OPERATORS},
    "candidates": "search.budget.candidates",
    "temperature": "search.temperature",
    "screen_margin": "search.screen_margin",
    "proposer_temperature": "search.proposer_temperature",
    "genes": "search.genes",
}
# Per cell x seed, read from the sweep's report.json. "improvements" are candidates that beat
# their parent on validation and so entered the population (the seed harness not counted).
SWEEP_METRICS = (
    "best_validation_acceptance", "best_test_acceptance",
    "seed_validation_acceptance", "seed_test_acceptance",
    "gain_validation_acceptance", "gain_test_acceptance",
    "candidates", "calls", "tokens", "rejected", "screened_out", "improvements",
    *(f"improvements_{name}" for name in OPERATORS),
)
REPORT = "report.json"


class SweepAblationSpec(DesignSpec):
    aliases: ClassVar[dict[str, str]] = SWEEP_ALIASES
    known_metrics: ClassVar[tuple[str, ...]] = SWEEP_METRICS

    sweep: dict[str, Any]  # the base sweep's configuration data (inline overrides merged in)
    metrics: list[str] = Field(default_factory=lambda: [
        "best_validation_acceptance", "best_test_acceptance", "gain_test_acceptance", "calls", "improvements"])
    concurrency: int = Field(default=1, ge=1, le=32)  # sweeps in one process share its CPU: more gains little


def _is_operator(name: str) -> bool:
    return name.startswith("search.operators.") and name.removeprefix("search.operators.") in OPERATORS


def _override(path: Path, name: str, value: Any, base: dict[str, Any]) -> Any:
    """A factor value as the sweep configuration takes it, with type checks pydantic would let pass."""
    current = _get(base, name)
    if _is_operator(name) and isinstance(value, bool):
        if value and current <= 0:
            raise ConfigError(f"{path}: factors.{name}={value!r}: the base sweep gives this operator weight 0; "
                              "give a weight (a number) to switch it on")
        return current if value else 0.0
    # pydantic turns true into 1.0 and 1 into true; a factor saying either is a mistake.
    if isinstance(current, bool) != isinstance(value, bool) and isinstance(current, (bool, int, float)):
        wanted = "true or false" if isinstance(current, bool) else "a number"
        raise ConfigError(f"{path}: factors.{name}={value!r}: expected {wanted}")
    return value


def load_sweep_ablation(path: Path, data: dict[str, Any]) -> Ablation:
    """Read and validate a sweep ablation (called by ``load_ablation`` when the YAML names ``sweep:``)."""
    ref = data.pop("sweep")
    if not isinstance(ref, str):
        raise ConfigError(f"{path}: sweep: expected the path of a sweep YAML")
    sweep_path = path.parent / ref if not Path(ref).is_absolute() else Path(ref)
    if not sweep_path.is_file():
        raise ConfigError(f"{path}: sweep: no such file {sweep_path}")
    inline = {key: data.pop(key) for key in ("search", "harness") if key in data}
    sweep_data = deep_merge(read_sweep_data(sweep_path), inline)
    try:
        spec = SweepAblationSpec.model_validate({**data, "sweep": sweep_data})
    except ValidationError as error:
        raise ConfigError(format_validation_error(str(path), error)) from None
    # Tracking off: the ablation logs one child run per cell and seed, not every candidate.
    base_data = apply_overrides(spec.sweep, {"harness.tracking.enabled": False})
    try:
        base = SweepConfig.model_validate(base_data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(f"{path} (sweep {sweep_path.name})", error)) from None
    resolved = base.model_dump(mode="json")
    for name in spec.factors:
        if name == "seed":
            raise ConfigError(f"{path}: factors.seed: the sweep seed is the ablation's seeds, not a factor")
        try:
            _get(resolved, name)
        except (KeyError, TypeError):
            raise ConfigError(f"{path}: factors.{name}: unknown setting of the sweep") from None
    # The base's value of each factor in the factor's own terms (an operator given as on/off is on
    # when its weight is positive), so one-at-a-time cells differ from the base and are named by it.
    current = {name: (_get(resolved, name) > 0 if _is_operator(name) and all(isinstance(v, bool) for v in values)
                      else _get(resolved, name)) for name, values in spec.factors.items()}
    ablation = Ablation(spec, base, runner=run_sweep_cell)
    checked: set[str] = set()
    for settings in designs(spec, current):
        overrides = {name: _override(path, name, value, resolved) for name, value in settings.items()}
        try:
            config = SweepConfig.model_validate(apply_overrides(base_data, overrides))
        except ValidationError as error:
            where = ", ".join(f"factors.{k}={v!r}" for k, v in settings.items())
            raise ConfigError(f"{path}: {where}: {format_validation_error('value', error)}") from None
        _check_documents(path, config, checked)
        ablation.cells.append(Cell(cell_name(settings, current), settings, config))
    return ablation


def _check_documents(path: Path, config: SweepConfig, checked: set[str]) -> None:
    """The splits must fit the document source: found now rather than when a cell's sweep starts."""
    from search.sweep import split_documents

    key = json.dumps([config.harness.documents.model_dump(mode="json"), config.search.splits.model_dump()])
    if key in checked:
        return
    checked.add(key)
    try:
        split_documents(config)
    except (ValueError, DocumentError) as error:
        raise ConfigError(f"{path}: {str(error).splitlines()[0]}") from None


def sweep_metrics(report: dict[str, Any]) -> dict[str, float | None]:
    """The ablation's measures of one sweep, from its report.json."""
    tried = [c for c in report["candidates"] if c.get("operator") != "seed"]
    values: dict[str, float | None] = {
        "best_validation_acceptance": report["best"]["validation_acceptance"],
        "best_test_acceptance": report["best"]["test_acceptance"],
        "seed_validation_acceptance": report["seed"]["validation_acceptance"],
        "seed_test_acceptance": report["seed"]["test_acceptance"],
        "gain_validation_acceptance": report["gain"]["validation_acceptance"],
        "gain_test_acceptance": report["gain"]["test_acceptance"],
        "candidates": report["budget"]["candidates"],
        "calls": report["budget"]["calls"],
        "tokens": report["budget"]["tokens"],
        "rejected": report["budget"]["rejected"],
        "screened_out": sum(c["state"] == "pruned" for c in tried),
        "improvements": sum(bool(c["accepted"]) for c in tried),
    }
    for name in OPERATORS:
        values[f"improvements_{name}"] = sum(bool(c["accepted"]) and c.get("operator") == name for c in tried)
    return values


def _share_evaluations(config: SweepConfig, where: Path, out: Path) -> None:
    """Point the cell's ``evals/`` at one store shared by every cell with the same documents.

    Evaluations are content-addressed (harness hash, split, seed), so the seed harness, and every
    candidate two cells happen to share before their operators diverge, is evaluated once per
    seed rather than once per cell: the same numbers (common random numbers keep the cells
    paired), at a fraction of the cost. The key covers what the address does not (the documents,
    the splits, the runtime), so cells whose splits differ never share."""
    key = content_hash([config.harness.documents.model_dump(mode="json"), config.search.splits.model_dump(),
                        config.harness.runtime.model_dump(mode="json")])
    shared = out / "evals" / key
    shared.mkdir(parents=True, exist_ok=True)
    link = where / "evals"
    if not link.is_symlink() and not link.exists():
        link.symlink_to(os.path.relpath(shared, where), target_is_directory=True)


async def run_sweep_cell(cell: Cell, seed: int, out: Path, ablation: Ablation) -> dict[str, float | None]:
    """One cell x seed: a whole sweep and its final report (skipped when the report exists)."""
    from search.report import build_report
    from search.sweep import Sweep

    where = out / "cells" / cell.name / f"seed{seed}"
    report_path = where / REPORT
    if not report_path.exists():
        assert isinstance(cell.config, SweepConfig)
        config = cell.config.model_copy(update={"seed": seed})
        where.mkdir(parents=True, exist_ok=True)
        _share_evaluations(config, where, out)
        # The configuration as run, so a cell can be rerun alone with ``autodata sweep``.
        (where / "sweep.resolved.json").write_text(json.dumps(config.model_dump(mode="json"), indent=1), "utf-8")
        # A journal per cell: every cell's study has the same name, and a killed cell resumes its own.
        sweep = Sweep(config, where, storage=str(where / "optuna.journal"))
        await sweep.run()
        await build_report(sweep)
    return sweep_metrics(json.loads(report_path.read_text(encoding="utf-8")))


def sweep_params(config: SweepConfig, seed: int) -> dict[str, str]:
    """MLflow params of a sweep cell: what the search was (the seed harness's own come separately)."""
    s = config.search
    params = {f"search.operators.{k}": str(v) for k, v in s.operators.model_dump().items()}
    params.update({f"search.budget.{k}": str(v) for k, v in s.budget.model_dump().items() if v is not None})
    params.update({f"search.splits.{k}": str(v) for k, v in s.splits.model_dump().items()})
    params.update({"search.genes": ",".join(s.genes), "search.knobs": ",".join(s.knobs),
                   "search.objectives": ",".join(o.metric for o in s.objectives), "sweep.seed": str(seed)})
    return params

