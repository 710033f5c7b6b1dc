"""The ``autodata`` command line.

Every user-facing error (bad config, missing documents, missing key) is one line on stderr and
exit code 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from harness import aio, env
from harness.config import ConfigError, HarnessConfig, load_config
from harness.documents import DocumentError, DocumentSet
from harness.endpoint.errors import EndpointError
from harness.generate import RunMismatchError
from harness.models import missing_credentials
from harness.outlock import OutputError
from harness.records import RecordWriteError

if TYPE_CHECKING:
    from experiments.api import GenerationResult

env.configure_environment()  # harness already does this on import; explicit because this is where the project starts

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Agentic synthetic-data generation and its meta-optimization.")
console = Console()
errors = Console(stderr=True)

EXIT_USAGE = 2


def _print_version(value: bool) -> None:
    if value:
        from autodata import __version__

        print(f"autodata {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                          help="print the version and exit")] = False,
) -> None:
    """Agentic synthetic-data generation and its meta-optimization."""


def say(label: str, style: str, message: str) -> None:
    """One line on stderr; the message is plain text (a path with [brackets] is not markup), with any
    credential in it (a URL's password, a token) redacted."""
    from harness.secrets import redact_text

    errors.print(Text.assemble((label, style), " ", redact_text(message)), highlight=False, soft_wrap=True)


def fail(message: str) -> None:
    say("error:", "bold red", message)
    raise typer.Exit(EXIT_USAGE)


def hold_output(stack: contextlib.ExitStack, out: Path, command: str) -> Path:
    """Hold ``out`` for this run (harness/outlock.py): exit 2 at once when it is not a usable
    folder, or when another run holds it (naming its host and PID)."""
    from harness.outlock import OutputError, exclusive_output

    try:
        return stack.enter_context(exclusive_output(out, command))
    except OutputError as error:
        fail(str(error))
    raise AssertionError("unreachable")


def ready_tracking() -> None:
    """The MLflow store, ready before any work (experiments/store.py): exit 2 at once when it cannot be."""
    from experiments.store import StoreError, ready

    try:
        for note in ready():
            say("note:", "yellow", note)
    except StoreError as error:
        fail(str(error))


def _overrides(preset: str | None, seed: int | None, docs: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if preset is not None:
        out["preset"] = preset
    if seed is not None:
        out["seed"] = seed
    if docs is not None:
        if docs < 1:  # the flag's mistake, not the YAML's documents.count
            fail(f"--docs: expected a number of documents of at least 1, got {docs}")
        out["documents.count"] = docs
    return out


def _prepare(config_path: Path, overrides: dict[str, Any]) -> tuple[HarnessConfig, DocumentSet]:
    """Load and check everything that can be wrong before any call is made (experiments/api.py);
    print what was skipped or refused, and the preflight's table when it asked the endpoints."""
    from experiments.api import PreflightError, prepare

    try:
        prepared = prepare(config_path, overrides)
    except PreflightError as error:
        console.print(preflight_table(error.checks, "preflight"))
        fail(str(error))
    except (ConfigError, DocumentError) as error:
        fail(str(error))
    if any(not c.cached for c in prepared.checks if not c.simulated):
        console.print(preflight_table(prepared.checks, f"preflight: {prepared.config.name}"))
    for warning in prepared.documents.skipped:
        say("warning:", "yellow", warning)
    for refusal in prepared.refused:
        say("refused:", "yellow", str(refusal))
    return prepared.config, prepared.documents


def preflight_table(checks: list[Any], title: str) -> Any:
    """The preflight's rows (harness/preflight.py), one per distinct role model; narrow enough for 80
    columns (no vertical rules; where each window figure came from is said under the table)."""
    from rich import box
    from rich.table import Table

    endpoints: dict[str, list[str]] = {}
    for c in checks:
        endpoints.setdefault(c.endpoint, []).append(c.model)
    where = "\n".join(f"{endpoint}: {', '.join(sorted(set(models)))}" for endpoint, models in sorted(endpoints.items()))
    sources = sorted({c.context_window.split(" ", 1)[1].strip("()") for c in checks if " " in c.context_window})
    if sources:
        where += "\nwindow from " + ", ".join(sources)
    world = [c for c in checks if c.offline_world]
    if world:  # serve-sim behind an api_base: its speed is the offline world's, not a model's
        where += "\n* SIMULATED: " + ", ".join(sorted({c.model for c in world})) + " answered by the offline world (serve-sim)"
    table = Table(title=title, caption=where, box=box.SIMPLE_HEAD, caption_justify="left", pad_edge=False,
                  show_edge=False)
    rows: list[tuple[str, ...]] = []
    for c in checks:
        model = c.model.split("/", 1)[-1]
        if c.simulated:
            rows.append((", ".join(c.roles), model, "-", "simulated", "-", "-", "-"))  # no call made
            continue
        # up: reachable and the key accepted ("no auth": reachable, key refused)
        up = "-" if c.reachable is None else "yes" if c.reachable and c.authenticated else \
            "[bold red]no auth[/]" if c.reachable else "[bold red]no[/]"
        follows = c.mode or ("[bold red]no[/]" if c.reachable and c.authenticated else "-")
        if c.structured_follows is None:
            structured = "-"
        else:
            structured = (c.structured if c.structured_follows else f"{c.structured} ignored") if c.structured else "none"
        tps = f"{c.tokens_per_s:.0f}" if c.tokens_per_s else "-"
        if c.offline_world:
            tps = f"{tps}*"  # the caption's SIMULATED line: the offline world's speed, not a model's
        rows.append((", ".join(c.roles) + (" (cached)" if c.cached else ""), model, up, follows, tps,
                     c.context_window.split(" ", 1)[0], structured))
    for i, name in enumerate(("roles", "model", "up", "format", "tok/s", "window", "structured")):
        # As narrow as its longest word: cells wrap between words, never inside one, and 80 columns hold it.
        longest = max(len(word) for text in (name, *(Text.from_markup(r[i]).plain for r in rows)) for word in text.split())
        table.add_column(name, justify="right" if name in ("tok/s", "window") else "left", max_width=longest)
    for row in rows:
        table.add_row(*row)
    return table


def _preflight(config: HarnessConfig, fresh: bool = False, always_print: bool = False, where: str = "") -> list[Any]:
    """The preflight for real roles (simulated ones make no call); exit 2 when a role cannot work;
    ``where`` prefixes the one-line error (an ablation names its cell)."""
    from experiments.api import PreflightError, preflight_checks

    try:
        checks = preflight_checks(config, where, fresh=fresh, always=always_print)
    except PreflightError as error:
        console.print(preflight_table(error.checks, f"preflight: {config.name}"))
        fail(str(error))
    except ConfigError as error:
        fail(str(error))
    if always_print or any(not c.cached for c in checks if not c.simulated):
        console.print(preflight_table(checks, f"preflight: {config.name}"))
    return checks


def _run(config: HarnessConfig, docs: DocumentSet, out: Path, label: str, track: bool) -> GenerationResult:
    """experiments/api.py's generate under a progress bar; an endpoint that fails mid-run is exit 3
    (finished rounds kept), or exit 2 when nothing could be done (a configuration problem)."""
    from experiments.api import Prepared
    from experiments.api import generate as run
    from experiments.display import GenerationProgress
    from objectives.evaluate import EXIT_INCOMPLETE

    try:
        with GenerationProgress(console, len(docs.documents), label) as bar:
            return run(Prepared(config, docs), out, track=track, progress=bar.update)
    except (RunMismatchError, OutputError) as error:  # OutputError: another run holds ``out``
        fail(str(error))
    except RecordWriteError as error:  # a full disk: the records so far are whole (harness/records.py)
        fail(str(error))
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise
        fail(f"{getattr(error, 'filename', None) or out}: cannot write ({error.strerror}); the records so far are "
             "kept: free space and run the same command again to resume")
    except EndpointError as error:
        summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
        if not summary.get("endpoint", {}).get("ok"):
            fail(str(error))  # nothing was done: a configuration problem (exit 2)
        say("stopped:", "bold red", f"{error} (finished rounds are kept; run again to resume)")
        raise typer.Exit(EXIT_INCOMPLETE) from None
    raise AssertionError("unreachable")


def _endpoint_line(summary: dict[str, Any]) -> None:
    """Calls, retries and failures by kind, and what was spent (the summary holds them all)."""
    from experiments.display import tokens_label

    endpoint, spent = summary.get("endpoint") or {}, summary.get("spent") or {}
    errors = ", ".join(f"{k} {v}" for k, v in (endpoint.get("errors") or {}).items()) or "none"
    tokens = tokens_label(bool(summary.get("simulated")))
    console.print(f"endpoint: {endpoint.get('requests', 0)} requests, {endpoint.get('retries', 0)} retried, "
                  f"failed attempts: {errors}; spent: {spent.get('calls', 0)} calls, {spent.get('tokens', 0)} {tokens}, "
                  f"${spent.get('dollars', 0.0):.4f}")
    if summary.get("stopped"):
        say("stopped:", "bold red", f"{summary['stopped']} (finished rounds are kept; raise the limit and run again)")


@app.command()
def generate(
    config: Annotated[Path, typer.Argument(help="experiment YAML")],
    preset: Annotated[str | None, typer.Option(help="self-instruct | grounded-self-instruct | cot-self-instruct | agentic | cs | science | legal")] = None,
    docs: Annotated[int | None, typer.Option(help="number of documents to use")] = None,
    docs_folder: Annotated[Path | None, typer.Option(help="a folder of .txt documents (instead of the config's documents)")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    out: Annotated[Path | None, typer.Option(help="output directory (default out/<name>/<preset>-seed<seed>)")] = None,
    downstream: Annotated[str | None, typer.Option(help="downstream reward: none | sim | icl | command")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="log the run to MLflow")] = True,
) -> None:
    """Turn grounding documents into accepted samples with the data-scientist agent."""
    from experiments.display import scorecard_table, summary_table
    from objectives.evaluate import EXIT_INCOMPLETE

    overrides = _overrides(preset, seed, docs)
    if docs_folder is not None:
        overrides.update({"documents.source": "folder", "documents.path": str(docs_folder.resolve())})
    if downstream is not None:
        overrides["downstream.kind"] = downstream
    cfg, documents = _prepare(config, overrides)
    out = out or Path("out") / cfg.name / f"{cfg.preset}-seed{cfg.seed}"
    track = track and cfg.tracking.enabled
    if track:
        ready_tracking()
    result = _run(cfg, documents, out, cfg.preset, track=track)
    summary, card = result.summary, result.scorecard
    console.print(summary_table({cfg.preset: summary}, f"autodata generate: {cfg.name}"))
    _endpoint_line(summary)
    console.print(scorecard_table(card, f"scorecard: {cfg.name} ({cfg.preset})"))
    if result.mlflow_run_id:
        console.print(f"MLflow: experiment [bold]{cfg.tracking.experiment or cfg.name}[/], run {result.mlflow_run_id} "
                      "(autodata ui to browse)")
    console.print(f"records in [bold]{out}[/] (rounds.jsonl, accepted.jsonl, summary.json, scorecard.json)")
    if not card.complete:
        say("incomplete:", "bold red", "; ".join(card.problems))
        raise typer.Exit(EXIT_INCOMPLETE)
    if summary.get("stopped"):
        raise typer.Exit(EXIT_INCOMPLETE)


@app.command("score")
def score_command(
    out: Annotated[Path, typer.Argument(help="a generation's output directory")],
    downstream: Annotated[str | None, typer.Option(help="recompute with this downstream trainer")] = None,
) -> None:
    """Print the scorecard of a finished generation (computed and written if missing)."""
    from experiments.display import scorecard_table
    from objectives.downstream import registry as trainers
    from objectives.evaluate import EXIT_INCOMPLETE, config_of, read_scorecard, score_run
    from objectives.run import RunNotFoundError

    if downstream is not None and downstream not in trainers.names():
        fail(f"--downstream: unknown trainer '{downstream}'; registered: {', '.join(trainers.names())}")
    card = read_scorecard(out) if downstream is None else None
    if card is None:
        try:
            cfg = config_of(out)
        except FileNotFoundError:
            fail(f"{out}: no config.resolved.json (not a generation output directory)")
        except ValueError as error:
            fail(f"{out}/config.resolved.json: {str(error).splitlines()[0]}")
        try:
            card = score_run(out, cfg, downstream)
        except RunNotFoundError as error:
            fail(str(error))
    console.print(scorecard_table(card, f"scorecard: {out}"))
    if not card.complete:
        say("incomplete:", "bold red", "; ".join(card.problems))
        raise typer.Exit(EXIT_INCOMPLETE)


@app.command()
def presets(
    config: Annotated[Path, typer.Argument(help="experiment YAML")],
    preset: Annotated[list[str] | None, typer.Option(help="presets to compare (repeat)")] = None,
    docs: Annotated[int | None, typer.Option(help="number of documents to use")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    out: Annotated[Path | None, typer.Option(help="parent output directory")] = None,
    seeds: Annotated[int, typer.Option(help="number of seeds (seed, seed+1, ...)", min=1)] = 1,
    downstream: Annotated[str | None, typer.Option(help="also compare downstream reward: sim | icl | command")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="log each run to MLflow, as generate does")] = True,
) -> None:
    """Run several presets on the same documents and seeds; print their results side by side.

    With --downstream, each preset's dataset is cut to the same number of samples (the smallest
    of the presets for that seed) before training, so the comparison is per sample.
    """
    from experiments.display import downstream_table, summary_table
    from objectives.evaluate import score_run

    names = preset or ["cot-self-instruct", "agentic"]
    if track:
        ready_tracking()
    base_seed = seed if seed is not None else _prepare(config, _overrides(None, None, docs))[0].seed
    rewards: dict[str, list[tuple[int, Any]]] = {name: [] for name in names}
    for run_seed in range(base_seed, base_seed + seeds):
        summaries: dict[str, dict[str, Any]] = {}
        prepared = [(name, *_prepare(config, _overrides(name, run_seed, docs))) for name in names]
        targets = {}
        for name, cfg, documents in prepared:
            targets[name] = (out or Path("out") / cfg.name) / f"{name}-seed{cfg.seed}"
            if track and cfg.tracking.enabled:
                ready_tracking()
            result = _run(cfg, documents, targets[name], name, track=track and cfg.tracking.enabled)
            summaries[name] = result.summary
            if result.mlflow_run_id:
                console.print(f"MLflow: experiment [bold]{cfg.tracking.experiment or cfg.name}[/], "
                              f"run {result.mlflow_run_id} ({name}, seed {cfg.seed})")
        console.print(summary_table(summaries, f"autodata presets: {prepared[0][1].name}, seed {run_seed}"))
        if len(summaries) >= 2 and all(s.get("gap_mean") is not None for s in summaries.values()):
            first, last = list(summaries)[0], list(summaries)[-1]
            diff = summaries[last]["gap_mean"] - summaries[first]["gap_mean"]
            console.print(f"gap_mean {last} - {first} = {diff:+.3f}")
        if downstream:
            count = min(s["accepted"] for s in summaries.values())
            for name, cfg, _ in prepared:
                card = score_run(targets[name], cfg, downstream, limit=count)
                rewards[name].append((count, card.downstream))
    if downstream:
        console.print(downstream_table(rewards, downstream))


@app.command()
def sweep(
    config: Annotated[Path, typer.Argument(help="sweep YAML (seed harness + search space)")],
    storage: Annotated[str | None, typer.Option(help="Optuna storage URL or journal file (default sqlite under mlruns/)")] = None,
    workers: Annotated[int, typer.Option(help="worker processes sharing the study", min=1)] = 1,
    out: Annotated[Path | None, typer.Option(help="output directory (default out/<name>-seed<seed>)")] = None,
    seed: Annotated[int | None, typer.Option(help="sweep seed")] = None,
    worker: Annotated[int | None, typer.Option(hidden=True, help="run as helper worker number N: no report")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="log the sweep to MLflow")] = True,
    resume: Annotated[str | None, typer.Option(help="continue this study (refused if its configuration differs)")] = None,
    new: Annotated[bool, typer.Option("--new", help="start a fresh study even if this configuration has one")] = False,
) -> None:
    """Meta-optimize the data scientist: evolve harness variants and report the best against the seed.

    The study is named by what the sweep searches (search/study.py): the same configuration
    continues its study, a changed one starts a new study and says so."""
    import optuna

    from search.config import load_sweep_config
    from search.storage import StorageError, default_storage, open_storage
    from search.study import StudyError, choose_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the progress bar and report say what matters
    try:
        sweep_config = load_sweep_config(config, {"seed": seed} if seed is not None else None)
    except ConfigError as error:
        fail(str(error))
    problems = missing_credentials(sweep_config.harness.models)
    if problems:
        fail("; ".join(map(str, problems)))
    if worker is None:
        _preflight(sweep_config.harness)
    if track and sweep_config.harness.tracking.enabled:
        ready_tracking()  # before the study: a store that cannot be used leaves no study behind
    storage = storage or default_storage()
    try:
        study = choose_study(open_storage(storage), sweep_config, resume, new)
    except (StudyError, StorageError) as error:
        fail(str(error))
    if worker is None:
        say("study:", "bold", study.note)
    out = out or Path("out") / study.name
    with contextlib.ExitStack() as stack:
        if worker is None:  # helper workers (--worker N) write into the folder their parent holds
            hold_output(stack, out, "autodata sweep")
        _sweep_into(config, sweep_config, storage, study, out, workers, worker, track)


def _sweep_into(config: Path, sweep_config: Any, storage: str, study: Any, out: Path, workers: int,
                worker: int | None, track: bool) -> None:
    from experiments.api import run_sweep
    from experiments.display import SweepProgress, pareto_table, report_table, tokens_label

    def run(callbacks: list[Any]) -> Any:
        try:
            return run_sweep(sweep_config, out, study.name, storage=storage, track=track, workers=workers,
                             worker=worker, config_path=config, callbacks=callbacks)
        except ConfigError as error:  # the sweep could not be set up: nothing was run
            fail(str(error))

    if worker is not None:  # a helper worker: no progress, no report
        run([])
        return
    with SweepProgress(console, sweep_config.search.budget.candidates, study.name) as bar:
        result = run([bar])
    if result.already_spent is not None:
        say("study:", "bold", f"{study.name} has already spent its budget ({result.already_spent}): nothing to "
            "add (raise search.budget to continue it, or --new for a fresh study)")
    report = result.report
    spent, before = SimpleNamespace(**result.spent), SimpleNamespace(**result.spent_before)
    tracking = sweep_config.harness.tracking
    for failure in result.logging_failures:
        say("warning:", "yellow", f"MLflow logging failed: {failure}")
    if result.mlflow_run_id is not None:
        console.print(f"MLflow: experiment [bold]{tracking.experiment or sweep_config.name}[/], "
                      f"parent run {result.mlflow_run_id} (autodata ui to browse)")
    console.print(report_table(report))
    if (front := pareto_table(report)) is not None:
        console.print(front)
    if (paired := report.get("best_vs_seed")) is not None:
        console.print(f"best - seed on test, {paired['metric']}: {paired['difference']:+.3f} "
                      f"[95% {paired['low']:+.3f}, {paired['high']:+.3f}] ({paired['method']}, "
                      f"{paired['documents']} documents)", markup=False)
    for gene, diff in report["best_genes_diff"].items():
        console.print(Text.assemble((gene, "bold"), " (best vs seed):"))
        console.print(diff, highlight=False, markup=False)
    lineage = " <- ".join(f"#{step['trial']} {step['operator']}" for step in report["lineage"])
    console.print(f"lineage: {lineage}", markup=False)
    console.print(f"budget spent in study {study.name}: {spent.candidates} candidates, {spent.calls:.0f} LM calls, "
                  f"{spent.tokens:.0f} {tokens_label(bool(report.get('simulated')))}, ${spent.dollars:.2f}; "
                  f"{spent.rejected} proposals rejected by the guard"
                  + (f", {spent.repeated} repeated an evaluated harness (served from the store, not counted)"
                     if spent.repeated else "")
                  + f"; of the calls, {spent.proposer_calls:.0f} by the proposer"
                  + (f" and {spent.strategy_calls:.0f} in a strategy's own evaluations" if spent.strategy_calls else ""))
    console.print(f"this invocation: {spent.candidates - before.candidates} candidates, "
                  f"{spent.calls - before.calls:.0f} LM calls, {spent.wall_s:.0f} s")
    console.print(f"report in [bold]{out / 'report.json'}[/]; the best harness in [bold]{out / report['best_config']}[/] "
                  "(autodata generate runs it)")


@app.command()
def ui(
    port: Annotated[int | None, typer.Option(help="port (default: a free one)")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="write a PNG of the comparison view and exit")] = None,
    experiment: Annotated[str | None, typer.Option(help="experiment to show (with --screenshot)")] = None,
) -> None:
    """Start the MLflow UI on the project's store (127.0.0.1); Ctrl-C stops it and its workers."""
    from experiments.ui import UIServer, stopped_by_signals

    server = UIServer(port)
    with stopped_by_signals(lambda: server.process) as stop:
        try:
            server.start()
        except RuntimeError as error:
            if stop.requested:  # a signal stopped the server while it started
                return
            fail(str(error))
        try:
            if screenshot is not None:
                _screenshot(server, screenshot, experiment)
                return
            console.print(f"MLflow UI: [bold]{server.url}[/]  (store {os.environ['MLFLOW_TRACKING_URI']}; "
                          "Ctrl-C stops it)")
            for line in _view_lines(server.url):
                console.print(line, markup=False, highlight=False)
            server.process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


