"""Compare an experiment's runs from MLflow: a table (best first) and a plot of the search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from search.selection import dominates


class ExperimentNotFoundError(ValueError):
    pass


def runs(experiment: str) -> pd.DataFrame:
    if mlflow.get_experiment_by_name(experiment) is None:
        known = ", ".join(e.name for e in mlflow.search_experiments()) or "none"
        raise ExperimentNotFoundError(f"no MLflow experiment named '{experiment}' (known: {known})")
    frame = mlflow.search_runs(experiment_names=[experiment])
    if frame.empty:
        return frame
    kind = frame.get("tags.autodata.kind", pd.Series(index=frame.index, dtype=object))
    return frame[kind.isin(["candidate", "generation"])].copy()


def ranked(frame: pd.DataFrame, metric: str = "acceptance_rate") -> pd.DataFrame:
    column = f"metrics.{metric}"
    if column not in frame:
        return frame
    return frame.sort_values(column, ascending=False, na_position="last")


def _objectives(experiment: str) -> list[dict[str, Any]]:
    frame = mlflow.search_runs(experiment_names=[experiment], filter_string="tags.`autodata.kind` = 'sweep'")
    if frame.empty or "params.search.objectives" not in frame:
        return [{"metric": "acceptance_rate", "direction": "maximize"}]
    return json.loads(frame.iloc[0]["params.search.objectives"])


def plot(experiment: str, frame: pd.DataFrame, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objectives = _objectives(experiment)
    candidates = frame[frame.get("tags.autodata.split", "") == "validation"].copy()
    candidates["trial"] = candidates["tags.autodata.trial"].astype(int)
    candidates = candidates.sort_values("trial")
    first = f"metrics.{objectives[0]['metric']}"
    panels = 2 if len(objectives) > 1 else 1
    figure, axes = plt.subplots(1, panels, figsize=(7 * panels, 4.5), squeeze=False)
    ax = axes[0][0]
    ax.scatter(candidates["trial"], candidates[first], label="candidate (validation)", s=18)
    best = candidates[first].cummax() if objectives[0].get("direction", "maximize") == "maximize" else candidates[first].cummin()
    ax.step(candidates["trial"], best, where="post", color="tab:red", label="best so far")
    ax.set_xlabel("candidate index (trial)")
    ax.set_ylabel(objectives[0]["metric"])
    ax.set_title(f"{experiment}: score by candidate")
    ax.legend()
    if panels == 2:
        second = f"metrics.{objectives[1]['metric']}"
        directions = [o.get("direction", "maximize") for o in objectives[:2]]
        points = candidates[[first, second]].dropna().to_numpy().tolist()
        front = [p for p in points if not any(dominates(q, p, directions) for q in points)]
        ax2 = axes[0][1]
        ax2.scatter([p[0] for p in points], [p[1] for p in points], s=18, label="candidates")
        front.sort()
        ax2.plot([p[0] for p in front], [p[1] for p in front], color="tab:red", marker="o", label="Pareto front")
        ax2.set_xlabel(objectives[0]["metric"])
        ax2.set_ylabel(objectives[1]["metric"])
        ax2.legend()
    simulated = (frame.get("tags.simulated", pd.Series(dtype=object)) == "true").any()
    if simulated:
        figure.suptitle("SIMULATED (offline world)", color="darkorange")
    figure.tight_layout()
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
