"""The offline world's rules 2-6 (DESIGN.md): text only, causal instructions, a known landscape,
determinism, and faults on demand."""

from __future__ import annotations

import asyncio
import random
import statistics

import pytest
from dspy.lm15 import Config, Message, Request, Response, TextPart, Usage

from harness import prompts
from harness.acceptance import AcceptanceRule, Outcome
from harness.config import parse_config
from harness.generate import load_rounds
from harness.loop import document_finished
from harness.models import ModelRegistry
from harness.records import Sample
from harness.roles import PARSE_RETRIES, RoleError, Roles
from harness.rubric import Criterion, rubric_score
from harness.signatures import Judge, Solve
from harness.sim import answers as A
from harness.sim.challenger import write_task
from harness.sim.engine import FaultPlan, SimEngine
from harness.sim.judge import judge
from harness.sim.logic import parse_question, parse_rules
from harness.sim.profiles import profile
from harness.sim.solver import solve
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.world import World

WORLD = World(0)
DOCS = WORLD.documents(20)
SIZE_TEXT = "between 10 and 15 criteria"



def with_faults(config, **rates):
    """The config with the offline world injecting these faults (runtime.sim_faults)."""
    from harness.config import SimFaults

    return config.model_copy(update={"runtime": config.runtime.model_copy(update={"sim_faults": SimFaults(**rates)})})

def challenger_tasks(instructions: str, guidance: str = "none", n: int = 100, temperature: float = 0.7) -> list[Task]:
    tasks = []
    for seed in range(n):
        task = write_task(
            instructions=instructions,
            guidance=guidance,
            document=DOCS[seed % len(DOCS)].text,
            topic="",
            size_text=SIZE_TEXT,
            planned=False,
            temperature=temperature,
            profile=profile("challenger"),
            rng=random.Random(seed),
        )
        assert task is not None
        tasks.append(task)
    return tasks


def scores(task: Task, who: str, rng: random.Random, k: int = 3) -> list[float]:
    rubric = [Criterion.model_validate(c) for c in task.rubric]
    out = []
    for _ in range(k):
        answer, _ = solve(task.context, task.question, profile(who), rng)
        out.append(rubric_score(rubric, judge(rubric, answer, profile("judge"), rng)))
    return out


# --- rule 2: text is the only channel -----------------------------------------------------

def deep_yes_task() -> Task:
    """A depth-3 task whose answer is Yes and that crosses no exception (found deterministically)."""
    for i, doc in enumerate(DOCS):
        task = build_task(doc.rules, TaskSpec(depth=3), random.Random(f"text-only:{i}"))
        if task and task.depth == 3 and task.final_answer == "Yes" and "unless" not in task.context:
            return task
    raise AssertionError("no suitable task in the world")


def test_same_text_same_answer():
    task = deep_yes_task()
    for who in ("weak", "strong"):
        first = solve(task.context, task.question, profile(who), random.Random(5))
        again = solve(task.context, task.question, profile(who), random.Random(5))
        assert first == again
    # A copy of the text made independently of the task object gives the same answer too.
    context, question = "".join(list(task.context)), str(task.question)
    assert solve(context, question, profile("strong"), random.Random(9)) == solve(
        task.context, task.question, profile("strong"), random.Random(9)
    )


def test_engine_replies_from_the_request_text_alone():
    task = deep_yes_task()
    system = (
        "Your output fields are:\n1. `answer` (str)\n2. `final_answer` (str)\nAll interactions will be structured...\n"
        "In adhering to this structure, your objective is: Answer from the context."
    )
    user = f"[[ ## context ## ]]\n{task.context}\n\n[[ ## question ## ]]\n{task.question}"

    def ask(engine: SimEngine, text: str = user) -> str:
        req = Request(model="sim/strong", messages=(Message.user(text),), system=system,
                      config=Config(temperature=1.0, seed=3))
        return engine.complete(req).message.parts[0].text

    reply = ask(SimEngine())
    assert reply == ask(SimEngine())  # two engines, no shared state: same text, same reply
    assert f"Conclusion: Yes, {task.entity} is" in reply or f"Conclusion: No, {task.entity} is" in reply
    other = "Zara Varga" if task.entity != "Zara Varga" else "Mei Tanaka"
    renamed = ask(SimEngine(), user.replace(task.entity, other))  # only the text changed
    assert other in renamed and task.entity not in renamed


