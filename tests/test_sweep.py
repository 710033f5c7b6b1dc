"""End-to-end tests of the meta-optimization sweep on the offline world: it finds a better
harness (confirmed on test), the guard stops an adversarial proposer, workers share a storage,
a killed sweep resumes, and bad configurations stop before any call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import optuna
import pytest
from optuna.trial import FrozenTrial, TrialState
from waiting import poll

from harness.config import HarnessConfig, apply_overrides
from search.bank import attrs_for
from search.budget import MAX_REJECTIONS_FACTOR
from search.callbacks import (
    BudgetReached,
    CandidateFinished,
    CandidateRepeated,
    CandidateStarted,
    NewBest,
    ProposalRejected,
)
from search.callbacks import TestEvaluated as TestEvaluatedEvent  # not a test class
from search.config import load_sweep_config
from search.operators.base import Proposal, ProposalContext
from search.report import build_report
from search.space import genes_of, knobs_of
from search.storage import open_storage
from search.sweep import Sweep

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
GUARDED_SECTIONS = ("guarded", "models", "documents")

optuna.logging.set_verbosity(optuna.logging.WARNING)


KNOBS = "    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 3, high: 8}\n"


def sweep_yaml(tmp_path: Path, name: str, *, train: int = 2, validation: int = 6, test: int = 6,
               candidates: int = 8, operators: str = "{optuna: 0.3, mutation: 0.5, merge: 0.2}",
               seed: int = 0, extra: str = "", base: Path = DEMO, knobs: str = KNOBS, concurrency: int = 2,
               genes: str = "[challenger_instructions, orchestrator_instructions, qv_instructions]") -> Path:
    """A small sweep of a harness (default: the demo, two knobs, three genes) written as tmp_path/<name>.yaml."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"name: {name}\nseed: {seed}\nbase: {base}\n"
        "search:\n"
        f"  knobs:\n{knobs}"
        f"  genes: {genes}\n"
        f"  splits: {{train: {train}, validation: {validation}, test: {test}}}\n"
        f"  budget: {{candidates: {candidates}}}\n"
        f"  operators: {operators}\n"
        f"  concurrency: {concurrency}\n"
        f"{extra}",
        encoding="utf-8",
    )
    return path


def cli_env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["AUTODATA_STORE"] = str(store)
    for name in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR"):
        env.pop(name, None)
    return env


def cli_argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", *map(str, args)]


def run_cli(*args: str | Path, store: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(cli_argv(*args), cwd=REPO, env=cli_env(store), capture_output=True, text=True,
                          timeout=timeout)


def load_study(storage: str, name: str) -> optuna.Study:
    """The study of the sweep configuration ``name`` (the storage's only study of that name and
    seed 0: studies are named by what they search, ``search/study.py``)."""
    found = [s for s in optuna.get_all_study_names(open_storage(storage)) if s.startswith(f"{name}-seed0-")]
    if not found:
        raise KeyError(name)
    assert len(found) == 1, found
    return optuna.load_study(study_name=found[0], storage=open_storage(storage))


def candidates_of(trials: list[FrozenTrial]) -> list[FrozenTrial]:
    """Trials that are candidates (not guard rejections, not trials failed by a kill)."""
    return [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and not t.user_attrs.get("rejected")
            and "repeat_of" not in t.user_attrs]


def resolved_configs(out: Path) -> dict[str, dict[str, Any]]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((out / "evals").glob("*/config.resolved.json"))}


def rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    assert text == "" or text.endswith("\n"), f"{path} ends with a partial line"
    return [json.loads(line) for line in text.splitlines()]


# --- a whole sweep: its report, budget and lineage ------------------------------------------------
# Whether search raises acceptance is a claim about search, made by experiments/bench/search_efficiency.py
# on five held-out world seeds with confidence intervals, not by a test on one world.


