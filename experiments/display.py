"""Rich output for the CLI: live progress of a generation and summary tables."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from harness.generate import Progress as RunProgress

SIM_LABEL = "[bold yellow]SIMULATED[/] (offline world: numbers describe the simulator, not any real model)"


def tokens_label(simulated: bool) -> str:
    """Simulated replies are counted at characters / 4, not by a tokenizer: say so where shown."""
    return "tokens (estimated: simulated replies count characters / 4)" if simulated else "tokens"


def simulation_label(summary: dict[str, Any]) -> str:
    """The SIMULATED label where it applies: the whole run, or the roles the offline world played."""
    if not summary.get("simulated"):
        return "real endpoints"
    simulated, real = summary.get("simulated_roles"), summary.get("real_roles")
    if not real or simulated is None:
        return SIM_LABEL
    return (f"[bold yellow]SIMULATED[/] roles (offline world): {', '.join(simulated)}; "
            f"real models: {', '.join(real)}")


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


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
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
    ("error rounds", "error_rounds"),
    ("documents stopped for errors", "documents_stopped_for_errors"),
    ("unusable replies", "parse_failures_total"),
    ("LM calls", "calls_total"),
)


def _parse_failures(summary: dict[str, Any]) -> str:
    failures = summary.get("parse_failures") or {}
    return "; ".join(f"{role}: {_fmt(reasons)}" for role, reasons in failures.items()) or "none"



def summary_table(summaries: dict[str, dict[str, Any]], title: str) -> Table:
    """One column per run (e.g. per preset), one row per summary key."""
    labels = {simulation_label(s) for s in summaries.values()}
    caption = labels.pop() if len(labels) == 1 else SIM_LABEL
    table = Table(title=title, caption=caption, show_lines=False)
    table.add_column("metric", style="bold")
    for name in summaries:
        table.add_column(name, justify="right")
    for label, key in SUMMARY_ROWS:
        table.add_row(label, *(_fmt(s.get(key)) for s in summaries.values()))
    if any(s.get("parse_failures") for s in summaries.values()):
        table.add_row("unusable replies by role", *(_parse_failures(s) for s in summaries.values()))
    return table


def scorecard_table(card: Any, title: str) -> Table:
    """The scorecard grouped by objective, with each metric's direction."""
    arrows = {"maximize": "up", "minimize": "down", "none": ""}
    label = simulation_label({"simulated": card.simulated, "simulated_roles": card.simulated_roles or None,
                              "real_roles": None})
    # Partly simulated: provenance (harness/provenance.py) named some of the run's roles, not all.
    if card.simulated and card.simulated_roles and card.roles and set(card.simulated_roles) < set(card.roles):
        label = f"[bold yellow]SIMULATED[/] roles (offline world): {', '.join(card.simulated_roles)}"
    table = Table(title=title, caption=f"{label}; cost: {card.cost_note}")
    table.add_column("group", style="dim")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right")
    table.add_column("better", justify="center")
    for name, metric in card.metrics.items():
        if metric.value is None and metric.group in ("downstream", "diversity") and name != "downstream_reward":
            continue
        shown = f"{name} (estimated)" if card.simulated and "tokens" in name else name  # tokens_label's reason
        table.add_row(metric.group, shown, _fmt(metric.value), arrows[metric.direction])
    for role, reasons in card.parse_failures.items():
        table.add_row("reliability", f"unusable replies ({role})", _fmt(reasons), "down")
    for name, value in (getattr(card, "protocol", None) or {}).items():  # the protocol's own statistics
        table.add_row("protocol", name, _fmt(value), "")
    if card.downstream is not None:
        d = card.downstream
        status = "ok" if d.ok else f"[red]FAILED[/]: {d.reason}"
        table.add_row("downstream", f"trainer {d.trainer}", status, "")
    return table


