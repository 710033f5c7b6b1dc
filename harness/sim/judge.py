"""Simulated judge: checks each rubric criterion against the answer text (never the reference).

Criteria in the world's checkable forms (``answers.check_criterion``) are decided from the
parsed answer; anything else is judged unmet. Each verdict is right with the profile's accuracy.
"""

from __future__ import annotations

import random

from harness.rubric import Criterion
from harness.sim.answers import check_criterion, parse_answer
from harness.sim.profiles import Profile


def judge(rubric: list[Criterion], answer: str, profile: Profile, rng: random.Random) -> list[bool]:
    parsed = parse_answer(answer)
    verdicts = []
    for criterion in rubric:
        met = bool(check_criterion(criterion.criterion, parsed))
        if rng.random() > profile.accuracy:
            met = not met
        verdicts.append(met)
    return verdicts
