"""Benchmark: how much of the seed -> optimum gap each search strategy closes, at equal LM-call
budget, on held-out worlds (offline world, SIMULATED).

Per world (held-out seeds: no constant of the world or of the search was tuned on them, and no
test uses them):

1. the world's optimum over the sweep's own space, reachable by text (``text_optimum``: every
   text intent of ``TEXT_GRID`` written into the seed's challenger instructions, then the
   sweep's knobs and ranges for the best), chosen on the validation documents by the
   benchmark's objective (default ``accepted_per_kcall``, accepted samples per 1,000 LM calls:
   extra rounds must pay for themselves). ``--ceiling`` also prints the optimum with the intent
   forced (``harness.sim.optimum``), which no text reaches: the gap between the two is the reader's;
2. the power check: a probe with the optimum's intent and knobs, its text worded afresh,
   against random knob sampling (``random_knobs``) under the same budget. A protocol that
   cannot separate these cannot judge any search;
3. every strategy as a sweep with the same LM-call budget (inner loop and proposer counted
   together; the proposer's share reported apart) and the same run seed (paired); its top 3
   candidates are re-evaluated on a fresh seed and the best by the mean is named;
4. the seed harness, the optimum, the probe and each strategy's pick measured on the test
   documents with one common test seed; the fraction of the gap closed is
   (pick - seed) / (optimum - seed).

Then, over worlds: each strategy's mean fraction with a 95% t-interval, the ratios combined /
random, combined / GEPA and informed / blind mutation (ratios of means, 95% bootstrap intervals
over worlds), and the cross-world matrix (combined's pick of each world measured on every world's
test documents; the diagonal's advantage over the others' picks with a 95% t-interval).

    .venv/bin/python experiments/bench/search_efficiency.py --quick       # 2 worlds, small budget
    .venv/bin/python experiments/bench/search_efficiency.py               # 10 worlds, 100/100 documents
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import optuna

from harness import env

env.configure_environment()

from experiments.bench.search_protocol import (  # noqa: E402
    StrategyRun,
    bootstrap,
    gap_closed,
    mean_ci,
    measure,
    pooled_gap,
    run_strategy,
    text_optimum,
    write_genes,
)
from harness.config import HarnessConfig  # noqa: E402
from harness.generate import run_offline  # noqa: E402
from harness.records import read_jsonl  # noqa: E402
from harness.sim.optimum import world_optimum  # noqa: E402
from search.config import load_sweep_config  # noqa: E402
from search.space import build_harness, distributions  # noqa: E402
from search.sweep import split_documents  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "sweep_demo.yaml"
COMBINED = {"optuna": 0.3, "mutation": 0.5, "merge": 0.2}  # the demo sweep's operator weights
STRATEGIES = {
    "random": {"random": 1.0},  # knobs and texts (texts seen + blind rewrites)
    "blind mutation": {"blind": 1.0},
    "reflective mutation": {"mutation": 1.0},
    "optuna": {"optuna": 1.0},
    "combined": COMBINED,
    "adaptive combined": COMBINED,  # the weights scaled by the record
    "gepa": {"gepa": 1.0},
}
# search.operator_choice per strategy (search/operator_choice.py); the others draw by fixed weights.
OPERATOR_CHOICE = {"adaptive combined": "adaptive"}
# A strategy's operators with other selection settings: (operators, search.selection overrides).
ABLATIONS = {
    # --ablate-selection: combined with one draw and "better on the mean".
    "combined, one draw": (COMBINED, {"confidence": 0.5, "draws": 1}),
    # --ablate-racing: every child evaluated on every validation document.
    "combined, no race": (COMBINED, {"race": 0.0}),
    "reflective mutation, no race": (STRATEGIES["reflective mutation"], {"race": 0.0}),
    # --ablate-screen: train screens spread over 4 run seeds, so one lucky draw of a parent on the
    # train minibatch cannot screen out every child.
    "combined, 4 screen draws": (COMBINED, {"screen_draws": 4}),
    "random, 4 screen draws": (STRATEGIES["random"], {"screen_draws": 4}),
}
ABLATION_FLAGS = {"combined, one draw": "ablate_selection", "combined, no race": "ablate_racing",
                  "reflective mutation, no race": "ablate_racing", "combined, 4 screen draws": "ablate_screen",
                  "random, 4 screen draws": "ablate_screen"}
# The comparisons printed (a / b and a - b) when both were run.
PAIRS = (("combined", "random"), ("combined", "gepa"), ("reflective mutation", "blind mutation"),
         ("adaptive combined", "combined"), ("adaptive combined", "random"), ("combined", "combined, one draw"),
         ("combined", "combined, no race"), ("reflective mutation", "reflective mutation, no race"),
         ("combined, 4 screen draws", "combined"), ("random, 4 screen draws", "random"),
         ("combined, 4 screen draws", "random, 4 screen draws"), ("combined, 4 screen draws", "gepa"))
POWER = {"random knobs": {"random_knobs": 1.0}}  # the power check's known-poor strategy
# Held out: never used by any test or to set any constant (1001-1005 were looked at; never again).
# 4101-4110 were the held-out worlds until their results informed noise-aware selection and the
# operator choice; 4111-4120 replace them, and nothing was decided on them before they ran.
HELD_OUT_WORLDS = (4111, 4112, 4113, 4114, 4115, 4116, 4117, 4118, 4119, 4120)
TEST_SEED = 7919  # the common run seed of every test measurement
DETECT = 0.1  # the difference in gap closed a comparison should be able to detect (run-seed power estimate)
POWER_PROBE_MIN = 0.9  # the probe must close at least this much of the gap
MIN_WORLDS = 5  # fewer worlds: the power check's verdict is not given (--quick is a smoke test)
OPTIMUM_CALLS_PER_DOC = 1500  # the optimum search: ~45 harnesses x ~30 calls per document, each on every document


def knob_grid(config) -> dict[str, tuple]:
    """The sweep's knob ranges as the optimum's grid (5 points for a float range, every integer)."""
    grid = {}
    for name, dist in distributions(config.search).items():
        if hasattr(dist, "choices"):
            grid[name] = tuple(dist.choices)
        elif isinstance(dist.low, int) and isinstance(dist.high, int):
            grid[name] = tuple(range(dist.low, dist.high + 1))
        else:
            grid[name] = tuple(round(dist.low + i * (dist.high - dist.low) / 4, 4) for i in range(5))
    return grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 worlds, 4/12/12 documents, 2,500 calls per run")
    parser.add_argument("--worlds", type=int, nargs="+")
    parser.add_argument("--seed", type=int, default=0,
                        help="the sweeps' run seed (paired across strategies); with --optimum-from, the world's "
                             "optimum, probe and power check are read back whatever seed found them")
    parser.add_argument("--calls", type=int, help="LM-call budget of every run (default 20,000; quick 2,500)")
    parser.add_argument("--docs", type=int, nargs=3, metavar=("TRAIN", "VAL", "TEST"),
                        help="documents per split (default 10 100 100; quick 4 12 12)")
    parser.add_argument("--metric", default="accepted_per_kcall", help="the objective (a scorecard metric)")
    parser.add_argument("--strategies", nargs="+", choices=[*STRATEGIES, *ABLATIONS], default=list(STRATEGIES),
                        help="strategies (and ablations, by name) to run; with --optimum-from, a paired run of a few")
    parser.add_argument("--no-matrix", action="store_true", help="skip the cross-world matrix")
    parser.add_argument("--results", type=Path,
                        help="append each world's numbers to this JSONL file as it finishes; worlds already in it "
                             "(same settings) are read back, not run again")
    parser.add_argument("--summarize", type=Path, help="print the summary and matrix of a --results file; run nothing")
    parser.add_argument("--merge", type=Path, nargs="+", default=[],
                        help="with --summarize: add the strategies of these results files (paired runs with "
                             "--optimum-from, same settings) to the summarized worlds; rows of other run seeds "
                             "(--seed) average each world's picks over the seeds, and the spread over seeds is shown")
    parser.add_argument("--optimum-from", type=Path,
                        help="read each world's seed, optimum and probe from this results file (same settings) "
                             "instead of searching again; with --strategies, a paired run of a few strategies")
    parser.add_argument("--ablate-selection", action="store_true",
                        help="also run 'combined, one draw' (selection confidence 0.5, one draw per harness)")
    parser.add_argument("--ablate-racing", action="store_true",
                        help="also run 'combined, no race' and 'reflective mutation, no race' (every child "
                             "evaluated on every validation document)")
    parser.add_argument("--ablate-screen", action="store_true",
                        help="also run 'combined, 4 screen draws' and 'random, 4 screen draws' (train screens "
                             "spread over 4 run seeds: search.selection.screen_draws)")
    parser.add_argument("--ceiling", action="store_true",
                        help="also the optimum with the intent forced (harness.sim.optimum), which no text reaches")
    args = parser.parse_args(argv)
    worlds = args.worlds or list(HELD_OUT_WORLDS[: 2 if args.quick else 10])
    calls = args.calls or (2_500 if args.quick else 20_000)
    train, val, test = args.docs or ((4, 12, 12) if args.quick else (10, 100, 100))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names = [*args.strategies, *(n for n, flag in ABLATION_FLAGS.items() if getattr(args, flag)), *POWER]
    known = {}
    if args.optimum_from:
        known = {r["world"]: r for r in read_jsonl(args.optimum_from)}
    rows: list[dict] = []
    picks: dict[int, HarnessConfig] = {}
    if args.summarize:
        base = read_jsonl(args.summarize)
        extra = [r for path in args.merge for r in read_jsonl(path)]
        seed = base[0]["seed"]
        rows = merged(base, [r for r in extra if r["seed"] == seed])
        others = {s: _combined([r for r in extra if r["seed"] == s]) for s in sorted({r["seed"] for r in extra} - {seed})}
        train, val, test = rows[0]["docs"]
        args.metric = rows[0]["metric"]
        if others:  # other run seeds of the same worlds: each world's picks averaged over the seeds
            by_seed = {seed: rows, **others}
            averaged = over_run_seeds(by_seed)
            summary(averaged)
            run_seed_spread(by_seed, averaged)
            return 0  # the matrix is of one seed's picks: --summarize that file alone
        summary(rows)
        picks = {r["world"]: HarnessConfig.model_validate(r["combined_pick"]) for r in rows if r.get("combined_pick")}
        if not args.no_matrix and len(picks) == len(rows) > 1:
            matrix([r["world"] for r in rows], picks, train, val, test, args)
        return 0
    if args.results and args.results.exists():
        # A killed run resumes: worlds already in the results file are read back, not run again.
        done = read_jsonl(args.results)  # a killed run's partial last line is left out
        rows = [r for r in done if r["world"] in worlds and r["docs"] == [train, val, test] and r["calls"] == calls
                and r["metric"] == args.metric and r["seed"] == args.seed]
        picks = {r["world"]: HarnessConfig.model_validate(r["combined_pick"]) for r in rows if r.get("combined_pick")}
        if rows:
            print(f"resuming: worlds {', '.join(str(r['world']) for r in rows)} read from {args.results}", flush=True)
    print(f"search efficiency (offline world, SIMULATED): objective {args.metric}; {calls} LM calls per run; "
          f"documents train {train}, validation {val}, test {test}; run seed {args.seed}, test seed {TEST_SEED}",
          flush=True)
    for world in worlds:
        if any(r["world"] == world for r in rows):
            continue
        started = time.perf_counter()
        overrides = {"seed": args.seed, "harness.documents.world_seed": world,
                     "search.objectives": [{"metric": args.metric}],
                     "search.splits": {"train": train, "validation": val, "test": test},
                     "search.budget": {"candidates": 10_000, "calls": calls}, "search.concurrency": 1}
        base = load_sweep_config(CONFIG, overrides)
        splits = split_documents(base)
        seed_config = base.harness
        if world in known:  # measured by an earlier run with the same documents (any run seed: see --seed)
            old = known[world]
            assert old["docs"] == [train, val, test] and old["metric"] == args.metric and old["calls"] == calls
            seed_test, opt_test, probe_test = (old["seed_test"],), (old["optimum_test"],), (old["probe_test"],)
            probe_gap = gap_closed(probe_test[0], seed_test[0], opt_test[0])
            opt = SimpleNamespace(point=SimpleNamespace(**old["optimum"]["point"]), knobs=old["optimum"]["knobs"])
            print(f"world {world} (SIMULATED): seed {seed_test[0]:.2f}, optimum {opt_test[0]:.2f} and probe read from "
                  f"{args.optimum_from}", flush=True)
        else:
            opt = text_optimum(seed_config, splits["validation"], world, args.metric, knob_grid(base), args.seed)
            seed_test = measure(seed_config, splits["test"], TEST_SEED, args.metric)
            opt_test = measure(build_harness(seed_config, opt.knobs, opt.genes), splits["test"], TEST_SEED, args.metric)
            # The power probe: the optimum's point and knobs, its text worded afresh.
            probe = build_harness(seed_config, opt.knobs,
                                  write_genes(seed_config, opt.point, random.Random(f"probe:{world}")))
            probe_test = measure(probe, splits["test"], TEST_SEED, args.metric)
            probe_gap = gap_closed(probe_test[0], seed_test[0], opt_test[0])
            p = opt.point
            print(f"world {world} (SIMULATED): test {args.metric} seed {seed_test[0]:.2f} (acceptance {seed_test[1]:.2f}), "
                  f"optimum {opt_test[0]:.2f} (acceptance {opt_test[1]:.2f}; {p.depth} steps, exception {p.exception}, "
                  f"distractors {p.distractors}; knobs {opt.knobs}; {opt.evaluated} harnesses, {opt.calls:.0f} calls), "
                  f"power probe {probe_test[0]:.2f} = {probe_gap:.2f} of the gap", flush=True)
        if args.ceiling:
            ceiling = world_optimum(run_offline, world, docs=val, offset=train, base=seed_config, knob_space=knob_grid(base),
                                    objective=args.metric, budget=OPTIMUM_CALLS_PER_DOC * val)
            forced = measure(build_harness(seed_config, ceiling.knobs, seed_config.genes.model_dump()), splits["test"],
                             TEST_SEED, args.metric, ceiling.intent)
            print(f"  ceiling with the intent forced (no text reaches it): {forced[0]:.2f} (acceptance "
                  f"{forced[1]:.2f}; depth {ceiling.intent.depth:g}, knobs {ceiling.knobs})", flush=True)
        row = {"world": world, "metric": args.metric, "docs": [train, val, test], "calls": calls, "seed": args.seed,
               "optimum_seed": known[world].get("optimum_seed", known[world]["seed"]) if world in known else args.seed,
               "seed_test": seed_test[0], "optimum_test": opt_test[0], "probe_test": probe_test[0],
               "optimum": {"point": vars(opt.point), "knobs": opt.knobs}, "gaps": {"probe": probe_gap},
               "costs": {}, "improve": {}, "tests": {"probe": probe_test[0]}}
        for name in names:
            if world in known and name in POWER:  # the power check's run, read back with the optimum
                for key in ("gaps", "costs", "improve", "tests"):
                    row[key][name] = known[world][key][name]
                continue
            operators, selection = ABLATIONS.get(name, ({**STRATEGIES, **POWER}.get(name), {}))
            config = load_sweep_config(CONFIG, {**overrides, "search.operators": operators,
                                                "search.operator_choice": OPERATOR_CHOICE.get(name, "fixed"),
                                                **({"search.selection": selection} if selection else {})})
            with tempfile.TemporaryDirectory(prefix="autodata-bench-") as tmp:
                r: StrategyRun = run_strategy(name, config, Path(tmp))
            r.test, r.test_acceptance, _ = measure(r.config, splits["test"], TEST_SEED, args.metric)
            r.gap = gap_closed(r.test, seed_test[0], opt_test[0])
            row["gaps"][name], row["costs"][name], row["improve"][name] = r.gap, r.calls, [r.improved, r.children]
            row.setdefault("raced", {})[name] = r.raced
            row["tests"][name] = r.test
            if name == "combined":
                picks[world] = r.config
                row["combined_pick"] = r.config.model_dump(mode="json")
            print(f"  {name:20s} pick: val {r.validation:6.2f} test {r.test:6.2f} (acceptance {r.test_acceptance:.2f}, "
                  f"round_budget {r.config.knobs.round_budget}) = {r.gap:5.2f} of the gap; {r.candidates} candidates, "
                  f"{r.calls:.0f} calls ({r.proposer_calls:.0f} proposer); children better than their parent "
                  f"{r.improved}/{r.children}, stopped by racing {r.raced}", flush=True)
        print(f"  world {world}: {time.perf_counter() - started:.0f} s", flush=True)
        if args.results:
            with args.results.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
        rows.append(row)
    summary(rows)
    if not args.no_matrix and "combined" in names and len(worlds) > 1:
        matrix(worlds, picks, train, val, test, args)
    return 0


def merged(rows: list[dict], extra: list[dict]) -> list[dict]:
    """``rows`` with the strategies of ``extra`` (paired runs of the same worlds, documents, budget,
    objective and seed) added world by world; worlds missing from ``extra`` are left out."""
    if not extra:
        return rows
    out = []
    for row in rows:
        paired = [r for r in extra if r["world"] == row["world"]]
        if not paired:
            continue
        for more in paired:
            assert all(more[k] == row[k] for k in ("docs", "calls", "metric", "seed")), row["world"]
            for key in ("gaps", "costs", "improve", "tests", "raced"):
                row.setdefault(key, {}).update({n: v for n, v in more.get(key, {}).items() if n not in row[key]})
        out.append(row)
    return out


def _combined(rows: list[dict]) -> list[dict]:
    """One row per world: the strategies of several files' rows of one run seed put together."""
    out: dict[int, dict] = {}
    for row in rows:
        if row["world"] in out:
            out[row["world"]] = merged([out[row["world"]]], [row])[0]
        else:
            out[row["world"]] = row
    return list(out.values())