def _views(base: str) -> list[tuple[str, str, str | None]]:
    """(experiment, its saved view's URL, a sweep's seed-against-best URL or None): experiments/views.py."""
    import mlflow

    from experiments.views import VIEW_TAG, view_url

    found = []
    for experiment in mlflow.search_experiments():
        if VIEW_TAG not in experiment.tags:
            continue
        parents = mlflow.search_runs([experiment.experiment_id], filter_string="tags.`autodata.kind` = 'sweep'",
                                     order_by=["attributes.start_time DESC"], max_results=1)
        column = "tags.autodata.seed_vs_best"
        pair = parents[column].iloc[0] if not parents.empty and column in parents else None
        found.append((experiment.name, f"{base}/{view_url(experiment.experiment_id)}",
                      f"{base}/{pair}" if isinstance(pair, str) else None))
    return found


def _view_lines(base: str) -> list[str]:
    lines = []
    for name, view, pair in _views(base):
        lines.append(f"{name}: {view}")
        if pair:
            lines.append(f"{name}, seed against best (gene texts side by side): {pair}")
    return lines


def _screenshot(server: Any, path: Path, experiment: str | None) -> None:
    """The experiment's saved view to ``path``; for a sweep, seed against best to ``<path>-seed-vs-best.png``."""
    import mlflow

    from experiments.ui import screenshot

    shots = [(server.url, path)]
    if experiment:
        if mlflow.get_experiment_by_name(experiment) is None:
            fail(f"no MLflow experiment named '{experiment}'")
        for name, view, pair in _views(server.url):
            if name == experiment:
                shots = [(view, path)]
                if pair:
                    shots.append((pair, path.with_name(f"{path.stem}-seed-vs-best{path.suffix}")))
    for url, target in shots:
        try:
            written = screenshot(url, target, height=1600 if "compare-runs" in url else 1000)
        except (FileNotFoundError, RuntimeError) as error:
            fail(str(error))
        console.print(f"screenshot of {url} written to {written}")


