"""The search-efficiency benchmark's arithmetic: intervals over worlds and candidates to a target."""

from __future__ import annotations

import argparse
import importlib.util
import math
import re
import sys
from pathlib import Path

import pytest
from scipy import stats

from harness.config import Documents

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


REPO = BENCH.parents[2]
# A world named in a config, a test or another benchmark is one someone looked at (tuned on).
WORLD = re.compile(r"world_seed\W{0,6}(\d+)|World\((\d+)")


def worlds_named_outside_the_benchmark() -> set[int]:
    files = [*REPO.glob("experiments/configs/**/*.yaml"), *REPO.glob("tests/**/*.py"),
             *(p for p in REPO.glob("experiments/bench/*.py") if p != BENCH)]
    named = {int(a or b) for path in files for a, b in WORLD.findall(path.read_text(encoding="utf-8"))}
    return named | {Documents().world_seed}  # the default world of every config that names none


class Parsed(Exception):
    pass


def test_the_benchmark_runs_by_default_on_five_worlds_nobody_tuned_on(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults: dict[str, object] = {}
    real_parse = argparse.ArgumentParser.parse_args

    def parse_only(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        defaults.update(vars(real_parse(self, [])))
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_only)
    with pytest.raises(Parsed):
        bench.main()
    worlds = defaults["worlds"]
    assert len(set(worlds)) >= 5  # intervals over five worlds
    named = worlds_named_outside_the_benchmark()
    assert 0 in named and 3 in named  # the scan sees the worlds tests use
    assert not set(worlds) & named, set(worlds) & named