def over_run_seeds(by_seed: dict[int, list[dict]]) -> list[dict]:
    """One row per world with each strategy's test value averaged over run seeds: the worlds run at
    every seed, and the strategies run at every seed (the others are left out). The gap closed is
    linear in the test value, so the pooled gap of these rows is the mean over seeds of the pooled gaps."""
    tables = [{r["world"]: r for r in rows} for rows in by_seed.values()]
    worlds = [w for w in tables[0] if all(w in t for t in tables)]
    names = [n for n in tables[0][worlds[0]]["tests"] if all(n in t[w]["tests"] for t in tables for w in worlds)]
    out = []
    for world in worlds:
        runs = [t[world] for t in tables]
        first = runs[0]
        for run in runs[1:]:  # the same world's seed and optimum: read back with --optimum-from
            assert (run["seed_test"], run["optimum_test"], run["docs"], run["calls"], run["metric"]) == (
                first["seed_test"], first["optimum_test"], first["docs"], first["calls"], first["metric"]), world
        out.append({**first, "seed": sorted(by_seed),
                    "tests": {n: statistics.fmean(r["tests"][n] for r in runs) for n in names},
                    "costs": {n: statistics.fmean(r["costs"][n] for r in runs) for n in names if n != "probe"},
                    # The power check is run once (read back at the other seeds): its children counted once.
                    "improve": {n: first["improve"][n] if n in POWER else
                                [sum(r["improve"][n][i] for r in runs) for i in (0, 1)] for n in names if n != "probe"}})
    return out


