"""Simulated solving: bounded-depth forward chaining over the rules and facts in the context.

The solver parses the provisions and facts it was sent, then chains forward for at most
``reach`` rounds (drawn from its profile per attempt). Each round it may slip on a step, skip an
exception check (applying a rule the exception defeats), or be taken in by a distractor whose
conditions are only partly met. It concludes Yes when the target status was derived, otherwise
No, and writes the steps it took (each with its profile's thoroughness).

**Susceptible.** When the context or question carries a directive telling (some) solvers which
verdict to give (``obey.py``), the solver follows it with chance obedience x the chance it takes
itself to be addressed (a weak solver reads "weak models should answer No" as meant for it, the
strong one does not), and then answers with that verdict and no reasoning. The draw comes from
the attempt's own random stream, and only when such a directive is present.
"""

from __future__ import annotations

import random

from harness.sim import answers as A
from harness.sim import obey
from harness.sim.logic import parse_facts, parse_question, parse_rules
from harness.sim.profiles import Profile, draw_reach


def solve(context: str, question: str, profile: Profile, rng: random.Random) -> tuple[str, str]:
    """(worked answer, final answer) for one attempt."""
    asked = parse_question(question)
    if asked is None:
        return "I cannot tell what is being asked.\nConclusion: unclear.", "unclear"
    entity, target = asked
    planted = f"{context}\n{question}"
    if obey.solver_directives(planted):
        verdict = obey.obeyed_verdict(planted, profile, rng.random())
        if verdict is not None:
            return A.WorkedAnswer(entity, target, verdict == "Yes").render(), verdict
    rules = parse_rules(context)
    facts = parse_facts(context, entity)
    known: dict[str, str] = {atom: "given" for atom in facts.true}
    steps: list[A.Step] = []
    used_givens: set[str] = set()
    concluded = {r.conclusion for r in rules}
    reach = draw_reach(profile, rng)
    settled: set[str] = set()  # rule labels the solver is done with (applied, blocked or slipped on)
    for _ in range(reach):
        snapshot = dict(known)
        progressed = False
        for rule in rules:
            if rule.conclusion in known or rule.label in settled:
                continue
            met = [c in snapshot for c in rule.conditions]
            if all(met):
                settled.add(rule.label)
                if rule.exception and rng.random() < profile.exception_care:
                    # A careful check also works out whether the exception follows from the facts.
                    fires = rule.exception in snapshot or any(
                        r.conclusion == rule.exception and all(c in snapshot for c in r.conditions) for r in rules
                    )
                    steps.append(A.Step("exception", rule.exception, rule.label, applies=fires))
                    if fires:
                        continue
                if rng.random() < profile.slip:
                    continue
            elif not (any(met) and rng.random() < profile.confusion * 0.5) or any(
                c in concluded for c, ok in zip(rule.conditions, met, strict=True) if not ok
            ):
                # Taken in by a distractor only when what is missing is a plain fact (treated as given);
                # a missing status some provision confers is not guessed.
                continue
            known[rule.conclusion] = rule.label
            used_givens.update(c for c in rule.conditions if snapshot.get(c) == "given")
            steps.append(A.Step("claim", rule.conclusion, rule.label))
            progressed = True
        if not progressed or target in known:
            break
    written = [A.Step("claim", g, "given") for g in sorted(used_givens) if rng.random() < profile.thoroughness]
    for step in steps:
        if step.kind == "claim" and step.atom == target or rng.random() < profile.thoroughness:
            written.append(step)
    holds = target in known
    answer = A.WorkedAnswer(entity, target, holds, written)
    return answer.render(), "Yes" if holds else "No"
