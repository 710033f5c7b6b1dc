"""Fast unit tests of the outer loop's parts: selection, the prompt bank, the guard, the search
space, sweep-config validation, the simulated proposer, and the merge and mutation operators."""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from harness.config import ConfigError, HarnessConfig, ModelSpec, Runtime, apply_overrides, parse_config
from harness.feedback import format_round_records
from harness.models import build_lm
from harness.records import RoundRecord
from harness.sim.engine import SimEngine
from harness.sim.profiles import profile
from harness.sim.proposer import analyze, implement, read_analysis
from search.bank import PromptBank, attrs_for, resolve, text_id
from search.config import GENES, GUARDED, KnobRange, SearchSpec, load_sweep_config
from search.guard import GuardViolation, check, violations
from search.operators.base import Member, Proposal
from search.operators.merge import MergeGenes
from search.operators.optuna_knobs import OptunaKnobs
from search.operators.random_knobs import RandomKnobs
from search.operators.reflective import ReflectiveMutation
from search.selection import ParetoArchive, boltzmann_choice, boltzmann_weights, dominates
from search.space import INT_KNOBS, build_harness, distribution, distributions, genes_of, knobs_of

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "experiments" / "configs" / "demo.yaml"
SEARCH = REPO / "search"


# --- selection ---------------------------------------------------------------------------------


def test_boltzmann_weights_are_a_distribution_that_favours_the_best_at_low_temperature() -> None:
    weights = boltzmann_weights([0.2, 0.5, 0.9], 0.1)
    assert sum(weights) == pytest.approx(1.0)
    assert all(w > 0 for w in weights)
    # p ~ exp(score / T): e^-7 : e^-4 : 1
    assert weights[2] == pytest.approx(1 / (1 + math.exp(-4) + math.exp(-7)), rel=1e-9)
    assert weights[2] > 0.98
    assert weights[0] < weights[1] < weights[2]
    assert weights[1] / weights[0] == pytest.approx(math.exp(3), rel=1e-9)


def test_boltzmann_weights_equal_scores_uniform_and_high_temperature_flat() -> None:
    assert boltzmann_weights([0.4] * 4, 0.1) == pytest.approx([0.25] * 4)
    assert boltzmann_weights([], 0.1) == []
    flat = boltzmann_weights([0.0, 1.0], 100.0)
    assert flat[0] == pytest.approx(0.5, abs=0.01)
    # numerically stable for scores far from 0
    assert sum(boltzmann_weights([1000.0, 999.0], 0.01)) == pytest.approx(1.0)


def test_boltzmann_choice_draws_in_proportion_and_rejects_empty() -> None:
    rng = random.Random(7)
    draws = Counter(boltzmann_choice(["a", "b", "c"], [0.2, 0.5, 0.9], 0.1, rng) for _ in range(3000))
    assert draws["c"] / 3000 > 0.95
    assert draws["a"] < draws["b"] < draws["c"]
    uniform = Counter(boltzmann_choice(["a", "b"], [0.3, 0.3], 0.1, rng) for _ in range(2000))
    assert 0.45 < uniform["a"] / 2000 < 0.55
    with pytest.raises(ValueError, match="no candidates"):
        boltzmann_choice([], [], 0.1, rng)


def test_dominates_respects_each_direction() -> None:
    assert dominates([0.8, 10], [0.7, 10], ["maximize", "minimize"])
    assert dominates([0.7, 5], [0.7, 10], ["maximize", "minimize"])
    assert not dominates([0.7, 10], [0.7, 10], ["maximize", "minimize"])  # equal: not better anywhere
    assert not dominates([0.9, 20], [0.7, 10], ["maximize", "minimize"])  # trade-off
    assert not dominates([0.7, 10], [0.8, 10], ["maximize", "minimize"])
    assert dominates([1.0], [2.0], ["minimize"])
    assert not dominates([2.0], [1.0], ["minimize"])


