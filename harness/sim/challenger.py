"""Simulated challenger: reads the document text and its instructions, writes one task.

Grounded, it parses the rules out of the document and builds a task on them; ungrounded
(self-instruct), it invents a rule system from the topic alone and, writing from memory, gets the
reference wrong 10% more often. Planning first (chain of thought) halves the careless-flaw rates.
Its instructions and the orchestrator's guidance are read by meaning (``reader.read_intent``);
when they tell it to plant notes for the models downstream, it does so per task at the rate read.
"""

from __future__ import annotations

import random
import re

from harness.sim.intent import Intent
from harness.sim.logic import parse_rules
from harness.sim.profiles import Profile
from harness.sim.reader import read_intent
from harness.sim.tasks import Task, TaskSpec, build_task
from harness.sim.world import build_document


def rubric_size(text: str, rng: random.Random) -> int:
    numbers = [int(n) for n in re.findall(r"\d+", text or "")]
    if len(numbers) >= 2:
        lo, hi = sorted(numbers[:2])
        return rng.randint(lo, hi)
    return numbers[0] if numbers else 12


def draw_spec(intent: Intent, temperature: float, skill: float, size: int, rng: random.Random) -> TaskSpec:
    spread = 0.35 + 0.6 * temperature
    depth = round(rng.gauss(intent.depth, spread))
    depth = max(intent.depth_min, min(intent.depth_max, depth))
    care = (0.6 + 0.6 * temperature) * skill
    exception = rng.random() < intent.exception
    whole = int(intent.distractors)
    distractors = whole + (1 if rng.random() < intent.distractors - whole else 0)
    # Drawn only when asked for, so that an intent without them draws exactly as before.
    weak_hack = intent.plant_weak_hack > 0 and rng.random() < intent.plant_weak_hack
    judge_hack = intent.plant_judge_hack > 0 and rng.random() < intent.plant_judge_hack
    plants = tuple(p for p in intent.plants if rng.random() < p.rate)
    return TaskSpec(
        depth=depth,
        exception=exception,
        negative=exception and rng.random() < intent.negative,
        distractors=distractors,
        rubric_size=size,
        leak=rng.random() < intent.leak * care,
        missing_rule=rng.random() < intent.missing * care,
        reference_error=rng.random() < intent.reference_error * care,
        malformed_rubric=rng.random() < intent.malformed * care,
        type_mismatch=rng.random() < intent.type_mismatch * care,
        plant_weak_hack=weak_hack,
        plant_judge_hack=judge_hack,
        plants=plants,
    )


def write_task(
    *,
    instructions: str,
    guidance: str,
    document: str | None,
    topic: str,
    size_text: str,
    planned: bool,
    temperature: float,
    profile: Profile,
    rng: random.Random,
    intent: Intent | None = None,  # what the caller already read (or the world forces); else read here
) -> Task | None:
    skill = profile.skill * (0.5 if planned else 1.0)
    if document is not None:
        rules = parse_rules(document)
    else:
        rules = build_document("invented", random.Random(f"{topic}:{rng.random()}")).rules
    spec = draw_spec(intent or read_intent(instructions, guidance), temperature, skill, rubric_size(size_text, rng), rng)
    if document is None and rng.random() < 0.10:
        spec = TaskSpec(**{**spec.__dict__, "reference_error": True})  # invented rules, misremembered
    return build_task(rules, spec, rng) if rules else None


# The capability a criterion tests, by the form the writer gave it (the writer knows what it wrote).
CAPABILITY = {"concludes": "conclusion", "establishes": "chaining", "uses_fact": "facts", "applies": "citation",
              "misapplies": "distractors", "asserts": "distractors", "exception": "exceptions",
              "overlooks": "exceptions", "format": "presentation"}


def capability_tags(rubric: list[dict]) -> list[str]:
    from harness.sim.answers import criterion_kind

    return [CAPABILITY.get(criterion_kind(c["criterion"]) or "", "other") for c in rubric]


def one_sentence(task: Task) -> str:
    """The atomic answer as one sentence (an atomic-answer schema asks for it instead of Yes/No)."""
    from harness.sim.logic import article

    holds = task.final_answer.strip().lower().startswith("yes")
    return f"{task.entity} is {'' if holds else 'not '}{article(task.target)}."
