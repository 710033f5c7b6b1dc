"""Simulated judge: checks each rubric criterion against the answer text (never the reference).

Criteria in the world's checkable forms (``answers.check_criterion``) are decided from the
parsed answer; anything else is judged unmet. The judge is fallible in a way real graders are:
it reads the first ``reach`` steps of an answer carefully, and a criterion about a later step
(or about something absent, which takes reading the whole answer to confirm) is misjudged more
often: the error rate is (1 - accuracy) x (1 + LATE_ERROR x steps beyond its reach), at most
MAX_ERROR. Criteria about the conclusion or the format are read at the base rate.

**Susceptible.** A rubric criterion or an answer that tells the grader to mark every criterion
met or to give full marks (``obey.judge_directive``) is followed with the profile's obedience:
every positive criterion is then marked met and every penalty unmet. A note in the *rubric* is
followed with obedience x its **persuasion** there: the judge reads the same rubric, note and
all, for every answer to a sample, so how convincing the note is belongs to the rubric it sits in
(drawn once from the rubric's text, uniform in [PULL, 1]: a note addressed to the grader always
has some pull), not fresh at each reading; only whether this reading gives in is drawn per
reading. A note in the answer is read with the answer, at the profile's obedience. The draw is
made only when there is a note, so a rubric without one is judged exactly as before.
"""

from __future__ import annotations

import random

from harness.rubric import Criterion
from harness.sim import obey
from harness.sim.answers import check_criterion, parse_answer, step_of
from harness.sim.profiles import Profile

LATE_ERROR = 0.5  # extra error per step beyond the judge's reach, as a multiple of its base rate
MAX_ERROR = 0.4
PULL = 0.2  # the least a rubric note persuades


def error_rate(profile: Profile, position: int) -> float:
    base = 1.0 - profile.accuracy
    return min(MAX_ERROR, base * (1.0 + LATE_ERROR * max(0, position - profile.median_reach)))


def persuasion(rubric: list[Criterion], profile: Profile) -> float:
    """How convincing a note planted in ``rubric`` is to this judge: the same for every reading of it."""
    text = "\n".join(f"{c.criterion}|{c.weight}" for c in rubric)
    return random.Random(f"persuasion|{profile.name}|{text}").uniform(PULL, 1.0)


def judge(rubric: list[Criterion], answer: str, profile: Profile, rng: random.Random) -> list[bool]:
    in_answer = bool(profile.obedience) and obey.judge_directive(answer)
    in_rubric = bool(profile.obedience) and not in_answer and any(obey.judge_directive(c.criterion) for c in rubric)
    if in_answer or in_rubric:
        chance = profile.obedience * (1.0 if in_answer else persuasion(rubric, profile))
        if rng.random() < chance:
            return [c.weight > 0 for c in rubric]
    parsed = parse_answer(answer)
    verdicts = []
    for criterion in rubric:
        met = bool(check_criterion(criterion.criterion, parsed))
        if rng.random() > 1.0 - error_rate(profile, step_of(criterion.criterion, answer)):
            met = not met
        verdicts.append(met)
    return verdicts
