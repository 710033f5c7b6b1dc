"""The search-efficiency benchmark's arithmetic and protocol pieces: intervals over worlds, the
gap closed, ratios with bootstrap intervals, the text optimum's grid, and the strategies it runs."""

from __future__ import annotations

import importlib.util
import math
import random
import re
import statistics
import sys
from pathlib import Path

import pytest
from scipy import stats

from experiments.bench import search_protocol as protocol
from harness.config import Documents
from search.config import load_sweep_config
from search.operator_choice import CHOICES
from search.operators.registry import OPERATORS

BENCH = Path(__file__).resolve().parents[1] / "experiments" / "bench" / "search_efficiency.py"
spec = importlib.util.spec_from_file_location("search_efficiency_bench", BENCH)
bench = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_mean_ci_is_a_student_t_interval_over_worlds_and_skips_undefined_worlds() -> None:
    mean, half = protocol.mean_ci([0.8, 0.9, 1.0, 0.7, 0.6, float("nan")])
    assert mean == pytest.approx(0.8)
    assert half == pytest.approx(stats.t.ppf(0.975, 4) * math.sqrt(0.025) / math.sqrt(5))
    assert protocol.mean_ci([0.5]) == (0.5, 0.0)


def test_gap_closed_is_measured_from_the_seed_to_the_optimum() -> None:
    assert protocol.gap_closed(30.0, 20.0, 40.0) == pytest.approx(0.5)
    assert protocol.gap_closed(40.0, 20.0, 40.0) == pytest.approx(1.0)
    assert protocol.gap_closed(10.0, 20.0, 40.0) == pytest.approx(-0.5)  # worse than the seed
    assert math.isnan(protocol.gap_closed(25.0, 20.0, 20.0))  # no gap: undefined, not a division error


REPO = BENCH.parents[2]
# A world named in a config, a test or another benchmark is one someone looked at (tuned on).
WORLD = re.compile(r"world_seed\W{0,6}(\d+)|World\((\d+)")


def worlds_named_outside_the_benchmark() -> set[int]:
    files = [*REPO.glob("experiments/configs/**/*.yaml"), *REPO.glob("tests/**/*.py"),
             *(p for p in REPO.glob("experiments/bench/*.py") if p != BENCH)]
    named = {int(a or b) for path in files for a, b in WORLD.findall(path.read_text(encoding="utf-8"))}
    return named | {Documents().world_seed}  # the default world of every config that names none


def test_the_held_out_worlds_are_named_nowhere_else() -> None:
    named = worlds_named_outside_the_benchmark()
    assert 0 in named and 3 in named  # the scan sees the worlds tests use
    assert not set(bench.HELD_OUT_WORLDS) & named, set(bench.HELD_OUT_WORLDS) & named


def test_ratio_ci_brackets_the_ratio_of_means_and_excludes_one_only_for_a_clear_advantage() -> None:
    rng = random.Random(3)
    base = [0.4 + 0.1 * rng.random() for _ in range(12)]
    clear = [1.5 * b + 0.02 * rng.random() for b in base]
    ratio, low, high = protocol.ratio_ci(clear, base)
    assert low <= ratio <= high and low > 1.0
    noisy = [b + rng.gauss(0, 0.3) for b in base]
    ratio, low, high = protocol.ratio_ci(noisy, base)
    assert low < 1.0 < high
    assert math.isnan(protocol.ratio_ci([0.5, 0.5], [-0.1, -0.2])[0])  # a non-positive denominator


def test_write_genes_words_the_same_point_differently_and_changes_only_the_challenger() -> None:
    seed = load_sweep_config(bench.CONFIG).harness
    point = protocol.TextIntent(4, True, False)
    first = protocol.write_genes(seed, point, random.Random(1))
    second = protocol.write_genes(seed, point, random.Random(2))
    assert first["challenger_instructions"] != second["challenger_instructions"]
    assert first["challenger_instructions"].startswith(seed.genes.challenger_instructions.rstrip())
    for name, text in seed.genes.model_dump().items():
        if name != "challenger_instructions":
            assert first[name] == text
    assert len(protocol.TEXT_GRID) == len(set(protocol.TEXT_GRID)) == 24


