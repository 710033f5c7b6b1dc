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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState
from pydantic import ValidationError

from harness.adapter import call_settings
from harness.config import HarnessConfig, apply_overrides
from harness.documents import DocumentSet, load_documents
from harness.models import build_lm
from harness.records import JsonlWriter, RoundRecord
from harness.sim.engine import FaultPlan, SimEngine
from search import guard
from search.bank import PromptBank, attrs_for, resolve
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
from search.operators.base import Member, Operator, Proposal
from search.operators.optuna_knobs import make_sampler
from search.operators.registry import OperatorDeps, build_operators
from search.selection import ParetoArchive, boltzmann_choice
from search.space import build_harness, distributions, genes_of, knobs_of
from search.storage import WORKER, open_storage, recover_stale, register_worker
from search.study import mark as mark_study
from search.study import study_name

MAX_REJECTIONS_FACTOR = 5  # proposals rejected by the guard before the sweep gives up


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


@dataclass
class Spent:
    candidates: int = 0
    calls: float = 0.0
    tokens: float = 0.0
    dollars: float = 0.0
    wall_s: float = 0.0
    rejected: int = 0
    proposer_calls: float = 0.0  # the analyzer's and implementer's calls (part of ``calls``)
    strategy_calls: float = 0.0  # inner-loop calls a strategy made in its own evaluations (part of ``calls``)
    repeated: int = 0  # proposals of a harness already evaluated in the study: not candidates

    def as_dict(self) -> dict[str, float]:
        return dict(vars(self))


@dataclass
class SweepState:
    """What a worker knows, rebuilt from the study's trials."""

    members: dict[int, Member] = field(default_factory=dict)  # accepted candidates
    replaced: set[int] = field(default_factory=set)  # parents an accepted child replaced
    train_dirs: dict[int, str] = field(default_factory=dict)
    best: tuple[int, float] | None = None


