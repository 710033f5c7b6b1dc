"""The Python API: the same steps as the CLI, returning typed results instead of printing.

Every function checks what the CLI checks before any call (the configuration, keys named by
``api_key_env``, the preflight of real endpoints) and raises :class:`ConfigError` (or
``DocumentError``) with the same one-line message the CLI prints. MLflow tracking follows the
configuration's ``tracking.enabled`` unless ``track`` says otherwise. Runs resume as the CLI's do:
call again with the same arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

__all__ = ["AblationResult", "ExportResult", "GenerationResult", "PreflightError", "Prepared", "SweepResult", "ablate",
           "check_ready", "export", "generate", "load_config", "load_sweep_config", "preflight_checks", "prepare", "run_sweep", "sweep"]


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
    spent: dict[str, float] = field(default_factory=dict)  # search.budget.Spent of this study
    study: str = ""
    already_spent: str | None = None  # why nothing was added: the study had spent its budget before
    spent_before: dict[str, float] = field(default_factory=dict)  # the study's spend before this call
    mlflow_run_id: str | None = None  # the sweep's parent run, when tracked
    logging_failures: list[str] = field(default_factory=list)  # MLflow calls that failed (the sweep did not)

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
    ablation: Any = None  # experiments.ablation.Ablation: its cells, factors and seeds
    mlflow_run_id: str | None = None  # the parent run, when tracked


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> HarnessConfig:
    """A harness configuration from YAML; ``overrides`` are dotted paths (``{"documents.count": 5}``)."""
    return _load_harness(path, overrides)


def load_sweep_config(path: str | Path, overrides: dict[str, Any] | None = None) -> SweepConfig:
    """A sweep configuration (seed harness and search space) from YAML."""
    from search.config import load_sweep_config as load

    return load(path, overrides)


class PreflightError(ConfigError):
    """A real role cannot work (unreachable, key refused, cannot produce its format); nothing was
    spent. ``checks`` are the preflight's rows, for a table."""

    def __init__(self, message: str, checks: list[Any]) -> None:
        super().__init__(message)
        self.checks = checks


def preflight_checks(config: HarnessConfig, where: str = "", *, fresh: bool = False,
                     always: bool = False) -> list[Any]:
    """The preflight of real endpoints (one tiny request per role model, kept for a while in the
    store); simulated roles make no call, and a config of simulated roles only none at all unless
    ``always``. Raises :class:`PreflightError` when a role cannot work."""
    from harness.preflight import failures, preflight
    from objectives.downstream import registry as trainers

    # Downstream trainers register by name in objectives (the harness config cannot list them).
    if config.downstream.kind not in trainers.names():
        raise ConfigError(f"{where or 'configuration: '}downstream.kind: unknown trainer '{config.downstream.kind}'; "
                          f"registered: {', '.join(trainers.names())}")
    if not always and all(spec.simulated for _, spec in config.models.items()):
        return []
    checks = preflight(config, fresh=fresh)
    failing = failures(checks)
    if failing:
        raise PreflightError(f"{where}preflight: " + "; ".join(failing) + " (nothing was spent)", checks)
    return checks


def check_ready(config: HarnessConfig, where: str = "") -> list[Any]:
    """What a run checks before any call: every key it names is set, and every real endpoint passes
    the preflight. Returns the preflight's rows."""
    from harness.models import missing_credentials

    problems = missing_credentials(config.models)
    if problems:
        raise ConfigError(where + "; ".join(map(str, problems)))
    return preflight_checks(config, where)


@dataclass
class Prepared:
    """A configuration checked and its documents loaded: everything that can be wrong before any
    call has been found. ``documents.skipped`` and ``documents.refused`` say what was left out."""

    config: HarnessConfig
    documents: DocumentSet
    checks: list[Any] = field(default_factory=list)  # the preflight's rows (real roles only)
    refused: list[Any] = field(default_factory=list)  # documents too long for a window, each says why


