"""The search-efficiency benchmark's protocol: one world's measurements (offline world, SIMULATED).

Everything a strategy is scored on is measured the same way: a harness generates on a fixed set
of documents with a fixed run seed (common random numbers: the seed harness, the world's
optimum, the power probe and every strategy's pick meet the same documents and seeds), and the
scorecard's first objective (by default accepted samples per 1,000 LM calls) is read from it.
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from harness.config import HarnessConfig
from harness.documents import DocumentSet
from harness.generate import run_generation
from harness.models import ModelRegistry
from harness.sim import advice
from harness.sim.engine import SimEngine
from harness.sim.intent import Intent
from objectives.evaluate import score_run
from search.config import SweepConfig
from search.evaluation import Evaluator
from search.operators.base import Member
from search.space import build_harness
from search.sweep import Sweep

TOP = 3  # candidates re-evaluated on fresh seeds before a strategy's best is named
FRESH_SEED = 1000  # offset of the re-evaluation's run seed from the sweep's


def measure(config: HarnessConfig, docs: DocumentSet, seed: int, metric: str,
            intent: Intent | None = None) -> tuple[float, float, float]:
    """(objective, acceptance, calls) of ``config`` on ``docs`` with run seed ``seed``; ``intent``
    forces the challenger's intent (the optimum's point, unreachable through any text)."""
    config = config.model_copy(update={"seed": seed})
    engine = SimEngine(world_seed=config.documents.world_seed, forced_intent=intent) if intent else None
    registry = ModelRegistry(config.models, config.runtime, engine=engine, world_seed=config.documents.world_seed)
    with tempfile.TemporaryDirectory(prefix="autodata-bench-") as tmp:
        asyncio.run(run_generation(config, docs, Path(tmp), registry=registry))
        card = score_run(Path(tmp), config)
    return card.value(metric) or 0.0, card.value("acceptance_rate") or 0.0, card.value("calls") or 0.0


@dataclass(frozen=True)
class TextIntent:
    """What a challenger text can ask for: a step count, an exception, a red herring."""

    depth: int
    exception: bool
    distractors: bool


TEXT_GRID = [TextIntent(d, e, x) for d in range(2, 8) for e in (False, True) for x in (False, True)]


def write_genes(seed: HarnessConfig, point: TextIntent, rng: random.Random) -> dict[str, str]:
    """The seed's texts with ``point`` written into the challenger's instructions, in the
    simulated advisors' words (their phrase generator; the world's reader is never consulted),
    with the quality advice (no leaks, self-contained context, checked reference, typed, weighted
    rubric) every point shares. A new ``rng`` words the same point differently."""
    sentences = [advice.say(advice.DEEPER, rng, point.depth)]
    if point.exception:
        sentences.append(advice.say(advice.EXCEPTION, rng))
    if point.distractors:
        sentences.append(advice.say(advice.DISTRACTOR, rng))
    sentences += [advice.say(idea, rng) for idea in (advice.NO_LEAK, advice.SELF_CONTAINED, advice.VERIFY_REFERENCE,
                                                     advice.LABEL_TYPE, advice.RUBRIC_WEIGHTS)]
    genes = seed.genes.model_dump()
    genes["challenger_instructions"] = genes["challenger_instructions"].rstrip() + "\n" + " ".join(sentences)
    return genes


@dataclass
class TextOptimum:
    point: TextIntent
    knobs: dict[str, Any]
    genes: dict[str, str]
    validation: float  # mean over the search seed and the confirmation seed
    calls: float  # LM calls the search spent
    evaluated: int


def text_optimum(seed: HarnessConfig, docs: DocumentSet, world: int, metric: str, knob_grid: dict[str, tuple],
                 run_seed: int, knob_samples: int = 8) -> TextOptimum:
    """The best harness of the sweep's own space that a text can reach, on the validation documents.

    Every text intent (``TEXT_GRID``) written into the seed's texts at the seed's knobs; the sweep's
    knobs (its ranges, ``knob_grid``) tried for the best intent (both ends of ``round_budget`` and
    ``knob_samples`` random settings); the top 3 confirmed on a fresh seed, the best by the mean."""
    rng = random.Random(f"text-optimum:{world}")
    spent, scored = 0.0, []
    seed_knobs = {name: getattr(seed.knobs, name) for name in knob_grid}

    def trial(point: TextIntent, knobs: dict[str, Any]) -> None:
        nonlocal spent
        genes = write_genes(seed, point, random.Random(f"{world}:{point}"))
        value, _, calls = measure(build_harness(seed, knobs, genes), docs, run_seed, metric)
        spent += calls
        scored.append((value, point, knobs, genes))

    for point in TEXT_GRID:
        trial(point, seed_knobs)
    top_point = max(scored, key=lambda item: item[0])[1]
    settings = [{name: rng.choice(values) for name, values in knob_grid.items()} for _ in range(knob_samples)]
    if "round_budget" in knob_grid:
        ends = (min(knob_grid["round_budget"]), max(knob_grid["round_budget"]))
        settings[:0] = [{**seed_knobs, "round_budget": end} for end in ends]
    for knobs in settings:
        trial(top_point, knobs)
    confirmed = []
    for value, point, knobs, genes in sorted(scored, key=lambda item: -item[0])[:TOP]:
        again, _, calls = measure(build_harness(seed, knobs, genes), docs, run_seed + FRESH_SEED, metric)
        spent += calls
        confirmed.append(((value + again) / 2, point, knobs, genes))
    best = max(confirmed, key=lambda item: item[0])
    return TextOptimum(best[1], best[2], best[3], best[0], spent, len(scored) + len(confirmed))


@dataclass
class StrategyRun:
    name: str
    config: HarnessConfig  # the strategy's named best
    validation: float  # its mean objective over the sweep's seed and the fresh seed
    calls: float  # LM calls the sweep spent, everything counted
    proposer_calls: float
    candidates: int
    improved: int  # children that beat their parent on validation
    children: int  # children evaluated on every validation document
    raced: int = 0  # children stopped by racing on the first validation documents (search/racing.py)
    test: float = 0.0
    test_acceptance: float = 0.0
    gap: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def run_strategy(name: str, config: SweepConfig, out: Path) -> StrategyRun:
    """One sweep; the top candidates re-evaluated on a fresh seed; the best by the mean named."""
    sweep = Sweep(config, out, storage=f"sqlite:///{out}/optuna.db")
    spent = asyncio.run(sweep.run())
    sweep.refresh()
    members: list[Member] = sorted(sweep.state.members.values(), key=lambda m: m.score, reverse=True)[:TOP]
    fresh = Evaluator(out / "fresh", sweep.splits, sweep.spec, config.seed + FRESH_SEED)

    def mean_score(member: Member) -> float:
        again = asyncio.run(fresh.evaluate(build_harness(sweep.seed_config, member.knobs, member.genes), "validation"))
        return (member.score + again.score) / 2

    scored = [(mean_score(m), m) for m in members]
    best_score, best = max(scored, key=lambda pair: pair[0])
    children = [t for t in sweep.trials() if t.user_attrs.get("operator") not in (None, "seed")
                and t.user_attrs.get("validation_score") is not None]
    return StrategyRun(name, build_harness(sweep.seed_config, best.knobs, best.genes), best_score, spent.calls,
                       spent.proposer_calls, spent.candidates, sum(bool(t.user_attrs.get("accepted")) for t in children),
                       len(children), raced=sum("raced_out" in t.user_attrs for t in sweep.trials()))


def gap_closed(value: float, seed: float, optimum: float) -> float:
    """Fraction of the seed -> optimum gap closed (1: the optimum; 0: no better than the seed)."""
    gap = optimum - seed
    return (value - seed) / gap if abs(gap) > 1e-9 else float("nan")


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval over worlds (0 for a single value)."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return float("nan"), float("nan")
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def bootstrap(rows: list, stat, seed: int = 0, resamples: int = 4000) -> tuple[float, float, float]:
    """``stat(rows)`` and its 95% percentile interval, worlds resampled with replacement (nan
    resamples, e.g. a non-positive denominator, are dropped)."""
    point = stat(rows)
    rng = random.Random(seed)
    boots = sorted(v for v in (stat([rng.choice(rows) for _ in rows]) for _ in range(resamples)) if not math.isnan(v))
    if not boots:
        return point, float("nan"), float("nan")
    return point, boots[int(0.025 * len(boots))], boots[max(0, int(0.975 * len(boots)) - 1)]


def pooled_gap(rows: list[dict], name: str) -> float:
    """Fraction of the gap closed, pooled over worlds: sum(pick - seed) / sum(optimum - seed).
    Pooled, because a world whose seed is already near its optimum makes a per-world fraction explode."""
    gap = sum(r["optimum_test"] - r["seed_test"] for r in rows)
    return sum(r["tests"][name] - r["seed_test"] for r in rows) / gap if gap > 0 else float("nan")


def ratio_ci(numerator: list[float], denominator: list[float], seed: int = 0,
             resamples: int = 4000) -> tuple[float, float, float]:
    """Ratio of means over worlds, with a 95% percentile bootstrap interval (worlds resampled,
    paired). Undefined (nan) when the denominator's mean is not positive."""
    pairs = [(a, b) for a, b in zip(numerator, denominator, strict=True) if not (math.isnan(a) or math.isnan(b))]
    if not pairs:
        return float("nan"), float("nan"), float("nan")

    def ratio(sample: list[tuple[float, float]]) -> float:
        down = statistics.fmean(b for _, b in sample)
        return statistics.fmean(a for a, _ in sample) / down if down > 0 else float("nan")

    rng = random.Random(seed)
    boots = sorted(r for r in (ratio([rng.choice(pairs) for _ in pairs]) for _ in range(resamples))
                   if not math.isnan(r))
    if not boots:
        return ratio(pairs), float("nan"), float("nan")
    return ratio(pairs), boots[int(0.025 * len(boots))], boots[int(0.975 * len(boots)) - 1]