def run_seed_spread(by_seed: dict[int, list[dict]], averaged: list[dict]) -> None:
    """How much a strategy's result depends on its run seed: each seed's pooled gap over the common
    worlds, the key differences per seed (does their sign replicate?), and a variance split. A
    world's gain is put in units of the mean gap over worlds (so the pooled gap is the mean of
    these shares, and a world with a tiny gap cannot explode them); the split compares their SD
    over run seeds within a world with the SD over worlds of their seed mean. ``averaged``:
    ``over_run_seeds(by_seed)``."""
    worlds = [r["world"] for r in averaged]
    scale = statistics.fmean(r["optimum_test"] - r["seed_test"] for r in averaged)
    names = [n for n in averaged[0]["tests"] if n != "probe" and n not in POWER]
    runs = {s: {r["world"]: r for r in rows} for s, rows in by_seed.items()}
    per_seed = [[t[w] for w in worlds] for t in runs.values()]  # each seed's rows of the common worlds
    print(f"\nrun seeds (SIMULATED): {', '.join(map(str, by_seed))} on worlds {', '.join(map(str, worlds))}; "
          "a world's gain in units of the mean gap over worlds")
    print(f"  {'strategy':20s} {'pooled gap per run seed':28s} SD over seeds in a world   SD over worlds of the mean")
    for name in names:
        gaps = " ".join(f"{pooled_gap(rows, name):6.2f}" for rows in per_seed)
        share = {w: [(t[w]["tests"][name] - t[w]["seed_test"]) / scale for t in runs.values()] for w in worlds}
        within = math.sqrt(statistics.fmean(statistics.variance(v) for v in share.values()))
        across = statistics.stdev(statistics.fmean(v) for v in share.values())
        print(f"  {name:20s} {gaps:28s} {within:25.2f}   {across:.2f}")
    for a, b in PAIRS:
        if a in names and b in names:
            diffs = " ".join(f"{pooled_gap(rows, a) - pooled_gap(rows, b):+.2f}" for rows in per_seed)
            # Paired per run (world and seed), in units of the mean gap; runs taken as independent,
            # which a world's shared optimum makes them only roughly.
            paired = [(t[w]["tests"][a] - t[w]["tests"][b]) / scale for t in runs.values() for w in worlds]
            sd = statistics.stdev(paired)
            need = math.ceil(((1.96 + 0.84) * sd / DETECT) ** 2)
            print(f"  {a} - {b}, per run seed: {diffs}; SD of a run's paired difference {sd:.2f}: about {need} "
                  f"runs (worlds x seeds) to detect {DETECT} of the gap at 80% power")