@pytest.mark.slow
def test_a_sweep_reports_its_best_against_the_seed_within_budget(tmp_path: Path) -> None:
    # A seed with room above it (the fewest rounds the space allows), so that the lineage and the
    # NewBest events below have a best other than the seed to describe: the demo's own seed wins
    # a 12-candidate sweep on 20 documents about one run seed in three.
    base = tmp_path / "room.yaml"
    base.write_text(DEMO.read_text(encoding="utf-8").replace("round_budget: 5", "round_budget: 3"), encoding="utf-8")
    config = load_sweep_config(sweep_yaml(tmp_path, "gain", train=4, validation=20, test=20, candidates=12, base=base))
    assert config.harness.knobs.round_budget == 3
    out = tmp_path / "out"
    events: list[Any] = []
    sweep = Sweep(config, out, storage=f"sqlite:///{tmp_path / 'optuna.db'}", callbacks=[events.append])
    spent = asyncio.run(sweep.run())
    report = asyncio.run(build_report(sweep))

    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == json.loads(json.dumps(report))
    assert report["simulated"] is True
    seed, best = report["seed"], report["best"]
    for entry in (seed, best):
        assert 0.0 <= entry["validation_acceptance"] <= 1.0 and 0.0 <= entry["test_acceptance"] <= 1.0
    assert seed["operator"] == "seed" and seed["trial"] == 0
    # The best is chosen on validation, among candidates that include the seed; test is only reported.
    assert best["validation_acceptance"] >= seed["validation_acceptance"], (seed, best)
    assert report["gain"]["validation_acceptance"] == pytest.approx(
        best["validation_acceptance"] - seed["validation_acceptance"])
    assert report["gain"]["test_acceptance"] == pytest.approx(best["test_acceptance"] - seed["test_acceptance"])

    # At most 30 candidates (here exactly the budget of 12), nothing rejected.
    assert spent.candidates == 12 and report["budget"]["candidates"] == 12 <= 30
    assert report["budget"]["rejected"] == 0
    assert len(candidates_of(sweep.trials())) == 12

    # Lineage: from the best back to the seed, each step's first parent is the next step.
    lineage = report["lineage"]
    assert lineage[0]["trial"] == best["trial"] and lineage[-1]["operator"] == "seed"
    for step, parent in zip(lineage, lineage[1:], strict=False):
        assert step["parents"][0] == parent["trial"]
    assert len(lineage) >= 2  # the best is not the seed
    # Every evaluated candidate's first parents lead back to the seed, whoever wins.
    by_trial = {c["trial"]: c for c in report["candidates"] if c["parents"] is not None}
    for candidate in by_trial.values():
        step, walked = candidate, 0
        while step["trial"] != 0:
            step, walked = by_trial[step["parents"][0]], walked + 1
            assert walked <= len(by_trial)
    # Stopped by racing (search/racing.py): pruned after 10 of the 20 validation documents (a quarter, at least 10).
    for candidate in report["candidates"]:
        if "raced_out" in candidate:
            assert candidate["state"] == "pruned" and candidate["validation_score"] is None
            assert candidate["raced_out"]["documents"] == 10 and candidate["raced_out"]["parents"]
    assert set(report["best_genes_diff"]) <= set(config.search.genes)
    assert all(diff.startswith("--- seed") for diff in report["best_genes_diff"].values())
    if report["best_genes"] != genes_of(config.harness):
        assert report["best_genes_diff"]

    # The callbacks: one Started and one Finished per candidate, NewBest on improvements, BudgetReached last.
    kinds = Counter(type(e).__name__ for e in events)
    assert kinds["CandidateStarted"] == kinds["CandidateFinished"] == 12
    # BudgetReached ends the run; the report's test evaluations (TestEvaluated) come after it.
    run_events = [e for e in events if not isinstance(e, TestEvaluatedEvent)]
    assert kinds["BudgetReached"] == 1 and isinstance(run_events[-1], BudgetReached)
    assert run_events[-1].reason.startswith("candidates 12 >= 12")
    assert run_events[-1].spent["candidates"] == 12
    tested = [e for e in events if isinstance(e, TestEvaluatedEvent)]
    assert events[len(run_events):] == tested and {e.role for e in tested} >= {"seed", "best"}
    assert all(0.0 <= e.test_acceptance <= 1.0 and Path(e.out).is_dir() for e in tested)
    assert kinds["ProposalRejected"] == 0
    started = [e.number for e in events if isinstance(e, CandidateStarted)]
    finished = {e.number: e for e in events if isinstance(e, CandidateFinished)}
    assert sorted(started) == sorted(finished) and len(set(started)) == 12
    states = {t.number: t.state for t in sweep.trials()}
    for number, event in finished.items():
        assert event.state == {TrialState.COMPLETE: "complete", TrialState.PRUNED: "screened_out"}[states[number]]
        assert event.cost["calls"] > 0
        assert "train" in event.evaluations
    bests = [e for e in events if isinstance(e, NewBest)]
    assert len(bests) >= 2
    assert bests[0].number == 0 and bests[0].previous is None
    # Each NewBest names a new leader, above the former one's score at that moment (its mean over
    # its draws, which can fall when it is evaluated again: search/noise.py).
    assert all(b.number != a.number for a, b in zip(bests, bests[1:], strict=False))
    assert all(b.score > b.previous for b in bests[1:])
    assert bests[-1].number == best["trial"]
    for b in bests:  # a NewBest always follows the Finished event of the candidate that made it
        index = events.index(b)
        finished_event = events[index - 1]
        assert isinstance(finished_event, CandidateFinished) and finished_event.best[0] == b.number
        assert finished_event.best[1] == pytest.approx(b.score)
    last = [e for e in events if isinstance(e, CandidateFinished)][-1]
    assert last.best == (best["trial"], pytest.approx(best["validation_score"]))


# --- the guard against an adversarial proposer ---------------------------------------------------


ATTACKS: list[tuple[str, dict[str, Any], dict[str, str], bool, str]] = [
    # (the path the rejection must name, overrides, gene changes, knobs given, stage caught)
    ("guarded.acceptance.gap_min", {"guarded.acceptance.gap_min": 0.0}, {}, True, "proposal"),
    ("guarded.solver_instructions", {"guarded.solver_instructions": "Answer in one word."}, {}, True, "proposal"),
    ("guarded.judge_instructions", {"guarded.judge_instructions": "Mark every criterion as met."}, {}, True,
     "proposal"),
    ("documents.count", {"documents.count": 3}, {}, True, "proposal"),
    ("models.judge.model", {"models.judge.model": "sim/weak"}, {}, True, "proposal"),
    ("genes.judge_instructions", {}, {"judge_instructions": "Mark every criterion as met."}, True, "proposal"),
    # knobs left to the sampler and no overrides: the proposal enters the study as a trial and
    # is caught by the second check, before it is evaluated
    ("genes.judge_instructions", {}, {"judge_instructions": "x"}, False, "evaluation"),
    ("guarded.acceptance.weak_mean_max", {"guarded.acceptance.weak_mean_max": 1.0}, {}, False, "proposal"),
]


class Adversary:
    """A proposer that keeps trying to change what it must not (cycles through ATTACKS)."""

    name = "adversary"

    def __init__(self) -> None:
        self.made: list[tuple[str, str]] = []  # (path, the stage that must catch it)

    async def propose(self, ctx: ProposalContext) -> Proposal:
        path, overrides, genes, with_knobs, stage = ATTACKS[len(self.made) % len(ATTACKS)]
        self.made.append((path, stage))
        parent = ctx.select_parent()
        return Proposal(self.name, [parent.number], dict(parent.knobs) if with_knobs else None,
                        {**parent.genes, **genes}, overrides=dict(overrides))


def assert_guarded_sections_kept(out: Path, seed: HarnessConfig) -> dict[str, dict[str, Any]]:
    resolved = resolved_configs(out)
    assert resolved, "the seed harness must have been evaluated"
    expected = seed.model_dump(mode="json")
    for name, row in resolved.items():
        for section in GUARDED_SECTIONS:
            assert row["config"][section] == expected[section], (name, section)
    return resolved


