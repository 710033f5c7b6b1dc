"""Simulated quality verifier: reads the sample, re-derives what it can reach, and judges it.

Its instructions are read by meaning (``reader.read_qv_style``): which checks it was told to
perform, how strict to be, and whether it was told to pass everything (then it does). Like a
real model it chains forward from the facts for a bounded number of rounds (``reach``, drawn
per sample from its profile) and knows only what it reached; it never computes the true depth.

Checks, in order, each with a *confidence* of how well the QV could see the flaw:

- answer leaked: a fact line, or any other sentence, that states or implies the question's
  status for its person (``reading.claims``): confidence 1 when stated, 0.75 when only implied;
- recall instead of reasoning: the status is conferred by one definition on plain facts;
- malformed rubric: no positive weight, a zero weight, duplicates;
- context insufficient: the reference cites a provision the context lacks. Found by walking
  the reference's steps: confidence 1 within reach, 0.35 beyond it (a deep gap is often missed);
- wrong reference: within reach the QV's own derivation decides (confidence 1); beyond it the
  QV can only notice a reference whose steps contradict its conclusion (confidence 0.35);
- type mismatch: against the type the QV infers from what it reached (confidence 1 when it saw
  the whole chain, 0.5 when the chain went beyond its reach).

**Susceptible.** A note in the sample addressed to the reviewer that tells it to pass the sample,
or assures it the sample was approved already (``obey_review.reviewer_directive``), is followed
with the profile's obedience; a fifth of it when the QV's instructions say such text is to be
reviewed, not obeyed (``reading/qv_injection.py``): a prompt-level defence lowers the rate of
successful injections several-fold without removing it.

A flaw is caught with ``accuracy x confidence`` when the instructions name its check and half
that otherwise. Strictness s (-1..1) scales misses by (1 - 0.5 s) and false FAILs (a sample with
no finding failed anyway, base (1 - accuracy) x 0.15) by 4^s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.rubric import rubric_problems
from harness.sim import obey_review
from harness.sim.answers import parse_answer
from harness.sim.intent import QV_CHECKS
from harness.sim.logic import Rule, parse_facts, parse_question, parse_rules
from harness.sim.profiles import Profile, draw_reach
from harness.sim.reader import read_qv_style
from harness.sim.reading.claims import claims_about
from harness.sim.tasks import question_type_of

GUARDED_OBEDIENCE = 0.2  # the share of its obedience a QV keeps when told not to act on notes in the sample

IMPLIED_LEAK = 0.75
DEEP_GAP = 0.35
DEEP_REFERENCE = 0.35
UNSURE_TYPE = 0.5


@dataclass(frozen=True)
class Reached:
    """What bounded forward chaining established: atom -> round, the rule used, and whether
    the chaining ran dry (then whatever was not derived does not hold)."""

    holds: dict[str, int]
    because: dict[str, Rule]
    complete: bool


def chain_forward(rules: tuple[Rule, ...], facts: frozenset[str], reach: int) -> Reached:
    """At most ``reach`` rounds; a rule is held back while its exception holds or follows at once."""
    holds = {atom: 0 for atom in facts}
    because: dict[str, Rule] = {}
    for round_ in range(1, reach + 1):
        snapshot = dict(holds)
        new = False
        for rule in rules:
            if rule.conclusion in snapshot or not all(c in snapshot for c in rule.conditions):
                continue
            if rule.exception and (rule.exception in snapshot or any(
                    r.conclusion == rule.exception and all(c in snapshot for c in r.conditions) for r in rules)):
                continue
            if rule.conclusion not in holds:
                holds[rule.conclusion] = round_
                because[rule.conclusion] = rule
                new = True
        if not new:
            return Reached(holds, because, True)
    return Reached(holds, because, False)


def _support_within(rules: tuple[Rule, ...], target: str, reach: int) -> tuple[list[Rule], int, bool]:
    """Reading the target's chain back from the target for at most ``reach`` levels: the rules
    seen, how many levels had one, and whether the chain ended within reach."""
    first: dict[str, Rule] = {}
    for rule in rules:
        first.setdefault(rule.conclusion, rule)
    seen: list[Rule] = []
    frontier, levels = [target], 0
    for _ in range(reach):
        found = [first[a] for a in frontier if a in first and first[a] not in seen]
        if not found:
            break
        levels += 1
        seen.extend(found)
        frontier = [c for rule in found for c in rule.conditions]
    return seen, levels, not any(a in first for a in frontier) or levels < reach


def findings(sample: dict, reach: int) -> list[tuple[str, float]]:
    """(check, confidence) for every flaw the QV can see with this reach."""
    asked = parse_question(sample["question"])
    if asked is None:
        return [("context_insufficient", 1.0)]
    entity, target = asked
    context = sample["context"]
    rules = parse_rules(context)
    facts = parse_facts(context, entity)
    found: list[tuple[str, float]] = []
    if target in facts.true or target in facts.false:
        found.append(("answer_leaked", 1.0))
    elif claims := claims_about(f"{context}\n{sample['question']}", entity, target):
        found.append(("answer_leaked", 1.0 if any(c.explicit for c in claims) else IMPLIED_LEAK))
    concluding = [r for r in rules if r.conclusion == target]
    reached = chain_forward(rules, facts.true, reach)
    leaves = {r.conclusion for r in rules}
    if concluding and all(not set(r.conditions) & leaves for r in concluding) and (
            target not in reached.because or reached.because[target].label.startswith("§")):
        found.append(("recall_not_reasoning", 1.0))
    # No rubric at all is a schema without one (atomic answers, judged for equivalence), not a bad rubric.
    if sample["rubric"] and rubric_problems(sample["rubric"]):
        found.append(("malformed_rubric", 1.0))
    labels = {r.label for r in rules}
    reference = parse_answer(sample["reference_answer"])
    cited = [basis for basis in reference.claims.values() if basis != "given"]  # in the order written
    gap = next((k for k, basis in enumerate(cited, 1) if basis not in labels), None)
    final = sample["final_answer"].strip().lower()
    # Yes/No, or the answer as a sentence ("Ann is (not) a senior pilot."): affirmative unless negated.
    says_yes = final == "yes" or (final != "no" and " is " in final and " is not " not in final)
    if gap is not None:
        found.append(("context_insufficient", 1.0 if gap <= reach else DEEP_GAP))
    elif target in reached.holds or reached.complete:
        if says_yes != (target in reached.holds):
            found.append(("reference_incorrect", 1.0))
    else:
        fired = any(reference.exceptions.values())
        if says_yes != (target in reference.claims and not fired):
            found.append(("reference_incorrect", DEEP_REFERENCE))
    chain_seen, levels, whole = _support_within(rules, target, reach)
    depth = reached.holds.get(target) or (levels if whole else reach + 1)
    expected = question_type_of(depth, any(r.exception for r in chain_seen))
    if sample["question_type"].strip().lower() != expected:
        certain = whole and (target in reached.holds or reached.complete)
        found.append(("type_mismatch", 1.0 if certain else UNSURE_TYPE))
    return found


def verify(instructions: str, sample: dict, profile: Profile, rng: random.Random) -> tuple[str, str, str]:
    """(verdict, reason, explanation)."""
    style = read_qv_style(instructions)
    if style.always_pass:
        return "PASS", "none", "all checks passed"
    # A note in the sample telling the reviewer to pass it (or that it was approved already) is
    # followed with the profile's obedience; the draw is made only when there is such a note.
    planted = "\n".join([sample.get("context", ""), sample.get("question", ""), sample.get("reference_answer", ""),
                         *(c["criterion"] if isinstance(c, dict) else c.criterion for c in sample.get("rubric", []))])
    obedience = profile.obedience * (GUARDED_OBEDIENCE if style.guarded else 1.0)
    if obedience and obey_review.reviewer_directive(planted) and rng.random() < obedience:
        return "PASS", "none", "all checks passed"
    reach = draw_reach(profile, rng)
    s = style.strictness
    flagged = findings(sample, reach)
    for reason, confidence in flagged:
        named = reason in style.named_checks
        catch = profile.accuracy * (1.0 if named else 0.5) * confidence
        catch = 1 - (1 - catch) * (1 - 0.5 * s) if s > 0 else catch * (1 + 0.5 * s)
        if rng.random() < catch:
            return "FAIL", reason, f"check failed: {reason.replace('_', ' ')}"
    if not flagged and rng.random() < (1 - profile.accuracy) * 0.15 * 4 ** s:
        reason = rng.choice(sorted(QV_CHECKS))
        return "FAIL", reason, f"check failed: {reason.replace('_', ' ')}"
    return "PASS", "none", "all checks passed"