def _interval(point: float, low: float, high: float) -> str:
    return f"{point:6.3f} [{low:6.3f}, {high:6.3f}]"


def summary(rows: list[dict]) -> None:
    """Over worlds: each strategy's pooled fraction of the gap closed with a 95% bootstrap interval
    (worlds resampled), the power check, and the ratios (paired: the same worlds in every resample)."""
    worlds = [r["world"] for r in rows]
    for r in rows:
        r["tests"].setdefault("probe", r["probe_test"])
    names = [n for n in rows[0]["tests"] if n != "probe"]
    print(f"\nsearch efficiency (offline world, SIMULATED): worlds {', '.join(map(str, worlds))}; objective "
          f"{rows[0]['metric']} on {rows[0]['docs'][2]} test documents; {rows[0]['calls']} LM calls per run")
    print("  fraction of the seed -> optimum gap closed, pooled over worlds: sum(pick - seed) / sum(optimum - seed)")
    if isinstance(rows[0]["seed"], list):  # over_run_seeds: one row per world, its picks averaged
        print(f"  each world's pick averaged over run seeds {', '.join(map(str, rows[0]['seed']))} (calls: their mean; "
              "children: their sum)")
    print(f"  {'strategy':20s} {'pooled [95% bootstrap CI]':>28s}   per-world fractions   mean LM calls   "
          "children better than parent")
    for name in [*names, "probe"]:
        per = " ".join(f"{gap_closed(r['tests'][name], r['seed_test'], r['optimum_test']):.2f}" for r in rows)
        line = f"  {name:20s} {_interval(*bootstrap(rows, lambda rs, n=name: pooled_gap(rs, n))):>28s}   [{per}]"
        if name != "probe":
            better = sum(r["improve"][name][0] for r in rows)
            children = sum(r["improve"][name][1] for r in rows)
            line += f"   {statistics.fmean(r['costs'][name] for r in rows):.0f}   {better}/{children}"
        print(line)
    probe = bootstrap(rows, lambda rs: pooled_gap(rs, "probe"))
    poor = bootstrap(rows, lambda rs: pooled_gap(rs, "random knobs"))
    diff = bootstrap(rows, lambda rs: pooled_gap(rs, "probe") - pooled_gap(rs, "random knobs"))
    separated = probe[0] >= POWER_PROBE_MIN and diff[1] > 0
    verdict = ("separates" if separated else "does NOT separate") if len(rows) >= MIN_WORLDS else (
        f"cannot be judged on {len(rows)} worlds (a bootstrap over fewer than {MIN_WORLDS} means little)")
    print(f"power check: probe with the optimum's intent, worded afresh {_interval(*probe)} (must be >= "
          f"{POWER_PROBE_MIN}); random knob sampling {_interval(*poor)}; probe - random knobs {_interval(*diff)} -> "
          f"the protocol {verdict} a known-good probe from a known-poor one")
    for a, b in PAIRS:
        if a in names and b in names:
            ratio = bootstrap(rows, lambda rs, a=a, b=b: _ratio(rs, a, b))
            diff = bootstrap(rows, lambda rs, a=a, b=b: pooled_gap(rs, a) - pooled_gap(rs, b))
            shown = (_interval(*ratio) if not math.isnan(ratio[0]) else
                     f"undefined ({b}'s picks gained nothing over the seed in total)")
            print(f"  {a} / {b}: {shown} (ratio of pooled gains over the seed); difference in gap closed "
                  f"{_interval(*diff)}")


