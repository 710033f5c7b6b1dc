"""Benchmark: how efficiently each proposal strategy improves the harness (offline world, SIMULATED).

Runs random search, Optuna only, reflective mutation only and the combined search over the same
space (experiments/configs/sweep_demo.yaml) with the same LM-call budget, for several seeds, and
prints for each: the test acceptance rate of the best harness, and candidates-to-95%-of-best
(how many candidates a run needed before its best validation score reached 95% of the best any
strategy found for that seed). Also the combined/random ratio of test acceptance.

    .venv/bin/python experiments/bench/search_efficiency.py [--seeds 3] [--calls 40000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import optuna

from harness import env

env.configure_environment()

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


def run(strategy: str, seed: int, calls: int) -> dict:
    overrides = {
        "seed": seed,
        "search.operators": STRATEGIES[strategy],
        "search.budget": {"candidates": 200, "calls": calls},
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
        if row["validation_score"] is not None and row["accepted"]:
            best = max(best, row["validation_score"])
        trace.append(best)
    return {"test": report["best"]["test_acceptance"], "seed_test": report["seed"]["test_acceptance"],
            "validation": report["best"]["validation_acceptance"], "trace": trace, "elapsed": elapsed,
            "calls": report["budget"]["calls"]}


def candidates_to(trace: list[float], target: float) -> int | None:
    for index, value in enumerate(trace, start=1):
        if value >= target - 1e-12:
            return index
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=40_000, help="LM-call budget of every run")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    results: dict[str, list[dict]] = {name: [] for name in STRATEGIES}
    for seed in range(args.seeds):
        for name in STRATEGIES:  # interleaved, so every strategy sees the same machine state
            results[name].append(run(name, seed, args.calls))
            r = results[name][-1]
            print(f"  seed {seed} {name:14s} best test {r['test']:.3f} (seed harness {r['seed_test']:.3f}) "
                  f"{len(r['trace'])} candidates, {r['calls']:.0f} calls, {r['elapsed']:.0f} s", flush=True)
    print(f"\nsearch efficiency (offline world, SIMULATED): {args.seeds} seeds, {args.calls} LM calls per run")
    print(f"  {'strategy':14s} {'test acceptance':>16s} {'candidates to 95% of best':>27s}")
    means = {}
    for name, runs in results.items():
        reached = []
        for seed, r in enumerate(runs):
            best_any = max(max(x["trace"] or [0.0]) for x in (results[n][seed] for n in STRATEGIES))
            reached.append(candidates_to(r["trace"], 0.95 * best_any))
        means[name] = statistics.mean(r["test"] for r in runs)
        shown = ", ".join("never" if c is None else str(c) for c in reached)
        print(f"  {name:14s} {means[name]:16.3f} {shown:>27s}")
    print(f"  combined / random test acceptance: {means['combined'] / means['random']:.2f}")


if __name__ == "__main__":
    main()
