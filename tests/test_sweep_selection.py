"""What the README promises about a sweep's selection and budgets, checked with scripted scores.

The evaluator is replaced by one that scores a harness by its challenger temperature (a table the
test writes), and the proposer by a script: which candidate is screened out, which enters the
population and which parent leaves it follow from those scores alone, not from the offline world.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import optuna
import pytest
from optuna.trial import TrialState

from harness.config import HarnessConfig
from search.budget import Spent, why_stop
from search.config import load_sweep_config
from search.operators.base import Proposal, ProposalContext
from search.sweep import Sweep

optuna.logging.set_verbosity(optuna.logging.WARNING)
REPO = Path(__file__).resolve().parents[1]
SEED_T = 0.7  # the demo's challenger temperature


def sweep_yaml(tmp_path: Path, candidates: int, concurrency: int = 1, budget: str = "", race: float = 0.0,
               validation: int = 2, screen_draws: int = 1) -> Path:
    path = tmp_path / "selection.yaml"
    path.write_text(
        f"name: selection\nseed: 0\nbase: {REPO / 'experiments/configs/demo.yaml'}\n"
        "search:\n"
        "  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n"
        "  genes: [challenger_instructions]\n"
        f"  splits: {{train: 2, validation: {validation}, test: 2}}\n"
        f"  budget: {{candidates: {candidates}{budget}}}\n"
        "  operators: {optuna: 0, mutation: 1, merge: 0}\n"
        f"  concurrency: {concurrency}\n"
        "  screen_margin: 0.1\n"
        f"  selection: {{race: {race}, screen_draws: {screen_draws}}}\n",
        encoding="utf-8")
    return path


@dataclass
class Scores:
    """(train, validation) score per challenger temperature; every evaluation is counted."""

    table: dict[float, tuple[float, float | dict[int, float]]]  # validation: one score, or one per draw
    calls_each: float = 10.0
    evaluated: list[tuple[float, str]] = field(default_factory=list)
    draws: list[tuple[float, str, int]] = field(default_factory=list)
    gates: dict[float, asyncio.Event] = field(default_factory=dict)  # a candidate runs until its gate opens
    firsts: list[tuple[float, int | None]] = field(default_factory=list)  # validation: on how many documents
    validation_docs: int = 2
    delays: dict[float, float] = field(default_factory=dict)  # seconds a validation evaluation takes

    async def evaluate(self, config: HarnessConfig, split: str, draw: int = 0,
                       first: int | None = None) -> SimpleNamespace:
        t = round(config.knobs.challenger_temperature, 3)
        fresh = (t, split, draw) not in self.draws  # a repeated evaluation is read back, not paid again
        self.evaluated.append((t, split))
        self.draws.append((t, split, draw))
        if split == "validation":
            self.firsts.append((t, first))
            await asyncio.sleep(self.delays.get(t, 0.0))
        # On part of the documents (racing), a part of the cost; the same directory as the whole.
        share = 1.0 if first is None or split != "validation" else first / self.validation_docs
        if t in self.gates:
            await self.gates[t].wait()
        score = self.table[t][0 if split == "train" else 1]
        if isinstance(score, dict):
            score = score[draw]
        cost = {"calls": self.calls_each * share, "tokens": 100.0 * share, "dollars": 0.5 * share}
        paid = cost if fresh else {key: 0.0 for key in cost}
        return SimpleNamespace(score=score, values=(score,), acceptance=score, split=split, fresh=fresh,
                               out=Path(f"/nonexistent/{t}-{split}-{draw}"), cost=lambda: cost, added=lambda: paid)


class Script:
    """Proposes children of the chosen parent with the given challenger temperatures, in order."""

    name = "mutation"

    def __init__(self, temperatures: list[float | None], cycle: bool = False) -> None:
        self.temperatures = list(temperatures)
        self.cycle = cycle  # start again at the first when the list is used up
        self.made = 0
        self.parents: list[int] = []

    async def propose(self, ctx: ProposalContext) -> Proposal | None:
        if self.made >= len(self.temperatures) and not self.cycle:
            return None
        parent = ctx.select_parent()
        self.parents.append(parent.number)
        t = self.temperatures[self.made % len(self.temperatures)]
        self.made += 1
        if t is None:  # the proposer came up with nothing this time
            return None
        return Proposal(self.name, [parent.number], {"challenger_temperature": t}, dict(parent.genes))


def run_sweep(tmp_path: Path, scores: Scores, script: Script, candidates: int, **kw: object) -> tuple[Sweep, Spent]:
    config = load_sweep_config(sweep_yaml(tmp_path, candidates, **kw))
    sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path / 'optuna.db'}",
                  operators={"mutation": script})
    sweep.evaluator = scores  # type: ignore[assignment]
    return sweep, asyncio.run(sweep.run())


def by_temperature(sweep: Sweep) -> dict[float, optuna.trial.FrozenTrial]:
    return {round(t.params["challenger_temperature"], 3): t for t in sweep.trials() if t.params}  # not "no proposal"


@pytest.mark.parametrize("screen_draws", [1, 2])
def test_a_parents_lucky_train_draw_screens_out_every_child_only_when_screens_share_one_draw(
        tmp_path: Path, screen_draws: int) -> None:
    lucky = {0: 0.9, 1: 0.4}  # the seed's train minibatch at run seed 0 is a lucky draw
    children = [0.3, 0.5, 0.9, 1.1]
    scores = Scores({SEED_T: (lucky, 0.5), **{t: ({0: 0.5, 1: 0.5}, 0.4) for t in children}})  # none enters
    sweep, spent = run_sweep(tmp_path, scores, Script(children), candidates=5, screen_draws=screen_draws)
    trials = by_temperature(sweep)
    reached = sorted(t for t in children if (t, "validation") in scores.evaluated)
    if screen_draws == 1:
        assert reached == []  # 0.5 trails the lucky 0.9 on the one train draw every screen uses
        assert all(trials[t].state == TrialState.PRUNED for t in children)
    else:
        # Candidate n is screened at run seed n mod 2, its parent evaluated there too (paired).
        assert reached == sorted(t for t in children if trials[t].number % 2 == 1) != []
        assert {(t, d) for t, split, d in scores.draws if split == "train"} == {
            (SEED_T, 0), (SEED_T, 1), *((t, trials[t].number % 2) for t in children)}
    # Every evaluation is paid once, by the candidate that needed it (the seed's second train draw too).
    assert spent.calls == 10.0 * len(set(scores.draws))


def test_screening_entering_only_by_beating_the_parent_and_the_replaced_parent_leaving(tmp_path: Path) -> None:
    scores = Scores({SEED_T: (0.5, 0.5),
                     0.3: (0.2, 0.9),   # trails its parent on the train minibatch by more than the margin
                     0.5: (0.5, 0.4),   # holds up on train, loses on validation
                     0.9: (0.6, 0.8),   # beats the seed: enters and replaces it
                     1.1: (0.8, 0.7)})  # beats the seed, but its parent is now 0.9 (0.8): stays out
    script = Script([0.3, 0.5, 0.9, 1.1])
    sweep, spent = run_sweep(tmp_path, scores, script, candidates=5)
    trials = by_temperature(sweep)
    assert spent.candidates == 5 and set(trials) == {SEED_T, 0.3, 0.5, 0.9, 1.1}
    # Screened out: pruned on the minibatch, never evaluated on validation.
    assert trials[0.3].state == TrialState.PRUNED and (0.3, "validation") not in scores.evaluated
    # Entered only when beating its parent on validation.
    accepted = {t for t, trial in trials.items() if trial.user_attrs.get("accepted")}
    assert accepted == {SEED_T, 0.9}
    assert trials[0.5].state == TrialState.COMPLETE and trials[1.1].state == TrialState.COMPLETE
    # The seed was the parent until 0.9 replaced it; then 0.9 is the only parent left to choose.
    seed, best = trials[SEED_T].number, trials[0.9].number
    assert script.parents == [seed, seed, seed, best]
    assert [m.number for m in sweep.population()] == [best]
    assert sweep.state.best == (best, 0.8)


def test_a_parent_chosen_again_is_evaluated_at_a_new_draw_and_scored_by_the_mean(tmp_path: Path) -> None:
    """The seed was lucky on its first validation draw (0.9; 0.3 at the others). Its first child
    is compared at that draw and stays out; the second is compared at draw 1, where the seed is
    evaluated again (the child pays for it): the child wins there and replaces the seed, whose
    score is now the mean of its two draws."""
    scores = Scores({SEED_T: (0.5, {0: 0.9, 1: 0.3, 2: 0.3}), 0.4: (0.5, 0.5), 0.6: (0.5, 0.5)})
    script = Script([0.4, 0.6])
    sweep, spent = run_sweep(tmp_path, scores, script, candidates=3)
    trials = by_temperature(sweep)
    assert not trials[0.4].user_attrs["accepted"] and trials[0.6].user_attrs["accepted"]
    assert [(r["parent"], r["draw"], r["score"]) for r in trials[0.6].user_attrs["parent_draws"]] == [
        (trials[SEED_T].number, 1, 0.3)]
    assert trials[0.4].user_attrs["validation_draw"] == 0 and trials[0.6].user_attrs["validation_draw"] == 1
    assert (SEED_T, "validation", 1) in scores.draws
    # train 10 + validation 10 + the seed's new draw 10; the first child's comparison was free.
    assert trials[0.6].user_attrs["cost"]["calls"] == 30 and trials[0.4].user_attrs["cost"]["calls"] == 20
    seed = sweep.state.members[trials[SEED_T].number]
    assert seed.draws == 2 and seed.score == pytest.approx(0.6)
    assert [m.number for m in sweep.population()] == [trials[0.6].number]


def test_racing_stops_a_child_its_parent_beats_on_the_first_documents_and_charges_only_those(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """race 0.5 of 20 validation documents: each child is evaluated on 10 first. The paired test
    (search/noise.py, replaced here by a table of p_better per child) says the parent is better on it
    for 0.3 (p_better 0.1 <= 1 - 0.8): it stops there, pruned, having paid train 10 + half a
    validation 5. 0.9 is better (0.95): evaluated on all 20 documents, it enters; its validation cost
    is counted once (5 on the first 10 documents, 5 more for the other 10)."""
    shares = {0.3: 0.1, 0.9: 0.95}
    monkeypatch.setattr("search.noise.p_better", lambda parent_dir, child_dir, *a, **k:
                        shares[float(Path(child_dir).name.split("-")[0])])
    scores = Scores({SEED_T: (0.5, 0.5), 0.3: (0.5, 0.45), 0.9: (0.6, 0.8)}, validation_docs=20)
    sweep, spent = run_sweep(tmp_path, scores, Script([0.3, 0.9]), candidates=3, race=0.5, validation=20)
    trials = by_temperature(sweep)
    lost, won = trials[0.3], trials[0.9]
    assert lost.state == TrialState.PRUNED and not lost.user_attrs.get("accepted")
    raced = lost.user_attrs["raced_out"]
    assert raced["documents"] == 10 and [r["p_better"] for r in raced["parents"]] == [0.1]
    assert lost.user_attrs["cost"]["calls"] == 15 and "validation_score" not in lost.user_attrs
    assert [f for t, f in scores.firsts if t == 0.3] == [10]  # never the whole validation split
    assert [f for t, f in scores.firsts if t == 0.9] == [10, None]
    assert won.state == TrialState.COMPLETE and won.user_attrs["accepted"]
    assert won.user_attrs["cost"]["calls"] == 20 and "raced_out" not in won.user_attrs
    assert spent.calls == 20 + 15 + 20  # the seed's 20, each child's own
    assert [m.number for m in sweep.population()] == [won.number]


def test_without_racing_every_child_is_evaluated_on_every_validation_document(tmp_path: Path) -> None:
    scores = Scores({SEED_T: (0.5, 0.5), 0.3: (0.5, 0.45), 0.9: (0.6, 0.8)})
    run_sweep(tmp_path, scores, Script([0.3, 0.9]), candidates=3)
    assert {f for _, f in scores.firsts} == {None}


@pytest.mark.parametrize("seconds", [0.0, 0.8])
def test_after_a_proposal_that_came_to_nothing_the_next_waits_for_the_running_child_however_long(
        tmp_path: Path, seconds: float) -> None:
    """Two at once: 0.9 is being evaluated when the next proposal comes to nothing. The one after
    waits for 0.9 to finish, so it sees 0.9 in the population (its parent), whether 0.9 takes no
    time or longer than the loop's polling interval (0.5 s): the machine's speed does not decide."""
    scores = Scores({SEED_T: (0.5, 0.5), 0.9: (0.6, 0.8), 1.1: (0.7, 0.9)}, delays={0.9: seconds})
    script = Script([0.9, None, 1.1])
    sweep, _ = run_sweep(tmp_path, scores, script, candidates=3, concurrency=2)
    trials = by_temperature(sweep)
    assert script.parents == [trials[SEED_T].number, trials[SEED_T].number, trials[0.9].number]
    assert trials[1.1].user_attrs["accepted"]


def test_a_new_draw_the_call_budget_cannot_pay_for_is_not_made(tmp_path: Path) -> None:
    """Each evaluation costs 10 calls (the seed's train and validation 20). With 70 calls, the
    second child finds 30 left: not enough for the seed's new draw and its own evaluation (2 x 20),
    so it is compared at the seed's own draw, and the seed is not evaluated again."""
    scores = Scores({SEED_T: (0.5, {0: 0.9, 1: 0.3}), 0.4: (0.5, 0.5), 0.6: (0.5, 0.5)})
    sweep, spent = run_sweep(tmp_path, Scores(scores.table), Script([0.4, 0.6]), candidates=3)
    assert by_temperature(sweep)[0.6].user_attrs["validation_draw"] == 1  # with no call budget: a new draw
    tight = tmp_path / "tight"
    tight.mkdir()
    sweep, spent = run_sweep(tight, scores, Script([0.4, 0.6]), candidates=3, budget=", calls: 70")
    trials = by_temperature(sweep)
    assert trials[0.6].user_attrs["validation_draw"] == 0 and (SEED_T, "validation", 1) not in scores.draws
    assert not trials[0.6].user_attrs["accepted"] and spent.calls <= 70


@pytest.mark.parametrize("budget, reason", [
    (", calls: 35", "LM calls"), (", tokens: 350", "tokens"), (", dollars: 1.75", "dollars")])
def test_each_budget_stops_the_sweep_and_running_candidates_finish_and_are_kept(
        tmp_path: Path, budget: str, reason: str) -> None:
    """Each evaluation costs 10 calls, 100 tokens and $0.50; the seed's two cost 20 / 200 / $1. Two
    children run at once; the first to finish meets the budget while the second still runs: the
    second finishes and is kept, and nothing more starts."""
    scores = Scores({SEED_T: (0.5, 0.5), 0.4: (0.5, 0.6), 0.6: (0.5, 0.4), 0.8: (0.5, 0.7), 1.0: (0.5, 0.7)})
    script = Script([0.4, 0.6, 0.8, 1.0], cycle=True)
    config = load_sweep_config(sweep_yaml(tmp_path, candidates=12, concurrency=2, budget=budget))
    first, second = asyncio.Event(), asyncio.Event()

    async def go() -> tuple[Sweep, Spent, list[str]]:
        sweep = Sweep(config, tmp_path / "out", storage=f"sqlite:///{tmp_path / 'optuna.db'}",
                      operators={"mutation": script})
        sweep.evaluator = scores  # type: ignore[assignment]
        scores.gates = {0.4: first, 0.6: second}
        events: list[str] = []
        sweep.callbacks.append(lambda e: events.append(type(e).__name__ + ":" + str(getattr(e, "reason", ""))))
        task = asyncio.create_task(sweep.run())

        def states() -> dict[float, TrialState]:
            return {t: trial.state for t, trial in by_temperature(sweep).items()}

        while list(states().values()).count(TrialState.RUNNING) < 2:
            await asyncio.sleep(0)  # both children running (events, not times)
        first.set()
        while states()[0.4] != TrialState.COMPLETE:
            await asyncio.sleep(0)
        for _ in range(200):  # let the sweep decide to stop; it must then wait for the second
            if task.done():
                break
            await asyncio.sleep(0)
        assert not task.done(), "the sweep returned while a candidate was still running"
        assert any(e.startswith("BudgetReached") for e in events) is False
        second.set()
        return sweep, await task, events

    sweep, spent, events = asyncio.run(go())
    assert any(e.startswith("BudgetReached:") and reason in e for e in events), events
    trials = sweep.trials()
    assert [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)] == []
    assert spent.candidates == 3  # the seed and the two that were running when the budget was met
    assert all(t.state == TrialState.COMPLETE and "validation_score" in t.user_attrs for t in trials)


def test_wall_time_budget_is_read_from_the_time_spent() -> None:
    spec = SimpleNamespace(budget=SimpleNamespace(candidates=100, calls=None, tokens=None, dollars=None, wall_s=60.0))
    assert why_stop(spec, Spent(candidates=1, wall_s=59.0), {}) is None  # type: ignore[arg-type]
    assert "wall time" in why_stop(spec, Spent(candidates=1, wall_s=60.0), {})  # type: ignore[arg-type]
