"""Rich output for the CLI: live progress of a generation and summary tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.generate import Progress as RunProgress

SIM_LABEL = "[bold yellow]SIMULATED[/] (offline world: numbers describe the simulator, not any real model)"


class GenerationProgress:
    """A progress bar over documents with accepted count, acceptance rate and calls/s."""

    def __init__(self, console: Console, total: int, label: str) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{label}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("docs  accepted {task.fields[accepted]}  rate {task.fields[rate]}  "
                       "rounds {task.fields[rounds]}  {task.fields[cps]} calls/s"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.progress.add_task(label, total=total, accepted=0, rate="-", rounds=0, cps="-")

    def __enter__(self) -> GenerationProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def update(self, p: RunProgress) -> None:
        rate = f"{p.accepted / p.documents_done:.0%}" if p.documents_done else "-"
        cps = f"{p.calls / p.elapsed_s:.0f}" if p.elapsed_s > 0 else "-"
        self.progress.update(self.task, completed=p.documents_done, accepted=p.accepted, rate=rate,
                             rounds=p.rounds, cps=cps)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if v) or "-"
    return str(value)


SUMMARY_ROWS = (
    ("documents", "documents"),
    ("documents skipped", "documents_skipped"),
    ("rounds", "rounds"),
    ("accepted samples", "accepted"),
    ("acceptance rate", "acceptance_rate"),
    ("weak mean (dataset)", "weak_mean"),
    ("strong mean (dataset)", "strong_mean"),
    ("gap mean (dataset)", "gap_mean"),
    ("rounds per accepted", "rounds_per_accepted"),
    ("failure reasons", "failure_reasons"),
    ("LM calls", "calls_total"),
)


def summary_table(summaries: dict[str, dict[str, Any]], title: str) -> Table:
    """One column per run (e.g. per preset), one row per summary key."""
    simulated = any(s.get("simulated") for s in summaries.values())
    caption = SIM_LABEL if simulated else "real endpoints"
    table = Table(title=title, caption=caption, show_lines=False)
    table.add_column("metric", style="bold")
    for name in summaries:
        table.add_column(name, justify="right")
    for label, key in SUMMARY_ROWS:
        table.add_row(label, *(_fmt(s.get(key)) for s in summaries.values()))
    return table
