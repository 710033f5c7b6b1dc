"""The Python API: the same steps as the CLI, returning typed results instead of printing.

Every function checks what the CLI checks before any call (the configuration, keys named by
``api_key_env``, the preflight of real endpoints) and raises :class:`ConfigError` (or
``DocumentError``) with the same one-line message the CLI prints. MLflow tracking follows the
configuration's ``tracking.enabled`` unless ``track`` says otherwise. Runs resume as the CLI's do:
call again with the same arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.export import ExportResult
from experiments.export import export as _export
from harness import aio
from harness.config import ConfigError, HarnessConfig
from harness.config import load_config as _load_harness
from harness.documents import DocumentError, DocumentSet, load_documents
from objectives.scorecard import Scorecard
from search.config import SweepConfig

__all__ = ["AblationResult", "ExportResult", "GenerationResult", "SweepResult", "ablate", "export", "generate",
           "load_config", "load_sweep_config", "sweep"]


@dataclass(frozen=True)
class GenerationResult:
    """A finished (or budget-stopped) generation: its records are in ``out``."""

    out: Path
    config: HarnessConfig
    summary: dict[str, Any]  # summary.json
    scorecard: Scorecard
    mlflow_run_id: str | None = None

    @property
    def accepted_file(self) -> Path:
        return self.out / "accepted.jsonl"

    @property
    def simulated_roles(self) -> list[str]:
        return list(self.summary.get("simulated_roles") or [])


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: ``report`` is report.json; ``best_config`` the best harness as YAML."""

    out: Path
    config: SweepConfig
    report: dict[str, Any]
    best_config: Path
    spent: dict[str, float] = field(default_factory=dict)

    @property
    def best_harness_hash(self) -> str:
        return str(self.report["best"]["harness_hash"])


@dataclass(frozen=True)
class AblationResult:
    """A finished ablation: per cell and metric the mean with its 95% CI, effects against the base."""

    out: Path
    summary: dict[str, Any]
    files: list[Path]
    simulated_roles: list[str]


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> HarnessConfig:
    """A harness configuration from YAML; ``overrides`` are dotted paths (``{"documents.count": 5}``)."""
    return _load_harness(path, overrides)


def load_sweep_config(path: str | Path, overrides: dict[str, Any] | None = None) -> SweepConfig:
    """A sweep configuration (seed harness and search space) from YAML."""
    from search.config import load_sweep_config as load

    return load(path, overrides)


def check_ready(config: HarnessConfig, where: str = "") -> None:
    """What a run checks before any call: every key it names is set, and every real endpoint passes
    the preflight (one tiny request per role model, kept for a while in the store)."""
    from harness.models import missing_credentials
    from harness.preflight import failures, preflight

    problems = missing_credentials(config.models)
    if problems:
        raise ConfigError(where + "; ".join(map(str, problems)))
    if all(spec.simulated for _, spec in config.models.items()):
        return
    failing = failures(preflight(config))
    if failing:
        raise ConfigError(f"{where}preflight: " + "; ".join(failing) + " (nothing was spent)")


def _documents(config: HarnessConfig, base_dir: Path | None) -> DocumentSet:
    from harness.context_window import refuse_oversized

    docs = load_documents(config.documents, base_dir=base_dir)
    if not docs.documents:
        raise DocumentError("documents: no usable documents")
    kept, refused = refuse_oversized(config, docs.documents)
    if not kept:
        raise DocumentError("documents: every document is too long for the challenger's context window")
    docs.documents, docs.refused = kept, [r.as_dict() for r in refused]
    return docs