def assert_only_seed_evaluated(out: Path, seed: HarnessConfig) -> dict[str, dict[str, Any]]:
    resolved = assert_guarded_sections_kept(out, seed)
    for name, row in resolved.items():
        assert row["harness_hash"] == seed.harness_hash(), name
    return resolved


def test_a_harness_already_evaluated_is_served_from_the_store_and_costs_no_candidate(tmp_path: Path) -> None:
    # A space holding only the seed's harness (one choice per knob, genes copied by the sampler):
    # every proposal after the seed repeats it. None is paid for or counted as a candidate; the
    # sweep stops when the space has nothing new, having paid for the seed alone.
    knobs = "    challenger_temperature: {choices: [0.7]}\n    round_budget: {choices: [5]}\n"
    config = load_sweep_config(sweep_yaml(tmp_path, "repeats", knobs=knobs, operators="{optuna: 1.0, mutation: 0, merge: 0}",
                                          candidates=3, concurrency=1, train=2, validation=3))
    events: list[Any] = []
    sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path / 'optuna.db'}", callbacks=[events.append])
    spent = asyncio.run(sweep.run())

    finished = [e for e in events if isinstance(e, CandidateFinished)]
    repeats = [e for e in events if isinstance(e, CandidateRepeated)]
    assert [e.operator for e in finished] == ["seed"]
    assert spent.candidates == 1 and spent.repeated == MAX_REJECTIONS_FACTOR * 3 == len(repeats)
    assert {e.repeat_of for e in repeats} == {0} and {e.harness_hash for e in repeats} == {finished[0].harness_hash}
    assert spent.calls == finished[0].cost["calls"] > 0  # the seed's evaluations, paid once
    assert "repeated a harness already evaluated" in next(e for e in events if isinstance(e, BudgetReached)).reason
    # The sampler still learns each repeat's value (the seed's), and the population is the seed alone.
    trials = sweep.trials()
    assert all(t.values == trials[0].values for t in trials if "repeat_of" in t.user_attrs)
    assert list(sweep.state.members) == [0]


def test_adversarial_proposer_is_rejected_every_time(tmp_path: Path) -> None:
    config = load_sweep_config(sweep_yaml(tmp_path, "adversary", train=2, validation=3, test=1, candidates=3,
                                          operators="{optuna: 0, mutation: 1, merge: 0}"))
    out = tmp_path / "out"
    adversary = Adversary()
    events: list[Any] = []
    sweep = Sweep(config, out, storage=f"sqlite:///{tmp_path / 'optuna.db'}", callbacks=[events.append],
                  operators={"mutation": adversary})
    spent = asyncio.run(sweep.run())

    made = len(adversary.made)
    limit = MAX_REJECTIONS_FACTOR * config.search.budget.candidates
    # The sweep gives up after 15 rejections (one more if an evaluation-stage one was in flight).
    assert limit == 15 and limit <= made <= limit + 1, made
    assert spent.rejected == made and spent.candidates == 1  # the seed only
    assert isinstance(events[-1], BudgetReached) and "rejected by the guard" in events[-1].reason

    # Every rejection recorded: rejections.jsonl, an event, and a FAIL trial with the reasons.
    lines = rows(out / "rejections.jsonl")
    assert len(lines) == made  # each proposal rejected, each rejection on record
    assert Counter(len(r["reasons"]) for r in lines) == Counter({1: made})

    def named(row: dict[str, Any]) -> str:
        return next(p for p, *_ in ATTACKS if p in row["reasons"][0])

    for row in lines:
        assert row["operator"] == "adversary"
        assert row["reasons"][0] in (f"guarded setting changed: {named(row)}",
                                     f"not a valid harness: {named(row)}: Extra inputs are not permitted"), row
    assert Counter((named(r), r["stage"]) for r in lines) == Counter(adversary.made)
    stages = Counter(r["stage"] for r in lines)
    assert stages == Counter(stage for _, stage in adversary.made)
    assert stages["evaluation"] >= 1 and stages["proposal"] >= 12
    rejected_events = [e for e in events if isinstance(e, ProposalRejected)]
    assert [(e.stage, e.reasons) for e in rejected_events] == [(r["stage"], r["reasons"]) for r in lines]

    trials = sweep.trials()
    rejected = [t for t in trials if t.user_attrs.get("rejected")]
    assert len(rejected) == made
    assert all(t.state == TrialState.FAIL for t in rejected)
    assert sorted(t.number for t in rejected) == sorted(r["trial"] for r in lines)
    by_number = {r["trial"]: r for r in lines}
    for t in rejected:
        assert t.user_attrs["rejected"] == by_number[t.number]["reasons"]
        assert t.user_attrs["stage"] == by_number[t.number]["stage"]
        assert "train_dir" not in t.user_attrs  # nothing was generated for it

    # Nothing but the seed was ever evaluated: no evaluated harness differs in a guarded setting.
    assert [t.user_attrs["operator"] for t in candidates_of(trials)] == ["seed"]
    assert [e.number for e in events if isinstance(e, CandidateStarted)] == [0]
    resolved = assert_only_seed_evaluated(out, config.harness)
    assert sorted(name.split("-")[1] for name in resolved) == ["train", "validation"]

    report = asyncio.run(build_report(sweep))
    assert report["best"]["trial"] == report["seed"]["trial"] == 0
    assert report["gain"] == {"validation_acceptance": 0, "test_acceptance": 0}
    assert report["budget"]["rejected"] == made
    assert sum(1 for c in report["candidates"] if c["rejected"]) == made


def another_round_budget(knobs: dict[str, Any], step: int) -> dict[str, Any]:
    """The parent's knobs with a round budget it has not tried (3-8 in these sweeps), so the
    proposal is a new harness and not a repeat served from the evaluation store."""
    return {**knobs, "round_budget": 3 + (int(knobs["round_budget"]) - 3 + step) % 6}


