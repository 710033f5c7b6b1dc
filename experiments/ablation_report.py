"""Writing an ablation's results: CSV, Markdown, a PNG chart, a rich table, and MLflow runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from experiments.ablation import Ablation, Effect, Estimate, effect, estimate
from search.config import SweepConfig

SIM = "SIMULATED (offline world)"


def _fmt(e: Estimate, digits: int = 3) -> str:
    if e.mean is None:
        return "-"
    if e.low is None:
        return f"{e.mean:.{digits}f}"
    return f"{e.mean:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def summarize(ablation: Ablation, results: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    metrics = ablation.spec.metrics
    cells = {c.name: {m: estimate([results[c.name][s].get(m) for s in results[c.name]]) for m in metrics}
             for c in ablation.cells}
    base = ablation.cells[0].name
    effects: list[Effect] = [effect(results[base], results[c.name], m, c.name)
                             for c in ablation.cells[1:] for m in metrics] if ablation.spec.design == "one_at_a_time" else []
    return {"cells": cells, "effects": effects, "base": base}


def write_outputs(ablation: Ablation, summary: dict[str, Any], out: Path, simulated: bool) -> list[Path]:
    metrics = ablation.spec.metrics
    label = f" ({SIM})" if simulated else ""
    paths = []
    csv_path = out / "results.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cell", "metric", "mean", "ci_low", "ci_high", "n", "effect_vs_base", "effect_ci_low",
                         "effect_ci_high", "p_value", "simulated"])
        effects = {(e.cell, e.metric): e for e in summary["effects"]}
        for cell, row in summary["cells"].items():
            for metric in metrics:
                e, eff = row[metric], effects.get((cell, metric))
                writer.writerow([cell, metric, e.mean, e.low, e.high, e.n,
                                 eff.difference.mean if eff else None, eff.difference.low if eff else None,
                                 eff.difference.high if eff else None, eff.p_value if eff else None, simulated])
    paths.append(csv_path)

    lines = [f"# Ablation: {ablation.spec.name}{label}", "",
             f"Design: {ablation.spec.design}; seeds: {ablation.spec.seeds}; {ablation.scope}.",
             "Mean [95% CI over seeds].", "",
             "| cell | " + " | ".join(metrics) + " |", "|---" * (len(metrics) + 1) + "|"]
    for cell, row in summary["cells"].items():
        lines.append(f"| {cell} | " + " | ".join(_fmt(row[m]) for m in metrics) + " |")
    if summary["effects"]:
        lines += ["", f"Effects against the base ({summary['base']}), paired by seed: difference [95% CI], paired t-test p.", "",
                  "| cell | metric | effect | p |", "|---|---|---|---|"]
        for e in summary["effects"]:
            p = "-" if e.p_value is None else f"{e.p_value:.3g}"
            lines.append(f"| {e.cell} | {e.metric} | {_fmt(e.difference)} | {p} |")
    md_path = out / "results.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    paths.append(md_path)
    paths.append(chart(ablation, summary, out / "results.png", simulated))
    return paths


def chart(ablation: Ablation, summary: dict[str, Any], path: Path, simulated: bool) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = ablation.spec.metrics
    cells = list(summary["cells"])
    figure, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        estimates = [summary["cells"][c][metric] for c in cells]
        means = [e.mean if e.mean is not None else 0.0 for e in estimates]
        errors = [[(e.mean - e.low) if e.low is not None else 0 for e in estimates],
                  [(e.high - e.mean) if e.high is not None else 0 for e in estimates]]
        ax.bar(range(len(cells)), means, yerr=errors, capsize=4, color="tab:blue")
        ax.set_xticks(range(len(cells)), cells, rotation=30, ha="right", fontsize=7)
        ax.set_title(metric, fontsize=9)
    figure.suptitle(f"{ablation.spec.name}: mean and 95% CI over {len(ablation.spec.seeds)} seeds"
                    + (f" - {SIM}" if simulated else ""), fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def table(ablation: Ablation, summary: dict[str, Any], simulated: bool) -> list[Table]:
    metrics = ablation.spec.metrics
    main = Table(title=f"ablation {ablation.spec.name}: mean [95% CI] over seeds {ablation.spec.seeds}",
                 caption=SIM if simulated else None)
    main.add_column("cell", style="bold")
    for metric in metrics:
        main.add_column(metric, justify="right")
    for cell, row in summary["cells"].items():
        main.add_row(cell, *(_fmt(row[m]) for m in metrics))
    tables = [main]
    if summary["effects"]:
        effects = Table(title=f"effects against the base ({summary['base']}), paired by seed",
                        caption=SIM if simulated else None)
        for column in ("cell", "metric", "effect [95% CI]", "p (paired t)"):
            effects.add_column(column, justify="left" if column in ("cell", "metric") else "right")
        for e in summary["effects"]:
            effects.add_row(e.cell, e.metric, _fmt(e.difference), "-" if e.p_value is None else f"{e.p_value:.3g}")
        tables.append(effects)
    return tables


def log_mlflow(ablation: Ablation, results: dict[str, dict[int, dict[str, Any]]], out: Path,
               paths: list[Path], simulated_roles: list[str]) -> str:
    """One parent run per ablation, one child run per cell and seed; ``simulated_roles``: the roles
    the offline world played (``Ablation.simulated_roles``)."""
    from experiments.tracking import Logger, common_tags, harness_params

    logger = Logger(ablation.spec.name)
    simulated = common_tags(bool(simulated_roles), simulated_roles)
    tags = {**simulated, "autodata.kind": "ablation", "autodata.out": str(out.resolve())}
    parent = logger.create_run(f"ablation-{ablation.spec.name}", tags)
    logger.batch(parent, params={"design": ablation.spec.design, "seeds": json.dumps(ablation.spec.seeds),
                                 "factors": json.dumps(ablation.spec.factors)[:6000],
                                 "cells": "sweep" if isinstance(ablation.base, SweepConfig) else "generation"})
    for cell in ablation.cells:
        for seed, values in sorted(results[cell.name].items()):
            run = logger.create_run(f"{cell.name}-seed{seed}",
                                    {**simulated, "autodata.kind": "ablation_cell", "autodata.cell": cell.name},
                                    parent=parent)
            if isinstance(cell.config, SweepConfig):
                from experiments.ablation_sweep import sweep_params

                # The evaluator runs the seed harness at the sweep seed.
                params = {**harness_params(cell.config.harness.model_copy(update={"seed": seed})),
                          **sweep_params(cell.config, seed)}
            else:
                params = harness_params(cell.config.model_copy(update={"seed": seed}))
            params.update({f"factor.{k}": v for k, v in cell.settings.items()})
            metrics = {k: v for k, v in values.items() if isinstance(v, (int, float)) and v is not None}
            logger.batch(run, params=params, metrics=metrics)
            logger.finish(run)
    logger.artifacts(parent, texts={p.name: p.read_text(encoding="utf-8") for p in paths if p.suffix != ".png"})
    png = next(p for p in paths if p.suffix == ".png")
    logger.client.log_artifact(parent, str(png))
    logger.finish(parent)
    return parent