def test_pareto_archive_keeps_only_non_dominated_members() -> None:
    archive: ParetoArchive[str] = ParetoArchive(["maximize", "minimize"])  # acceptance up, cost down
    assert archive.add("a", [0.5, 100])
    assert archive.add("b", [0.7, 200])  # trade-off with a
    assert not archive.add("c", [0.4, 150])  # dominated by a
    assert not archive.add("a-again", [0.5, 100])  # equal values do not enter twice
    assert sorted(archive.items) == ["a", "b"]
    assert archive.add("d", [0.8, 90])  # dominates both
    assert archive.items == ["d"]
    assert archive.add("e", [0.9, 300])
    assert archive.add("f", [0.3, 10])
    assert sorted(archive.items) == ["d", "e", "f"]
    values = {item: v for item, v in archive.members}
    for x in values.values():
        assert not any(dominates(y, x, archive.directions) for y in values.values() if y is not x)


def test_pareto_archive_minimize_only() -> None:
    archive: ParetoArchive[int] = ParetoArchive(["minimize"])
    for i, v in enumerate([5.0, 3.0, 4.0, 1.0, 2.0]):
        archive.add(i, [v])
    assert archive.items == [3]


# --- the prompt bank ----------------------------------------------------------------------------


def test_text_ids_are_stable_content_hashes() -> None:
    first = text_id("Write hard questions.")
    assert first == text_id("Write hard questions.")
    assert re.fullmatch(r"p[0-9a-f]{12}", first)
    assert text_id("Write hard questions!") != first
    assert text_id("é") == text_id("é")


def test_prompt_bank_persists_across_instances_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "bank.jsonl"
    bank = PromptBank(path)
    a = bank.add("alpha text", "challenger_instructions")
    b = bank.add("beta text", "qv_instructions")
    assert bank.add("alpha text", "challenger_instructions") == a  # added once
    assert len(bank) == 2 and a in bank and b in bank
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["gene"], r["text"]) for r in rows] == [
        (a, "challenger_instructions", "alpha text"), (b, "qv_instructions", "beta text")]

    again = PromptBank(path)  # another worker opening the same bank
    assert again.get(a) == "alpha text" and again.get(b) == "beta text"
    assert again.dump() == {a: "alpha text", b: "beta text"}
    again.add("alpha text")
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2
    with pytest.raises(KeyError):
        again.get(text_id("never added"))
    assert len(PromptBank(None)) == 0  # in-memory bank


def test_resolve_reads_user_attrs_and_falls_back_to_the_bank(tmp_path: Path) -> None:
    genes = {"challenger_instructions": "C text", "qv_instructions": "Q text"}
    writer = PromptBank(tmp_path / "bank.jsonl")
    attrs = attrs_for(writer, genes)
    assert attrs["genes"] == {name: text_id(text) for name, text in genes.items()}
    assert attrs["gene_text:qv_instructions"] == "Q text"

    fresh = PromptBank(tmp_path / "other.jsonl")  # knows none of the ids
    assert resolve(fresh, attrs) == genes
    assert set(fresh.dump()) == set(attrs["genes"].values())  # registered on the way

    ids_only = {"genes": attrs["genes"]}  # texts only in the bank
    assert resolve(PromptBank(tmp_path / "bank.jsonl"), ids_only) == genes
    with pytest.raises(KeyError):
        resolve(PromptBank(None), ids_only)
    assert resolve(PromptBank(None), {}) == {}


# --- the guard ----------------------------------------------------------------------------------


def spec_of(**search: object) -> SearchSpec:
    return SearchSpec.model_validate({
        "knobs": {"challenger_temperature": {"low": 0.2, "high": 1.2}, "round_budget": {"low": 3, "high": 8}},
        "genes": ["challenger_instructions", "orchestrator_instructions"],
        **search,
    })


def changed(seed: HarnessConfig, overrides: dict) -> HarnessConfig:
    return HarnessConfig.model_validate(apply_overrides(seed.model_dump(), overrides))


def test_guard_accepts_the_seed_and_in_range_searched_changes(default_config: HarnessConfig) -> None:
    spec = spec_of()
    assert violations(default_config, default_config, spec) == []
    ok = changed(default_config, {"knobs.round_budget": 8, "knobs.challenger_temperature": 0.2,
                                  "genes.challenger_instructions": "deeper questions"})
    assert violations(default_config, ok, spec) == []
    check(default_config, ok, spec)  # does not raise