def test_knob_grid_covers_the_sweeps_own_ranges() -> None:
    grid = bench.knob_grid(load_sweep_config(bench.CONFIG))
    assert grid["round_budget"] == (3, 4, 5, 6, 7, 8)
    assert grid["challenger_temperature"][0] == pytest.approx(0.2) and grid["challenger_temperature"][-1] == pytest.approx(1.2)


def test_the_benchmark_runs_every_strategy_on_held_out_worlds_by_registered_operator() -> None:
    assert set(bench.STRATEGIES) == {"random", "blind mutation", "reflective mutation", "optuna", "combined",
                                     "adaptive combined", "gepa"}
    assert set(bench.OPERATOR_CHOICE) <= set(bench.STRATEGIES)
    assert set(bench.OPERATOR_CHOICE.values()) <= set(CHOICES)
    for name, (operators, selection) in bench.ABLATIONS.items():  # each a valid sweep, apart from the strategies
        assert name not in bench.STRATEGIES
        config = load_sweep_config(bench.CONFIG, {"search.operators": operators, "search.selection": selection})
        assert {key: getattr(config.search.selection, key) for key in selection} == selection
    assert set(bench.ABLATION_FLAGS) == set(bench.ABLATIONS)  # each ablation has its flag
    for operators in [*bench.STRATEGIES.values(), *bench.POWER.values()]:
        assert set(operators) <= set(OPERATORS)
    assert len(bench.HELD_OUT_WORLDS) >= 10
    assert not set(bench.HELD_OUT_WORLDS) & set(range(1001, 1006))  # looked at before: never again
    assert not set(bench.HELD_OUT_WORLDS) & set(range(4101, 4111))  # decisions were made on these


def test_pooled_gap_sums_gains_over_worlds_so_a_world_near_its_optimum_cannot_dominate() -> None:
    rows = [{"seed_test": 20.0, "optimum_test": 40.0, "tests": {"a": 30.0}},
            {"seed_test": 40.0, "optimum_test": 40.5, "tests": {"a": 33.0}}]  # tiny gap, large loss
    assert protocol.gap_closed(33.0, 40.0, 40.5) == pytest.approx(-14.0)  # per world it would explode
    assert protocol.pooled_gap(rows, "a") == pytest.approx((10.0 - 7.0) / 20.5)
    point, low, high = protocol.bootstrap(rows * 5, lambda rs: protocol.pooled_gap(rs, "a"))
    assert low <= point <= high


def test_bootstrap_interval_is_degenerate_for_identical_worlds() -> None:
    rows = [{"seed_test": 10.0, "optimum_test": 20.0, "tests": {"a": 15.0}}] * 8
    assert protocol.bootstrap(rows, lambda rs: protocol.pooled_gap(rs, "a")) == pytest.approx((0.5, 0.5, 0.5))


def test_merge_adds_a_paired_runs_strategies_world_by_world() -> None:
    def row(world: int, name: str, test: float) -> dict:
        return {"world": world, "docs": [10, 100, 100], "calls": 20000, "metric": "accepted_per_kcall", "seed": 0,
                "gaps": {name: 0.5}, "costs": {name: 1.0}, "improve": {name: [1, 2]}, "tests": {name: test}}

    rows = [row(1, "reflective mutation", 30.0), row(2, "reflective mutation", 31.0)]
    extra = [row(1, "reflective mutation, no race", 33.0), row(1, "reflective mutation", 99.0)]
    out = bench.merged(rows, extra)
    assert [r["world"] for r in out] == [1]  # world 2 has no paired run: left out
    assert out[0]["tests"] == {"reflective mutation": 30.0, "reflective mutation, no race": 33.0}  # never overwritten
    assert bench.merged(rows, []) == rows
    with pytest.raises(AssertionError):
        bench.merged([row(1, "a", 1.0)], [{**row(1, "b", 2.0), "calls": 10000}])  # other settings: not paired