@app.command("serve-sim")
def serve_sim(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: a free one, printed)")] = 0,
    latency_ms: Annotated[float, typer.Option(help="latency added before each reply, 500 or malformed body, ms")] = 0.0,
    capacity: Annotated[int, typer.Option(help="requests in flight beyond which it answers 429 (0: unlimited)")] = 0,
    retry_after_s: Annotated[float, typer.Option(help="Retry-After sent with each 429, seconds")] = 0.05,
    fault_429: Annotated[float, typer.Option(help="fraction of requests answered 429")] = 0.0,
    fault_500: Annotated[float, typer.Option(help="fraction answered 500")] = 0.0,
    fault_timeout: Annotated[float, typer.Option(help="fraction held --timeout-s, then answered 504")] = 0.0,
    fault_malformed: Annotated[float, typer.Option(help="fraction answered 200 with a truncated JSON body")] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="seed of the fault stream")] = 0,
    timeout_s: Annotated[float, typer.Option(help="how long a timeout fault holds its request, seconds")] = 30.0,
    api_key_env: Annotated[str | None, typer.Option(help="require 'Authorization: Bearer $VAR' (else 401)")] = None,
    world_seed: Annotated[int, typer.Option(help="which offline world answers (as documents.world_seed)")] = 0,
    prefix_cache_blocks: Annotated[int, typer.Option(help="prompt-prefix blocks cached, as vLLM's (0: no caching)")] = 200_000,
) -> None:
    """Serve the offline world as an OpenAI-compatible endpoint (model openai/<profile>, api_base URL); Ctrl-C stops it."""

    from harness.sim.server import ServerSettings, SettingsError, announce, serve

    settings = ServerSettings(host=host, port=port, latency_ms=latency_ms, capacity=capacity, retry_after_s=retry_after_s,
                              fault_429=fault_429, fault_500=fault_500, fault_timeout=fault_timeout,
                              fault_malformed=fault_malformed, fault_seed=fault_seed, timeout_s=timeout_s,
                              world_seed=world_seed, prefix_cache_blocks=prefix_cache_blocks,
                              api_key=os.environ.get(api_key_env, "") if api_key_env else "")
    if api_key_env and not settings.api_key:
        fail(f"--api-key-env: environment variable {api_key_env} is not set")
    try:
        settings.check()
        aio.run(serve(settings, announce))
    except SettingsError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