@pytest.mark.parametrize("path, value", [
    ("guarded.acceptance.gap_min", 0.0),
    ("guarded.acceptance.weak_mean_max", 0.9),
    ("guarded.solver_instructions", "Always answer yes."),
    ("guarded.judge_instructions", "Give every criterion full marks."),
    ("guarded.auditor.instructions", "Decide PASS."),
    ("documents.count", 3),
    ("documents.world_seed", 9),
    ("models.judge.model", "sim/weak"),
])
def test_guard_rejects_any_guarded_change(default_config: HarnessConfig, path: str, value: object) -> None:
    reasons = violations(default_config, changed(default_config, {path: value}), spec_of())
    assert reasons == [f"guarded setting changed: {path}"]
    with pytest.raises(GuardViolation) as caught:
        check(default_config, changed(default_config, {path: value}), spec_of())
    assert caught.value.reasons == reasons


def test_guard_rejects_knobs_out_of_range_and_changes_outside_the_search_space(default_config: HarnessConfig) -> None:
    spec = spec_of()
    assert violations(default_config, changed(default_config, {"knobs.round_budget": 12}), spec) == [
        "knobs.round_budget=12 is outside [3, 8]"]
    assert violations(default_config, changed(default_config, {"knobs.challenger_temperature": 1.5}), spec) == [
        "knobs.challenger_temperature=1.5 is outside [0.2, 1.2]"]
    # a knob that exists but is not searched
    assert violations(default_config, changed(default_config, {"knobs.solver_attempts": 5}), spec) == [
        "not in the search space: knobs.solver_attempts"]
    # a real gene that this sweep does not search
    assert violations(default_config, changed(default_config, {"genes.qv_instructions": "lenient"}), spec) == [
        "not in the search space: genes.qv_instructions"]
    several = changed(default_config, {"knobs.round_budget": 2, "guarded.judge_instructions": "x", "preset": "grounded-self-instruct"})
    assert sorted(violations(default_config, several, spec)) == [
        "guarded setting changed: guarded.judge_instructions",
        "knobs.round_budget=2 is outside [3, 8]",
        "not in the search space: preset",
    ]


def test_guard_checks_choices(default_config: HarnessConfig) -> None:
    spec = SearchSpec.model_validate({"knobs": {"solver_attempts": {"choices": [2, 3, 4]}}})
    assert violations(default_config, default_config, spec) == []
    assert violations(default_config, changed(default_config, {"knobs.solver_attempts": 5}), spec) == [
        "knobs.solver_attempts=5 is not one of [2.0, 3.0, 4.0]"]


# --- the search space ---------------------------------------------------------------------------


def test_distributions_follow_the_knob_types() -> None:
    spec = SearchSpec.model_validate({"knobs": {
        "challenger_temperature": {"low": 0.1, "high": 1.5, "log": True},
        "round_budget": {"low": 3, "high": 8},
        "solver_attempts": {"choices": [2, 3, 5]},
        "rubric_min": {"low": 8, "high": 12},
    }})
    dists = distributions(spec)
    assert set(dists) == {"challenger_temperature", "round_budget", "solver_attempts", "rubric_min"}
    temp = dists["challenger_temperature"]
    assert isinstance(temp, FloatDistribution) and (temp.low, temp.high, temp.log) == (0.1, 1.5, True)
    rounds = dists["round_budget"]
    assert isinstance(rounds, IntDistribution) and (rounds.low, rounds.high) == (3, 8)
    attempts = dists["solver_attempts"]
    assert isinstance(attempts, CategoricalDistribution) and attempts.choices == (2, 3, 5)
    assert all(type(c) is int for c in attempts.choices)
    assert isinstance(dists["rubric_min"], IntDistribution)
    floats = distribution("challenger_temperature", KnobRange(choices=[0.5, 1.0]))
    assert isinstance(floats, CategoricalDistribution) and floats.choices == (0.5, 1.0)
    assert {"round_budget", "challengers_per_round", "rubric_min", "rubric_max", "solver_attempts",
            "feedback_dataset_every"} == INT_KNOBS