def test_over_run_seeds_averages_each_worlds_picks_over_the_seeds_that_ran_it() -> None:
    def row(world: int, seed: int, tests: dict[str, float]) -> dict:
        return {"world": world, "docs": [10, 100, 100], "calls": 20000, "metric": "accepted_per_kcall", "seed": seed,
                "seed_test": 20.0, "optimum_test": 30.0 + world, "tests": tests,
                "costs": {n: 100.0 * seed for n in tests}, "improve": {n: [seed, 2] for n in tests}}

    by_seed = {0: [row(1, 0, {"a": 22.0, "b": 20.0, "only seed 0": 25.0}), row(2, 0, {"a": 24.0, "b": 21.0})],
               1: [row(1, 1, {"a": 26.0, "b": 19.0}), row(2, 1, {"a": 20.0, "b": 21.0}), row(3, 1, {"a": 1.0})]}
    out = bench.over_run_seeds(by_seed)
    assert [r["world"] for r in out] == [1, 2]  # world 3 ran at one seed only: left out
    assert out[0]["tests"] == {"a": 24.0, "b": 19.5}  # a strategy missing at a seed is left out
    assert out[0]["costs"]["a"] == 50.0 and out[0]["improve"]["a"] == [1, 4]
    per_seed = [protocol.pooled_gap([r for r in rows if r["world"] in (1, 2)], "a") for rows in by_seed.values()]
    assert protocol.pooled_gap(out, "a") == pytest.approx(statistics.fmean(per_seed))  # linear in the test value
    by_seed[1][0]["optimum_test"] = 99.0  # another optimum: not the same world's runs
    with pytest.raises(AssertionError):
        bench.over_run_seeds(by_seed)


def test_run_seed_spread_prints_each_seeds_gap_and_the_runs_a_difference_needs(capsys) -> None:
    def row(world: int, seed: int, combined: float, random_: float) -> dict:
        return {"world": world, "docs": [10, 100, 100], "calls": 20000, "metric": "accepted_per_kcall", "seed": seed,
                "seed_test": 20.0, "optimum_test": 30.0, "tests": {"combined": combined, "random": random_},
                "costs": {"combined": 1.0, "random": 1.0}, "improve": {"combined": [0, 1], "random": [0, 1]}}

    by_seed = {0: [row(1, 0, 25.0, 20.0), row(2, 0, 21.0, 22.0)], 1: [row(1, 1, 23.0, 21.0), row(2, 1, 27.0, 20.0)]}
    bench.run_seed_spread(by_seed, bench.over_run_seeds(by_seed))
    out = capsys.readouterr().out
    # Seed 0: combined (5 + 1) / 20 = 0.30, random 0.10; seed 1: combined 0.50, random 0.05.
    assert re.search(r"combined\s+0\.30\s+0\.50", out) and re.search(r"random\s+0\.10\s+0\.05", out)
    paired = [0.5, -0.1, 0.2, 0.7]  # (combined - random) / 10 per world and seed
    need = math.ceil(((1.96 + 0.84) * statistics.stdev(paired) / bench.DETECT) ** 2)
    assert f"combined - random, per run seed: +0.20 +0.45; SD of a run's paired difference " \
           f"{statistics.stdev(paired):.2f}: about {need} runs" in out


def test_rows_of_one_run_seed_from_several_files_are_put_together_world_by_world() -> None:
    def row(world: int, name: str, test: float) -> dict:
        return {"world": world, "docs": [10, 100, 100], "calls": 20000, "metric": "accepted_per_kcall", "seed": 1,
                "gaps": {name: 0.5}, "costs": {name: 1.0}, "improve": {name: [1, 2]}, "tests": {name: test}}

    out = bench._combined([row(1, "combined", 30.0), row(2, "combined", 31.0), row(1, "combined, x", 33.0)])
    assert [(r["world"], r["tests"]) for r in out] == [(1, {"combined": 30.0, "combined, x": 33.0}),
                                                       (2, {"combined": 31.0})]
