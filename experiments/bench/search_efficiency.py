"""Benchmark: how much of each world's optimum each proposal strategy finds (offline world, SIMULATED).

For every world seed (default: 1001-1005, worlds no constant of the world or of the search was
tuned on), the world's optimum is computed first by searching the world's intent parameters
directly, bypassing the instruction reader (``harness.sim.optimum``): once on the validation
documents, once on the test documents. Then random search, Optuna only, reflective mutation only
and the combined search run over the same space (experiments/configs/sweep_demo.yaml) with the
same LM-call budget, and the benchmark prints, per world and on average over worlds:

- the fraction of the world's test optimum that the best harness's test acceptance reaches;
- how many candidates each strategy needed before its best validation acceptance reached 90% of
  the world's validation optimum ("never" when it did not within the budget);
- the seed harness's and the best harness's validation and test acceptance (the sweep's gain);
- combined / random (fractions of the optimum), per world and on average.

Means over worlds carry 95% t-intervals (n = worlds). The optimum is over fixed intents, so a
strategy whose guidance adapts per document can exceed 1.

    .venv/bin/python experiments/bench/search_efficiency.py [--worlds 1001 1002 1003 1004 1005] [--calls 40000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import optuna
from scipy import stats

from harness import env

env.configure_environment()

from harness.sim.optimum import world_optimum  # noqa: E402
from search.config import load_sweep_config  # noqa: E402
from search.report import build_report  # noqa: E402
from search.sweep import Sweep  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "sweep_demo.yaml"
STRATEGIES = {
    "random": {"optuna": 0.0, "mutation": 0.0, "merge": 0.0, "random": 1.0},
    "optuna only": {"optuna": 1.0, "mutation": 0.0, "merge": 0.0, "random": 0.0},
    "mutation only": {"optuna": 0.0, "mutation": 1.0, "merge": 0.0, "random": 0.0},
    "combined": {"optuna": 0.3, "mutation": 0.5, "merge": 0.2, "random": 0.0},
}
HELD_OUT_WORLDS = (1001, 1002, 1003, 1004, 1005)


@dataclass
class Run:
    test: float
    validation: float
    seed_test: float
    seed_validation: float
    trace: list[float]  # best validation acceptance after each evaluated candidate
    calls: float
    elapsed: float


def run(strategy: str, world: int, seed: int, calls: int, candidates: int) -> Run:
    overrides = {
        "seed": seed,
        "harness.documents.world_seed": world,
        "search.operators": STRATEGIES[strategy],
        "search.budget": {"candidates": candidates, "calls": calls},
        "search.concurrency": 1,  # the order of candidates is then the same on any machine
    }
    config = load_sweep_config(CONFIG, overrides)
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Sweep(config, Path(tmp), storage=f"sqlite:///{tmp}/optuna.db")
        started = time.perf_counter()
        asyncio.run(sweep.run())
        report = asyncio.run(build_report(sweep))
        elapsed = time.perf_counter() - started
    trace, best = [], float("-inf")
    for row in report["candidates"]:
        if row["rejected"]:
            continue
        # The demo sweep's one objective is acceptance, so a candidate's validation score is its
        # validation acceptance.
        if row["validation_score"] is not None and row["accepted"]:
            best = max(best, row["validation_score"])
        trace.append(best)
    return Run(report["best"]["test_acceptance"], report["best"]["validation_acceptance"],
               report["seed"]["test_acceptance"], report["seed"]["validation_acceptance"],
               trace, report["budget"]["calls"], elapsed)


def candidates_to(trace: list[float], target: float) -> int | None:
    for index, value in enumerate(trace, start=1):
        if value >= target - 1e-12:
            return index
    return None


def mean_ci(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (0 for a single value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, 0.0
    half = stats.t.ppf(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return mean, half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, nargs="+", default=list(HELD_OUT_WORLDS))
    parser.add_argument("--seed", type=int, default=0, help="the sweeps' run seed")
    parser.add_argument("--calls", type=int, default=40_000, help="LM-call budget of every run")
    parser.add_argument("--candidates", type=int, default=200, help="candidate cap of every run")
    parser.add_argument("--docs", type=int, default=30, help="documents of the optimum searches")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    splits = load_sweep_config(CONFIG).search.splits
    fractions: dict[str, list[float]] = {name: [] for name in STRATEGIES}
    reached: dict[str, list[int | None]] = {name: [] for name in STRATEGIES}
    ratios: list[float] = []
    gains: list[tuple[int, float, float]] = []
    print(f"search efficiency, per world (offline world, SIMULATED): {args.calls} LM calls per run", flush=True)
    for world in args.worlds:
        val_opt = world_optimum(world, docs=args.docs, offset=splits.offset + splits.train)
        test_opt = world_optimum(world, docs=args.docs, offset=splits.offset + splits.train + splits.validation)
        print(f"world {world} (SIMULATED): optimum validation {val_opt.acceptance:.3f}, test {test_opt.acceptance:.3f} "
              f"(intent depth {test_opt.intent.depth:g}, exceptions {test_opt.intent.exception:g}, "
              f"distractors {test_opt.intent.distractors:g}; knobs {test_opt.knobs})", flush=True)
        runs: dict[str, Run] = {}
        for name in STRATEGIES:  # interleaved, so every strategy sees the same machine state
            r = runs[name] = run(name, world, args.seed, args.calls, args.candidates)
            fractions[name].append(r.test / test_opt.acceptance if test_opt.acceptance else 0.0)
            reached[name].append(candidates_to(r.trace, 0.9 * val_opt.acceptance))
            print(f"  {name:14s} best val {r.validation:.3f} test {r.test:.3f} (seed harness val "
                  f"{r.seed_validation:.3f} test {r.seed_test:.3f}); {fractions[name][-1]:.2f} of the optimum; "
                  f"{len(r.trace)} candidates, {r.calls:.0f} calls, {r.elapsed:.0f} s", flush=True)
        if fractions["random"][-1] > 0:
            ratios.append(fractions["combined"][-1] / fractions["random"][-1])
        c = runs["combined"]
        gains.append((world, c.validation - c.seed_validation, c.test - c.seed_test))

    print(f"\nsearch efficiency (offline world, SIMULATED): worlds {', '.join(map(str, args.worlds))}; "
          f"{args.calls} LM calls per run; run seed {args.seed}")
    print(f"  {'strategy':14s} {'fraction of optimum (test), mean ± 95% CI':>44s}   candidates to 90% of optimum")
    for name in STRATEGIES:
        mean, half = mean_ci(fractions[name])
        shown = ", ".join("never" if c is None else str(c) for c in reached[name])
        per_world = " ".join(f"{f:.2f}" for f in fractions[name])
        print(f"  {name:14s} {mean:8.3f} ± {half:.3f}  [{per_world}]   {shown}")
    if ratios:
        mean, half = mean_ci(ratios)
        print(f"  combined / random (fraction of optimum): {mean:.2f} ± {half:.2f} "
              f"[{' '.join(f'{r:.2f}' for r in ratios)}]")
    up = sum(1 for _, v, t in gains if v > 0 and t > 0)
    print(f"  combined search over the seed harness: validation and test both up in {up} of {len(gains)} worlds ("
          + "; ".join(f"{w}: val {v:+.3f} test {t:+.3f}" for w, v, t in gains) + ")")


if __name__ == "__main__":
    main()