def downstream_table(rewards: dict[str, list[tuple[int, Any]]], trainer: str) -> Table:
    """Downstream reward per preset over seeds (same number of samples per seed)."""
    simulated = any(r.simulated for runs in rewards.values() for _, r in runs if r is not None)
    table = Table(title=f"downstream reward ({trainer}), same number of samples per seed",
                  caption=SIM_LABEL if simulated else None)
    table.add_column("preset", style="bold")
    table.add_column("samples", justify="right")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_column("gain per seed", justify="right")
    table.add_column("mean gain", justify="right")
    for name, runs in rewards.items():
        ok = [r for _, r in runs if r is not None and r.ok]
        gains = [r.reward for r in ok]
        table.add_row(
            name,
            ", ".join(str(n) for n, _ in runs),
            _fmt(sum(r.before for r in ok) / len(ok)) if ok else "-",
            _fmt(sum(r.after for r in ok) / len(ok)) if ok else "-",
            ", ".join(f"{g:+.3f}" for g in gains) or "failed",
            f"{sum(gains) / len(gains):+.3f}" if gains else "-",
        )
    return table


class SweepProgress:
    """Live sweep progress: candidates done of the budget, best validation score, budget spent."""

    def __init__(self, console: Console, budget: int, label: str) -> None:
        self.progress = Progress(
            TextColumn(f"[bold]{label}[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("candidates  best {task.fields[best]}  accepted {task.fields[accepted]}  "
                       "screened {task.fields[screened]}  rejected {task.fields[rejected]}  calls {task.fields[calls]}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task(label, total=budget, best="-", accepted=0, screened=0, rejected=0, calls=0)
        self.calls = 0.0

    def __enter__(self) -> SweepProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, event: Any) -> None:
        kind = type(event).__name__
        task = self.progress.tasks[0]
        if kind == "CandidateFinished":
            self.calls += event.cost.get("calls", 0)
            self.progress.update(self.task, advance=1, calls=f"{self.calls:.0f}",
                                 accepted=task.fields["accepted"] + int(event.accepted),
                                 screened=task.fields["screened"] + int(event.state == "screened_out"))
        elif kind == "NewBest":
            self.progress.update(self.task, best=f"{event.score:.3f} (#{event.number})")
        elif kind == "ProposalRejected":
            self.progress.update(self.task, rejected=task.fields["rejected"] + 1)


def pareto_table(report: dict[str, Any]) -> Table | None:
    """The validation Pareto front of a multi-objective sweep (acceptance against cost), with test numbers."""
    front = report.get("pareto") or []
    if not front:
        return None
    names = [o["metric"] for o in report["objectives"]]
    table = Table(title="Pareto front (validation; " + ", ".join(
        f"{o['metric']} {o['direction']}" for o in report["objectives"]) + ")",
        caption=SIM_LABEL if report["simulated"] else None)
    for column in ("trial", "operator", *(f"val {n}" for n in names), "test acceptance", "test calls / accepted"):
        table.add_column(column, justify="right")
    for row in sorted(front, key=lambda r: r["validation_values"][0], reverse=True):
        table.add_row(str(row["trial"]), str(row["operator"]), *(_fmt(v) for v in row["validation_values"]),
                      _fmt(row["test_acceptance"]), _fmt(row.get("test_calls_per_accepted"), 1))
    return table


def report_table(report: dict[str, Any]) -> Table:
    table = Table(title=f"sweep report: {report['study']}", caption=SIM_LABEL if report["simulated"] else None)
    table.add_column("harness", style="bold")
    table.add_column("trial", justify="right")
    table.add_column("operator")
    table.add_column("validation acceptance", justify="right")
    table.add_column("test acceptance", justify="right")
    table.add_column("test calls / accepted", justify="right")
    for label, row in (("seed", report["seed"]), ("best", report["best"])):
        table.add_row(label, str(row["trial"]), str(row["operator"]), _fmt(row["validation_acceptance"]),
                      _fmt(row["test_acceptance"]), _fmt(row.get("test_calls_per_accepted"), 1))
    gain = report["gain"]
    table.add_row("gain", "", "", f"{gain['validation_acceptance']:+.3f}", f"{gain['test_acceptance']:+.3f}", "")
    flagged = report.get("mostly_errors") or []
    if flagged:
        table.caption = ((table.caption + "; ") if table.caption else "") + (
            f"[bold red]mostly error rounds[/] (no usable sample; their scores say nothing): trials "
            f"{', '.join(map(str, flagged))}")
    return table