@app.command()
def check(config: Annotated[Path, typer.Argument(help="experiment or sweep YAML")]) -> None:
    """The preflight on its own: one tiny request per role model; a table of what each endpoint can do."""
    try:
        cfg = load_config(config)
    except ConfigError as error:
        try:  # a sweep YAML: check its seed harness
            from search.config import load_sweep_config

            cfg = load_sweep_config(config).harness
        except ConfigError:
            fail(str(error))
    problems = missing_credentials(cfg.models)
    if problems:
        fail("; ".join(map(str, problems)))
    _preflight(cfg, fresh=True, always_print=True)
    console.print("preflight: every role can produce its output format")


@app.command("serve-local")
def serve_local(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8080,
    venv: Annotated[Path | None, typer.Option(help="the server's environment (default .venv-real, or $AUTODATA_REAL_VENV)")] = None,
    n_ctx: Annotated[int, typer.Option(help="context window in tokens")] = 4096,
    n_threads: Annotated[int, typer.Option(help="CPU threads")] = 2,
    model: Annotated[str | None, typer.Option(help="a GGUF file (default: Gemma 3 270M from its package)")] = None,
) -> None:
    """Serve the real small model (Gemma 3 270M, llama-cpp-python) on 127.0.0.1; prints its base URL first; Ctrl-C stops it."""
    from experiments.serve_local import LocalServer, LocalServerError, venv_python
    from experiments.ui import stopped_by_signals

    server = LocalServer(port, venv_python(venv), n_ctx=n_ctx, n_threads=n_threads, model=model)
    with stopped_by_signals(lambda: server.process) as stop:
        try:
            server.start()
        except LocalServerError as error:
            if stop.requested:  # a signal stopped the server while it started
                return
            fail(str(error))
        try:
            print(server.url, flush=True)  # the first line on stdout: the base URL (api_base)
            assert server.process is not None
            code = server.process.wait()
            if code and not stop.requested:
                fail(f"the local server exited with code {code}")
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()