def test_removing_a_provision_changes_what_strong_can_derive():
    task = deep_yes_task()
    rules = parse_rules(task.context)
    (target_rule,) = [r for r in rules if r.conclusion == task.target]
    cut = task.context.replace(target_rule.render() + "\n", "").replace("\n" + target_rule.render(), "")
    assert cut != task.context and target_rule not in parse_rules(cut)

    def yes_rate(context: str) -> float:
        finals = [solve(context, task.question, profile("strong"), random.Random(s))[1] for s in range(60)]
        return finals.count("Yes") / len(finals)

    assert yes_rate(task.context) >= 0.8
    assert yes_rate(cut) == 0.0  # no provision confers the status any more: it cannot be derived


def test_removing_an_intermediate_provision_breaks_the_chain():
    task = deep_yes_task()
    rules = parse_rules(task.context)
    entity, target = parse_question(task.question)
    (top,) = [r for r in rules if r.conclusion == target]
    middle = next(r for r in rules if r.conclusion in top.conditions)
    cut = task.context.replace(middle.render(), "")
    finals = [solve(cut, task.question, profile("strong"), random.Random(s))[1] for s in range(60)]
    assert finals.count("Yes") / len(finals) <= 0.2


def test_judge_never_receives_the_reference():
    assert "reference_answer" not in Judge.input_fields
    assert set(Solve.input_fields) == {"context", "question"}
    # The judge grades the text it is given: the reference answer scores 1 against its own rubric
    # (up to judge noise), an empty answer does not.
    task = deep_yes_task()
    rubric = [Criterion.model_validate(c) for c in task.rubric]
    exact = profile("judge").__class__(**{**profile("judge").__dict__, "accuracy": 1.0})
    assert rubric_score(rubric, judge(rubric, task.reference_answer, exact, random.Random(0))) == 1.0
    assert rubric_score(rubric, judge(rubric, "No idea.", exact, random.Random(0))) == 0.0


# --- rule 3: instructions act causally ----------------------------------------------------

def test_asking_for_more_reasoning_steps_raises_depth():
    default = challenger_tasks(prompts.CHALLENGER_INSTRUCTIONS)
    deeper = challenger_tasks(prompts.CHALLENGER_INSTRUCTIONS + " Each question must need at least 5 reasoning steps.")
    default_mean = statistics.mean(t.depth for t in default)
    deeper_mean = statistics.mean(t.depth for t in deeper)
    assert deeper_mean >= default_mean + 1.5
    assert min(t.depth for t in deeper) >= 4  # the requested floor (5) minus document availability


def test_guidance_acts_on_top_of_instructions():
    default = challenger_tasks(prompts.CHALLENGER_INSTRUCTIONS, n=60)
    guided = challenger_tasks(prompts.CHALLENGER_INSTRUCTIONS, guidance="Use fewer steps; at most 1 step.", n=60)
    assert statistics.mean(t.depth for t in guided) < statistics.mean(t.depth for t in default) - 0.5


# Leaks are written in varied sentences now; tests/test_writers.py measures the leak rate by meaning.


# --- rule 4: a known landscape ------------------------------------------------------------

@pytest.fixture(scope="module")
def landscape() -> dict[int, dict[str, float]]:
    rule = AcceptanceRule()
    out = {}
    for depth in range(1, 8):
        weak_means, strong_means, accepted, real_depths = [], [], 0, []
        for i, doc in enumerate(DOCS):
            for j in range(5):
                rng = random.Random(f"landscape:{depth}:{i}:{j}")
                task = build_task(doc.rules, TaskSpec(depth=depth), rng)
                real_depths.append(task.depth)
                weak, strong = scores(task, "weak", rng), scores(task, "strong", rng)
                weak_means.append(statistics.mean(weak))
                strong_means.append(statistics.mean(strong))
                outcome, _ = rule.decide(weak, strong)
                accepted += outcome is Outcome.ACCEPTED
        out[depth] = {
            "weak": statistics.mean(weak_means),
            "strong": statistics.mean(strong_means),
            "accept": accepted / len(weak_means),
            "depth": statistics.mean(real_depths),
        }
    return out


def test_build_task_meets_the_requested_depth(landscape):
    for depth, row in landscape.items():
        assert row["depth"] == pytest.approx(depth, abs=0.25)


def test_weak_solves_deep_tasks_less_often(landscape):
    weak = {d: row["weak"] for d, row in landscape.items()}
    for depth in (4, 5, 6):
        assert weak[depth] < weak[3] - 0.2
    for shallower, deeper in zip(range(1, 6), range(2, 7), strict=True):
        assert weak[deeper] <= weak[shallower] + 0.02  # non-increasing with depth (sampling slack)


