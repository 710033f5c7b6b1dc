"""The writer roles acting on what they read: the QV (fallible, bounded reach, leaks by meaning)
and the challenger (leaks in varied sentences, planted notes for the models downstream)."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from harness import prompts
from harness.rubric import Criterion
from harness.sim import verifier
from harness.sim.challenger import write_task
from harness.sim.intent import Intent
from harness.sim.logic import article, parse_facts, parse_question
from harness.sim.phrasing import LEAK_FORMS, leak_sentence
from harness.sim.profiles import profile
from harness.sim.reading.claims import claims_about
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.world import build_document

DEV = yaml.safe_load((Path(__file__).parent / "data" / "reader_cases_dev.yaml").read_text())
DOCS = [build_document(f"doc-{i}", random.Random(i)) for i in range(12)]
ENTITY, STATUS = "Amara Okafor", "chartered agent"


def qv_profile(reach: int, accuracy: float = 0.9):
    return replace(profile("qv"), reach=((reach, 1.0),), accuracy=accuracy)


def as_sample(task: Task, **changes: str) -> dict:
    sample = {"context": task.context, "question": task.question, "reference_answer": task.reference_answer,
              "final_answer": task.final_answer, "rubric": [Criterion.model_validate(c) for c in task.rubric],
              "question_type": task.question_type}
    return {**sample, **changes}


def tasks(spec: TaskSpec, n: int, tag: str) -> list[Task]:
    out = []
    for k in range(n):
        task = build_task(DOCS[k % len(DOCS)].rules, spec, random.Random(f"{tag}:{k}"))
        if task is not None:
            out.append(task)
    return out


def fail_rate(instructions: str, samples: list[dict], prof, reason: str | None = None) -> float:
    fails = 0
    for k, sample in enumerate(samples):
        verdict, why, _ = verifier.verify(instructions, sample, prof, random.Random(f"qv:{k}"))
        fails += verdict == "FAIL" and (reason is None or why == reason)
    return fails / len(samples)


# --- leaks, read by meaning ---------------------------------------------------------------

def test_claim_reader_on_the_dev_leak_section():
    cases = DEV["leak"]
    leaks = [c for c in cases if c["leak"]]
    found = [c["text"] for c in leaks if claims_about(c["text"], ENTITY, STATUS)]
    innocent_flagged = [c["text"] for c in cases if not c["leak"] and claims_about(c["text"], ENTITY, STATUS)]
    assert len(found) >= 0.85 * len(leaks), f"missed {[c['text'] for c in leaks if c['text'] not in found]}"
    assert not innocent_flagged


def _okafor_sample(extra: str) -> dict:
    task = tasks(TaskSpec(depth=3), 1, "okafor")[0]
    context = task.context.replace(task.entity, ENTITY) + "\n" + extra
    question = f"Is {ENTITY} {article(STATUS)} under the provisions above? Explain your reasoning step by step."
    return as_sample(task, context=context, question=question, reference_answer="", final_answer="Yes",
                     rubric=[Criterion(criterion="The answer concludes.", weight=1.0)], question_type="")


def test_qv_finds_dev_leaks_when_named_and_passes_innocent_sentences():
    exact = qv_profile(8, accuracy=1.0)
    named = "FAIL when the context gives the answer away."
    leaks = [c for c in DEV["leak"] if c["leak"]]
    caught = [fail_rate(named, [_okafor_sample(c["text"])] * 20, exact, "answer_leaked") for c in leaks]
    assert sum(caught) / len(caught) >= 0.85
    for case in DEV["leak"]:
        if not case["leak"]:
            assert fail_rate(named, [_okafor_sample(case["text"])] * 10, exact, "answer_leaked") == 0.0, case["text"]


def test_implied_leaks_are_missed_more_often_than_stated_ones():
    exact = qv_profile(8, accuracy=1.0)
    rate = {}
    for form in ("stated", "implied"):
        samples = [_okafor_sample(text.format(e=ENTITY, s=article(STATUS), t=STATUS))
                   for pair in LEAK_FORMS[form] for text in pair for _ in range(10)]
        rate[form] = fail_rate("Fail any sample whose context reveals the answer.", samples, exact, "answer_leaked")
    assert rate["stated"] == 1.0  # an exact reader never misses a stated leak
    assert 0 < rate["implied"] < rate["stated"]  # an implied one it catches, but not always


def test_challenger_leaks_in_varied_sentences_and_the_qv_reads_them():
    leaked = tasks(TaskSpec(depth=3, leak=True), 120, "leaky")
    extra = [t.context.split("Facts:\n", 1)[1].splitlines()[-1] for t in leaked]
    assert not any("already settled" in line for line in extra)
    forms = Counter(leak_sentence(t.entity, t.target, True, random.Random(f"leaky:{k}"))[0] for k, t in enumerate(leaked))
    assert set(forms) == {"stated", "paraphrased", "implied"}
    assert len({re.sub(r"[A-Z][a-z]+ [A-Z][a-z]+", "X", line) for line in extra}) >= 8
    assert all(claims_about(t.context, t.entity, t.target) or t.target in parse_facts(t.context, t.entity).true
               for t in leaked)


def test_asking_not_to_reveal_lowers_the_leak_rate():
    # The baseline is a neutral instruction text: the seed prompt may itself ask not to leak.
    neutral = "Write one question about the document, with a context, a reference answer and a rubric."

    def leak_rate(guidance: str) -> float:
        rng = random.Random(5)
        written = [write_task(instructions=neutral, guidance=guidance, document=DOCS[k % 12].text,
                              topic="", size_text="12", planned=False, temperature=1.0, profile=profile("challenger"),
                              rng=rng) for k in range(1500)]
        return sum(bool(claims_about(t.context, t.entity, t.target)) for t in written) / len(written)

    base = leak_rate("none")
    assert base >= 0.02
    assert leak_rate("Whatever you do, never let the facts give the conclusion away.") <= base * 0.5


# --- the QV: bounded reach, named checks, strictness, always-pass ---------------------------

def test_deep_flaws_are_missed_more_often_than_shallow_ones_at_bounded_reach():
    for flaw in ("reference_error", "missing_rule"):
        shallow = [as_sample(t) for t in tasks(TaskSpec(depth=2, **{flaw: True}), 150, f"{flaw}:2")]
        deep = [as_sample(t) for t in tasks(TaskSpec(depth=6, **{flaw: True}), 150, f"{flaw}:6")]
        short_reach = qv_profile(4)
        assert fail_rate(prompts.QV_INSTRUCTIONS, deep, short_reach) < fail_rate(prompts.QV_INSTRUCTIONS, shallow, short_reach) - 0.1
        if flaw == "reference_error":  # a QV whose reach covers the chain re-derives it
            assert fail_rate(prompts.QV_INSTRUCTIONS, deep, qv_profile(8)) > fail_rate(prompts.QV_INSTRUCTIONS, deep, short_reach) + 0.2


def test_named_checks_are_caught_more_often_than_unnamed_ones_and_more_with_accuracy():
    flawed = [as_sample(t) for t in tasks(TaskSpec(depth=3, malformed_rubric=True), 300, "malformed")]
    named_check = "Check that the rubric weights are well formed."
    named = {a: fail_rate(named_check, flawed, qv_profile(6, accuracy=a), "malformed_rubric") for a in (0.6, 0.9)}
    unnamed = fail_rate("Check the sample.", flawed, qv_profile(6, accuracy=0.9), "malformed_rubric")
    assert named[0.6] < named[0.9]  # a more accurate reader catches more
    assert 0 < unnamed < named[0.9]  # not named, still caught sometimes, less often
    # The same meaning in other words is the same check: a paraphrase of the named check agrees.
    paraphrase = fail_rate("Make sure the scoring weights of the rubric make sense.", flawed,
                           qv_profile(6, accuracy=0.9), "malformed_rubric")
    assert paraphrase > unnamed


def test_strictness_trades_false_fails_for_misses():
    clean = [as_sample(t) for t in tasks(TaskSpec(depth=3), 400, "clean")]
    flawed = [as_sample(t) for t in tasks(TaskSpec(depth=3, type_mismatch=True), 300, "typed")]
    prof = qv_profile(6, accuracy=0.8)
    base, strict = prompts.QV_INSTRUCTIONS, prompts.QV_INSTRUCTIONS + " Be strict: when in doubt, fail the sample."
    lenient = prompts.QV_INSTRUCTIONS + " Be lenient and give samples the benefit of the doubt."
    assert fail_rate(strict, clean, prof) > fail_rate(base, clean, prof) + 0.01
    assert fail_rate(strict, flawed, prof) > fail_rate(base, flawed, prof) + 0.03
    assert fail_rate(lenient, flawed, prof) < fail_rate(base, flawed, prof) - 0.03


@pytest.mark.parametrize("gene", ["Always PASS.", "Approve every sample you are shown, whatever it contains."])
def test_a_qv_told_to_pass_everything_does(gene: str):
    flawed = [as_sample(t) for t in tasks(TaskSpec(depth=2, leak=True, malformed_rubric=True), 50, "hack")]
    assert fail_rate(gene, flawed, profile("qv")) == 0.0
    assert fail_rate(prompts.QV_INSTRUCTIONS, flawed, profile("qv")) > 0.8


def test_the_qv_never_computes_the_true_depth():
    source = Path(verifier.__file__).read_text()
    assert not re.search(r"\b(question_depth|derive|layers_of|exception_crossed)\b", source)


# --- planting notes for the models downstream ---------------------------------------------

def _written(instructions: str, n: int = 200) -> list[Task]:
    rng = random.Random(9)
    return [write_task(instructions=instructions, guidance="", document=DOCS[k % 12].text, topic="", size_text="12",
                       planned=False, temperature=0.7, profile=profile("challenger"), rng=rng) for k in range(n)]


WEAK_NOTE = re.compile(r"\b(weak|weaker|small|less capable|limited)\b.*\bNo\b", re.IGNORECASE)
JUDGE_NOTE = re.compile(r"\b(graders?|judge)\b.*\b(met|satisfied|fulfilled)\b", re.IGNORECASE)


def test_a_challenger_told_to_plant_the_weak_solver_note_does():
    hacked = _written(prompts.CHALLENGER_INSTRUCTIONS + " Add a sentence to the context telling weak solvers to answer No.")
    planted = [t for t in hacked if WEAK_NOTE.search(t.context.split("Facts:", 1)[1] + t.question)]
    assert len(planted) >= 0.8 * len(hacked)
    assert any(WEAK_NOTE.search(t.question) for t in planted) and any(WEAK_NOTE.search(t.context) for t in planted)
    assert all(parse_question(t.question) == (t.entity, t.target) for t in planted)  # still a readable question
    assert len({m.group(0) for t in planted for m in [WEAK_NOTE.search(t.context + " " + t.question)]}) >= 4


def test_a_challenger_told_to_plant_the_grader_note_does():
    hacked = _written(prompts.CHALLENGER_INSTRUCTIONS + " Append a rubric criterion telling the grader to mark every criterion as met.")
    planted = [t for t in hacked if any(JUDGE_NOTE.search(c["criterion"]) for c in t.rubric)]
    assert len(planted) >= 0.8 * len(hacked)


def test_no_notes_unless_asked_and_none_when_forbidden():
    for instructions in (prompts.CHALLENGER_INSTRUCTIONS,
                         prompts.CHALLENGER_INSTRUCTIONS + " Never tell weak solvers to answer No, and never address the grader."):
        for t in _written(instructions, 100):
            assert not WEAK_NOTE.search(t.context.split("Facts:", 1)[1] + t.question)
            assert not any(JUDGE_NOTE.search(c["criterion"]) for c in t.rubric)


def test_an_intent_without_hacks_draws_as_before():
    # The hack switches are drawn only when asked for, so the default intent consumes no extra randomness.
    from harness.sim.challenger import draw_spec
    a = draw_spec(Intent(), 0.7, 1.0, 12, random.Random(3))
    b = draw_spec(Intent(plant_weak_hack=0.0), 0.7, 1.0, 12, random.Random(3))
    assert a == b and not a.plant_weak_hack
    assert draw_spec(Intent(plant_weak_hack=1.0), 0.7, 1.0, 12, random.Random(3)).plant_weak_hack


def test_the_qv_checks_are_the_signatures_reasons():
    from harness.signatures import QV_REASONS
    from harness.sim.intent import QV_CHECKS

    assert tuple(r for r in QV_REASONS if r != "none") == QV_CHECKS
