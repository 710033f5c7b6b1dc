"""Hidden landscapes (DESIGN.md rule 6) and common random numbers (rule 7).

A world seed varies the solver profiles, the sentence forms and the vocabulary, reaches the
simulated models as a setting of the world (engine, registry, serve-sim), and so moves where the
best harness lies; each world's optimum is computed by forcing the challenger's intent. Each
role's randomness is keyed by what it acts on, so a rewording the reader maps to the same
interpretation gives a byte-identical dataset.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
from dataclasses import replace
from pathlib import Path

import aiohttp
from dspy.lm15 import Config, Message, Request

from harness import prompts
from harness.acceptance import AcceptanceRule, Outcome
from harness.config import parse_config
from harness.documents import load_documents
from harness.generate import generate, run_offline
from harness.models import ModelRegistry
from harness.rubric import Criterion, rubric_score
from harness.sim import reader
from harness.sim.answers import step_of
from harness.sim.engine import SimEngine
from harness.sim.intent import Intent
from harness.sim.judge import error_rate, judge
from harness.sim.logic import DEFINITION_FORMS, EXCEPTION_FORMS, RULE_FORMS, Rule, parse_rules
from harness.sim.optimum import world_optimum
from harness.sim.profiles import PROFILES, profile, world_profiles
from harness.sim.server import ServerSettings, SimServer
from harness.sim.solver import solve
from harness.sim.tasks import TaskSpec, build_task, question_depth
from harness.sim.world import World, world_style

SOLVER_SYSTEM = ("Your output fields are:\n1. `answer` (str)\n2. `final_answer` (str)\nAll interactions will be "
                 "structured...\nIn adhering to this structure, your objective is: {instructions}")
CHALLENGER_SYSTEM = (
    "Your output fields are:\n1. `context` (str)\n2. `question` (str)\n3. `reference_answer` (str)\n"
    "4. `final_answer` (str)\n5. `rubric` (list)\n6. `question_type` (str)\n7. `skill_tags` (list)\n"
    "All interactions will be structured...\nIn adhering to this structure, your objective is: {instructions}"
)


def mean_reach(p) -> float:
    return sum(r * q for r, q in p.reach)


# --- profiles per world ---------------------------------------------------------------------------


def test_world_zero_keeps_the_historical_solvers():
    assert world_profiles(0)["weak"] == PROFILES["weak"]
    assert world_profiles(0)["strong"] == PROFILES["strong"]
    assert profile("strong") is world_profiles(0)["strong"]


def test_world_seeds_draw_weak_reach_in_2_to_4_and_strong_in_5_to_7():
    weak = [mean_reach(world_profiles(w)["weak"]) for w in range(1, 41)]
    strong = [mean_reach(world_profiles(w)["strong"]) for w in range(1, 41)]
    assert all(1.9 <= m <= 4.1 for m in weak) and all(4.9 <= m <= 7.1 for m in strong)
    # Centred *anywhere* in the band, not at one spot.
    assert min(weak) < 2.4 and max(weak) > 3.6
    assert min(strong) < 5.5 and max(strong) > 6.4
    for w in range(1, 41):
        p = world_profiles(w)
        assert mean_reach(p["weak"]) < mean_reach(p["medium"]) < mean_reach(p["strong"])
        assert abs(sum(q for _, q in p["weak"].reach) - 1) < 1e-3
        assert p["weak"].obedience > p["strong"].obedience
        assert 0.9 <= p["judge"].accuracy <= 0.98


def test_profiles_are_a_function_of_the_world_seed():
    assert world_profiles(5) == world_profiles(5)
    assert world_profiles(5)["weak"] != world_profiles(6)["weak"]
    assert world_profiles(5)["qv"] == world_profiles(6)["qv"]  # roles: fixed, only solvers and judge move


def test_role_profiles_are_fallible():
    judge_p = PROFILES["judge"]
    deepest = max(r for r, _ in PROFILES["strong"].reach)
    for name in ("qv", "orchestrator", "proposer", "judge"):
        p = PROFILES[name]
        assert 0.5 < p.accuracy < 1, name  # mostly right, never always
        if name != "judge":  # bounded reach: a chain the strong solver can follow may be beyond them
            assert abs(sum(q for _, q in p.reach) - 1) < 1e-3 and min(r for r, _ in p.reach) < deepest, name
    # The judge misjudges late steps of long answers more often than early ones.
    assert error_rate(judge_p, 1) == error_rate(judge_p, 6) < error_rate(judge_p, 9) < error_rate(judge_p, 12)


def test_judge_errs_more_on_criteria_about_late_steps():
    docs = World(0).documents(20)
    early, late = [0, 0], [0, 0]  # [wrong, total]
    exact = replace(PROFILES["judge"], accuracy=1.0)
    for i, doc in enumerate(docs):
        task = build_task(doc.rules, TaskSpec(depth=6, exception=True), random.Random(f"late:{i}"))
        rubric = [Criterion.model_validate(c) for c in task.rubric]
        truth = judge(rubric, task.reference_answer, exact, random.Random(0))
        for s in range(30):
            verdicts = judge(rubric, task.reference_answer, PROFILES["judge"], random.Random(f"{i}:{s}"))
            steps = task.reference_answer.count("\nStep ") + 1
            for criterion, right, got in zip(rubric, truth, verdicts, strict=True):
                bucket = early if step_of(criterion.criterion, task.reference_answer) <= min(4, steps) else late
                bucket[0] += right != got
                bucket[1] += 1
    assert late[1] > 200 and early[1] > 200
    assert late[0] / late[1] > 1.5 * early[0] / early[1]


# --- rule styles and vocabulary -------------------------------------------------------------------


def test_every_sentence_form_round_trips_through_the_parser():
    for form in range(len(RULE_FORMS)):
        for exc_form in range(len(EXCEPTION_FORMS)):
            for conds in (("registered operator",), ("registered operator", "bonded carrier"),
                          ("eligible holder", "bonded carrier", "approved vendor")):
                for exc in (None, "suspended trader"):
                    rule = Rule("Rule 7", conds, "chartered agent", exc, form, exc_form if exc else 0)
                    assert parse_rules(f"Provisions:\n{rule.render()}\n") == (rule,), rule.render()
    for form in range(len(DEFINITION_FORMS)):
        rule = Rule("§3", ("certified trader", "eligible holder"), "licensed vendor", None, form)
        assert parse_rules(rule.render()) == (rule,)


def test_worlds_write_in_different_styles_and_words():
    styles = [world_style(w) for w in range(0, 30)]
    assert len({s.rule_form for s in styles}) >= 4
    assert len({s.exception_form for s in styles}) >= 3
    assert len({s.definition_form for s in styles}) >= 3
    text0, text = World(0).document(0).text, None
    assert "unless that person is" in text0 and "means a person who is" in text0  # world 0: the old style
    for w in range(1, 30):
        world = World(w)
        if world.style.rule_form != 0 and world.style.exception_form != 0:
            text = world.document(0).text
            break
    assert text is not None and "A person who is" not in text and "unless that person" not in text

    def words(world: World) -> set[str]:
        return {word for d in world.documents(10) for r in d.rules for a in (r.conclusion, *r.conditions)
                for word in a.split()}

    assert len(words(World(1)) ^ words(World(2))) >= 10


def test_each_worlds_documents_parse_back_to_their_rules():
    for w in range(8):
        for doc in World(w).documents(12):
            parsed = parse_rules(doc.text)
            assert len(parsed) == len(doc.rules) and set(parsed) == set(doc.rules)


def test_tasks_keep_the_world_style_and_stay_solvable():
    world = next(World(w) for w in range(1, 40) if world_style(w).rule_form == 2 and world_style(w).exception_form)
    strong = world_profiles(world.seed)["strong"]
    yes, styled = 0, 0
    for i, doc in enumerate(world.documents(10)):
        task = build_task(doc.rules, TaskSpec(depth=3), random.Random(i))
        styled += " who is also " in task.context and "shall be treated as" in task.context
        assert "A person who is" not in task.context  # never the historical form
        assert set(parse_rules(task.context)) <= set(doc.rules)
        yes += solve(task.context, task.question, strong, random.Random(i))[1] == task.final_answer
    assert styled >= 5 and yes >= 8


# --- the world seed reaches the models as a setting of the world ----------------------------------


def _solver_request(context: str, question: str, seed: int, instructions: str = "Answer from the context.") -> Request:
    return Request(model="sim/weak", messages=(Message.user(f"[[ ## context ## ]]\n{context}\n\n"
                                                            f"[[ ## question ## ]]\n{question}"),),
                   system=SOLVER_SYSTEM.format(instructions=instructions), config=Config(temperature=1.0, seed=seed))


def _extreme_worlds() -> tuple[int, int]:
    by_weak = sorted(range(1, 41), key=lambda w: mean_reach(world_profiles(w)["weak"]))
    return by_weak[0], by_weak[-1]


def _yes_rate(engine: SimEngine, tasks) -> float:
    finals = [_fields(engine.complete(_solver_request(t.context, t.question, s)).message.parts[0].text)["final_answer"]
              for t in tasks for s in range(8)]
    return finals.count("Yes") / len(finals)


def _yes_tasks(depth: int, n: int = 12):
    tasks = []
    for i, doc in enumerate(World(0).documents(40)):
        task = build_task(doc.rules, TaskSpec(depth=depth), random.Random(f"yes:{i}"))
        if task.final_answer == "Yes" and task.depth == depth:
            tasks.append(task)
        if len(tasks) == n:
            break
    return tasks


def test_the_engine_answers_for_its_world():
    low, high = _extreme_worlds()
    tasks = _yes_tasks(3)
    assert _yes_rate(SimEngine(world_seed=high), tasks) > _yes_rate(SimEngine(world_seed=low), tasks) + 0.25
    assert SimEngine.load_state(SimEngine(world_seed=high).dump_state()).world.world_seed == high


def test_the_registry_builds_the_configured_world(tmp_path):
    low, high = _extreme_worlds()
    config = parse_config({"documents": {"world_seed": high, "count": 4}})
    registry = ModelRegistry(config.models, config.runtime, world_seed=config.documents.world_seed)
    assert registry.sim_engine.world.world_seed == high
    docs = load_documents(config.documents)
    generate(config, docs, tmp_path / "own")  # generate() builds its registry from the config
    generate(config, docs, tmp_path / "again", registry=registry)
    generate(config, docs, tmp_path / "other", registry=ModelRegistry(config.models, config.runtime, world_seed=low))
    own, again, other = (_rows(tmp_path / name / "rounds.jsonl") for name in ("own", "again", "other"))
    assert own == again  # the world seed came from the config
    assert own != other  # the same documents answered by another world's models


def test_serve_sim_answers_for_its_world_seed():
    low, high = _extreme_worlds()
    tasks = _yes_tasks(3, n=4)
    requests = [(t, s) for t in tasks for s in range(4)]

    async def over_http(world_seed: int) -> list[str]:
        server = SimServer(ServerSettings(world_seed=world_seed))
        url = await server.start()
        out = []
        try:
            async with aiohttp.ClientSession() as session:
                for task, seed in requests:
                    user = f"[[ ## context ## ]]\n{task.context}\n\n[[ ## question ## ]]\n{task.question}"
                    body = {"model": "weak", "seed": seed, "temperature": 1.0,
                            "messages": [{"role": "system", "content": SOLVER_SYSTEM.format(instructions="Answer.")},
                                         {"role": "user", "content": user}]}
                    async with session.post(f"{url}/chat/completions", json=body) as response:
                        out.append((await response.json())["choices"][0]["message"]["content"])
        finally:
            await server.stop()
        return out

    def in_process(world_seed: int) -> list[str]:
        engine = SimEngine(world_seed=world_seed)
        return [engine.complete(_solver_request(t.context, t.question, s, "Answer.")).message.parts[0].text
                for t, s in requests]

    http_high = asyncio.run(over_http(high))
    assert http_high == in_process(high)
    assert http_high != in_process(low)
    assert ["--world-seed", str(high)] == ServerSettings(world_seed=high).argv()[-2:]


# --- the best harness differs between worlds ------------------------------------------------------


def _acceptance_by_depth(world_seed: int) -> dict[int, float]:
    profiles, rule = world_profiles(world_seed), AcceptanceRule()
    docs = World(world_seed).documents(16)
    out = {}
    for depth in range(2, 8):
        accepted = total = 0
        for i, doc in enumerate(docs):
            for j in range(3):
                rng = random.Random(f"best:{world_seed}:{depth}:{i}:{j}")
                task = build_task(doc.rules, TaskSpec(depth=depth), rng)
                rubric = [Criterion.model_validate(c) for c in task.rubric]

                scores = {who: [rubric_score(rubric, judge(rubric, solve(task.context, task.question, profiles[who], rng)[0],
                                                           profiles["judge"], rng)) for _ in range(3)]
                          for who in ("weak", "strong")}
                outcome, _ = rule.decide(scores["weak"], scores["strong"])
                accepted += outcome is Outcome.ACCEPTED
                total += 1
        out[depth] = accepted / total
    return out


def test_the_best_depth_differs_between_worlds():
    low, high = _extreme_worlds()
    shallow, deep = _acceptance_by_depth(low), _acceptance_by_depth(high)
    best_shallow, best_deep = max(shallow, key=shallow.get), max(deep, key=deep.get)
    assert best_shallow < best_deep
    # What is best in one world is clearly worse in the other.
    assert shallow[best_shallow] > shallow[best_deep] + 0.1 or deep[best_deep] > deep[best_shallow] + 0.1


# --- the world's optimum --------------------------------------------------------------------------


def _challenger_request(instructions: str, document: str, seed: int, guidance: str = "none") -> Request:
    user = (f"[[ ## document ## ]]\n{document}\n\n[[ ## guidance ## ]]\n{guidance}\n\n"
            "[[ ## rubric_size ## ]]\nbetween 10 and 15 criteria")
    return Request(model="sim/challenger", messages=(Message.user(user),),
                   system=CHALLENGER_SYSTEM.format(instructions=instructions), config=Config(temperature=0.7, seed=seed))


def _fields(reply: str) -> dict[str, str]:
    parts = [p.split(" ## ]]", 1) for p in reply.split("[[ ## ")[1:]]
    return {name: value.strip() for name, value in parts}


def test_a_forced_intent_overrides_instructions_and_guidance():
    docs = World(0).documents(6)
    deep_words = prompts.CHALLENGER_INSTRUCTIONS + " Every question must need at least 6 reasoning steps."

    def depths(engine: SimEngine, instructions: str) -> list[int]:
        out = []
        for s in range(24):
            f = _fields(engine.complete(_challenger_request(instructions, docs[s % 6].text, s)).message.parts[0].text)
            out.append(question_depth(f["context"], f["question"]))
        return out

    shallow = SimEngine(forced_intent=Intent(depth=1.0, depth_max=1))
    assert max(depths(shallow, deep_words)) <= 2
    deep = SimEngine(forced_intent=Intent(depth=6.0, depth_min=6))
    assert statistics.mean(depths(deep, prompts.CHALLENGER_INSTRUCTIONS)) >= 5.5


def test_world_optimum_searches_caches_and_beats_the_seed_intent(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTODATA_STORE", str(tmp_path))
    small = {"docs": 6, "knob_samples": 2, "confirm_seeds": 1, "budget": 5000}
    result = world_optimum(run_offline, 3, **small)
    assert 0.0 <= result.acceptance <= 1.0 and 0.0 < result.search_acceptance <= 1.0
    assert result.evaluated == len(result.trace) >= 10 and result.trace == sorted(result.trace)
    assert result.calls >= 5000 or result.evaluated >= 24  # stopped by its budget, or the grid was done
    assert isinstance(result.intent, Intent) and set(result.knobs) >= {"round_budget", "solver_attempts"}
    # The seed harness's own intent (the reader's reading of the seed gene) does no better.
    seed_intent = reader.read_intent(prompts.CHALLENGER_INSTRUCTIONS)
    assert result.search_acceptance > result.trace[0]  # better than the first, shallowest grid point
    assert seed_intent.depth < result.intent.depth
    cached = list((tmp_path / "optimum").glob("*.json"))
    assert len(cached) == 1
    again = world_optimum(run_offline, 3, **small)
    assert again == result  # read back, not recomputed
    assert json.loads(cached[0].read_text())["world_seed"] == 3


# --- common random numbers ------------------------------------------------------------------------

# The seed gene plus one piece of advice in two wordings (the reader maps each pair to one intent,
# which differs from the seed gene's).
GENE_PAIRS = [
    (prompts.CHALLENGER_INSTRUCTIONS + " Each question must need at least 5 reasoning steps.",
     prompts.CHALLENGER_INSTRUCTIONS + " Every question should require no fewer than five inference steps."),
    (prompts.CHALLENGER_INSTRUCTIONS + " Make the chain cross an exception.",
     prompts.CHALLENGER_INSTRUCTIONS + " The reasoning should pass through at least one exception clause."),
]


def _same_intent_pair() -> tuple[str, str]:
    seed = reader.read_intent(prompts.CHALLENGER_INSTRUCTIONS)
    for a, b in GENE_PAIRS:
        if a != b and reader.read_intent(a) == reader.read_intent(b) != seed:
            return a, b
    raise AssertionError("no gene pair the reader maps to one intent other than the seed gene's: update GENE_PAIRS")


def _rows(path: Path) -> list[str]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row.pop("harness_hash", None)  # the genes' hash differs by construction
        row.pop("elapsed_s", None)  # wall time
        row.pop("usage", None)  # prompt tokens: the instructions differ in length, by construction
        rows.append(json.dumps(row, sort_keys=True))
    return rows


def test_a_no_op_rewording_gives_a_byte_identical_dataset(tmp_path):
    a, b = _same_intent_pair()
    outs = []
    for name, gene in (("a", a), ("b", b)):
        config = parse_config({"seed": 4, "documents": {"count": 6}, "genes": {"challenger_instructions": gene}})
        out = tmp_path / name
        generate(config, load_documents(config.documents), out)
        outs.append(out)
    assert _rows(outs[0] / "rounds.jsonl") == _rows(outs[1] / "rounds.jsonl")
    dataset = [(out / "accepted.jsonl").read_text(encoding="utf-8") for out in outs]
    hashes = [json.loads(text.splitlines()[0])["harness_hash"] for text in dataset]
    assert dataset[0].replace(hashes[0], hashes[1]) == dataset[1]  # byte for byte, but for the harness's name
    assert _rows(outs[0] / "accepted.jsonl")  # something was accepted: the comparison means something


def test_challenger_replies_follow_the_interpretation_not_the_wording():
    a, b = _same_intent_pair()
    doc = World(0).document(2).text
    engine = SimEngine()
    for seed in range(5):
        assert (engine.complete(_challenger_request(a, doc, seed)).message.parts[0].text
                == engine.complete(_challenger_request(b, doc, seed)).message.parts[0].text)
    # Guidance reworded to the same reading changes nothing either; a different reading does.
    g1, g2 = "Make the chain cross an exception.", "The chain should cross an exception."
    assert reader.read_intent(a, g1) == reader.read_intent(a, g2)
    assert (engine.complete(_challenger_request(a, doc, 1, g1)).message.parts[0].text
            == engine.complete(_challenger_request(a, doc, 1, g2)).message.parts[0].text)
    differ = [engine.complete(_challenger_request(a, doc, s)).message.parts[0].text
              != engine.complete(_challenger_request(prompts.CHALLENGER_INSTRUCTIONS, doc, s)).message.parts[0].text
              for s in range(5)]
    assert any(differ)


def test_a_solver_reply_never_depends_on_instructions():
    task = _yes_tasks(3, n=1)[0]
    engine = SimEngine()
    replies = {engine.complete(_solver_request(task.context, task.question, 9, text)).message.parts[0].text
               for text in ("Answer from the context.", prompts.SOLVER_INSTRUCTIONS, prompts.CHALLENGER_INSTRUCTIONS)}
    assert len(replies) == 1
    seeds = {engine.complete(_solver_request(task.context, task.question, s)).message.parts[0].text for s in range(12)}
    assert len(seeds) > 1  # the seed still varies the attempt


def test_random_keys_are_the_same_in_every_process():
    """Interpretations holding sets (the QV's named checks) must not key replies by set order,
    which follows the per-process string hash."""
    import os
    import subprocess
    import sys

    script = (
        "from dspy.lm15 import Config, Message, Request\n"
        "from harness.sim.replies import parse_request\n"
        "system = ('Your output fields are:\\n1. `verdict` (str)\\n2. `reason` (str)\\n3. `explanation` (str)\\n'\n"
        "          'All interactions...\\nIn adhering to this structure, your objective is: ' + "
        f"{prompts.QV_INSTRUCTIONS!r})\n"
        "req = Request(model='sim/qv', messages=(Message.user('[[ ## context ## ]]\\nx'),), system=system,\n"
        "              config=Config(temperature=0.0, seed=3))\n"
        "print(parse_request(req).seed_text)\n"
    )
    keys = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        keys.add(done.stdout)
    assert len(keys) == 1 and "named_checks={" in keys.pop()
