"""Simulated quality verifier: re-derives the answer from the context and checks the sample.

Checks, in order: answer leaked by the context, recall instead of reasoning (the answer is one
definition read off), malformed rubric, context insufficient (the reference cites a provision the context
lacks, or the target cannot be reached), wrong reference, question type mismatch. Each real
problem is caught with the profile's accuracy when the verifier's instructions name that check,
and half as often when they do not; a clean sample is failed by mistake rarely.
"""

from __future__ import annotations

import random

from harness.rubric import Criterion, rubric_problems
from harness.sim.answers import parse_answer
from harness.sim.logic import derive, parse_facts, parse_question, parse_rules
from harness.sim.profiles import Profile
from harness.sim.tasks import exception_crossed, layers_of, question_type_of

# check -> words in the instructions that make the verifier look for it
CHECK_CUES = {
    "answer_leaked": ("gives the answer away", "leak", "reveal"),
    "recall_not_reasoning": ("recall",),
    "malformed_rubric": ("rubric",),
    "context_insufficient": ("insufficient", "self-contained", "missing"),
    "reference_incorrect": ("reference answer", "reference is"),
    "type_mismatch": ("type",),
}


def problems(context: str, question: str, reference: str, final_answer: str,
             rubric: list[Criterion], question_type: str) -> list[str]:
    """Every problem the sample really has (the full check, before detection noise)."""
    found: list[str] = []
    asked = parse_question(question)
    if asked is None:
        return ["context_insufficient"]
    entity, target = asked
    rules = parse_rules(context)
    facts = parse_facts(context, entity)
    if target in facts.true or target in facts.false or "already settled" in context:
        found.append("answer_leaked")
    truth = derive(rules, facts.true)
    depth = truth.depth(target) if target in truth.holds else layers_of(rules).get(target, 0)
    used = truth.because.get(target)
    if depth <= 1 and (used is None or used.label.startswith("§")):
        found.append("recall_not_reasoning")  # answered by reading one definition
    if rubric_problems(rubric):
        found.append("malformed_rubric")
    labels = {r.label for r in rules}
    cited = set(parse_answer(reference).bases) - {"given"}
    if cited - labels:
        found.append("context_insufficient")
    elif (final_answer.strip().lower() == "yes") != (target in truth.holds):
        found.append("reference_incorrect")
    if question_type.strip().lower() != question_type_of(depth, exception_crossed(rules, target)):
        found.append("type_mismatch")
    return found


def verify(instructions: str, sample: dict, profile: Profile, rng: random.Random) -> tuple[str, str, str]:
    """(verdict, reason, explanation)."""
    text = instructions.lower()
    real = problems(sample["context"], sample["question"], sample["reference_answer"],
                    sample["final_answer"], sample["rubric"], sample["question_type"])
    for reason in real:
        named = any(cue in text for cue in CHECK_CUES[reason])
        if rng.random() < profile.accuracy * (1.0 if named else 0.5):
            return "FAIL", reason, f"check failed: {reason.replace('_', ' ')}"
    strict = "strict" in text
    if not real and rng.random() < (1 - profile.accuracy) * (0.15 if not strict else 0.6):
        reason = rng.choice(sorted(CHECK_CUES))
        return "FAIL", reason, f"check failed: {reason.replace('_', ' ')}"
    return "PASS", "none", "all checks passed"
