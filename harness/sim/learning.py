"""How a simulated solver learns from samples: the offline world's training model.

Each sample is read from its text (context, question, reference answer), like any other input:
its chain depth and whether it crosses exceptions or carries distractors are re-derived from the
context, and its label is checked against that derivation. A lesson then moves the learner's
profile:

- **reach**: a correctly labelled sample of depth d moves a share ``lr * s(d)`` of the
  probability mass below d up to d, where s(d) = exp(-(d - (r0 + 1.5))^2 / 2) and r0 is the
  learner's current median reach. Samples just beyond its reach (d = r0+1, r0+2) teach most;
  samples it already solves (d <= r0) and samples far beyond it (d >= r0+4) teach little.
- **exceptions**: a correct sample that crosses an exception raises exception care by
  ``lr * (1 - care)``; **distractors**: a correct sample with distractor provisions lowers
  confusion by a factor ``(1 - lr)``.
- **mislabelled** samples (reference contradicts the derivation) do harm: they move a share
  ``lr`` of the mass at reach >= 3 down to reach 2, and lower exception care by ``lr * care``.

The same model serves fine-tuning (``train``, used by the downstream "sim" trainer) and
in-context learning (demonstrations in a request, with a smaller rate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from harness.sim.answers import final_answer_of
from harness.sim.logic import derive, parse_facts, parse_question, parse_rules
from harness.sim.profiles import Profile
from harness.sim.tasks import layers_of

MAX_REACH = 8


@dataclass(frozen=True)
class Lesson:
    depth: int
    exceptions: bool
    distractors: bool
    correct: bool


def read_lesson(context: str, question: str, reference_answer: str, final_answer: str = "") -> Lesson | None:
    """What a sample teaches, from its text; None when it cannot be read as a task."""
    asked = parse_question(question)
    if asked is None:
        return None
    entity, target = asked
    rules = parse_rules(context)
    if not rules:
        return None
    truth = derive(rules, parse_facts(context, entity).true)
    holds = target in truth.holds
    depth = truth.depth(target) if holds else layers_of(rules).get(target, 0)
    stated = (final_answer or final_answer_of(reference_answer)).strip().lower().rstrip(".")
    correct = stated == ("yes" if holds else "no")
    used = {r.conclusion for r in truth.because.values()} | set(truth.blocked)
    exceptions = any(r.exception for r in rules if r.conclusion in used or r.conclusion == target)
    chain_labels = {r.label for r in truth.because.values()}
    distractors = any(r.label not in chain_labels and r.conclusion not in truth.blocked for r in rules)
    return Lesson(depth=depth or 0, exceptions=exceptions, distractors=distractors, correct=correct)


def _reach_vector(profile: Profile) -> list[float]:
    mass = [0.0] * (MAX_REACH + 1)
    for reach, p in profile.reach:
        mass[min(reach, MAX_REACH)] += p
    return mass


def _median(mass: list[float]) -> int:
    acc = 0.0
    for reach, p in enumerate(mass):
        acc += p
        if acc >= 0.5:
            return reach
    return MAX_REACH


def strength(depth: int, median_reach: int) -> float:
    return math.exp(-((depth - (median_reach + 1.5)) ** 2) / 2.0)


def train(profile: Profile, lessons: list[Lesson], lr: float = 0.06) -> Profile:
    """The profile after learning from ``lessons`` in order."""
    mass = _reach_vector(profile)
    care, confusion = profile.exception_care, profile.confusion
    for lesson in lessons:
        if lesson.correct:
            d = max(1, min(lesson.depth, MAX_REACH))
            share = lr * strength(d, _median(mass))
            moved = 0.0
            for level in range(d):
                take = mass[level] * share
                mass[level] -= take
                moved += take
            mass[d] += moved
            if lesson.exceptions:
                care += lr * (1.0 - care)
            if lesson.distractors:
                confusion *= 1.0 - lr
        else:
            moved = 0.0
            for level in range(3, MAX_REACH + 1):
                take = mass[level] * lr
                mass[level] -= take
                moved += take
            mass[2] += moved
            care -= lr * care
    reach = tuple((level, p) for level, p in enumerate(mass) if p > 1e-9)
    return replace(profile, name=f"{profile.name}+trained", reach=reach, exception_care=care, confusion=confusion)
