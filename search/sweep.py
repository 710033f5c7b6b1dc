"""The sweep: an Optuna study driven by ask and tell around the data-scientist harness.

Each iteration an operator (chosen by weight) proposes a candidate: Optuna samples knobs, or a
reflective mutation rewrites a gene, or a merge combines two Pareto parents. External proposals
enter the study with ``enqueue_trial`` (lineage and gene texts in user attributes; texts also
in the prompt bank). Every candidate is guarded twice, screened on the train minibatch, and, if
it holds up against its parent there, evaluated on validation; it enters the population only
when it beats its parent on validation (and then replaces it). The study is the state: a sweep
(or several worker processes on one storage) rebuilds everything from it, so a killed sweep
started again keeps every completed trial and redoes the ones left running.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState
from pydantic import ValidationError

from harness.adapter import call_settings
from harness.config import HarnessConfig, apply_overrides, content_hash
from harness.documents import DocumentSet, load_documents
from harness.models import standalone_lm
from harness.records import JsonlWriter, RoundRecord
from search import guard
from search.bank import PromptBank, attrs_for, resolve
from search.budget import Spent, spent_of, why_stop
from search.callbacks import (
    BudgetReached,
    CandidateFinished,
    CandidateRepeated,
    CandidateStarted,
    Event,
    NewBest,
    ProposalRejected,
    SweepCallback,
)
from search.config import SweepConfig
from search.evaluation import Evaluation, Evaluator
from search.heartbeat import Heartbeat
from search.judging import Judge
from search.noise import draw_for
from search.operator_choice import make_choice, records_of
from search.operators.base import Member, Operator, Proposal
from search.operators.optuna_knobs import make_sampler
from search.operators.registry import OperatorDeps, build_operators
from search.population import NoParent, SweepState, state_of
from search.reviewer_check import ReviewerCheck, ReviewerChecks, bank_from, changes_reviewer
from search.slots import Orphans, first_free, slots_for
from search.space import build_harness, distributions, genes_of, knobs_of
from search.storage import (
    GRACE_S,
    HEARTBEAT_S,
    WORKER,
    given_up,
    has_heartbeats,
    is_journal,
    liveness,
    open_storage,
    recover_stale,
    register_worker,
)
from search.study import mark as mark_study
from search.study import study_name

BUDGET = "budget"  # the slots kind of the candidate budget (search/slots.py)
SETTLE_S = 2.0  # a dead worker's budget slot carried by no trial for this long is given back


def split_documents(config: SweepConfig) -> dict[str, DocumentSet]:
    """Train, validation and test documents: consecutive slices of the harness's document source."""
    s = config.search.splits
    spec = config.harness.documents
    total = s.train + s.validation + s.test
    docs = load_documents(spec.model_copy(update={"count": total, "offset": spec.offset + s.offset}))
    if len(docs.documents) < total:
        raise ValueError(f"the document source has {len(docs.documents)} usable documents; splits need {total}")
    d = docs.documents
    return {
        "train": DocumentSet(d[: s.train]),
        "validation": DocumentSet(d[s.train : s.train + s.validation]),
        "test": DocumentSet(d[s.train + s.validation : total]),
    }