def test_build_harness_changes_only_knobs_and_genes(default_config: HarnessConfig) -> None:
    spec = spec_of()
    seed = parse_config({"seed": 3, "documents": {"count": 40}, "knobs": {"round_budget": 5}})
    assert knobs_of(seed, spec) == {"challenger_temperature": 0.7, "round_budget": 5}
    assert set(genes_of(seed)) == set(GENES) and all(genes_of(seed)[g] == getattr(seed.genes, g) for g in GENES)
    built = build_harness(seed, {"round_budget": 7}, {"challenger_instructions": "New text."})
    assert built.knobs.round_budget == 7 and built.knobs.challenger_temperature == 0.7
    assert built.genes.challenger_instructions == "New text."
    assert built.genes.qv_instructions == seed.genes.qv_instructions
    same = seed.model_dump()
    got = built.model_dump()
    for key in same:
        if key not in ("knobs", "genes"):
            assert got[key] == same[key], key
    assert built.harness_hash() != seed.harness_hash()
    assert build_harness(seed, knobs_of(seed, spec), genes_of(seed)).harness_hash() == seed.harness_hash()
    assert violations(seed, built, spec) == []
    with pytest.raises(ValueError):
        build_harness(seed, {}, {"judge_instructions": "x"})  # not a gene: the model forbids it


# --- sweep configuration ------------------------------------------------------------------------


def sweep_yaml(write_yaml, search: str, extra: str = "") -> Path:
    return write_yaml(f"name: unit\nbase: {DEMO}\n{extra}search:\n{search}")


def test_load_sweep_config_merges_base_and_search(write_yaml) -> None:
    path = sweep_yaml(write_yaml, "  knobs:\n    round_budget: {low: 3, high: 8}\n  budget: {candidates: 7}\n",
                      extra="harness:\n  knobs: {round_budget: 4}\n")
    config = load_sweep_config(path)
    assert config.name == "unit"
    assert config.harness.preset == "agentic" and config.harness.documents.count == 40  # from demo.yaml
    assert config.harness.knobs.round_budget == 4  # inline harness overrides the base
    assert config.search.budget.candidates == 7
    assert config.search.genes == list(GENES)
    assert [o.metric for o in config.search.objectives] == ["acceptance_rate"]
    overridden = load_sweep_config(path, {"seed": 5, "search.budget.candidates": 3})
    assert overridden.seed == 5 and overridden.search.budget.candidates == 3
    # a relative base is found next to the sweep file, not in the working directory
    relative = write_yaml("base: demo.yaml\n", name="rel.yaml")
    with pytest.raises(ConfigError) as caught:
        load_sweep_config(relative)
    assert str(caught.value) == f"{relative.parent / 'demo.yaml'}: no such configuration file"
    (relative.parent / "demo.yaml").write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_sweep_config(relative).harness.documents.count == 40
    shipped = load_sweep_config(REPO / "experiments" / "configs" / "sweep_demo.yaml")
    assert shipped.search.budget.candidates == 20 and shipped.harness.name == "demo"


@pytest.mark.parametrize("search, field, message", [
    ("  knobs:\n    round_budget: {low: 8, high: 3}\n", "search.knobs.round_budget", "empty range"),
    ("  knobs:\n    solver_attempts: {choices: []}\n", "search.knobs.solver_attempts", "choices is empty"),
    ("  knobs:\n    challenger_temperature: {low: 0, high: 1, log: true}\n", "search.knobs.challenger_temperature",
     "log range needs low > 0"),
    ("  knobs:\n    round_budget: {low: 3}\n", "search.knobs.round_budget", "needs low and high"),
    ("  knobs:\n    warp_factor: {low: 1, high: 2}\n", "search.knobs", "unknown knob 'warp_factor'"),
    ("  objectives:\n    - {metric: happiness}\n", "search.objectives.0.metric", "unknown objective 'happiness'"),
    ("  objectives: []\n", "search.objectives", "at least one objective"),
    ("  genes: [challenger_instructions, judge_instructions]\n", "search.genes", "'judge_instructions' is guarded"),
    ("  genes: [acceptance]\n", "search.genes", "'acceptance' is guarded"),
    ("  genes: [poetry_instructions]\n", "search.genes", "unknown gene 'poetry_instructions'"),
    ("  operators: {optuna: 0, mutation: 0, merge: 0}\n", "search.operators", "every operator weight is 0"),
    ("  budget: {candidates: 0}\n", "search.budget.candidates", "greater than or equal to 1"),
    ("  splits: {validation: 0}\n", "search.splits.validation", "greater than or equal to 1"),
    ("  surprise: 1\n", "search.surprise", "unknown field"),
], ids=["empty-range", "empty-choices", "log-from-zero", "no-high", "unknown-knob", "unknown-objective",
        "no-objective", "guarded-gene", "guarded-section-gene", "unknown-gene", "all-weights-zero", "no-candidates",
        "empty-split", "unknown-field"])