def prepare(config: HarnessConfig | str | Path, overrides: dict[str, Any] | None = None, *,
            base_dir: Path | None = None) -> Prepared:
    """Load (a path) or take a configuration, check keys and real endpoints, and load its documents,
    refusing those too long for the challenger's context window. Raises ConfigError (PreflightError)
    or DocumentError with a one-line message naming the file and field."""
    from harness.context_window import refuse_oversized

    where = "configuration"
    if not isinstance(config, HarnessConfig):
        base_dir, where = Path(config).parent, str(config)
        config = load_config(config, overrides)
    elif overrides:
        raise ValueError("overrides apply to a configuration file; pass a changed HarnessConfig instead")
    checks = check_ready(config)
    # Where the documents were named: an override of documents.path (--docs-folder), or the YAML.
    named = f"--docs-folder {overrides['documents.path']}" if overrides and "documents.path" in overrides \
        else f"{where}: documents"
    try:
        docs = load_documents(config.documents, base_dir=base_dir)
    except DocumentError as error:
        raise DocumentError(f"--docs-folder: {error}" if overrides and "documents.path" in overrides
                            else f"{where}: documents.path: {error}") from None
    if not docs.documents:
        raise DocumentError(f"{named}: no usable documents")
    kept, refused = refuse_oversized(config, docs.documents)
    docs.documents, docs.refused = kept, [r.as_dict() for r in refused]
    if not kept:
        raise DocumentError(f"{where}: documents: every document is too long for the challenger's context window")
    return Prepared(config, docs, checks, refused)


def generate(config: Prepared | HarnessConfig | str | Path, out: str | Path | None = None, *,
             track: bool | None = None, overrides: dict[str, Any] | None = None,
             progress: Callable[..., None] | None = None) -> GenerationResult:
    """Run the harness on its documents and score the result (``out`` default ``out/NAME/PRESET-seedSEED``).

    ``config`` may be already :func:`prepare`-d. ``progress`` is called as documents finish (the
    CLI's progress bar). ``out`` is held for the run: a second run on it raises ``OutputError``. An endpoint that fails mid-run raises ``EndpointError``; finished rounds are
    kept and the same call resumes."""
    from harness.generate import generate as run
    from harness.outlock import exclusive_output
    from harness.preflight import take_record
    from objectives.evaluate import score_run

    prepared = config if isinstance(config, Prepared) else prepare(config, overrides)
    config = prepared.config
    out = Path(out) if out is not None else Path("out") / config.name / f"{config.preset}-seed{config.seed}"
    tracked = config.tracking.enabled if track is None else track
    experiment = config.tracking.experiment or config.name
    # One writer per folder (harness/outlock.py): a second run on ``out`` raises OutputError at once.
    with exclusive_output(out, "autodata generate"):
        trace_run = None
        if tracked:
            from experiments.store import ready

            ready()  # the MLflow store made safely before anything is logged (experiments/store.py)
            if config.tracking.dspy_autolog:
                from experiments.tracking import start_traces

                trace_run = start_traces(experiment)
        # The summary counts documents.refused (refused before any call: harness/context_window.py).
        summary = run(config, prepared.documents, out, progress=progress, preflight=take_record())
        card = score_run(out, config)
        run_id = None
        if tracked:
            from experiments.tracking import log_generation

            run_id = log_generation(experiment, config, out, card, trace_run)
    return GenerationResult(out, config, summary, card, run_id)


def sweep(config: SweepConfig | str | Path, out: str | Path | None = None, *, storage: str | None = None,
          track: bool | None = None, overrides: dict[str, Any] | None = None, resume: str | None = None,
          new: bool = False, callbacks: Sequence[Callable[[Any], None]] = ()) -> SweepResult:
    """Meta-optimize the harness (one worker); writes report.json and best.yaml to ``out``.

    The study is the configuration's own (``search/study.py``): the same configuration continues
    it, ``resume`` names one to continue (refused if its configuration differs), ``new`` starts a
    fresh one. ``out`` is held for the sweep (harness/outlock.py): a second run on it is refused.
    ``callbacks`` receive the sweep's events (search/callbacks.py) as they happen."""
    from harness.outlock import exclusive_output
    from search.storage import default_storage, open_storage
    from search.study import choose_study

    if not isinstance(config, SweepConfig):
        config = load_sweep_config(config, overrides)
    check_ready(config.harness)
    track = config.harness.tracking.enabled if track is None else track
    if track:
        from experiments.store import ready

        ready()  # the MLflow store made safely before any run is logged, and before the study (experiments/store.py)
    storage = storage or default_storage()
    study = choose_study(open_storage(storage), config, resume, new)
    out = Path(out) if out is not None else Path("out") / study.name
    with exclusive_output(out, "autodata sweep"):
        result = run_sweep(config, out, study.name, storage=storage, callbacks=callbacks, track=track)
    assert result is not None  # the lead worker always reports
    return result