def test_strong_beats_weak_and_the_gap_opens_with_depth(landscape):
    for row in landscape.values():
        assert row["strong"] > row["weak"]
    assert landscape[5]["strong"] - landscape[5]["weak"] >= 0.2
    assert landscape[1]["strong"] - landscape[1]["weak"] < 0.2  # too easy: both pass


def test_too_deep_the_strong_solver_fails_too(landscape):
    assert landscape[7]["strong"] < landscape[4]["strong"] - 0.1


def test_acceptance_peaks_between_the_profiles(landscape):
    accept = {d: row["accept"] for d, row in landscape.items()}
    assert accept[5] > accept[1] + 0.3
    assert accept[5] > accept[2] + 0.3
    assert max(accept, key=accept.get) in (4, 5, 6)
    assert accept[7] < max(accept.values())


# --- rule 5: deterministic ----------------------------------------------------------------

def test_world_documents_are_deterministic():
    assert World(3).document(7).text == World(3).document(7).text
    world = World(3)
    assert world.document(7) == world.document(7)
    assert World(3).document(7).text != World(3).document(8).text
    assert World(3).document(7).text != World(4).document(7).text
    assert "simulated document sim-3-0007" in World(3).document(7).text  # labelled (rule 7)


def test_same_seed_same_generation_different_seed_different(tmp_path, counted_generation, sim_docs, read_rows):
    config = parse_config({"seed": 1, "documents": {"count": 4}})
    docs = sim_docs(config, 4)
    first, _ = counted_generation(config, docs, tmp_path / "a")
    second, _ = counted_generation(config, docs, tmp_path / "b")
    # Documents run concurrently, so the order in which lines are appended may vary between runs;
    # the content (the set of lines, each round keyed by document and round number) may not.
    accepted_a = (tmp_path / "a" / "accepted.jsonl").read_text(encoding="utf-8").splitlines()
    accepted_b = (tmp_path / "b" / "accepted.jsonl").read_text(encoding="utf-8").splitlines()
    assert accepted_a  # the comparison below is not between two empty files
    assert sorted(accepted_a) == sorted(accepted_b)

    def rounds(out):
        rows = read_rows(out / "rounds.jsonl")
        keyed = {(row["doc_id"], row["round"]): {k: v for k, v in row.items() if k != "elapsed_s"} for row in rows}
        assert len(keyed) == len(rows)  # no round written twice
        return keyed

    assert rounds(tmp_path / "a") == rounds(tmp_path / "b")
    assert first["failure_reasons"] == second["failure_reasons"]
    assert first["simulated"] is True  # rule 7: sim numbers are labelled

    other = config.model_copy(update={"seed": 2})
    counted_generation(other, docs, tmp_path / "c")
    assert rounds(tmp_path / "c") != rounds(tmp_path / "a")
    questions = {r["sample"]["question"] for r in read_rows(tmp_path / "a" / "accepted.jsonl")}
    other_questions = {r["sample"]["question"] for r in read_rows(tmp_path / "c" / "accepted.jsonl")}
    assert questions != other_questions


# --- rule 6: faults on demand -------------------------------------------------------------

def test_malformed_outputs_are_retried_and_the_run_completes(tmp_path, counted_generation, sim_docs):
    config = parse_config({"documents": {"count": 4}})
    docs = sim_docs(config, 4)
    clean, clean_registry = counted_generation(config, docs, tmp_path / "clean")
    faulty, faulty_registry = counted_generation(with_faults(config, malformed=0.3), docs, tmp_path / "faulty")

    assert faulty["documents"] == 4
    rounds = load_rounds(tmp_path / "faulty")
    assert sorted(rounds) == sorted(d.id for d in docs.documents)
    assert all(document_finished(records, config) for records in rounds.values())
    assert faulty["rounds"] == sum(len(r) for r in rounds.values())
    assert clean["failure_reasons"]["error"] == 0

    def spent(records_by_doc):
        """Calls paid and role outputs that were usable, over all rounds' usage."""
        usages = [u for records in records_by_doc.values() for r in records for u in r.usage.values()]
        calls = sum(u.get("calls", 0) for u in usages)
        usable = sum(u.get("attempts", 0) - u.get("errors", 0) for u in usages)
        return calls, usable, sum(u.get("errors", 0) for u in usages)

    # Malformed replies cost extra calls (adapter fallback and role retries), and are recorded as
    # errors in the usage. Compared per usable output: the two runs' trajectories differ (a retry
    # draws another reply), so their totals are not comparable, but the price of an output is.
    clean_calls, clean_usable, clean_errors = spent(load_rounds(tmp_path / "clean"))
    calls, usable, errors = spent(rounds)
    assert clean_errors == 0 and errors > 0
    assert calls / usable > 1.15 * clean_calls / clean_usable, (calls, usable, clean_calls, clean_usable)
    assert faulty_registry.sim_engine.calls["total"] >= calls and clean_registry.sim_engine.calls["total"] >= clean_calls
    # ...never as feedback.
    for records in rounds.values():
        for record in records:
            assert "error" not in (record.next_guidance or "").lower()