def generate(config: HarnessConfig | str | Path, out: str | Path | None = None, *, track: bool | None = None,
             overrides: dict[str, Any] | None = None) -> GenerationResult:
    """Run the harness on its documents and score the result (``out`` default ``out/NAME/PRESET-seedSEED``)."""
    from harness.generate import generate as run
    from harness.preflight import take_record
    from objectives.evaluate import score_run

    base_dir = None
    if not isinstance(config, HarnessConfig):
        base_dir = Path(config).parent
        config = load_config(config, overrides)
    elif overrides:
        raise ValueError("overrides apply to a configuration file; pass a changed HarnessConfig instead")
    check_ready(config)
    docs = _documents(config, base_dir)
    out = Path(out) if out is not None else Path("out") / config.name / f"{config.preset}-seed{config.seed}"
    summary = run(config, docs, out, preflight=take_record())
    card = score_run(out, config)
    run_id = None
    if config.tracking.enabled if track is None else track:
        from experiments.tracking import log_generation

        run_id = log_generation(config.tracking.experiment or config.name, config, out, card)
    return GenerationResult(out, config, summary, card, run_id)


def sweep(config: SweepConfig | str | Path, out: str | Path | None = None, *, storage: str | None = None,
          track: bool | None = None, overrides: dict[str, Any] | None = None, resume: str | None = None,
          new: bool = False) -> SweepResult:
    """Meta-optimize the harness (one worker); writes report.json and best.yaml to ``out``.

    The study is the configuration's own (``search/study.py``): the same configuration continues
    it, ``resume`` names one to continue (refused if its configuration differs), ``new`` starts a
    fresh one."""
    from search.report import build_report
    from search.storage import default_storage, open_storage
    from search.study import choose_study
    from search.sweep import Sweep

    if not isinstance(config, SweepConfig):
        config = load_sweep_config(config, overrides)
    check_ready(config.harness)
    storage = storage or default_storage()
    study = choose_study(open_storage(storage), config, resume, new)
    out = Path(out) if out is not None else Path("out") / study.name
    runner = Sweep(config, out, storage=storage, study=study.name)
    tracking = config.harness.tracking
    tracker = None
    if tracking.enabled if track is None else track:
        from experiments.tracking import SweepTracker

        tracker = SweepTracker(tracking.experiment or config.name, study.name, config.harness,
                               list(config.search.knobs), config.search.model_dump(mode="json"))
        runner.callbacks.append(tracker)
    spent = aio.run(runner.run())
    report = aio.run(build_report(runner))
    if tracker is not None:
        tracker.close(report)
    return SweepResult(out, config, report, out / report["best_config"], spent.as_dict())


def ablate(config: str | Path, out: str | Path | None = None, *, track: bool = True) -> AblationResult:
    """Run an ablation (every cell x seed, resumable): means with 95% CIs and effects against the base."""
    from experiments.ablation import load_ablation, run_ablation
    from experiments.ablation_report import log_mlflow, summarize, write_outputs
    from harness.adapter import call_settings

    ablation = load_ablation(config)
    for name, harness in ablation.probed_harnesses():  # every model set of the cells (keys, then preflight)
        check_ready(harness, where=f"{config}: cell '{name}': ")
    out = Path(out) if out is not None else Path("out") / f"ablation-{ablation.spec.name}"
    out.mkdir(parents=True, exist_ok=True)

    async def run() -> dict:
        with call_settings():
            return await run_ablation(ablation, out)

    results = aio.run(run())
    roles = ablation.simulated_roles(out)
    summary = summarize(ablation, results)
    files = write_outputs(ablation, summary, out, bool(roles))
    if track:
        log_mlflow(ablation, results, out, files, roles)
    return AblationResult(out, summary, files, roles)


def export(source: str | Path, format: str = "jsonl", to: str | Path | None = None) -> ExportResult:
    """Export a generation's dataset (or a sweep's best harness's test evaluation) with its card.

    ``format``: ``jsonl``, ``parquet`` or ``hf`` (``datasets``' save_to_disk); ``to`` defaults to
    ``SOURCE/export-FORMAT``. Views: accepted, chat (SFT/GRPO) and rejected; README.md is the card."""
    return _export(source, format, to)
