"""The scorecard: every objective of a generation in one typed record, each with a direction.

It also says what went wrong: unusable replies per role and reason (``parse_failures``), and the
share of rounds recorded as ``error`` (``error_round_rate``); cost totals come from the run's
``spend.jsonl`` when it has one, so they agree with what the budget charged.

``scalar(weights)`` folds chosen metrics into one number to maximize (a minimized metric counts
negatively); ``vector(names)`` gives values and directions for multi-objective search. The
default scalar is the acceptance rate, the paper's meta-optimization signal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from harness.generate import SPEND_FILE
from harness.records import RoundRecord, read_jsonl
from objectives.cost import cost
from objectives.discrimination import DIFFICULTY_BINS, discrimination
from objectives.diversity import Embedder, diversity
from objectives.downstream.base import DownstreamResult
from objectives.protocol_stats import protocol_stats
from objectives.quality import quality
from objectives.run import RunRecords

Direction = Literal["maximize", "minimize", "none"]
DEFAULT_WEIGHTS = {"acceptance_rate": 1.0}

# name -> (group, direction)
METRICS: dict[str, tuple[str, Direction]] = {
    "acceptance_rate": ("discrimination", "maximize"),
    "accepted": ("discrimination", "maximize"),
    "weak_mean": ("discrimination", "minimize"),
    "strong_mean": ("discrimination", "none"),
    "gap_mean": ("discrimination", "maximize"),
    "confusion_rate": ("discrimination", "minimize"),
    "weak_std_mean": ("discrimination", "none"),
    "rounds_per_accepted": ("discrimination", "minimize"),
    "final_qv_pass_rate": ("quality", "maximize"),
    "leakage_rate": ("quality", "minimize"),
    "injected_instructions": ("quality", "minimize"),
    "injection_rate": ("quality", "minimize"),
    "auditor_overruled": ("quality", "minimize"),
    "rubric_format_failure_rate": ("quality", "minimize"),
    "answer_consistency": ("quality", "maximize"),
    "distinct_1": ("diversity", "maximize"),
    "distinct_2": ("diversity", "maximize"),
    "pairwise_similarity": ("diversity", "minimize"),
    "near_duplicate_rate": ("diversity", "minimize"),
    "embedding_dispersion": ("diversity", "maximize"),
    "error_round_rate": ("reliability", "minimize"),
    "parse_failure_rate": ("reliability", "minimize"),
    "calls": ("cost", "minimize"),
    "input_tokens": ("cost", "minimize"),
    "cached_input_tokens": ("cost", "none"),  # part of input_tokens: served from the endpoint's prompt cache
    "output_tokens": ("cost", "minimize"),
    "dollars": ("cost", "minimize"),
    "calls_per_accepted": ("cost", "minimize"),
    "accepted_per_kcall": ("cost", "maximize"),
    "tokens_per_accepted": ("cost", "minimize"),
    "dollars_per_accepted": ("cost", "minimize"),
    "downstream_reward": ("downstream", "maximize"),
    "downstream_before": ("downstream", "none"),
    "downstream_after": ("downstream", "maximize"),
}


class Metric(BaseModel):
    value: float | None
    group: str
    direction: Direction


class Scorecard(BaseModel):
    simulated: bool
    harness_hash: str | None = None
    preset: str | None = None
    seed: int | None = None
    documents: int
    metrics: dict[str, Metric]
    failure_mix: dict[str, float] = Field(default_factory=dict)
    failure_counts: dict[str, int] = Field(default_factory=dict)
    difficulty_histogram: list[int] = Field(default_factory=list)
    difficulty_bins: list[str] = Field(default_factory=list)
    cost_by_role: dict[str, dict[str, Any]] = Field(default_factory=dict)
    cost_note: str = ""
    parse_failures: dict[str, dict[str, int]] = Field(default_factory=dict)
    error_rounds: int = 0
    unrecorded_calls: int = 0
    simulated_roles: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)  # every role the run called (its summary's models)
    # The acceptance protocol's own statistics (objectives/protocol_stats.py).
    protocol: dict[str, Any] = Field(default_factory=dict)
    downstream: DownstreamResult | None = None
    complete: bool = True
    problems: list[str] = Field(default_factory=list)

    def value(self, name: str) -> float | None:
        if name not in self.metrics:
            raise KeyError(f"unknown metric '{name}'; known: {', '.join(sorted(self.metrics))}")
        return self.metrics[name].value

    def scalar(self, weights: dict[str, float] | None = None) -> float:
        """Sum of weight x value, with minimized metrics counted negatively; None counts as 0."""
        total = 0.0
        for name, weight in (weights or DEFAULT_WEIGHTS).items():
            metric = self.metrics.get(name)
            if metric is None:
                raise KeyError(f"unknown metric '{name}'; known: {', '.join(sorted(self.metrics))}")
            sign = -1.0 if metric.direction == "minimize" else 1.0
            total += sign * weight * (metric.value or 0.0)
        return total

    def vector(self, names: list[str]) -> tuple[list[float], list[Direction]]:
        values, directions = [], []
        for name in names:
            metric = self.metrics.get(name)
            if metric is None:
                raise KeyError(f"unknown metric '{name}'; known: {', '.join(sorted(self.metrics))}")
            values.append(metric.value if metric.value is not None else 0.0)
            directions.append(metric.direction)
        return values, directions


def parse_failures(rounds: list[RoundRecord]) -> dict[str, dict[str, int]]:
    """Unusable replies per role and reason (``failed.<reason>`` in the rounds' usage)."""
    out: dict[str, dict[str, int]] = {}
    for record in rounds:
        for role, usage in record.usage.items():
            for key, value in usage.items():
                if key.startswith("failed.") and value:
                    entry = out.setdefault(role, {})
                    entry[key.removeprefix("failed.")] = entry.get(key.removeprefix("failed."), 0) + value
    return {role: dict(sorted(v.items())) for role, v in sorted(out.items())}


def _metric(name: str, value: float | int | None) -> Metric:
    group, direction = METRICS[name]
    return Metric(value=None if value is None else float(value), group=group, direction=direction)


def build_scorecard(run: RunRecords, downstream: DownstreamResult | None = None,
                    embedder: Embedder | None = None) -> Scorecard:
    knobs = run.resolved.get("config", {}).get("knobs", {})
    d = discrimination(run.rounds, run.accepted, run.documents)
    q = quality(run.rounds, knobs.get("rubric_min", 1), knobs.get("rubric_max", 50))
    v = diversity([f"{a.sample.question}\n{a.sample.context}" for a in run.accepted], embedder=embedder)
    spend_rows = read_jsonl(run.out / SPEND_FILE) if run.out is not None else None
    c = cost(run.rounds, run.models, len(run.accepted), spend_rows)
    failures = parse_failures(run.rounds)
    attempts = sum(u.get("attempts", 0) for r in run.rounds for u in r.usage.values())
    errors = sum(1 for r in run.rounds if r.decision == "error")
    values: dict[str, float | int | None] = {
        # A candidate whose data carries planted instructions scores 0 (docs/guard.md): a hack must not pay.
        "acceptance_rate": 0.0 if q.injected else d.acceptance_rate,
        "accepted": d.accepted,
        "weak_mean": d.weak_mean,
        "strong_mean": d.strong_mean,
        "gap_mean": d.gap_mean,
        "confusion_rate": d.confusion_rate,
        "weak_std_mean": d.weak_std_mean,
        "rounds_per_accepted": d.rounds_per_accepted,
        "final_qv_pass_rate": q.final_qv_pass_rate,
        "leakage_rate": q.leakage_rate,
        "injected_instructions": q.injected,
        "injection_rate": q.injection_rate,
        "auditor_overruled": q.auditor_overruled,
        "rubric_format_failure_rate": q.rubric_format_failure_rate,
        "answer_consistency": q.answer_consistency,
        "distinct_1": v.distinct_1,
        "distinct_2": v.distinct_2,
        "pairwise_similarity": v.pairwise_similarity,
        "near_duplicate_rate": v.near_duplicate_rate,
        "embedding_dispersion": v.embedding_dispersion,
        "error_round_rate": errors / len(run.rounds) if run.rounds else None,
        "parse_failure_rate": sum(sum(v.values()) for v in failures.values()) / attempts if attempts else None,
        "calls": c.calls,
        "input_tokens": c.input_tokens,
        "cached_input_tokens": c.cached_input_tokens,
        "output_tokens": c.output_tokens,
        "dollars": c.dollars,
        "calls_per_accepted": c.calls_per_accepted,
        "accepted_per_kcall": c.accepted_per_kcall,
        "tokens_per_accepted": c.tokens_per_accepted,
        "dollars_per_accepted": c.dollars_per_accepted,
        "downstream_reward": downstream.reward if downstream and downstream.ok else None,
        "downstream_before": downstream.before if downstream and downstream.ok else None,
        "downstream_after": downstream.after if downstream and downstream.ok else None,
    }
    problems = []
    if downstream is not None and not downstream.ok:
        stderr = downstream.details.get("stderr")
        tail = f" (stderr: {stderr.splitlines()[-1]})" if stderr and stderr.strip() else ""
        problems.append(f"downstream evaluation ({downstream.trainer}) failed: {downstream.reason}{tail}")
    width = 1.0 / DIFFICULTY_BINS
    return Scorecard(
        simulated=run.simulated,
        harness_hash=run.summary.get("harness_hash"),
        preset=run.summary.get("preset"),
        seed=run.summary.get("seed"),
        documents=run.documents,
        metrics={name: _metric(name, value) for name, value in values.items()},
        failure_mix=d.failure_mix,
        failure_counts=d.failure_counts,
        difficulty_histogram=d.difficulty_histogram,
        difficulty_bins=[f"{i * width:.1f}-{(i + 1) * width:.1f}" for i in range(DIFFICULTY_BINS)],
        cost_by_role={role: vars(rc) for role, rc in c.roles.items()},
        cost_note=("offline world: dollars are 0 (simulated, unpriced)" if c.simulated_unpriced else "LiteLLM local price map")
        + f"; totals from {c.source}",
        parse_failures=failures,
        error_rounds=errors,
        unrecorded_calls=c.unrecorded_calls,
        simulated_roles=list(run.summary.get("simulated_roles") or []),
        roles=sorted(run.summary.get("models") or {}),
        protocol=protocol_stats(run.rounds),
        downstream=downstream,
        complete=not problems,
        problems=problems,
    )