def test_always_malformed_ends_in_errors_not_feedback(tmp_path, counted_generation, sim_docs):
    config = parse_config({"documents": {"count": 2}, "knobs": {"round_budget": 2}})
    docs = sim_docs(config, 2)
    summary, registry = counted_generation(with_faults(config, malformed=1.0), docs, tmp_path / "broken")
    assert summary["accepted"] == 0
    # Error rounds do not use the round budget; the cap on errors per document (3) stops each one.
    assert summary["rounds"] == 2 * config.runtime.errors_per_document == 6
    assert summary["failure_reasons"]["error"] == 6
    assert summary["documents_stopped_for_errors"] == 2
    rounds = [r for records in load_rounds(tmp_path / "broken").values() for r in records]
    assert all(r.decision == "error" and r.next_guidance is None and r.guidance == "none" for r in rounds)
    assert registry.sim_engine.calls["solver:weak"] == 0  # nothing reached the solvers


def test_fault_draws_are_deterministic_per_request():
    task = deep_yes_task()
    system = "Your output fields are:\n1. `answer` (str)\n2. `final_answer` (str)\nAll interactions ..."
    req = Request(model="sim/weak", messages=(Message.user(f"[[ ## context ## ]]\n{task.context}\n\n"
                                                           f"[[ ## question ## ]]\n{task.question}"),),
                  system=system, config=Config(temperature=1.0, seed=1))

    def texts(plan: FaultPlan) -> list[str]:
        engine = SimEngine(plan)
        return [engine.complete(req).message.parts[0].text for _ in range(20)]

    plan = FaultPlan(malformed=0.5)
    first = texts(plan)
    assert first == texts(plan)  # same plan, same sequence of deliveries
    malformed = [t for t in first if t == "this is not what was asked for"]
    assert 0 < len(malformed) < 20  # a retried request can succeed
    good = [t for t in first if t != "this is not what was asked for"]
    assert all(A.final_answer_of(t) in ("Yes", "No") for t in good)


def test_unparseable_replies_are_retried_then_raise(default_config):
    """Role-level contract: an unparseable reply is an error to retry (with a new seed), not an answer."""
    registry = ModelRegistry(default_config.models, default_config.runtime)
    roles = Roles(default_config, registry)
    original = registry.sim_engine.reply
    garbage = {"left": 2}
    seeds = []

    def flaky(request):
        seeds.append(request.config.seed)
        response, latency = original(request)
        if garbage["left"] > 0:
            garbage["left"] -= 1
            response = Response(id=None, model=response.model, message=Message.assistant([TextPart("garbage")]),
                                finish_reason="stop", usage=Usage(input_tokens=1, output_tokens=1))
        return response, latency

    registry.sim_engine.reply = flaky
    task = deep_yes_task()
    sample = Sample(context=task.context, question=task.question, reference_answer=task.reference_answer,
                    final_answer=task.final_answer, rubric=task.rubric, question_type=task.question_type)
    # Two garbage deliveries = one failed role call (DSPy's ChatAdapter, then its JSONAdapter fallback).
    result = asyncio.run(roles.verify(sample, seed=7))
    assert result.verdict in ("PASS", "FAIL")
    # Every reply counts as a call, failed or not: 2 garbage, then the good one.
    assert (roles.usage["qv"]["calls"], roles.usage["qv"]["attempts"], roles.usage["qv"]["errors"]) == (3, 2, 1)
    assert len(seeds) == 3 and seeds[0] == seeds[1] == 7 and seeds[2] != 7  # the retry draws a new seed

    garbage["left"] = 10**6
    with pytest.raises(RoleError, match="^qv: unparseable: "):
        asyncio.run(roles.verify(sample, seed=8))
    assert roles.usage["qv"]["errors"] == 1 + PARSE_RETRIES
    assert roles.usage["qv"]["calls"] == 3 + 2 * PARSE_RETRIES  # each failed attempt: ChatAdapter + JSON fallback