class Sweep:
    def __init__(
        self,
        config: SweepConfig,
        out: Path,
        storage: str | None = None,
        callbacks: list[SweepCallback] | None = None,
        operators: dict[str, Operator] | None = None,
        worker_index: int = 0,  # kept for callers; the worker number is claimed in the storage
        study: str | None = None,
    ) -> None:
        self.config = config
        self.spec = config.search
        self.seed_config = config.harness
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.callbacks = list(callbacks or [])
        name = study or study_name(config)  # search/study.py: named by what it searches
        self.storage = open_storage(storage)
        journal = storage if storage and is_journal(storage) else None
        self.slots = slots_for(self.storage, name, str(Path(journal.removeprefix("journal:")).resolve()) if journal else None)
        # The worker's number, claimed in the storage (search/slots.py): unique across hosts, so
        # separately started workers draw distinct proposal streams (operators and Optuna's
        # sampler alike); the study's first worker is 0, so a one-worker sweep repeats exactly.
        self.worker_number = first_free(self.slots, "worker", WORKER, 0, None) or 0
        self.orphans = Orphans(self.slots, BUDGET, liveness, settle_s=SETTLE_S, grace_s=GRACE_S)
        stream = f":{self.worker_number}" if self.worker_number else ""
        self.rng = random.Random(f"sweep:{config.seed}:{self.worker_number}")
        self.bank = PromptBank(out / "bank.jsonl")
        self.rejections = JsonlWriter(out / "rejections.jsonl")
        self.splits = split_documents(config)
        self.evaluator = Evaluator(out, self.splits, self.spec, config.seed)
        self._reviewer_checks: ReviewerChecks | None = None  # built when a proposal first changes the QV
        self._reviewer_lock = asyncio.Lock()
        self.dists = distributions(self.spec)
        self.directions = [o.resolved_direction for o in self.spec.objectives]
        sampler_seed = config.seed if not stream else int(content_hash(f"{config.seed}{stream}", 8), 16)
        self.study = optuna.create_study(
            study_name=name,
            storage=self.storage,
            load_if_exists=True,
            directions=self.directions,
            sampler=make_sampler(self.spec, sampler_seed),
        )
        self.heartbeat = Heartbeat(self.storage)
        mark_study(self.study, config)
        proposer_lm = standalone_lm(self.spec.proposer, self.seed_config.runtime,
                                    self.seed_config.documents.world_seed)
        # Operators by registered name (search/operators/registry.py): only those given weight are built.
        used = [name for name, weight in self.spec.operators.weights().items() if weight > 0]
        self.operators: dict[str, Operator] = operators or build_operators(
            used, OperatorDeps(proposer_lm, self.spec.proposer_temperature))
        self.choice = make_choice(self.spec.operator_choice)
        self.state = SweepState()
        self.started = time.perf_counter()
        self._proposed_nothing = False  # the last _next_trial made a trial and its proposal came to nothing

    # --- events -------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        for callback in self.callbacks:
            callback(event)

    # --- state from the study -----------------------------------------------------------------

    def refresh(self) -> None:
        self.state = state_of(self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), self.bank)

    def population(self) -> list[Member]:
        return self.state.population()

    def pareto(self) -> list[Member]:
        return self.state.pareto(self.directions)

    def select_parent(self) -> Member:
        if not self.state.members:
            self.refresh()  # another worker may have evaluated the seed since
        return self.state.select_parent(self.spec, self.directions, self.rng)

    def train_records(self, member: Member) -> list[RoundRecord]:
        from objectives.run import load_run

        where = self.state.train_dirs.get(member.number)
        return load_run(Path(where)).rounds if where else []

    # --- budget -------------------------------------------------------------------------------

    def spent(self) -> Spent:
        return spent_of(self.study.get_trials(deepcopy=False), self.operators, time.perf_counter() - self.started)

    def exhausted(self, spent: Spent, owed: bool = False) -> str | None:
        """Why the sweep must stop, or None (search/budget.py)."""
        return why_stop(self.spec, spent, self.operators, owed)

    # --- proposals ----------------------------------------------------------------------------

    def _choose_operator(self) -> str:
        weights = self.spec.operators.weights()
        if len(self.state.members) < 2:
            weights["merge"] = 0.0  # needs two parents
        names = [n for n, w in weights.items() if w > 0 and n in self.operators]
        if not names:
            names = [n for n, w in self.spec.operators.weights().items() if w > 0 and n in self.operators]
        records = records_of(self.study.get_trials(deepcopy=False)) if self.choice.name != "fixed" else {}
        chances = self.choice.probabilities({n: weights[n] or 1e-9 for n in names}, records)
        return self.rng.choices(names, weights=[chances[n] for n in names], k=1)[0]

    def _reject(self, operator: str, reasons: list[str], stage: str, trial: int | None = None) -> None:
        self.rejections.write({"operator": operator, "stage": stage, "reasons": reasons, "trial": trial,
                               "time": time.time()})
        self.emit(ProposalRejected(operator, reasons, stage))

    def proposal_config(self, proposal: Proposal, knobs: dict[str, Any]) -> HarnessConfig:
        """The harness a proposal describes; raises GuardViolation when it is not a valid search point."""
        try:
            config = build_harness(self.seed_config, knobs, proposal.genes)
            if proposal.overrides:
                config = HarnessConfig.model_validate(apply_overrides(config.model_dump(), proposal.overrides))
        except ValidationError as error:  # name each field (the first line of the message names none)
            raise guard.GuardViolation([f"not a valid harness: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                                        for e in error.errors()]) from None
        except ValueError as error:
            raise guard.GuardViolation([f"not a valid harness: {str(error).splitlines()[0]}"]) from None
        guard.check(self.seed_config, config, self.spec)
        return config

    def _ensure_seed(self) -> None:
        # A seed whose last redo was given up (killed with its worker every time) is no seed: the
        # study cannot go on without one, so it is enqueued again once its slot is given back.
        # (The soak found three workers waiting for good on a seed killed four times in a row.)
        seeds = [t for t in self.study.get_trials(deepcopy=False) if t.user_attrs.get("operator") == "seed"]
        if seeds and not given_up(seeds[-1]):
            return
        # Budget slot 0 is the seed's: of workers starting together, the one that claims it enqueues it.
        if not self.slots.claim(BUDGET, 0, WORKER):
            return
        genes = genes_of(self.seed_config)
        attrs = {"operator": "seed", "parents": [], "slot": 0, **attrs_for(self.bank, genes)}
        self.study.enqueue_trial(knobs_of(self.seed_config, self.spec), user_attrs=attrs)

    # --- the candidate budget, reserved before proposing -----------------------------------------

    def _reserve(self) -> int | None:
        """A budget slot for one more candidate, or None when every slot is held (search/slots.py).
        Candidates of a study begun before slots existed count against the budget first."""
        unslotted = sum(1 for t in self.study.get_trials(deepcopy=False) if "slot" not in t.user_attrs
                        and not t.user_attrs.get("rejected") and t.state != TrialState.FAIL)
        return first_free(self.slots, BUDGET, WORKER, max(1, unslotted), self.spec.budget.candidates)

    def _release(self, trial: optuna.Trial | None = None, slot: int | None = None) -> None:
        """Gives a slot back (a rejected proposal, a failed evaluation): the budget counts candidates."""
        if trial is not None:
            slot = trial.user_attrs.get("slot")
            self.heartbeat.remove(trial._trial_id)
        if slot is not None:
            self.slots.release(BUDGET, int(slot))

    def _fail(self, trial: optuna.Trial, **attrs: Any) -> None:
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        self.study.tell(trial, state=TrialState.FAIL)
        self._release(trial)

    async def _next_trial(self) -> optuna.Trial | None:
        """The next trial to evaluate: a waiting one (the seed, or one redone after its worker died),
        else a new candidate, for which a budget slot is claimed first and a trial made at once
        (its heartbeat covers the proposal: a worker killed while proposing has its slot redone)."""
        if self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
            trial = self.study.ask()  # pops the oldest waiting trial
            self._started(trial)
            # A trial enqueued without a slot (by hand, or another worker took the waiting one first
            # and this is a fresh trial) counts against the budget like any other.
            slot = trial.user_attrs.get("slot")
            if slot is None:
                slot = self._reserve()
                if slot is None:
                    self._fail(trial, cancelled="no candidate budget left")
                    return None
                trial.set_user_attr("slot", slot)
            if "genes" in trial.user_attrs:  # its lineage is written: evaluate it as it is
                self._suggest(trial, {})
                return trial
            try:
                parent = self.select_parent()
            except NoParent:
                self._fail(trial, cancelled="no parent yet")
                return None
            proposal = Proposal("optuna", [parent.number], None, dict(parent.genes))
            return self._propose_into(trial, proposal, {})
        slot = self._reserve()
        if slot is None:
            return None
        # Made in one write with its worker and slot: no moment when a killed worker leaves a
        # trial untagged, or a slot no trial carries, behind.
        template = optuna.trial.create_trial(state=TrialState.RUNNING, user_attrs={"worker": WORKER, "slot": slot})
        trial = optuna.Trial(self.study, self.study._storage.create_new_trial(self.study._study_id, template))
        self.heartbeat.add(trial._trial_id)
        try:
            name = self._choose_operator()
            proposal = await self.operators[name].propose(self)
        except NoParent:
            proposal = None
        except BaseException as error:  # the proposer failed: its slot goes back, the error goes on
            self._fail(trial, error=f"{type(error).__name__}: proposal failed")
            raise
        if proposal is None:
            self._fail(trial, cancelled="no proposal")
            self._proposed_nothing = True
            return None
        knobs = dict(proposal.knobs or {})
        if proposal.knobs is not None or proposal.overrides:
            try:
                self.proposal_config(proposal, {**knobs_of(self.seed_config, self.spec), **knobs})
            except guard.GuardViolation as violation:
                self._fail(trial, rejected=violation.reasons, stage="proposal", **self._lineage(proposal))
                self._reject(proposal.operator, violation.reasons, "proposal", trial.number)
                self._proposed_nothing = True
                return None
        return self._propose_into(trial, proposal, knobs)

    def _started(self, trial: optuna.Trial) -> None:
        self.heartbeat.add(trial._trial_id)
        trial.set_user_attr("worker", WORKER)

    def _suggest(self, trial: optuna.Trial, knobs: dict[str, Any]) -> None:
        """The trial's knobs: those the proposal fixed, the sampler's for the rest."""
        trial._fixed_params = {**trial._fixed_params, **{k: v for k, v in knobs.items() if k in self.dists}}
        for name, distribution in self.dists.items():
            trial._suggest(name, distribution)

    def _propose_into(self, trial: optuna.Trial, proposal: Proposal, knobs: dict[str, Any]) -> optuna.Trial:
        for key, value in self._lineage(proposal).items():
            trial.set_user_attr(key, value)
        self._suggest(trial, knobs)
        return trial

    async def _check_reviewer(self, config: HarnessConfig) -> ReviewerCheck | None:
        """A proposed QV read against samples the seed's QV failed (search/reviewer_check.py); the
        bank comes from the seed's train and validation evaluations, shared with the seed's trial."""
        if not changes_reviewer(self.seed_config, config):  # no bank to build
            return None
        async with self._reviewer_lock:  # one bank and one set of the seed's readings per process
            if self._reviewer_checks is None:
                rounds = [r for split in ("train", "validation")
                          for r in (await self.evaluator.evaluate(self.seed_config, split)).rounds()]
                self._reviewer_checks = ReviewerChecks(self.seed_config, bank_from(rounds), self.out, self.config.seed)
        return await self._reviewer_checks.check(config)

    def _lineage(self, proposal: Proposal) -> dict[str, Any]:
        attrs: dict[str, Any] = {"operator": proposal.operator, "parents": proposal.parents,
                                 **attrs_for(self.bank, proposal.genes)}
        if proposal.mutated_gene:
            attrs["mutated_gene"] = proposal.mutated_gene
        if proposal.analysis:
            attrs["analysis"] = proposal.analysis
        if proposal.overrides:
            attrs["overrides"] = proposal.overrides
        return attrs

    # --- evaluation ---------------------------------------------------------------------------

    async def _evaluate_trial(self, trial: optuna.Trial) -> None:
        attrs = trial.user_attrs
        operator = attrs.get("operator", "optuna")
        proposal = Proposal(operator, list(attrs.get("parents") or []), dict(trial.params), resolve(self.bank, attrs),
                            attrs.get("mutated_gene"), overrides=dict(attrs.get("overrides") or {}))
        try:  # checked again before any evaluation is paid for
            config = self.proposal_config(proposal, {**knobs_of(self.seed_config, self.spec), **trial.params})
        except guard.GuardViolation as violation:
            self._fail(trial, rejected=violation.reasons, stage="evaluation")
            self._reject(operator, violation.reasons, "evaluation", trial.number)
            return
        harness_hash = config.harness_hash()
        trial.set_user_attr("harness_hash", harness_hash)
        if (earlier := self._evaluated(harness_hash, trial.number)) is not None:
            self._repeat(trial, earlier, operator)
            return
        cost: dict[str, float] = {"calls": 0.0, "tokens": 0.0, "dollars": 0.0}
        try:
            check = await self._check_reviewer(config)
        except Exception as error:  # the seed's evaluations it reads could not finish: this candidate fails alone
            self._fail(trial, error=f"{type(error).__name__}: reviewer check: {str(error).splitlines()[0] if str(error) else ''}",
                       cost=cost)
            return
        if check is not None:
            cost["calls"] += check.calls
            trial.set_user_attr("reviewer_check", check.record())
            if check.lenient:
                self._fail(trial, rejected=[check.reason()], stage="reviewer", cost=cost)
                self._reject(operator, [check.reason()], "reviewer", trial.number)
                return
        self.emit(CandidateStarted(trial.number, operator, proposal.parents, proposal.mutated_gene))
        judge = Judge(self.evaluator, self.seed_config, self.spec, len(self.splits["validation"].documents), cost)
        dirs = judge.dirs
        try:
            judged = await judge.judge(config, operator,
                                       lambda: [self.state.members[p] for p in proposal.parents if p in self.state.members],
                                       trial.number, self._draw,
                                       lambda: self.state.best[1] if self.state.best else float("-inf"),
                                       trial.set_user_attr)
            if judged.stopped_at is not None:  # screened out on the train minibatch, or raced out
                self._prune(trial, operator, config, judged.train, judged.attrs, judged.stopped_at, cost, dirs)
                return
            for key, value in judged.attrs.items():
                trial.set_user_attr(key, value)
            validation, beats, train = judged.validation, judged.beats, judged.train
            assert validation is not None
            self.study.tell(trial, list(validation.values) if self.spec.multi_objective else validation.values[0])
            self.heartbeat.remove(trial._trial_id)
        except Exception as error:  # an evaluation that cannot finish fails alone; the sweep goes on
            self._fail(trial, error=f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}",
                       cost=cost)
            self.emit(CandidateFinished(trial.number, operator, "failed", None, None, None, False,
                                        config.harness_hash(), cost, dirs, dict(trial.user_attrs), dict(trial.params)))
            return
        previous = self.state.best
        self.refresh()
        self.emit(CandidateFinished(trial.number, operator, "complete", train.score, validation.score,
                                    list(validation.values), beats, config.harness_hash(), cost, dirs,
                                    dict(trial.user_attrs), dict(trial.params), self.state.best))
        best = self.state.best
        if best is not None and (previous is None or best[0] != previous[0]):
            # A new leader: this candidate, or another member when a re-evaluated best fell below
            # it. ``previous`` is the former leader's score now (its mean over its draws).
            former = self.state.members.get(previous[0]) if previous else None
            self.emit(NewBest(best[0], best[1], former.score if former else previous[1] if previous else None))

    def _draw(self, parent: int) -> int:
        """The draw of the parent's next comparison: its own first, then the others in turn, so a
        parent chosen again accumulates draws (search/noise.py)."""
        trials = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        mine = next((t for t in trials if t.number == parent), None)
        own = int(mine.user_attrs.get("validation_draw", 0)) if mine else 0
        rows = [row for t in trials for row in t.user_attrs.get("parent_draws") or [] if row["parent"] == parent]
        draw = draw_for(own, len(rows), self.spec.selection.draws)
        if draw in {own, *(int(row["draw"]) for row in rows)} or mine is None:
            return draw
        # A new draw of the parent is paid for by this candidate: not when the LM-call budget left
        # could not pay for it and the candidate's own evaluation (each about the parent's cost).
        calls = self.spec.budget.calls
        need = 2 * float((mine.user_attrs.get("cost") or {}).get("calls", 0))
        return draw if calls is None or calls - self.spent().calls >= need else own

    def _prune(self, trial: optuna.Trial, operator: str, config: HarnessConfig, train: Evaluation,
               attrs: dict[str, Any], reported: tuple[float, int], cost: dict[str, float],
               dirs: dict[str, str]) -> None:
        """A child stopped before its whole validation (screened on the train minibatch, or raced
        out): its attrs kept, the value it stopped at ``reported`` (value, step) to the sampler,
        pruned, and finished as screened out."""
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        if not self.spec.multi_objective:
            trial.report(reported[0], step=reported[1])
        self.study.tell(trial, state=TrialState.PRUNED)
        self.heartbeat.remove(trial._trial_id)
        self.emit(CandidateFinished(trial.number, operator, "screened_out", train.score, None, None, False,
                                    config.harness_hash(), cost, dirs, dict(trial.user_attrs), dict(trial.params),
                                    self.state.best))

    def _evaluated(self, harness_hash: str, number: int) -> FrozenTrial | None:
        """The study's finished evaluation of this harness, if any (a repeat is never one)."""
        for t in self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
            if t.number != number and t.user_attrs.get("harness_hash") == harness_hash \
                    and "repeat_of" not in t.user_attrs:
                return t
        return None

    def _repeat(self, trial: optuna.Trial, earlier: FrozenTrial, operator: str) -> None:
        """Served from the evaluation store: the sampler learns the earlier result again, the budget
        is not charged (no candidate, no cost), and the population is unchanged."""
        trial.set_user_attr("repeat_of", earlier.number)
        trial.set_user_attr("cost", {"calls": 0.0, "tokens": 0.0, "dollars": 0.0})
        if earlier.state == TrialState.COMPLETE:
            self.study.tell(trial, earlier.values if self.spec.multi_objective else earlier.values[0])
        else:
            self.study.tell(trial, state=TrialState.PRUNED)
        self._release(trial)  # not a candidate: its budget slot goes back
        self.emit(CandidateRepeated(trial.number, operator, earlier.number, earlier.user_attrs["harness_hash"]))

    # --- the loop -----------------------------------------------------------------------------

    async def run(self) -> Spent:
        with call_settings():
            return await self._run()

    async def _run(self) -> Spent:
        try:
            return await self._loop()
        finally:
            self.heartbeat.stop()
            self.slots.release("worker", self.worker_number)

    def _recover(self) -> None:
        """Trials and budget slots of workers that died are redone and given back. That covers a
        trial given up after its last heartbeat redo (one that kills its worker every time): its
        slot is then carried by no live trial, and goes to a new candidate (tests/test_given_up.py)."""
        recover_stale(self.study)
        carried = {int(t.user_attrs["slot"]) for t in self.study.get_trials(deepcopy=False, states=(
            TrialState.RUNNING, TrialState.WAITING, TrialState.COMPLETE, TrialState.PRUNED)) if "slot" in t.user_attrs}
        self.orphans.reclaim(carried, time.monotonic())

    async def _loop(self) -> Spent:
        self._recover()
        register_worker(self.study)
        self._ensure_seed()
        self.refresh()
        in_flight: set[asyncio.Task] = set()
        stopped: str | None = None
        recovered = time.monotonic()
        while True:
            if time.monotonic() - recovered >= self._recover_every():
                self._recover()  # trials of workers that died meanwhile are redone
                recovered = time.monotonic()
            stopped = self.exhausted(self.spent(), owed=self._owed())
            if stopped and stopped.startswith("candidates") and (in_flight or self._others_running(in_flight)):
                # The budget is taken, but trials are still running: ours, or other workers' (which
                # are redone here if their worker died). The report waits for all of them.
                await self._wait(in_flight)
                in_flight = {t for t in in_flight if not t.done()}
                continue
            if stopped:
                break
            if len(in_flight) >= self.spec.concurrency:
                _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            if not self.state.members and not self._seed_pending() and in_flight:
                # Nothing to propose from until the seed harness is evaluated.
                _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            if not self.state.members and not self._seed_pending():
                self.refresh()
                if not self.state.members:
                    self._ensure_seed()  # its slot given back: a worker killed claiming it never enqueued it
                    await asyncio.sleep(0.5)  # another worker is evaluating the seed
                    continue
            self._proposed_nothing = False
            trial = await self._next_trial()
            if trial is None:
                if self._proposed_nothing and in_flight:
                    # Nothing proposed: the next proposal waits for one of ours to finish, however long
                    # it takes. A timed wait would let the machine's speed decide what it sees, and a
                    # seed would no longer give one study.
                    _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                # No budget slot free (other workers hold them while they propose), or nothing
                # proposed with none of ours running: poll.
                await self._wait(in_flight)
                in_flight = {t for t in in_flight if not t.done()}
                continue
            in_flight.add(asyncio.create_task(self._evaluate_trial(trial)))
        if in_flight:
            await asyncio.gather(*in_flight)  # paid work is never thrown away
        spent = self.spent()
        self.emit(BudgetReached(stopped or "done", spent.as_dict()))
        self.rejections.close()
        return spent

    def _recover_every(self) -> float:
        return HEARTBEAT_S if has_heartbeats(self.storage) else 2.0

    async def _wait(self, in_flight: set[asyncio.Task]) -> None:
        """Until one of ours finishes, or a short while (others' trials are polled)."""
        if in_flight:
            await asyncio.wait(in_flight, timeout=0.5, return_when=asyncio.FIRST_COMPLETED)
        else:
            await asyncio.sleep(0.5)

    def _others_running(self, in_flight: set[asyncio.Task]) -> bool:
        """Trials running that this worker is not evaluating (another worker's, live or dead)."""
        with self.heartbeat.lock:
            mine = set(self.heartbeat.trials)
        return any(t._trial_id not in mine for t in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)))

    def _owed(self) -> bool:
        """The seed, or a trial redone after its worker was killed, is waiting: it counts against the
        candidate budget already and must be evaluated (a sweep killed while its last candidates ran
        would otherwise end with them never evaluated). A proposal a worker enqueues it asks for at once."""
        return any(t.user_attrs.get("operator") == "seed" or "redo_of" in t.user_attrs
                   or "failed_trial" in t.system_attrs  # redone by RetryHeartbeatStaleTrialCallback
                   for t in self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    def _seed_pending(self) -> bool:
        return any(t.user_attrs.get("operator") == "seed"
                   for t in self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    # --- things done once per study, whichever worker comes first -------------------------------

    def claim(self, kind: str, number: int = 0) -> bool:
        """True for exactly one worker of the study (the first to claim ``kind``/``number``)."""
        return self.slots.claim(kind, number, WORKER)

    def shared(self, key: str, make: Callable[[], str], wait_s: float = 120.0) -> str:
        """A value made once for the study (the tracking parent run): the first worker makes it and
        records it in the study; the others wait for it. A maker that died leaves it to the waiter."""
        attr = f"shared:{key}"
        if self.claim(attr):
            value = make()
            self.study.set_user_attr(attr, value)
            return value
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            value = optuna.load_study(study_name=self.study.study_name, storage=self.storage).user_attrs.get(attr)
            if value is not None:
                return value
            time.sleep(0.2)
        value = make()
        self.study.set_user_attr(attr, value)
        return value

    def trials(self) -> list[FrozenTrial]:
        return self.study.get_trials(deepcopy=False)
