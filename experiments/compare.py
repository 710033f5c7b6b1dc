"""Compare an experiment's runs from MLflow: per sweep (study), per generation, per ablation cell,
best first in the metric's own direction, and a plot with one line per sweep.

A sweep candidate's metrics carry their split (``validation/acceptance_rate``); generations and
ablation cells carry plain names. The metric's direction comes from the scorecard
(``objectives.scorecard.METRICS``); an unknown metric is an error listing the known ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from objectives.scorecard import METRICS
from search.selection import dominates

SPLITS = ("validation", "test", "train")
SWEEP_ONLY = {"train_score": "maximize", "validation_score": "maximize"}


class ExperimentNotFoundError(ValueError):
    pass


class UnknownMetricError(ValueError):
    pass


def direction(metric: str) -> str:
    """``maximize`` or ``minimize`` (a metric with no direction ranks high first)."""
    if metric in SWEEP_ONLY:
        return SWEEP_ONLY[metric]
    if metric not in METRICS:
        known = ", ".join(sorted([*METRICS, *SWEEP_ONLY]))
        raise UnknownMetricError(f"unknown metric '{metric}'; known: {known}")
    found = METRICS[metric][1]
    return "minimize" if found == "minimize" else "maximize"


def runs(experiment: str) -> pd.DataFrame:
    """Every run of the experiment that is a candidate, generation or ablation cell."""
    if mlflow.get_experiment_by_name(experiment) is None:
        known = ", ".join(e.name for e in mlflow.search_experiments()) or "none"
        raise ExperimentNotFoundError(f"no MLflow experiment named '{experiment}' (known: {known})")
    frame = mlflow.search_runs(experiment_names=[experiment])
    if frame.empty:
        return frame
    kind = frame.get("tags.autodata.kind", pd.Series(index=frame.index, dtype=object))
    return frame[kind.isin(["candidate", "generation", "ablation_cell"])].copy()


@dataclass
class Section:
    kind: str  # sweep | generation | ablation
    title: str
    rows: pd.DataFrame  # ranked best first; ``value`` holds the ranked metric, ``test_value`` a sweep's test value


def _ranked(frame: pd.DataFrame, column: str, metric: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["value"] = frame[column] if column in frame else float("nan")
    return frame.sort_values("value", ascending=direction(metric) == "minimize", na_position="last")


def sections(frame: pd.DataFrame, metric: str, split: str = "validation") -> list[Section]:
    """The runs grouped as a researcher compares them: each sweep (study) apart, then generations,
    then ablation cells; each ranked best first by ``metric`` in its direction."""
    direction(metric)  # unknown metrics are refused before anything is shown
    if split not in SPLITS:
        raise UnknownMetricError(f"unknown split '{split}'; splits are {', '.join(SPLITS)}")
    kinds = frame.get("tags.autodata.kind", pd.Series(index=frame.index, dtype=object))
    out: list[Section] = []
    candidates = frame[kinds == "candidate"]
    studies = sorted(candidates.groupby("tags.autodata.study"), key=lambda item: str(item[0])) if not candidates.empty else []
    for study, group in studies:
        chosen = group[group["tags.autodata.split"] == split]
        ranked = _ranked(chosen, f"metrics.{split}/{metric}", metric)
        tests = group[group["tags.autodata.split"] == "test"]
        test_by_trial = dict(zip(tests["tags.autodata.trial"], tests.get(f"metrics.test/{metric}", pd.Series(
            index=tests.index, dtype=float)), strict=True))
        ranked["test_value"] = ranked["tags.autodata.trial"].map(test_by_trial)
        sweep = str(group["tags.autodata.sweep"].dropna().iloc[0]) if "tags.autodata.sweep" in group and \
            group["tags.autodata.sweep"].notna().any() else str(study)
        out.append(Section("sweep", f"sweep {sweep}, study {study}: {len(ranked)} {split} candidates", ranked))
    generations = frame[kinds == "generation"]
    if not generations.empty:
        out.append(Section("generation", f"generations: {len(generations)} runs",
                           _ranked(generations, f"metrics.{metric}", metric)))
    cells = frame[kinds == "ablation_cell"]
    if not cells.empty:
        out.append(Section("ablation", f"ablation cells: {len(cells)} runs", _ranked(cells, f"metrics.{metric}", metric)))
    return out


def _objectives(experiment: str, study: str) -> list[dict[str, Any]]:
    frame = mlflow.search_runs(experiment_names=[experiment],
                               filter_string=f"tags.`autodata.kind` = 'sweep' and tags.`autodata.study` = '{study}'")
    if frame.empty or "params.search.objectives" not in frame:
        return [{"metric": "acceptance_rate", "direction": "maximize"}]
    return json.loads(frame.iloc[0]["params.search.objectives"])


def plot(experiment: str, frame: pd.DataFrame, path: Path, metric: str = "acceptance_rate",
         objectives_of: Callable[[str], list[dict[str, Any]]] | None = None) -> Path:
    """Sweeps: ``metric`` on validation by candidate index, one best-so-far line per sweep (and the
    Pareto front of a two-objective sweep); generations and ablation cells: one bar per run.
    ``objectives_of(study)``: a sweep's objectives (default: from its parent run in MLflow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objectives_of = objectives_of or (lambda study: _objectives(experiment, study))
    found = sections(frame, metric)
    sweeps = [s for s in found if s.kind == "sweep" and not s.rows.empty]
    others = [s for s in found if s.kind != "sweep"]
    pareto = [s for s in sweeps if len(objectives_of(s.rows["tags.autodata.study"].iloc[0])) > 1]
    panels = (1 if sweeps else 0) + (1 if pareto else 0) + len(others)
    if panels == 0:
        raise ValueError(f"experiment '{experiment}' has no run to plot")
    figure, axes = plt.subplots(1, panels, figsize=(7 * panels, 4.5), squeeze=False)
    slots = iter(axes[0])
    if sweeps:
        ax = next(slots)
        for section in sweeps:
            rows = section.rows.assign(trial=section.rows["tags.autodata.trial"].astype(int)).sort_values("trial")
            label = str(rows["tags.autodata.study"].iloc[0]) if not rows.empty else section.title
            points = ax.scatter(rows["trial"], rows["value"], s=14, alpha=0.6)
            best = rows["value"].cummax() if direction(metric) == "maximize" else rows["value"].cummin()
            ax.step(rows["trial"], best, where="post", color=points.get_facecolor()[0], label=f"{label} (best so far)")
        ax.set_xlabel("candidate index (trial)")
        ax.set_ylabel(f"validation/{metric}")
        ax.set_title(f"{experiment}: score by candidate, one line per sweep")
        ax.legend(fontsize=8)
    for section in pareto:
        ax = next(slots)
        objectives = objectives_of(section.rows["tags.autodata.study"].iloc[0])[:2]
        names = [f"metrics.validation/{o['metric']}" for o in objectives]
        directions = [o.get("direction", "maximize") for o in objectives]
        points = section.rows[names].dropna().to_numpy().tolist()
        front = sorted(p for p in points if not any(dominates(q, p, directions) for q in points))
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=18, label="candidates")
        ax.plot([p[0] for p in front], [p[1] for p in front], color="tab:red", marker="o", label="Pareto front")
        ax.set_xlabel(objectives[0]["metric"])
        ax.set_ylabel(objectives[1]["metric"])
        ax.legend()
        break  # one Pareto panel: the first two-objective sweep
    for section in others:
        ax = next(slots)
        label = "tags.autodata.cell" if section.kind == "ablation" else "tags.mlflow.runName"
        rows = section.rows.dropna(subset=["value"])
        ax.barh([str(v) for v in rows[label]], rows["value"])
        ax.invert_yaxis()
        ax.set_xlabel(metric)
        ax.set_title(section.title)
    simulated = (frame.get("tags.simulated", pd.Series(dtype=object)) == "true").any()
    if simulated:
        figure.suptitle("SIMULATED (offline world)", color="darkorange")
    figure.tight_layout()
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