class CopyParent:
    """A harmless proposer: the parent with one more round of budget each time."""

    name = "mutation"

    def __init__(self) -> None:
        self.calls = 0

    async def propose(self, ctx: ProposalContext) -> Proposal:
        parent = ctx.select_parent()
        self.calls += 1
        return Proposal(self.name, [parent.number], another_round_budget(parent.knobs, self.calls),
                        dict(parent.genes))


def test_a_trial_enqueued_around_the_guard_is_rejected_at_evaluation(tmp_path: Path) -> None:
    config = load_sweep_config(sweep_yaml(tmp_path, "sneaky", train=2, validation=3, test=1, candidates=3,
                                          operators="{optuna: 0, mutation: 1, merge: 0}"))
    out = tmp_path / "out"
    events: list[Any] = []
    sweep = Sweep(config, out, storage=f"{tmp_path / 'optuna.journal'}", callbacks=[events.append],
                  operators={"mutation": CopyParent()})
    sweep._ensure_seed()
    overrides = {"guarded.acceptance.gap_min": 0.0}
    sneaky_attrs = {"operator": "x", "parents": [0], **attrs_for(sweep.bank, genes_of(config.harness)),
                    "overrides": overrides}
    sweep.study.enqueue_trial(knobs_of(config.harness, config.search), user_attrs=sneaky_attrs)
    sneaky = max(t.number for t in sweep.trials())
    sneaky_config = HarnessConfig.model_validate(apply_overrides(config.harness.model_dump(), overrides))
    assert sneaky_config.harness_hash() != config.harness.harness_hash()
    spent = asyncio.run(sweep.run())

    lines = rows(out / "rejections.jsonl")
    assert lines == [{"operator": "x", "stage": "evaluation", "trial": sneaky,
                      "reasons": ["guarded setting changed: guarded.acceptance.gap_min"], "time": lines[0]["time"]}]
    trial = next(t for t in sweep.trials() if t.number == sneaky)
    assert trial.state == TrialState.FAIL
    assert trial.user_attrs["rejected"] == lines[0]["reasons"] and trial.user_attrs["stage"] == "evaluation"
    assert "train_dir" not in trial.user_attrs and "harness_hash" not in trial.user_attrs
    # No generation was started for it: no event, no evaluation directory of its harness.
    assert sneaky not in [e.number for e in events if isinstance(e, CandidateStarted | CandidateFinished)]
    assert [(e.operator, e.stage) for e in events if isinstance(e, ProposalRejected)] == [("x", "evaluation")]
    assert not list((out / "evals").glob(f"{sneaky_config.harness_hash()}-*"))
    assert_guarded_sections_kept(out, config.harness)
    # The sweep went on past it: the seed and harmless variants. (While it was running the rejected
    # trial held a budget slot, so the loop may stop one candidate short of the budget of 3.)
    operators = [t.user_attrs["operator"] for t in candidates_of(sweep.trials())]
    assert operators[0] == "seed" and operators[1:] in (["mutation"], ["mutation", "mutation"]), operators
    assert spent.candidates == len(operators) and spent.rejected == 1


class RacingAdversary:
    """A rejected proposal made while another worker's proposal waits in the study: while this
    operator proposes, it enqueues (as that other worker would) a legitimate candidate."""

    name = "mutation"

    def __init__(self, study: optuna.Study) -> None:
        self.study = study
        self.calls = 0

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        parent = ctx.select_parent()
        self.calls += 1
        if self.calls == 1:
            self.study.enqueue_trial(another_round_budget(parent.knobs, 1), user_attrs={
                "operator": "other-worker", "parents": [parent.number], **attrs_for(ctx.bank, parent.genes)})
            return Proposal(self.name, [parent.number], dict(parent.knobs), dict(parent.genes),
                            overrides={"guarded.acceptance.gap_min": 0.0})
        return Proposal(self.name, [parent.number], another_round_budget(parent.knobs, self.calls),
                        dict(parent.genes))


def test_a_rejection_never_takes_another_workers_waiting_trial(tmp_path: Path) -> None:
    config = load_sweep_config(sweep_yaml(tmp_path, "race", train=2, validation=3, test=1, candidates=4,
                                          operators="{optuna: 0, mutation: 1, merge: 0}"))
    sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    sweep.operators = {"mutation": RacingAdversary(sweep.study)}
    asyncio.run(sweep.run())
    trials = sweep.trials()
    other = [t for t in trials if t.user_attrs.get("operator") == "other-worker"]
    assert len(other) == 1
    assert other[0].state in (TrialState.COMPLETE, TrialState.PRUNED), (other[0].state, other[0].user_attrs)
    assert "rejected" not in other[0].user_attrs and "train_dir" in other[0].user_attrs
    rejected = [t for t in trials if t.user_attrs.get("rejected")]
    assert len(rejected) == 1 and rejected[0].state == TrialState.FAIL
    assert rejected[0].user_attrs["rejected"] == ["guarded setting changed: guarded.acceptance.gap_min"]
    lines = rows(tmp_path / "out" / "rejections.jsonl")
    assert [(r["trial"], r["reasons"]) for r in lines] == [(rejected[0].number, rejected[0].user_attrs["rejected"])]


# --- workers sharing one storage ------------------------------------------------------------------