def run_sweep(config: SweepConfig, out: Path, study: str, *, storage: str, track: bool, workers: int = 1,
              worker: int | None = None, config_path: Path | None = None,
              callbacks: Sequence[Callable[[Any], None]] = ()) -> SweepResult | None:
    """The sweep itself, its study already chosen and ``out`` already held (the CLI's ``sweep``
    and :func:`sweep` both end here). ``workers > 1`` starts helper worker processes on the same
    study (they need the YAML: ``config_path``); ``worker`` runs this process as helper number N,
    which writes no report and returns None."""
    import subprocess
    import sys

    from search.report import build_report
    from search.sweep import Sweep

    tracking = config.harness.tracking
    track = track and tracking.enabled
    try:  # the study exists before any helper worker resumes it
        runner = Sweep(config, out, storage=storage, worker_index=worker or 0, study=study)
    except (ValueError, DocumentError) as error:  # the sweep cannot be set up: nothing has run
        raise ConfigError(f"{config_path or config.name}: {str(error).splitlines()[0]}") from error
    runner.callbacks.extend(callbacks)
    helpers = []
    if workers > 1 and worker is None:
        if config_path is None:
            raise ConfigError("several workers need the sweep's YAML file (config_path): each is a process")
        if track:
            # Create the experiment first: several processes creating it at once collide.
            from mlflow import MlflowClient

            from experiments.tracking import ensure_experiment

            ensure_experiment(MlflowClient(), tracking.experiment or config.name)
        argv = [sys.executable, "-m", "experiments.cli", "sweep", str(config_path), "--storage", storage,
                "--out", str(out), "--seed", str(config.seed), "--resume", study]
        helpers = [subprocess.Popen([*argv, "--worker", str(i)], stdout=subprocess.DEVNULL) for i in range(1, workers)]
    tracker = None
    if track:
        from experiments.tracking import SweepTracker

        if tracking.dspy_autolog:
            import mlflow

            mlflow.dspy.autolog()
        tracker = SweepTracker(tracking.experiment or config.name, study, config.harness, list(config.search.knobs),
                               config.search.model_dump(mode="json"), runner=runner)
        runner.callbacks.append(tracker)
    if worker is not None:
        aio.run(runner.run())
        if tracker is not None:
            tracker.close()
        return None
    before = runner.spent()
    already = runner.exhausted(before)
    spent = aio.run(runner.run())
    for helper in helpers:
        helper.wait()
    report = aio.run(build_report(runner))
    failures = [str(f) for f in tracker.close(report)] if tracker is not None else []
    return SweepResult(out, config, report, out / report["best_config"], spent.as_dict(), study, already,
                       before.as_dict(), tracker.parent if tracker is not None else None, failures)


def check_ablation(ablation: Any, where: str) -> None:
    """Every cell checked like a run before any call (a factor may name another model): the keys of
    every cell, then the preflight of each distinct model set. Errors name the cell."""
    from harness.models import missing_credentials

    for name, harness in ablation.cell_harnesses():
        problems = missing_credentials(harness.models)
        if problems:
            raise ConfigError(f"{where}: cell '{name}': " + "; ".join(map(str, problems)))
    for name, harness in ablation.probed_harnesses():
        preflight_checks(harness, f"{where}: cell '{name}': ")


def ablate(config: Any, out: str | Path | None = None, *, track: bool = True,
           progress: Callable[[str, int], None] | None = None) -> AblationResult:
    """Run an ablation (every cell x seed, resumable): means with 95% CIs and effects against the base.

    ``config`` is the ablation YAML or a loaded ``experiments.ablation.Ablation``; ``progress`` is
    called with (cell, seed) as each finishes."""
    from experiments.ablation import load_ablation, run_ablation
    from experiments.ablation_report import log_mlflow, summarize, write_outputs
    from harness.adapter import call_settings

    ablation = load_ablation(config) if isinstance(config, (str, Path)) else config
    check_ablation(ablation, str(config) if isinstance(config, (str, Path)) else ablation.spec.name)
    out = Path(out) if out is not None else Path("out") / f"ablation-{ablation.spec.name}"
    out.mkdir(parents=True, exist_ok=True)

    async def run() -> dict:
        with call_settings():
            return await run_ablation(ablation, out, progress)

    results = aio.run(run())
    roles = ablation.simulated_roles(out)
    summary = summarize(ablation, results)
    files = write_outputs(ablation, summary, out, bool(roles))
    parent = log_mlflow(ablation, results, out, files, roles) if track else None
    return AblationResult(out, summary, files, roles, ablation, parent)


def export(source: str | Path, format: str = "jsonl", to: str | Path | None = None) -> ExportResult:
    """Export a generation's dataset (or a sweep's best harness's test evaluation) with its card.

    ``format``: ``jsonl``, ``parquet`` or ``hf`` (``datasets``' save_to_disk); ``to`` defaults to
    ``SOURCE/export-FORMAT``. Views: accepted, chat (SFT/GRPO) and rejected; README.md is the card."""
    return _export(source, format, to)
