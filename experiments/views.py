"""What the MLflow UI opens on: a saved runs-table view per experiment, and gene texts as
versioned prompts.

MLflow 3.15+ keeps shareable runs-table views as experiment tags (``mlflow.sharedViewState.<key>``)
and opens one from ``#/experiments/<id>/runs?viewStateShareKey=<key>``: the selected columns,
their order, the sort and the search filter. autodata writes one (``autodata``) whose columns are
the numbers a researcher compares harnesses by: validation and test acceptance, cost per
accepted sample, the operator and the split. ``autodata ui`` prints its address.

Gene texts are registered in MLflow's prompt registry (``<experiment>.<gene>``), one version per
distinct text, tagged with its prompt-bank id and linked to the runs that used it; the sweep's
seed and best texts get the aliases ``seed`` and ``best``, so the Prompts page shows the two
side by side and diffs any two versions.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from mlflow import MlflowClient

VIEW_KEY = "autodata"
VIEW_TAG = f"mlflow.sharedViewState.{VIEW_KEY}"
TEXT_ID_TAG = "autodata.text_id"


def metric_column(name: str) -> str:
    return f"metrics.`{name}`"


def view_state(columns: list[str], order_by: str, ascending: bool = False, search_filter: str = "") -> dict[str, Any]:
    """A runs-table view as the UI reads it back (columns in its canonical ``metrics.`name``` form)."""
    return {"selectedColumns": columns, "columnOrder": columns, "orderByKey": order_by, "orderByAsc": ascending,
            "searchFilter": search_filter, "runsExpanded": {}}


SWEEP_COLUMNS = [
    metric_column("validation/acceptance_rate"), metric_column("test/acceptance_rate"),
    metric_column("validation/calls_per_accepted"), metric_column("test/calls_per_accepted"),
    metric_column("validation/gap_mean"), "tags.`autodata.operator`", "tags.`autodata.accepted`",
]
GENERATION_COLUMNS = [metric_column(name) for name in ("acceptance_rate", "calls_per_accepted", "gap_mean", "weak_mean")]


def save_view(client: MlflowClient, experiment_id: str, sweep: bool) -> str:
    """Writes the experiment's ``autodata`` view; returns its address relative to the UI's root."""
    if sweep:  # one row per candidate harness: its validation run, which also carries its test numbers
        state = view_state(SWEEP_COLUMNS, metric_column("validation/acceptance_rate"),
                           search_filter="tags.`autodata.split` = 'validation'")
    else:
        state = view_state(GENERATION_COLUMNS, metric_column("acceptance_rate"))
    value = json.dumps(state, separators=(",", ":"))
    raced(lambda: client.set_experiment_tag(experiment_id, VIEW_TAG, value))
    return view_url(experiment_id)


T = TypeVar("T")


def raced(write: Callable[[], T], attempts: int = 5) -> T:
    """``write()``, again after a short wait if it fails: workers on several machines write the same
    experiment tag or register the same prompt at once, and on a database store the loser's
    insert meets the winner's new row (a unique violation, through a server a 400); written again,
    it finds the row and updates it."""
    for attempt in range(attempts):
        try:
            return write()
        except Exception:  # MlflowException or RestException wrapping the database's error
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


def view_url(experiment_id: str) -> str:
    return f"#/experiments/{experiment_id}/runs?viewStateShareKey={VIEW_KEY}"


def compare_url(experiment_id: str, run_ids: list[str]) -> str:
    """MLflow's side-by-side page: params (the gene texts, wrapped, with a diff-only switch) and metrics."""
    return f"#/compare-runs?runs={json.dumps(run_ids)}&experiments={json.dumps([experiment_id])}"


def prompt_name(experiment: str, gene: str) -> str:
    # The registry takes letters, digits, '-', '_' and '.' in a name.
    return re.sub(r"[^A-Za-z0-9_.\-]", "-", f"{experiment}.{gene}")


class PromptRegistry:
    """Gene texts as prompt versions: one version per distinct text (found again by its bank id)."""

    def __init__(self, client: MlflowClient, experiment: str) -> None:
        self.client, self.experiment = client, experiment
        self._known: dict[tuple[str, str], Any] = {}  # (gene, text id) -> PromptVersion

    def version(self, gene: str, text: str, text_id: str) -> Any:
        key = (gene, text_id)
        if key not in self._known:
            # Looked up again on each attempt: another worker registering the same prompt at once
            # makes this one's registration fail, and then its version is there to find.
            self._known[key] = raced(lambda: self._find(gene, text_id) or self.client.register_prompt(
                prompt_name(self.experiment, gene), text, commit_message=f"gene text {text_id}",
                tags={TEXT_ID_TAG: text_id}))
        return self._known[key]

    def _find(self, gene: str, text_id: str) -> Any:
        try:
            for version in self.client.search_prompt_versions(prompt_name(self.experiment, gene)):
                if version.tags.get(TEXT_ID_TAG) == text_id:
                    return version
        except Exception:  # no prompt of that name yet
            return None
        return None

    def link(self, run_id: str, genes: dict[str, str], ids: dict[str, str]) -> None:
        for gene, text in genes.items():
            self.client.link_prompt_version_to_run(run_id, self.version(gene, text, ids[gene]))

    def alias(self, alias: str, genes: dict[str, str], ids: dict[str, str]) -> None:
        for gene, text in genes.items():
            version = self.version(gene, text, ids[gene])
            # Workers closing one study at once set the same alias: the loser's insert meets the
            # winner's row (a unique violation through the server); set again, it updates it.
            raced(lambda v=version: self.client.set_prompt_alias(v.name, alias, v.version))