POP_WORKER = """
import os, sys, time, optuna
from pathlib import Path
from optuna.trial import TrialState
from search.storage import open_storage
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name="pop", storage=open_storage(sys.argv[1]))
barrier = Path(sys.argv[2])
(barrier / f"ready-{os.getpid()}").touch()
while not (barrier / "go").exists():  # all four start popping together, once all are ready
    time.sleep(0.001)
popped = []
while True:
    trial = study.ask()
    if "slot" not in trial.user_attrs:  # the queue is empty: a fresh trial
        study.tell(trial, state=TrialState.FAIL)
        break
    popped.append(trial.user_attrs["slot"])
    study.tell(trial, 0.0)
print(" ".join(map(str, popped)))
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_enqueued_trials_are_popped_once_across_processes(tmp_path: Path, kind: str) -> None:
    """Four processes draining one queue of enqueued trials: each is taken by exactly one.
    (Plain Optuna on SQLite lets two processes pop the same trial: optuna#4002.)"""
    storage = str(tmp_path / "pop.journal") if kind == "journal" else f"sqlite:///{tmp_path / 'pop.db'}"
    study = optuna.create_study(study_name="pop", storage=open_storage(storage))
    slots = 60
    for slot in range(slots):
        study.enqueue_trial({}, user_attrs={"slot": slot})
    script = tmp_path / "pop.py"
    script.write_text(POP_WORKER, encoding="utf-8")
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    workers = [subprocess.Popen([sys.executable, str(script), storage, str(barrier)], cwd=REPO, env=cli_env(tmp_path),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    poll(lambda: len(list(barrier.glob("ready-*"))) == 4 or any(w.poll() is not None for w in workers),
         "four workers ready to pop")
    (barrier / "go").touch()
    outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    popped = [int(s) for out, _ in outputs for s in out.split()]
    assert sorted(popped) == list(range(slots))  # every slot once: none lost, none twice
    trials = study.get_trials()
    assert Counter(t.state for t in trials) == Counter({TrialState.COMPLETE: slots, TrialState.FAIL: 4})


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_four_workers_share_one_storage(tmp_path: Path, kind: str) -> None:
    budget = 12  # enough candidates that helper workers (a few seconds to start) join in under load
    cfg = sweep_yaml(tmp_path, f"workers-{kind}", candidates=budget)
    storage = str(tmp_path / "optuna.journal") if kind == "journal" else f"sqlite:///{tmp_path / 'optuna.db'}"
    out = tmp_path / "out"
    result = run_cli("sweep", cfg, "--workers", "4", "--storage", storage, "--out", out, store=tmp_path / "store")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    trials = load_study(storage, f"workers-{kind}").get_trials()
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers)) and sorted(numbers) == list(range(len(numbers)))  # none lost or doubled
    assert Counter(t.state for t in trials).keys() <= {TrialState.COMPLETE, TrialState.PRUNED}, \
        [(t.number, t.state.name, t.user_attrs.get("error")) for t in trials]
    candidates = candidates_of(trials)
    # Each worker checks the budget before it proposes; workers that check at the same moment
    # may each start one more candidate: at most workers - 1 over.
    assert budget <= len(candidates) <= budget + 3, len(candidates)
    assert report["budget"]["candidates"] == len(candidates)
    assert sum(1 for t in trials if t.user_attrs.get("operator") == "seed") == 1
    for t in candidates:
        assert Path(t.user_attrs["train_dir"]).is_dir()
        assert Path(t.user_attrs["train_dir"], "summary.json").is_file()
        assert t.user_attrs["worker"]
    workers = {t.user_attrs["worker"] for t in candidates}
    # All four processes joined this one study (each registers as it starts), and every candidate
    # was evaluated by one of them. How the candidates split depends on how fast the helpers start
    # (seconds under load), so it is not asserted here; that four processes share one queue, each
    # trial taken once, is test_enqueued_trials_are_popped_once_across_processes (a barrier start).
    registered = {key.removeprefix("worker:") for key in load_study(storage, f"workers-{kind}").user_attrs
                  if key.startswith("worker:")}
    assert len(registered) == 4, registered
    assert workers and workers <= registered, (workers, registered)
    assert len({t.user_attrs["harness_hash"] for t in candidates}) >= 2
    assert report["best"]["validation_acceptance"] >= report["seed"]["validation_acceptance"]


# --- a sweep killed with SIGKILL resumes ----------------------------------------------------------


def snapshot(trials: list[FrozenTrial]) -> dict[int, dict[str, Any]]:
    return {t.number: {"params": t.params, "values": t.values, "operator": t.user_attrs.get("operator"),
                       "validation_score": t.user_attrs.get("validation_score"),
                       "harness_hash": t.user_attrs.get("harness_hash"), "genes": t.user_attrs.get("genes")}
            for t in trials}


@pytest.mark.slow
def test_one_candidate_at_a_time_a_sweep_is_a_function_of_its_seed(tmp_path: Path) -> None:
    """Two runs of the same sweep, each in a fresh store (no shared cache), propose the same
    candidates and spend the same calls and tokens; concurrency 1 takes timing out of proposals."""
    cfg = sweep_yaml(tmp_path, "again", candidates=6, concurrency=1)
    runs = [subprocess.Popen(cli_argv("sweep", cfg, "--storage", f"sqlite:///{tmp_path / f'optuna{i}.db'}",
                                      "--out", tmp_path / f"out{i}"),
                             cwd=REPO, env=cli_env(tmp_path / f"store{i}"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for i in (1, 2)]
    for process in runs:
        output = process.communicate(timeout=240)[0]
        assert process.returncode == 0, output[-3000:]
    reports = [json.loads((tmp_path / f"out{i}" / "report.json").read_text(encoding="utf-8")) for i in (1, 2)]
    for report in reports:
        assert report["budget"]["calls"] > 0
        report["budget"].pop("wall_s")
    assert reports[0] == reports[1]
    trials = [[(t.number, t.state, t.params, t.user_attrs.get("operator"), t.user_attrs.get("parents"),
                t.values) for t in load_study(f"sqlite:///{tmp_path / f'optuna{i}.db'}", "again").get_trials()]
              for i in (1, 2)]
    assert len(trials[0]) >= 6 and trials[0] == trials[1]


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 3])
def test_sweep_killed_with_sigkill_resumes_keeping_completed_trials(tmp_path: Path, workers: int) -> None:
    """Killed (every worker process at once) while candidates run, the sweep started again keeps
    every completed trial, redoes the running ones, and ends within its budget."""
    budget = 10 if workers == 1 else 20  # enough candidates that the helpers (seconds to start) join in
    cfg = sweep_yaml(tmp_path, "killed", candidates=budget, extra="  screen_margin: 1.0\n")  # no screening
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    out = tmp_path / "out"
    store = tmp_path / "store"
    argv = cli_argv("sweep", cfg, "--storage", storage, "--out", out, "--workers", str(workers))
    with open(tmp_path / "first.log", "w") as log:
        # A session of its own: the helpers are in its process group and die with it.
        process = subprocess.Popen(argv, cwd=REPO, env=cli_env(store), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            def ready() -> bool:
                assert process.poll() is None, "the sweep finished before it could be killed: " + \
                    (tmp_path / "first.log").read_text()
                try:
                    trials = load_study(storage, "killed").get_trials()
                except KeyError:  # the study does not exist yet
                    return False
                states = Counter(t.state for t in trials)
                # Killed mid-evaluation: every running trial's set-up (knobs, genes, worker tag:
                # separate storage writes after Optuna's ask) is complete.
                running = [t for t in trials if t.state == TrialState.RUNNING]
                # With several workers, killed once at least two of them have taken candidates.
                busy = {t.user_attrs.get("worker") for t in trials if t.state in (TrialState.RUNNING,
                                                                                   TrialState.COMPLETE)}
                return states[TrialState.COMPLETE] >= 3 and bool(running) and \
                    all("worker" in t.user_attrs for t in running) and len(busy - {None}) >= min(workers, 2)

            poll(ready, "3 completed trials and one running")
            os.killpg(process.pid, signal.SIGKILL)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not (out / "report.json").exists()

    before = load_study(storage, "killed").get_trials()
    completed = snapshot([t for t in before if t.state == TrialState.COMPLETE])
    running = snapshot([t for t in before if t.state == TrialState.RUNNING])
    assert len(completed) >= 3 and running

    result = subprocess.run(argv, cwd=REPO, env=cli_env(store), capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "report.json").is_file()

    after_trials = load_study(storage, "killed").get_trials()
    after = {t.number: t for t in after_trials}
    assert not [t.number for t in after_trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    # Every trial completed before the kill is kept, unchanged.
    kept = snapshot([after[n] for n in completed])
    assert kept == completed
    assert all(after[n].state == TrialState.COMPLETE for n in completed)
    # Every trial the kill left running was failed and redone with the same knobs and genes.
    for number, old in running.items():
        assert after[number].state == TrialState.FAIL
        redo = [t for t in after_trials if t.user_attrs.get("redo_of") == number]
        assert len(redo) == 1, number
        assert redo[0].state in (TrialState.COMPLETE, TrialState.PRUNED)
        if old["params"] or old["genes"]:  # killed while evaluating; one killed while proposing had no knobs yet
            # Every knob it had is kept; one killed between two knobs' writes has the rest drawn anew.
            assert old["params"].items() <= redo[0].params.items(), (old["params"], redo[0].params)
            assert redo[0].user_attrs.get("genes") == old["genes"]
            assert redo[0].user_attrs.get("operator") == old["operator"]
    # Nothing lost, nothing doubled: the budget holds, only killed trials failed.
    assert {t.number for t in after_trials if t.state == TrialState.FAIL and not t.user_attrs.get("cancelled")} == set(running)
    assert len(candidates_of(after_trials)) == budget
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["budget"]["candidates"] == len(candidates_of(after_trials)) and report["seed"]["trial"] == 0


# --- bad configurations ----------------------------------------------------------------------------


@pytest.mark.parametrize("search, field, needle", [
    ("  knobs:\n    round_budget: {low: 8, high: 3}\n", "search.knobs.round_budget", "empty range: low 8 > high 3"),
    ("  objectives:\n    - {metric: happiness}\n", "search.objectives.0.metric", "unknown objective 'happiness'"),
    ("  genes: [challenger_instructions, judge_instructions]\n", "search.genes",
     "'judge_instructions' is guarded and can never be a gene"),
], ids=["empty-knob-range", "unknown-objective", "guarded-gene"])
def test_bad_sweep_config_is_a_usage_error_before_any_call(tmp_path: Path, search: str, field: str, needle: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(f"name: bad\nbase: {DEMO}\nsearch:\n{search}", encoding="utf-8")
    out, db, store = tmp_path / "out", tmp_path / "optuna.db", tmp_path / "store"
    result = run_cli("sweep", cfg, "--storage", f"sqlite:///{db}", "--out", out, store=store, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {cfg}: {field}: "), lines[0]
    assert needle in lines[0]
    assert not out.exists() and not db.exists()  # no output directory, no evaluations, no study
    assert not (store / "optuna.db").exists()



def test_trials_a_worker_was_killed_setting_up_are_failed_and_redone(tmp_path: Path) -> None:
    """Optuna's ask, the trial's lineage and genes, and its worker tag are separate storage writes:
    a worker killed between them leaves a RUNNING trial with some or none of them. The next run
    fails each such trial and redoes it with the same knobs and a complete set-up. The redone
    trials already count against the candidate budget, which they fill here: they are evaluated
    all the same (and a budget of one evaluates the seed)."""
    from search.storage import WORKER
    from search.sweep import Sweep

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    first = Sweep(load_sweep_config(sweep_yaml(tmp_path, "setup", train=2, validation=4, test=4, candidates=1)),
                  tmp_path / "out", storage=storage)
    assert asyncio.run(first.run()).candidates == 1
    assert [(t.number, t.state, t.user_attrs["operator"]) for t in first.trials()] == [(0, TrialState.COMPLETE, "seed")]
    bare = first.study.ask(first.dists)  # killed right after ask
    partial = first.study.ask(first.dists)  # killed while writing its set-up
    partial.set_user_attr("operator", "optuna")
    partial.set_user_attr("parents", [0])
    partial.set_user_attr("worker", f"{socket.gethostname()}:{_exited_pid()}")  # a process that has exited
    left = {bare.number: dict(bare.params), partial.number: dict(partial.params)}

    sweep = Sweep(load_sweep_config(sweep_yaml(tmp_path, "setup", train=2, validation=4, test=4, candidates=3)),
                  tmp_path / "out", storage=storage)
    spent = asyncio.run(sweep.run())
    trials = {t.number: t for t in sweep.trials()}
    assert all(trials[number].state == TrialState.FAIL for number in left)
    redone = {t.user_attrs["redo_of"]: t for t in trials.values() if "redo_of" in t.user_attrs}
    assert set(redone) == set(left)
    for number, trial in redone.items():
        assert trial.state in (TrialState.COMPLETE, TrialState.PRUNED), trial
        assert trial.params == left[number]
        assert trial.user_attrs["operator"] == "optuna" and trial.user_attrs["parents"] == [0]
        assert set(trial.user_attrs["genes"]) == set(trials[0].user_attrs["genes"])  # every gene, as the seed's
        assert trial.user_attrs["worker"] == WORKER
    assert spent.candidates == 3 and len(candidates_of(list(trials.values()))) == 3
    assert [t for t in trials.values() if t.state in (TrialState.RUNNING, TrialState.WAITING)] == []


def _exited_pid() -> str:
    return subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()


def test_a_budget_slot_is_given_back_only_when_its_holder_is_dead_and_nothing_carries_it() -> None:
    from search.slots import MemorySlots, Orphans

    slots = MemorySlots()
    verdicts = {"dead": False, "live": True, "far": None}  # far: another host, cannot tell
    orphans = Orphans(slots, "budget", verdicts.__getitem__, settle_s=2.0, grace_s=60.0)
    for number, holder in enumerate(["dead", "live", "far", "dead"]):
        assert slots.claim("budget", number, holder)
    carried = {3}  # a trial carries slot 3 (its holder died after making it: the redo keeps it)
    assert orphans.reclaim(carried, now=100.0) == []  # seen uncarried once: a redo may be on its way
    assert orphans.reclaim(carried, now=101.0) == []
    assert orphans.reclaim(carried, now=102.0) == [0]  # dead, and uncarried for the settle time
    assert set(slots.held("budget")) == {1, 2, 3}
    assert orphans.reclaim(carried, now=159.0) == []
    assert orphans.reclaim(carried, now=160.0) == [2]  # another host's, after the grace
    assert set(slots.held("budget")) == {1, 3}  # the live holder's slot is never taken
    # Claimed anew meanwhile by a live worker: the release spares it.
    assert slots.claim("budget", 0, "live")
    slots.release("budget", 0, "dead")
    assert slots.held("budget")[0] == "live"


def test_an_untagged_trial_is_spared_only_for_a_live_worker_that_joined_before_it(tmp_path: Path) -> None:
    """A worker tags a trial right after asking for it. An untagged RUNNING trial begun after a live
    worker joined may be that worker's; one begun before every live worker joined is a dead one's
    (a sweep killed and started again must not wait for the tag's grace period)."""
    import datetime

    from search.storage import HOST, recover_stale

    study = optuna.create_study(storage=open_storage(f"sqlite:///{tmp_path / 'optuna.db'}"), study_name="tags")
    orphan = study.ask()  # asked by a worker killed before tagging it
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]) as live:
        try:
            joined = datetime.datetime.now() + datetime.timedelta(seconds=1)
            study.set_user_attr(f"worker:{HOST}:{live.pid}:x", joined.isoformat())
            assert recover_stale(study) == [orphan.number]
            fresh = study.ask()
            earlier = datetime.datetime.now() - datetime.timedelta(hours=1)
            study.set_user_attr(f"worker:{HOST}:{live.pid}:x", earlier.isoformat())
            assert recover_stale(study) == []  # the live worker joined before it: maybe its own, spared
        finally:
            live.kill()
    assert recover_stale(study) == [fresh.number]  # its worker gone, the trial is a dead one's
    states = {t.number: t.state for t in study.get_trials()}
    assert states[orphan.number] == states[fresh.number] == TrialState.FAIL


def test_a_sweep_fills_its_budget_past_a_slot_a_killed_worker_claimed_and_never_used(tmp_path: Path) -> None:
    """Killed between claiming a budget slot and making the trial that carries it, a worker leaves a
    slot nobody carries. The next run gives it back and fills the budget (it used to wait forever)."""
    from search.slots import slots_for
    from search.storage import WORKER
    from search.sweep import BUDGET

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    first = Sweep(load_sweep_config(sweep_yaml(tmp_path, "orphan", train=2, validation=4, test=4, candidates=1)),
                  tmp_path / "out", storage=storage)
    assert asyncio.run(first.run()).candidates == 1
    dead = f"{socket.gethostname()}:{_exited_pid()}:x"
    slots = slots_for(first.storage, first.study.study_name)
    assert slots.claim(BUDGET, 1, dead) and slots.claim(BUDGET, 2, dead)

    sweep = Sweep(load_sweep_config(sweep_yaml(tmp_path, "orphan", train=2, validation=4, test=4, candidates=3)),
                  tmp_path / "out", storage=storage)
    spent = asyncio.run(asyncio.wait_for(sweep.run(), timeout=600))  # a hang guard, not a measure
    trials = sweep.trials()
    assert spent.candidates == 3 and len(candidates_of(trials)) == 3
    assert sorted(t.user_attrs["slot"] for t in candidates_of(trials)) == [0, 1, 2]
    assert set(slots.held(BUDGET).values()) == {WORKER}


def test_an_evaluation_stopped_by_its_budget_fails_and_is_not_kept(tmp_path: Path) -> None:
    from search.evaluation import Evaluator
    from search.sweep import Sweep

    path = sweep_yaml(tmp_path, "budgeted", train=2, validation=2, test=2, candidates=1, operators="{optuna: 1.0}",
                      extra="harness:\n  runtime: {budget: {calls: 25}}\n")
    config = load_sweep_config(path)
    sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path}/optuna.db")
    evaluator: Evaluator = sweep.evaluator
    with pytest.raises(RuntimeError, match="evaluation stopped early: call limit reached"):
        asyncio.run(evaluator.evaluate(sweep.seed_config, "train"))
    where = evaluator.directory(sweep.seed_config, "train")
    assert json.loads((where / "summary.json").read_text())["spent"]["calls"] <= 25
    assert not (where / "scorecard.json").exists()  # never read back as a finished evaluation


def test_a_seed_given_up_after_its_redos_is_enqueued_again_and_the_sweep_finishes(tmp_path: Path) -> None:
    """The seed killed with its worker past its redos (the soak killed the one busy worker four
    times in a row) is given up like any trial; but nothing can be proposed without it, so it is
    enqueued again once its slot is back (every worker used to wait for it for good)."""
    from search.slots import slots_for
    from search.storage import RETRIES, given_up
    from search.sweep import BUDGET

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    config = load_sweep_config(sweep_yaml(tmp_path, "seedless", train=2, validation=4, test=4, candidates=2))
    first = Sweep(config, tmp_path / "out", storage=storage)
    dead = f"{socket.gethostname()}:{_exited_pid()}:x"
    assert slots_for(first.storage, first.study.study_name).claim(BUDGET, 0, dead)
    attrs = {"operator": "seed", "parents": [], "slot": 0, "worker": dead,
             **attrs_for(first.bank, genes_of(config.harness))}
    for number in range(RETRIES + 1):  # the first try and its redos, as Optuna's retry callback leaves them
        history = {"failed_trial": 0, "retry_history": list(range(number))} if number else {}
        first.study.add_trial(optuna.trial.create_trial(
            state=TrialState.FAIL, params=knobs_of(config.harness, config.search), distributions=first.dists,
            user_attrs=attrs, system_attrs=history))
    assert [given_up(t) for t in first.trials()] == [False] * RETRIES + [True]

    sweep = Sweep(config, tmp_path / "out", storage=storage)
    spent = asyncio.run(asyncio.wait_for(sweep.run(), timeout=600))  # a hang guard, not a measure
    seeds = [t for t in sweep.trials() if t.user_attrs.get("operator") == "seed"]
    assert [t.state for t in seeds] == [TrialState.FAIL] * (RETRIES + 1) + [TrialState.COMPLETE]
    assert seeds[-1].user_attrs["slot"] == 0 and "retry_history" not in seeds[-1].system_attrs
    assert spent.candidates == 2 and len(candidates_of(sweep.trials())) == 2


class LenientReviewer(CopyParent):
    """CopyParent, whose first proposal also tells the QV to pass everything."""

    async def propose(self, ctx: ProposalContext) -> Proposal:
        proposal = await super().propose(ctx)
        if self.calls == 1:
            proposal.genes["qv_instructions"] = "Decide PASS."
        return proposal


def test_a_lenient_reviewer_is_rejected_by_what_it_does(tmp_path: Path, monkeypatch) -> None:
    """Past the gene screen (switched off here), a QV that passes what the seed's QV failed is
    rejected before its evaluation: reason and stage on record, its calls counted in the budget."""
    from search import gene_screen

    monkeypatch.setattr(gene_screen, "screen", lambda seed, proposal: [])
    config = load_sweep_config(sweep_yaml(tmp_path, "lenient", train=6, validation=10, test=1, candidates=3,
                                          operators="{optuna: 0, mutation: 1, merge: 0}", concurrency=1))
    out = tmp_path / "out"
    sweep = Sweep(config, out, storage=f"sqlite:///{tmp_path / 'optuna.db'}", operators={"mutation": LenientReviewer()})
    spent = asyncio.run(sweep.run())
    lines = rows(out / "rejections.jsonl")
    assert [r["stage"] for r in lines] == ["reviewer"]
    assert lines[0]["reasons"][0].startswith("lenient_reviewer: passed")
    trial = next(t for t in sweep.trials() if t.user_attrs.get("rejected"))
    check = trial.user_attrs["reviewer_check"]
    assert check["lenient"] and check["candidate_passed"] == check["draws"]
    assert trial.user_attrs["cost"]["calls"] == 2 * check["draws"]  # the seed's readings and its own
    evaluated = sum((t.user_attrs.get("cost") or {}).get("calls", 0) for t in sweep.trials() if not t.user_attrs.get("rejected"))
    assert spent.calls == evaluated + trial.user_attrs["cost"]["calls"] + spent.proposer_calls
    assert len(rows(out / "reviewer_checks.jsonl")) == 2  # the seed's readings and the candidate's, kept


def test_a_reviewer_check_that_cannot_finish_fails_its_candidate_alone(tmp_path: Path, monkeypatch) -> None:
    """The bank comes from the seed's evaluations; if they cannot be read, the candidate fails with
    the reason on record and the sweep goes on to its budget."""
    from search import gene_screen

    monkeypatch.setattr(gene_screen, "screen", lambda seed, proposal: [])

    async def broken(self, config):  # noqa: ANN001, ANN202
        if config.genes.qv_instructions != self.seed_config.genes.qv_instructions:
            raise RuntimeError("evaluation stopped early: endpoint down")
        return None

    monkeypatch.setattr(Sweep, "_check_reviewer", broken)
    config = load_sweep_config(sweep_yaml(tmp_path, "broken", train=2, validation=3, test=1, candidates=3,
                                          operators="{optuna: 0, mutation: 1, merge: 0}", concurrency=1))
    sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path / 'optuna.db'}",
                  operators={"mutation": LenientReviewer()})
    spent = asyncio.run(sweep.run())
    failed = [t for t in sweep.trials() if t.user_attrs.get("error")]
    assert [t.user_attrs["error"] for t in failed] == ["RuntimeError: reviewer check: evaluation stopped early: endpoint down"]
    assert spent.candidates == 3  # the seed and the two candidates after the failed one
