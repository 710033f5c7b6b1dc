"""The ``autodata`` command line.

Every user-facing error (bad config, missing documents, missing key) is one line on stderr and
exit code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from harness import env
from harness.config import ConfigError, HarnessConfig, load_config
from harness.documents import DocumentError, DocumentSet, load_documents
from harness.generate import RunMismatchError
from harness.models import missing_credentials

env.configure_environment()  # harness already does this on import; explicit because this is where the project starts

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Agentic synthetic-data generation and its meta-optimization.")
console = Console()
errors = Console(stderr=True)

EXIT_USAGE = 2


def fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def _overrides(preset: str | None, seed: int | None, docs: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if preset is not None:
        out["preset"] = preset
    if seed is not None:
        out["seed"] = seed
    if docs is not None:
        out["documents.count"] = docs
    return out


def _prepare(config_path: Path, overrides: dict[str, Any]) -> tuple[HarnessConfig, DocumentSet]:
    """Load and check everything that can be wrong before any call is made."""
    try:
        config = load_config(config_path, overrides)
    except ConfigError as error:
        fail(str(error))
    problems = missing_credentials(config.models)
    if problems:
        fail("; ".join(map(str, problems)))
    try:
        docs = load_documents(config.documents, base_dir=config_path.parent)
    except DocumentError as error:
        fail(str(error))
    for warning in docs.skipped:
        errors.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if not docs.documents:
        fail(f"{config_path}: documents: no usable documents")
    return config, docs


def _run(config: HarnessConfig, docs: DocumentSet, out: Path, label: str) -> dict[str, Any]:
    from experiments.display import GenerationProgress
    from harness.generate import generate

    with GenerationProgress(console, len(docs.documents), label) as bar:
        try:
            return generate(config, docs, out, progress=bar.update)
        except RunMismatchError as error:
            fail(str(error))
    raise AssertionError("unreachable")


@app.command()
def generate(
    config: Annotated[Path, typer.Argument(help="experiment YAML")],
    preset: Annotated[str | None, typer.Option(help="self-instruct | grounded-self-instruct | cot-self-instruct | agentic")] = None,
    docs: Annotated[int | None, typer.Option(help="number of documents to use")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    out: Annotated[Path | None, typer.Option(help="output directory (default out/<name>/<preset>-seed<seed>)")] = None,
) -> None:
    """Turn grounding documents into accepted samples with the data-scientist agent."""
    from experiments.display import summary_table

    cfg, documents = _prepare(config, _overrides(preset, seed, docs))
    out = out or Path("out") / cfg.name / f"{cfg.preset}-seed{cfg.seed}"
    summary = _run(cfg, documents, out, cfg.preset)
    console.print(summary_table({cfg.preset: summary}, f"autodata generate: {cfg.name}"))
    console.print(f"records in [bold]{out}[/] (rounds.jsonl, accepted.jsonl, summary.json)")


@app.command()
def presets(
    config: Annotated[Path, typer.Argument(help="experiment YAML")],
    preset: Annotated[list[str] | None, typer.Option(help="presets to compare (repeat)")] = None,
    docs: Annotated[int | None, typer.Option(help="number of documents to use")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    out: Annotated[Path | None, typer.Option(help="parent output directory")] = None,
) -> None:
    """Run several presets on the same documents and seed; print their summaries side by side."""
    from experiments.display import summary_table

    names = preset or ["cot-self-instruct", "agentic"]
    summaries: dict[str, dict[str, Any]] = {}
    prepared = [(name, *_prepare(config, _overrides(name, seed, docs))) for name in names]
    for name, cfg, documents in prepared:
        target = (out or Path("out") / cfg.name) / f"{name}-seed{cfg.seed}"
        summaries[name] = _run(cfg, documents, target, name)
    console.print(summary_table(summaries, f"autodata presets: {prepared[0][1].name}"))
    if len(summaries) >= 2 and all(s.get("gap_mean") is not None for s in summaries.values()):
        first, last = list(summaries)[0], list(summaries)[-1]
        diff = summaries[last]["gap_mean"] - summaries[first]["gap_mean"]
        console.print(f"gap_mean {last} - {first} = {diff:+.3f}")


@app.command()
def show_config(config: Annotated[Path, typer.Argument(help="experiment YAML")]) -> None:
    """Print the resolved configuration and its harness hash."""
    try:
        cfg = load_config(config)
    except ConfigError as error:
        fail(str(error))
    console.print_json(json.dumps({"harness_hash": cfg.harness_hash(), **cfg.model_dump(mode="json")}))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        errors.print("interrupted: records so far are kept; run the same command again to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
