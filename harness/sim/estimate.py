"""How deep an advisor thinks a question was: bounded re-derivation from the text, with errors.

The simulated orchestrator and analyzer judge difficulty the way a real model reading a prompt
would: they parse the provisions and facts they were sent and chain forward for at most
``reach`` rounds, with ``reach`` drawn from their profile per estimate (applying a provision as
soon as its conditions hold, unless its exception is already known: a hurried reader does not
first settle every exception, so a defeated chain can read as one that goes through). A chain that ends within
reach is counted; one that is still going when reach runs out is reported as "deeper than I can
follow" (a lower bound, never the exact depth). A chain that stalls without reaching the target
(an exception fired, a provision is missing) is counted backwards from the target's provisions,
again only as far as reach. With chance ``1 - accuracy`` the reading goes wrong: mostly off by
one step, sometimes a chain near the limit is taken for one beyond it.

Besides the depth, the estimate records two things anyone reading the context sees: whether any
provision carries an exception ("unless ..."), and how many provisions played no part in the
derivation it followed. A context that states the answer among its facts reads as 0 steps.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from harness.sim.logic import Rule, parse_facts, parse_question, parse_rules
from harness.sim.profiles import Profile, draw_reach

OFF_BY_ONE_SHARE = 0.7  # of misreadings, the share that is off by one step (the rest: "too deep")


@dataclass(frozen=True)
class DepthEstimate:
    steps: int  # estimated steps; when ``beyond``, a lower bound (reach + 1)
    beyond: bool = False  # "deeper than I can follow"
    exception: bool = False  # some provision in the context carries an exception
    unused: int = 0  # provisions that played no part in the chain followed


def _forward(rules: tuple[Rule, ...], facts: frozenset[str], target: str, reach: int) -> tuple[int | None, bool, set[str]]:
    """(round the target was derived in or None, still progressing at the limit, rules applied)."""
    known = set(facts)
    applied: set[str] = set()
    for round_number in range(1, reach + 1):
        snapshot = set(known)
        fired = [r for r in rules if r.label not in applied and r.conclusion not in snapshot
                 and all(c in snapshot for c in r.conditions)
                 and not (r.exception and r.exception in snapshot)]
        for rule in fired:
            applied.add(rule.label)
            known.add(rule.conclusion)
        if target in known:
            return round_number, False, applied
        if not fired:
            return None, False, applied
    more = any(r.label not in applied and r.conclusion not in known and all(c in known for c in r.conditions)
               for r in rules)
    return None, more, applied


def _backward(rules: tuple[Rule, ...], target: str, reach: int) -> int | None:
    """Layers of provisions under the target, counted no further than reach (None: beyond)."""
    by_conclusion: dict[str, list[Rule]] = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, []).append(rule)

    def layer(atom: str, budget: int, seen: frozenset[str]) -> int | None:
        if atom not in by_conclusion or atom in seen:
            return 0
        if budget == 0:
            return None
        best: int | None = None
        for rule in by_conclusion[atom]:
            below = [layer(c, budget - 1, seen | {atom}) for c in rule.conditions]
            if None in below:
                continue
            value = 1 + max(below)  # type: ignore[type-var]
            best = value if best is None else min(best, value)
        return best

    return layer(target, reach, frozenset())


def estimate_depth(context: str, question: str, profile: Profile, rng: random.Random) -> DepthEstimate | None:
    """One reading of how many steps the question takes; None when the question cannot be read."""
    asked = parse_question(question)
    if asked is None:
        return None
    entity, target = asked
    rules = parse_rules(context)
    if not rules:
        return None
    given = parse_facts(context, entity)
    facts = given.true
    exception = any(r.exception for r in rules)
    if target in given.true or target in given.false:  # the context states the answer outright
        return DepthEstimate(0, False, exception, len(rules))
    reach = draw_reach(profile, rng)
    found, going, applied = _forward(rules, facts, target, reach)
    if found is None:
        found = None if going else _backward(rules, target, reach)
    unused = sum(1 for r in rules if r.label not in applied)
    if found is None:
        return DepthEstimate(reach + 1, True, exception, unused)
    if rng.random() >= profile.accuracy:  # a misreading
        if rng.random() >= OFF_BY_ONE_SHARE and found >= reach - 1:
            return DepthEstimate(reach + 1, True, exception, unused)
        found = max(1, found + rng.choice((-1, 1)))
        if found > reach:  # a count past its own reach is no count it could have made
            return DepthEstimate(reach + 1, True, exception, unused)
    return DepthEstimate(found, False, exception, unused)


@dataclass(frozen=True)
class DepthSummary:
    n: int
    low: int
    high: int  # a lower bound when ``beyond`` > 0 and the highest reading was beyond reach
    typical: int  # median reading, a chain beyond reach counted at its lower bound
    beyond: int  # readings that went deeper than the reader could follow
    exception_share: float  # share of contexts with an exception clause
    unused_mean: float


def summarize(estimates: list[DepthEstimate]) -> DepthSummary | None:
    if not estimates:
        return None
    steps = [e.steps for e in estimates]
    return DepthSummary(
        n=len(estimates),
        low=min(steps),
        high=max(steps),
        typical=round(statistics.median(steps)),
        beyond=sum(e.beyond for e in estimates),
        exception_share=sum(e.exception for e in estimates) / len(estimates),
        unused_mean=statistics.fmean(e.unused for e in estimates),
    )
