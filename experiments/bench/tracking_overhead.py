"""Benchmark: MLflow logging time per candidate as a share of the candidate's evaluation time.

Runs a sweep of the demo search space on the offline world (SIMULATED) with the MLflow tracker
attached (a temporary store), one candidate at a time, and splits each candidate's wall time
into evaluation (generation and scorecard) and logging (params, metrics, tags, gene texts,
records, dataset input; all batched, on the tracker's background thread). Logging is timed as
the logging thread's CPU time (what it takes from the evaluation) and as wall time (which on a
background thread also counts waits for the GIL). It also runs the same sweep without tracking,
interleaved, and reports the wall time tracking adds. Target: under 5% of evaluation time.

    .venv/bin/python experiments/bench/tracking_overhead.py [--candidates 10] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

STORE = tempfile.mkdtemp(prefix="autodata-bench-store-")
os.environ["AUTODATA_STORE"] = STORE  # before harness is imported: MLflow and Optuna go here
os.environ.pop("MLFLOW_TRACKING_URI", None)

from harness import env  # noqa: E402

env.configure_environment()

import asyncio  # noqa: E402

import optuna  # noqa: E402

from experiments.tracking import SweepTracker  # noqa: E402
from search.config import load_sweep_config  # noqa: E402
from search.study import study_name  # noqa: E402
from search.sweep import Sweep  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "sweep_demo.yaml"


class Timer:
    """Wall time of each candidate, from its start event to its finish event."""

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.evaluation: list[float] = []

    def __call__(self, event: object) -> None:
        kind = type(event).__name__
        if kind == "CandidateStarted":
            self.started[event.number] = time.perf_counter()
        elif kind == "CandidateFinished" and event.number in self.started:
            self.evaluation.append(time.perf_counter() - self.started.pop(event.number))


def run(candidates: int, tracked: bool, repeat: int) -> dict[str, float]:
    config = load_sweep_config(CONFIG, {"name": f"overhead-{repeat}-{int(tracked)}",
                                        "search.budget": {"candidates": candidates}, "search.concurrency": 1})
    with tempfile.TemporaryDirectory() as out:
        sweep = Sweep(config, Path(out), storage=f"sqlite:///{out}/optuna.db")
        timer = Timer()
        sweep.callbacks.append(timer)
        tracker = None
        if tracked:
            tracker = SweepTracker(config.name, study_name(config), config.harness, list(config.search.knobs),
                                   config.search.model_dump(mode="json"))
            sweep.callbacks.append(tracker)
        started = time.perf_counter()
        asyncio.run(sweep.run())
        failures = tracker.close() if tracker else []
        wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"logging failed: {failures[0]}")
    return {"wall": wall, "evaluation": sum(timer.evaluation), "candidates": len(timer.evaluation),
            "logging": tracker.logger.seconds if tracker else 0.0,
            "logging_cpu": tracker.logger.cpu_seconds if tracker else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plain, tracked = [], []
    for repeat in range(args.repeats):  # interleaved, so both see the same machine state
        plain.append(run(args.candidates, False, repeat))
        tracked.append(run(args.candidates, True, repeat))
    per_candidate_eval = statistics.median(r["evaluation"] / r["candidates"] for r in tracked)
    per_candidate_log = statistics.median(r["logging"] / r["candidates"] for r in tracked)
    per_candidate_cpu = statistics.median(r["logging_cpu"] / r["candidates"] for r in tracked)
    added = statistics.median((t["wall"] - p["wall"]) / t["candidates"] for t, p in zip(tracked, plain, strict=True))
    print("tracking overhead (offline world, SIMULATED; MLflow on SQLite, batched, on a background thread)")
    print(f"  sweeps: {args.repeats} x {args.candidates} candidates, with and without tracking, interleaved")
    print(f"  evaluation per candidate:           {per_candidate_eval * 1000:8.1f} ms")
    print(f"  logging per candidate, CPU:         {per_candidate_cpu * 1000:8.1f} ms "
          f"= {per_candidate_cpu / per_candidate_eval:.1%} of evaluation  (target < 5%)")
    print(f"  logging per candidate, wall:        {per_candidate_log * 1000:8.1f} ms "
          f"= {per_candidate_log / per_candidate_eval:.1%}  (background thread: includes waits for the GIL)")
    print(f"  wall time added per candidate:      {added * 1000:8.1f} ms "
          f"= {added / per_candidate_eval:.1%} of evaluation")


if __name__ == "__main__":
    main()