class Sweep:
    def __init__(
        self,
        config: SweepConfig,
        out: Path,
        storage: str | None = None,
        callbacks: list[SweepCallback] | None = None,
        operators: dict[str, Operator] | None = None,
        faults: FaultPlan | None = None,
        worker_index: int = 0,
        study: str | None = None,
    ) -> None:
        self.config = config
        self.spec = config.search
        self.seed_config = config.harness
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.callbacks = list(callbacks or [])
        # Seeded by the sweep seed and the worker's index (not its pid), so a one-worker sweep repeats exactly.
        self.rng = random.Random(f"sweep:{config.seed}:{worker_index}")
        self.bank = PromptBank(out / "bank.jsonl")
        self.rejections = JsonlWriter(out / "rejections.jsonl")
        self.splits = split_documents(config)
        self.evaluator = Evaluator(out, self.splits, self.spec, config.seed, faults)
        self.dists = distributions(self.spec)
        self.directions = [o.resolved_direction for o in self.spec.objectives]
        self.study = optuna.create_study(
            study_name=study or study_name(config),  # search/study.py: named by what it searches
            storage=open_storage(storage),
            load_if_exists=True,
            directions=self.directions,
            sampler=make_sampler(self.spec, config.seed),
        )
        mark_study(self.study, config)
        proposer_lm = build_lm(self.spec.proposer, self.seed_config.runtime,
                               SimEngine(world_seed=self.seed_config.documents.world_seed))
        # Operators by registered name (search/operators/registry.py): only those given weight are built.
        used = [name for name, weight in self.spec.operators.weights().items() if weight > 0]
        self.operators: dict[str, Operator] = operators or build_operators(
            used, OperatorDeps(proposer_lm, self.spec.proposer_temperature))
        self.state = SweepState()
        self.started = time.perf_counter()

    # --- events -------------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        for callback in self.callbacks:
            callback(event)

    # --- state from the study -----------------------------------------------------------------

    def refresh(self) -> None:
        state = SweepState()
        for trial in self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            attrs = trial.user_attrs
            if "train_dir" in attrs:
                state.train_dirs[trial.number] = attrs["train_dir"]
            if not attrs.get("accepted"):
                continue
            values = tuple(attrs.get("validation_values") or trial.values)
            member = Member(trial.number, dict(trial.params), resolve(self.bank, attrs),
                            float(attrs.get("validation_score", values[0])), values)
            state.members[trial.number] = member
            if attrs.get("operator") != "seed":
                state.replaced.update(attrs.get("parents") or [])
        for number, member in state.members.items():
            if state.best is None or member.score > state.best[1]:
                state.best = (number, member.score)
        self.state = state

    def population(self) -> list[Member]:
        alive = [m for n, m in self.state.members.items() if n not in self.state.replaced]
        return alive or list(self.state.members.values())

    def pareto(self) -> list[Member]:
        archive: ParetoArchive[Member] = ParetoArchive(self.directions)
        for member in self.state.members.values():
            archive.add(member, member.values)
        return archive.items

    def select_parent(self) -> Member:
        if self.spec.multi_objective:
            return self.rng.choice(self.pareto())
        population = self.population()
        return boltzmann_choice(population, [m.score for m in population], self.spec.temperature, self.rng)

    def train_records(self, member: Member) -> list[RoundRecord]:
        from objectives.run import load_run

        where = self.state.train_dirs.get(member.number)
        return load_run(Path(where)).rounds if where else []

    # --- budget -------------------------------------------------------------------------------

    def spent(self) -> Spent:
        spent = Spent(wall_s=time.perf_counter() - self.started)
        for trial in self.study.get_trials(deepcopy=False):
            attrs = trial.user_attrs
            if attrs.get("rejected"):
                spent.rejected += 1
                continue
            if "repeat_of" in attrs:
                spent.repeated += 1
                continue
            if trial.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING):
                spent.candidates += 1
            cost = attrs.get("cost") or {}
            spent.calls += cost.get("calls", 0)
            spent.tokens += cost.get("tokens", 0)
            spent.dollars += cost.get("dollars", 0)
        # Proposer calls count against the same budget as the inner loop's, and are reported apart.
        spent.proposer_calls = float(sum(getattr(op, "calls", 0) for op in self.operators.values()))
        # A strategy with its own loop (GEPA) runs the inner loop outside the sweep's trials too.
        spent.strategy_calls = float(sum(getattr(op, "inner_calls", 0) for op in self.operators.values()))
        spent.calls += spent.proposer_calls + spent.strategy_calls
        return spent

    def exhausted(self, spent: Spent, owed: bool = False) -> str | None:
        """Why the sweep must stop, or None. ``owed``: trials already counted against the candidate
        budget are waiting to be evaluated, so that budget does not stop it yet."""
        b = self.spec.budget
        if spent.candidates >= b.candidates and not owed:
            return f"candidates {spent.candidates} >= {b.candidates}"
        if b.calls is not None and spent.calls >= b.calls:
            return f"LM calls {spent.calls:.0f} >= {b.calls}"
        if b.tokens is not None and spent.tokens >= b.tokens:
            return f"tokens {spent.tokens:.0f} >= {b.tokens}"
        if b.dollars is not None and spent.dollars >= b.dollars:
            return f"dollars {spent.dollars:.2f} >= {b.dollars}"
        if b.wall_s is not None and spent.wall_s >= b.wall_s:
            return f"wall time {spent.wall_s:.0f} s >= {b.wall_s:g} s"
        if self.operators and all(getattr(op, "done", False) for op in self.operators.values()):
            return "no operator has anything left to propose"
        if spent.rejected >= MAX_REJECTIONS_FACTOR * b.candidates:
            return f"{spent.rejected} proposals rejected by the guard"
        if spent.repeated >= MAX_REJECTIONS_FACTOR * b.candidates:  # a space with nothing new left in it
            return f"{spent.repeated} proposals repeated a harness already evaluated"
        return None

    # --- proposals ----------------------------------------------------------------------------

    def _choose_operator(self) -> str:
        weights = self.spec.operators.weights()
        if len(self.state.members) < 2:
            weights["merge"] = 0.0  # needs two parents
        names = [n for n, w in weights.items() if w > 0 and n in self.operators]
        if not names:
            names = [n for n, w in self.spec.operators.weights().items() if w > 0 and n in self.operators]
        return self.rng.choices(names, weights=[weights[n] or 1e-9 for n in names], k=1)[0]

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
        if any(t.user_attrs.get("operator") == "seed" for t in self.study.get_trials(deepcopy=False)):
            return
        genes = genes_of(self.seed_config)
        attrs = {"operator": "seed", "parents": [], **attrs_for(self.bank, genes)}
        self.study.enqueue_trial(knobs_of(self.seed_config, self.spec), user_attrs=attrs)

    async def _next_trial(self) -> optuna.Trial | None:
        """Ask for the next trial, after proposing one when the chosen operator is external."""
        waiting = self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
        if not waiting:
            name = self._choose_operator()
            proposal = await self.operators[name].propose(self)
            if proposal is None:
                return None
            if proposal.knobs is not None or proposal.overrides:
                knobs = proposal.knobs if proposal.knobs is not None else {}
                try:
                    self.proposal_config(proposal, {**knobs_of(self.seed_config, self.spec), **knobs})
                except guard.GuardViolation as violation:
                    self._record_rejected_trial(proposal, violation.reasons, "proposal")
                    return None
                attrs = self._lineage(proposal)
                self.study.enqueue_trial({k: v for k, v in knobs.items() if k in self.dists}, user_attrs=attrs)
                trial = self.study.ask(self.dists)
                if "genes" not in trial.user_attrs:
                    # Another worker took our proposal (it will evaluate it); this is a sampler trial.
                    fallback = Proposal("optuna", proposal.parents[:1], None, dict(proposal.genes))
                    for key, value in self._lineage(fallback).items():
                        trial.set_user_attr(key, value)
            else:
                trial = self.study.ask(self.dists)
                if "genes" not in trial.user_attrs:  # a sampler proposal: genes from the chosen parent
                    for key, value in self._lineage(proposal).items():
                        trial.set_user_attr(key, value)
        else:
            trial = self.study.ask(self.dists)
            if "genes" not in trial.user_attrs:
                parent = self.select_parent()
                proposal = Proposal("optuna", [parent.number], None, dict(parent.genes))
                for key, value in self._lineage(proposal).items():
                    trial.set_user_attr(key, value)
        trial.set_user_attr("worker", WORKER)
        return trial

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

    def _record_rejected_trial(self, proposal: Proposal, reasons: list[str], stage: str) -> None:
        # Rejections are trials too (state FAIL, reasons in attributes), so every one is on record.
        # Added as a finished trial: ``ask`` would pop a trial another worker has just enqueued.
        key = uuid.uuid4().hex
        attrs = {"rejected": reasons, "operator": proposal.operator, "stage": stage, "rejection": key}
        if proposal.analysis:  # what was attempted (a red-team proposal names its hack here)
            attrs["analysis"] = proposal.analysis
        if proposal.mutated_gene:  # the rejected text itself, for whoever audits the guard
            attrs["mutated_gene"] = proposal.mutated_gene
            attrs[f"gene_text:{proposal.mutated_gene}"] = proposal.genes.get(proposal.mutated_gene, "")
        self.study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL, user_attrs=attrs))
        number = next(t.number for t in reversed(self.study.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
                      if t.user_attrs.get("rejection") == key)
        self._reject(proposal.operator, reasons, stage, number)

    # --- evaluation ---------------------------------------------------------------------------

    async def _evaluate_trial(self, trial: optuna.Trial) -> None:
        attrs = trial.user_attrs
        operator = attrs.get("operator", "optuna")
        proposal = Proposal(operator, list(attrs.get("parents") or []), dict(trial.params), resolve(self.bank, attrs),
                            attrs.get("mutated_gene"), overrides=dict(attrs.get("overrides") or {}))
        try:  # checked again before any evaluation is paid for
            config = self.proposal_config(proposal, {**knobs_of(self.seed_config, self.spec), **trial.params})
        except guard.GuardViolation as violation:
            trial.set_user_attr("rejected", violation.reasons)
            trial.set_user_attr("stage", "evaluation")
            self.study.tell(trial, state=TrialState.FAIL)
            self._reject(operator, violation.reasons, "evaluation", trial.number)
            return
        harness_hash = config.harness_hash()
        trial.set_user_attr("harness_hash", harness_hash)
        if (earlier := self._evaluated(harness_hash, trial.number)) is not None:
            self._repeat(trial, earlier, operator)
            return
        self.emit(CandidateStarted(trial.number, operator, proposal.parents, proposal.mutated_gene))
        cost: dict[str, float] = {"calls": 0.0, "tokens": 0.0, "dollars": 0.0}
        dirs: dict[str, str] = {}

        def add(evaluation: Evaluation) -> None:
            dirs[evaluation.split] = str(evaluation.out)
            for key, value in evaluation.cost().items():
                cost[key] += value

        try:
            train = await self.evaluator.evaluate(config, "train")
            add(train)
            trial.set_user_attr("train_dir", str(train.out))
            parents = [self.state.members[p] for p in proposal.parents if p in self.state.members]
            screened = False
            if parents and operator != "seed":
                parent_configs = [build_harness(self.seed_config, p.knobs, p.genes) for p in parents]
                parent_train = [await self.evaluator.evaluate(c, "train") for c in parent_configs]
                screened = train.score < max(e.score for e in parent_train) - self.spec.screen_margin
            if screened:
                trial.set_user_attr("cost", cost)
                trial.set_user_attr("train_score", train.score)
                if not self.spec.multi_objective:
                    trial.report(train.score, step=0)
                self.study.tell(trial, state=TrialState.PRUNED)
                self.emit(CandidateFinished(trial.number, operator, "screened_out", train.score, None, None, False,
                                            config.harness_hash(), cost, dirs, dict(trial.user_attrs), dict(trial.params)))
                return
            validation = await self.evaluator.evaluate(config, "validation")
            add(validation)
            beats = all(validation.score > p.score for p in parents) if parents else operator == "seed"
            if operator != "seed" and not parents:
                beats = validation.score > (self.state.best[1] if self.state.best else float("-inf"))
            attrs_out = {"train_score": train.score, "validation_score": validation.score,
                         "validation_values": list(validation.values), "validation_dir": str(validation.out),
                         "validation_acceptance": validation.acceptance, "accepted": beats, "cost": cost}
            for key, value in attrs_out.items():
                trial.set_user_attr(key, value)
            self.study.tell(trial, list(validation.values) if self.spec.multi_objective else validation.values[0])
        except Exception as error:  # an evaluation that cannot finish fails alone; the sweep goes on
            trial.set_user_attr("error", f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
            trial.set_user_attr("cost", cost)
            self.study.tell(trial, state=TrialState.FAIL)
            self.emit(CandidateFinished(trial.number, operator, "failed", None, None, None, False,
                                        config.harness_hash(), cost, dirs, dict(trial.user_attrs), dict(trial.params)))
            return
        previous = self.state.best
        self.refresh()
        self.emit(CandidateFinished(trial.number, operator, "complete", train.score, validation.score,
                                    list(validation.values), beats, config.harness_hash(), cost, dirs,
                                    dict(trial.user_attrs), dict(trial.params)))
        if beats and (previous is None or validation.score > previous[1]):
            self.emit(NewBest(trial.number, validation.score, previous[1] if previous else None))

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
        self.emit(CandidateRepeated(trial.number, operator, earlier.number, earlier.user_attrs["harness_hash"]))

    # --- the loop -----------------------------------------------------------------------------

    async def run(self) -> Spent:
        with call_settings():
            return await self._run()

    async def _run(self) -> Spent:
        recover_stale(self.study)
        register_worker(self.study)
        self._ensure_seed()
        self.refresh()
        in_flight: set[asyncio.Task] = set()
        stopped: str | None = None
        while True:
            stopped = self.exhausted(self.spent(), owed=self._owed())
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
                    await asyncio.sleep(0.5)  # another worker is evaluating the seed
                    continue
            trial = await self._next_trial()
            if trial is None:
                await asyncio.sleep(0)
                continue
            in_flight.add(asyncio.create_task(self._evaluate_trial(trial)))
        if in_flight:
            await asyncio.gather(*in_flight)  # paid work is never thrown away
        spent = self.spent()
        self.emit(BudgetReached(stopped or "done", spent.as_dict()))
        self.rejections.close()
        return spent

    def _owed(self) -> bool:
        """The seed, or a trial redone after its worker was killed, is waiting: it counts against the
        candidate budget already and must be evaluated (a sweep killed while its last candidates ran
        would otherwise end with them never evaluated). A proposal a worker enqueues it asks for at once."""
        return any(t.user_attrs.get("operator") == "seed" or "redo_of" in t.user_attrs
                   for t in self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    def _seed_pending(self) -> bool:
        return any(t.user_attrs.get("operator") == "seed"
                   for t in self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    def trials(self) -> list[FrozenTrial]:
        return self.study.get_trials(deepcopy=False)