def _ratio(rows: list[dict], a: str, b: str) -> float:
    down = sum(r["tests"][b] - r["seed_test"] for r in rows)
    return sum(r["tests"][a] - r["seed_test"] for r in rows) / down if down > 0 else float("nan")


def matrix(worlds, picks, train, val, test, args) -> None:
    """Each world's pick (combined) measured on every world's test documents."""
    print(f"\ncross-world matrix (SIMULATED): combined's pick of the row's world, {args.metric} on the column's "
          "test documents")
    table: dict[tuple[int, int], float] = {}
    for target in worlds:
        cfg = load_sweep_config(CONFIG, {"seed": args.seed, "harness.documents.world_seed": target,
                                         "search.splits": {"train": train, "validation": val, "test": test}})
        docs = split_documents(cfg)["test"]
        for source in worlds:
            config = picks[source].model_copy(update={"documents": cfg.harness.documents})
            table[source, target] = measure(config, docs, TEST_SEED, args.metric)[0]
    print("  pick \\ on " + " ".join(f"{w:>7d}" for w in worlds))
    for source in worlds:
        print(f"  {source:9d} " + " ".join(f"{table[source, t]:7.2f}" for t in worlds))
    advantage = [table[t, t] - statistics.fmean(table[s, t] for s in worlds if s != t) for t in worlds]
    mean, half = mean_ci(advantage)
    print(f"  own pick minus the others' picks on each world: {mean:+.3f} ± {half:.3f} "
          f"[{' '.join(f'{a:+.2f}' for a in advantage)}]")


if __name__ == "__main__":
    raise SystemExit(main())