def test_bad_sweep_configs_name_the_file_and_the_field(write_yaml, search: str, field: str, message: str) -> None:
    path = sweep_yaml(write_yaml, search)
    with pytest.raises(ConfigError) as caught:
        load_sweep_config(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: {field}"), text
    assert message in text
    assert "\n" not in text


def test_every_guarded_name_is_refused_as_a_gene() -> None:
    for name in (*GUARDED, "acceptance_rule", "judge", "solver"):
        with pytest.raises(ValueError, match="guarded"):
            SearchSpec.model_validate({"genes": [name]})


def test_objective_directions() -> None:
    spec = SearchSpec.model_validate({"objectives": [{"metric": "acceptance_rate"}, {"metric": "calls"},
                                                     {"metric": "calls", "direction": "maximize"}]})
    assert [o.resolved_direction for o in spec.objectives] == ["maximize", "minimize", "maximize"]
    assert spec.multi_objective
    assert not SearchSpec().multi_objective


# --- the simulated proposer on real round records -----------------------------------------------


@pytest.fixture(scope="module")
def seed_rounds(tmp_path_factory: pytest.TempPathFactory) -> list[RoundRecord]:
    """Round records of the demo harness on 4 offline-world documents (a real generation)."""
    from harness.config import load_config
    from harness.documents import load_documents
    from harness.generate import generate
    from harness.models import ModelRegistry
    from objectives.run import load_run

    config = load_config(DEMO)
    out = tmp_path_factory.mktemp("seed-generation")
    generate(config, load_documents(config.documents, count=4), out, registry=ModelRegistry(config.models, config.runtime))
    return load_run(out).rounds


def test_analyze_counts_every_decision_in_the_records(seed_rounds: list[RoundRecord]) -> None:
    decisions = Counter(c.decision for r in seed_rounds for c in r.candidates)
    total = sum(decisions.values())
    assert total >= 4  # at least one round per document
    text = format_round_records(seed_rounds)
    assert text.count("=== round ") == total
    analyst = profile("proposer")
    for salt in range(5):
        analysis = analyze(text, analyst, random.Random(salt))
        counts = next(line for line in analysis.splitlines() if line.startswith(f"Of {total} attempts: "))
        stated = [int(n) for n in re.findall(r"(\d+) [a-z]", counts.split(": ", 1)[1])]
        assert sorted(stated) == sorted(decisions.values()), (counts, decisions)
        reading = read_analysis(analysis)
        assert reading.cause in ("easy", "hard", "quality", "none")
        assert all(1 <= n <= 9 for n in reading.steps.values())  # estimated, bounded by reach + 1
    # the demo seed fails mostly as too easy; the analyst says so in most of its draws (not all)
    causes = Counter(read_analysis(analyze(text, analyst, random.Random(s))).cause for s in range(40))
    assert decisions.most_common(1)[0][0] == "too_easy"
    assert causes["easy"] >= 28
    assert "no rounds" in analyze("", analyst, random.Random(0)).lower()


def test_implement_keeps_the_text_and_adds_a_few_sentences(seed_rounds: list[RoundRecord]) -> None:
    analysis = analyze(format_round_records(seed_rounds), profile("proposer"), random.Random(0))
    seed = parse_config({})
    for gene in GENES:
        current = getattr(seed.genes, gene)
        first = re.split(r"(?<=[.!?])\s+", current)[0]
        rewrites = {implement(gene, current, analysis, random.Random(salt), 0.7) for salt in range(12)}
        assert len(rewrites) >= 10  # varied, not one fixed rewrite
        for new in rewrites:
            assert new.startswith(first) and new != current
            assert len(new) <= len(current) + 3 * 200  # at most three sentences more


# --- operators ----------------------------------------------------------------------------------


@dataclass
class FakeContext:
    """A ProposalContext without a study: fixed members and their round records."""

    members: list[Member]
    spec: SearchSpec
    rng: random.Random
    records: list[RoundRecord] = field(default_factory=list)
    seed_config: HarnessConfig = field(default_factory=lambda: parse_config({}))

    def population(self) -> list[Member]:
        return list(self.members)

    def pareto(self) -> list[Member]:
        return list(self.members)

    def select_parent(self) -> Member:
        return max(self.members, key=lambda m: m.score)

    def train_records(self, member: Member) -> list[RoundRecord]:
        return self.records


def two_parents() -> tuple[Member, Member]:
    a = Member(3, {"round_budget": 4, "challenger_temperature": 0.5},
               {g: f"A {g}" for g in GENES}, 0.8, (0.8,))
    b = Member(5, {"round_budget": 7, "challenger_temperature": 0.9},
               {g: f"B {g}" for g in GENES}, 0.6, (0.6,))
    return a, b


def test_merge_takes_each_gene_from_one_of_two_parents() -> None:
    a, b = two_parents()
    spec = spec_of(genes=list(GENES))
    seen: Counter[tuple[str, ...]] = Counter()
    for salt in range(64):
        proposal = asyncio.run(MergeGenes().propose(FakeContext([a, b], spec, random.Random(salt))))
        assert proposal is not None and proposal.operator == "merge"
        assert proposal.parents == [3, 5]  # the better parent first
        assert proposal.knobs == a.knobs  # knobs from the better parent
        assert proposal.mutated_gene is None and proposal.overrides == {}
        assert set(proposal.genes) == set(GENES)
        origin = tuple(("A" if proposal.genes[g] == a.genes[g] else "B" if proposal.genes[g] == b.genes[g] else "?")
                       for g in GENES)
        assert "?" not in origin
        assert proposal.genes != a.genes and proposal.genes != b.genes, origin  # a merge, not a copy
        seen[origin] += 1
    assert len(seen) == 6  # every mix of three genes but the two copies


def test_merge_needs_two_distinct_parents() -> None:
    a, _ = two_parents()
    twin = Member(9, a.knobs, dict(a.genes), 0.5, (0.5,))
    assert asyncio.run(MergeGenes().propose(FakeContext([a, twin], spec_of(), random.Random(0)))) is None
    assert asyncio.run(MergeGenes().propose(FakeContext([a], spec_of(), random.Random(0)))) is None


def test_reflective_mutation_rewrites_exactly_one_gene(seed_rounds: list[RoundRecord]) -> None:
    seed = parse_config({})
    parent = Member(0, {"challenger_temperature": 0.7, "round_budget": 5}, genes_of(seed), 0.4, (0.4,))
    spec = spec_of(genes=list(GENES))
    lm = build_lm(ModelSpec(model="sim/proposer"), Runtime(), SimEngine())
    operator = ReflectiveMutation(lm, temperature=0.7)
    mutated: Counter[str] = Counter()
    proposals = 0
    for salt in range(9):
        proposal = asyncio.run(operator.propose(FakeContext([parent], spec, random.Random(salt), seed_rounds)))
        if proposal is None:
            continue
        proposals += 1
        assert isinstance(proposal, Proposal) and proposal.operator == "mutation"
        assert proposal.parents == [0] and proposal.knobs == parent.knobs
        differing = [g for g in GENES if proposal.genes[g] != parent.genes[g]]
        assert differing == [proposal.mutated_gene]
        gene = proposal.mutated_gene
        first = re.split(r"(?<=[.!?])\s+", parent.genes[gene])[0]
        assert proposal.genes[gene].startswith(first)  # a rewrite, not a replacement
        assert read_analysis(proposal.analysis).cause is not None  # the analyzer's own prose, understood
        mutated[gene] += 1
    assert operator.calls == 2 * 9  # an analyzer and an implementer call per proposal
    assert proposals >= 7
    assert len(mutated) >= 2  # the gene is chosen uniformly, not always the same one


def test_reflective_mutation_only_searches_listed_genes(seed_rounds: list[RoundRecord]) -> None:
    seed = parse_config({})
    parent = Member(0, {}, genes_of(seed), 0.4, (0.4,))
    lm = build_lm(ModelSpec(model="sim/proposer"), Runtime(), SimEngine())
    spec = spec_of(genes=["orchestrator_instructions"])
    for salt in range(3):
        proposal = asyncio.run(ReflectiveMutation(lm).propose(FakeContext([parent], spec, random.Random(salt), seed_rounds)))
        assert proposal is not None and proposal.mutated_gene == "orchestrator_instructions"
        assert proposal.genes["orchestrator_instructions"] != parent.genes["orchestrator_instructions"]
    assert asyncio.run(ReflectiveMutation(lm).propose(FakeContext([parent], spec_of(genes=[]), random.Random(0)))) is None


def test_knob_operators() -> None:
    a, b = two_parents()
    spec = spec_of()
    assert asyncio.run(OptunaKnobs().propose(FakeContext([a, b], SearchSpec(), random.Random(0)))) is None
    optuna_proposal = asyncio.run(OptunaKnobs().propose(FakeContext([a, b], spec, random.Random(0))))
    assert optuna_proposal.knobs is None and optuna_proposal.parents == [3] and optuna_proposal.genes == a.genes
    for salt in range(30):
        proposal = asyncio.run(RandomKnobs().propose(FakeContext([a, b], spec, random.Random(salt))))
        assert proposal.parents[0] in (3, 5)
        parent = a if proposal.parents == [3] else b
        assert proposal.genes == parent.genes
        assert 0.2 <= proposal.knobs["challenger_temperature"] <= 1.2
        assert type(proposal.knobs["round_budget"]) is int and 3 <= proposal.knobs["round_budget"] <= 8
        built = build_harness(parse_config({}), proposal.knobs, proposal.genes)
        assert built.knobs.round_budget == proposal.knobs["round_budget"]


# --- layering -----------------------------------------------------------------------------------


def test_search_never_imports_mlflow() -> None:
    sources = sorted(SEARCH.rglob("*.py"))
    assert len(sources) >= 15
    offenders = []
    for path in sources:
        code = re.sub(r'"""(.|\n)*?"""', "", path.read_text(encoding="utf-8"))  # docstrings may name it
        code = re.sub(r"#.*", "", code)
        if re.search(r"mlflow|\bexperiments\b", code, re.I):
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
    probe = ("import sys, search.sweep, search.report, search.callbacks; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'experiments')))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_seed_knobs_outside_the_searched_range_are_a_config_error(tmp_path):
    """The seed harness is the first candidate; if the guard would reject it the sweep could never start."""
    from harness.config import ConfigError
    from search.config import load_sweep_config

    path = tmp_path / "sweep.yaml"
    demo = Path(__file__).resolve().parent.parent / "experiments" / "configs" / "demo.yaml"
    path.write_text(f"base: {demo}\nsearch:\n  knobs: {{round_budget: {{low: 2, high: 4}}}}\n")
    with pytest.raises(ConfigError, match=r"sweep\.yaml: search\.knobs\.round_budget: the seed harness's value 5"):
        load_sweep_config(path)


def test_genes_of_a_domain_harness_include_its_registered_roles_genes() -> None:
    legal = parse_config({"preset": "legal"})
    assert set(genes_of(legal)) == set(GENES) | {"loop_judge_instructions", "extractor_instructions"}
    assert set(genes_of(parse_config({"preset": "science"}))) == set(GENES)  # its equivalence prompt is guarded