@app.command()
def compare(
    experiment: Annotated[str, typer.Argument(help="MLflow experiment (the config's name)")],
    plot: Annotated[Path | None, typer.Option(help="also draw the comparison to a PNG (one line per sweep)")] = None,
    limit: Annotated[int, typer.Option(help="rows to show per sweep or group", min=1)] = 20,
    metric: Annotated[str, typer.Option(help="rank by this scorecard metric, in its own direction")] = "acceptance_rate",
    split: Annotated[str, typer.Option(help="sweep candidates: rank on this split (validation | test | train)")] = "validation",
) -> None:
    """The experiment's sweeps (each study apart), generations and ablation cells from MLflow, best first."""
    from rich.table import Table

    from experiments.compare import ExperimentNotFoundError, UnknownMetricError, direction, runs, sections
    from experiments.compare import plot as draw

    try:
        frame = runs(experiment)
        found = sections(frame, metric, split) if not frame.empty else []
    except (ExperimentNotFoundError, UnknownMetricError) as error:
        fail(str(error))
    if not found:
        fail(f"experiment '{experiment}' has no candidate, generation or ablation runs")
    simulated = (frame.get("tags.simulated") == "true").any()
    better = "higher" if direction(metric) == "maximize" else "lower"
    short = metric.replace("_rate", "")
    for section in found:
        ranked_by = f"{split}/{metric}" if section.kind == "sweep" else metric
        table = Table(title=f"{experiment}: {section.title}, best first by {ranked_by} ({better} is better)",
                      caption="SIMULATED (offline world)" if simulated else None)
        sweep = section.kind == "sweep"
        prefix = f"metrics.{split}/" if sweep else "metrics."
        if sweep:  # columns narrow enough for 80 characters: the title names the metric
            columns = [("trial", "tags.autodata.trial"), ("operator", "tags.autodata.operator"),
                       ("kept", "tags.autodata.accepted"), (split[:3], "value"), ("test", "test_value")]
        else:
            columns = [("run", "tags.mlflow.runName"), (short[:12], "value")]
        columns += [("gap", f"{prefix}gap_mean"), ("weak", f"{prefix}weak_mean"),
                    ("calls/acc", f"{prefix}calls_per_accepted")]
        for name, _ in columns:
            table.add_column(name, justify="left" if name in ("run", "operator", "kept") else "right", no_wrap=True)
        for _, row in section.rows.head(limit).iterrows():
            cells = []
            for name, column in columns:
                value = row.get(column)
                if value is None or value != value:
                    cells.append("-")
                elif name == "calls/acc":
                    cells.append(f"{value:.1f}")
                else:
                    cells.append(f"{value:.3f}" if isinstance(value, float) else str(value))
            table.add_row(*cells)
        console.print(table)
    if plot is not None:
        console.print(f"plot written to {draw(experiment, frame, plot, metric)}")


