"""The search-efficiency benchmark's arithmetic: intervals over worlds and candidates to a target."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest
from scipy import stats

BENCH = Path(__file__).resolve().parents[1] / "experiments" / "bench" / "search_efficiency.py"
spec = importlib.util.spec_from_file_location("search_efficiency_bench", BENCH)
bench = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_mean_ci_is_a_student_t_interval_over_worlds() -> None:
    mean, half = bench.mean_ci([0.8, 0.9, 1.0, 0.7, 0.6])
    assert mean == pytest.approx(0.8)
    assert half == pytest.approx(stats.t.ppf(0.975, 4) * math.sqrt(0.025) / math.sqrt(5))
    assert bench.mean_ci([0.5]) == (0.5, 0.0)


def test_candidates_to_counts_until_the_best_so_far_reaches_the_target() -> None:
    trace = [0.5, 0.5, 0.7, 0.9, 0.9]
    assert bench.candidates_to(trace, 0.9 * 0.95) == 4
    assert bench.candidates_to(trace, 0.5) == 1
    assert bench.candidates_to(trace, 0.95) is None


def test_the_benchmark_claims_search_results_on_five_held_out_worlds() -> None:
    assert len(bench.HELD_OUT_WORLDS) >= 5
    assert set(bench.STRATEGIES) == {"random", "optuna only", "mutation only", "combined"}