@app.command()
def ablate(
    config: Annotated[Path, typer.Argument(help="ablation YAML (base harness or sweep, factors, design, seeds)")],
    out: Annotated[Path | None, typer.Option(help="output directory (default out/ablation-<name>)")] = None,
    track: Annotated[bool, typer.Option("--track/--no-track", help="log to MLflow")] = True,
) -> None:
    """Run an ablation: every cell x seed (resumable), means with 95% CIs, effects against the base.

    Cells are generations, or whole sweeps when the YAML names ``sweep:`` (factors such as each
    search operator on or off)."""

    import optuna
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from experiments.ablation import load_ablation
    from experiments.ablation_report import table
    from experiments.api import PreflightError, check_ablation
    from experiments.api import ablate as run

    try:
        ablation = load_ablation(config)
        check_ablation(ablation, str(config))  # every cell checked like a run, before any call
    except PreflightError as error:
        console.print(preflight_table(error.checks, "preflight"))
        fail(str(error))
    except ConfigError as error:
        fail(str(error))
    total = len(ablation.cells) * len(ablation.spec.seeds)
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # sweep cells: the progress bar says what matters
    with Progress(TextColumn("[bold]ablation[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("cells x seeds"),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("ablation", total=total)
        result = run(ablation, out, track=track, progress=lambda cell, seed: bar.advance(task))
    for rich_table in table(ablation, result.summary, bool(result.simulated_roles)):
        console.print(rich_table)
    console.print(f"results in {', '.join(str(p) for p in result.files)}")
    if result.mlflow_run_id:
        console.print(f"MLflow: experiment [bold]{ablation.spec.name}[/], parent run {result.mlflow_run_id}")


@app.command("export")
def export_command(
    source: Annotated[Path, typer.Argument(help="a generation's output directory, or a sweep's (its best harness)")],
    format: Annotated[str, typer.Option("--format", help="jsonl | parquet | hf (datasets' save_to_disk)")] = "jsonl",
    to: Annotated[Path | None, typer.Option(help="output directory (default SOURCE/export-FORMAT)")] = None,
) -> None:
    """Write the dataset (accepted, chat view for SFT/GRPO, rejected with reasons) and its dataset card."""
    import datasets

    from experiments.api import export
    from experiments.export import ExportError

    datasets.disable_progress_bars()
    try:
        result = export(source, format, to)
    except ExportError as error:
        fail(str(error))
    console.print(f"exported {result.source_note}", markup=False, highlight=False)
    for view, files in result.files.items():
        console.print(f"  {view}: {result.counts[view]} rows in {', '.join(str(f) for f in files)}", markup=False)
    console.print(f"  dataset card: {result.card}" + (" (SIMULATED roles: " + ", ".join(result.simulated_roles) + ")"
                                                      if result.simulated_roles else ""), markup=False)


@app.command()
def show_config(config: Annotated[Path, typer.Argument(help="experiment YAML")]) -> None:
    """Print the resolved configuration and its harness hash."""
    try:
        cfg = load_config(config)
    except ConfigError as error:
        fail(str(error))
    console.print_json(json.dumps({"harness_hash": cfg.harness_hash(), **cfg.model_dump(mode="json")}))


class _FlagsWithoutType:
    """Help without a type label on flags (``--help <bool>``): a flag takes no value, so it has no
    type to show (as Typer's plain-text help already does; its rich help labels every option)."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class _Command(_FlagsWithoutType, typer.core.TyperCommand):
    pass


class _Group(_FlagsWithoutType, typer.core.TyperGroup):
    pass


app.info.cls = _Group
for _command in app.registered_commands:
    if _command.cls in (None, typer.core.TyperCommand):  # Typer's default: every command here
        _command.cls = _Command


def main() -> None:
    from typer._click import exceptions as click_errors  # Typer's own click (typer >= 0.2x vendors it)

    try:
        # standalone_mode=False: a usage mistake (a bad value, an unknown flag) comes back as an
        # exception, printed below as one line instead of Typer's boxed usage panel.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click_errors.NoArgsIsHelpError as error:  # bare `autodata`: the help, as before
        from typer import rich_utils

        rich_utils.rich_format_error(error)
        sys.exit(error.exit_code)
    except click_errors.UsageError as error:
        command = error.ctx.command_path if error.ctx is not None else "autodata"
        say("error:", "bold red", f"{command}: {error.format_message()} (see {command} --help)")
        sys.exit(EXIT_USAGE)
    except click_errors.ClickException as error:
        say("error:", "bold red", error.format_message())
        sys.exit(EXIT_USAGE)
    except typer.Abort:
        errors.print("interrupted: records so far are kept; run the same command again to resume")
        sys.exit(130)
    except KeyboardInterrupt:
        errors.print("interrupted: records so far are kept; run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
