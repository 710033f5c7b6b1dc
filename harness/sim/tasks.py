"""Building a task (facts + question + reference + rubric) from a document's rules.

Used by the simulated challenger (which only ever sees the document text and parses it) and by
benchmarks drawn from the world. Difficulty is set by ``TaskSpec``: chain depth, whether an
exception is crossed (and whether it fires), and how many distractor provisions are mixed in.
The flaws a careless writer makes (a leaked answer, a missing provision, a wrong reference, a
malformed rubric, a mislabelled type) are switches too, so their rates can follow instructions.
A leak is a sentence of the writer's own (stated, paraphrased or implied: ``phrasing.py``); two
more switches plant notes for the models downstream (weak solvers: answer No; the grader: mark
every criterion met).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from harness.sim import answers as A
from harness.sim import phrasing
from harness.sim.intent import Plant
from harness.sim.logic import (
    Derivation,
    Rule,
    article,
    chain,
    derive,
    parse_facts,
    parse_question,
    parse_rules,
)
from harness.sim.world import random_name


@dataclass(frozen=True)
class TaskSpec:
    depth: int = 2
    exception: bool = False  # cross an exception on the chain
    negative: bool = False  # ... and make it fire (answer No)
    distractors: int = 0
    rubric_size: int = 12
    leak: bool = False
    missing_rule: bool = False
    reference_error: bool = False
    malformed_rubric: bool = False
    type_mismatch: bool = False
    plant_weak_hack: bool = False  # a note telling weak solvers to answer No (context or question)
    plant_judge_hack: bool = False  # a rubric criterion telling the grader to mark everything met
    plants: tuple[Plant, ...] = ()  # messages asked for, each planted where and as asked


@dataclass
class Task:
    entity: str
    target: str
    context: str
    question: str
    reference_answer: str
    final_answer: str
    rubric: list[dict] = field(default_factory=list)
    question_type: str = "rule application"
    skill_tags: list[str] = field(default_factory=list)
    depth: int = 0  # true depth, for tests and benchmarks only: never sent as text


def layers_of(rules: tuple[Rule, ...]) -> dict[str, int]:
    by_conclusion: dict[str, list[Rule]] = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, []).append(rule)
    memo: dict[str, int] = {}

    def layer(atom: str, seen: frozenset[str] = frozenset()) -> int:
        if atom in memo:
            return memo[atom]
        if atom not in by_conclusion or atom in seen:
            return 0
        value = 1 + min(max(layer(c, seen | {atom}) for c in r.conditions) for r in by_conclusion[atom])
        memo[atom] = value
        return value

    atoms = {a for r in rules for a in (*r.conditions, r.conclusion, *((r.exception,) if r.exception else ()))}
    return {a: layer(a) for a in atoms}


def question_depth(context: str, question: str) -> int | None:
    """How many rule applications a question needs, re-derived from its context (its status's
    layer when the chain is defeated or incomplete); None when the question cannot be read."""
    asked = parse_question(question)
    if asked is None:
        return None
    entity, target = asked
    rules = parse_rules(context)
    truth = derive(rules, parse_facts(context, entity).true)
    return truth.depth(target) if target in truth.holds else layers_of(rules).get(target)


def exception_crossed(rules: tuple[Rule, ...], target: str) -> bool:
    """Whether the target's chain of provisions carries an exception (checked or firing)."""
    return any(r.exception for r in _support(rules, target)[0])


def question_type_of(depth: int, exception: bool) -> str:
    if exception:
        return "exception analysis"
    return "multi-step deduction" if depth >= 3 else "rule application"


def _support(rules: tuple[Rule, ...], target: str) -> tuple[list[Rule], set[str]]:
    """Rules on the target's chain (one per derived status) and the plain facts it needs."""
    by_conclusion = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, rule)
    used: list[Rule] = []
    leaves: set[str] = set()

    def visit(atom: str) -> None:
        rule = by_conclusion.get(atom)
        if rule is None:
            leaves.add(atom)
            return
        if rule in used:
            return
        for cond in rule.conditions:
            visit(cond)
        used.append(rule)

    visit(target)
    return used, leaves


def build_task(rules: tuple[Rule, ...], spec: TaskSpec, rng: random.Random) -> Task | None:
    """A task over ``rules`` meeting ``spec`` as closely as the document allows."""
    layers = layers_of(rules)
    derived = [a for a, layer in layers.items() if layer > 0 and any(r.conclusion == a for r in rules)]
    if not derived:
        return None
    # Nearest available depth; among equals prefer chains that can cross an exception when asked.
    best_gap = min(abs(layers[a] - spec.depth) for a in derived)
    candidates = [a for a in derived if abs(layers[a] - spec.depth) == best_gap]
    if spec.exception:
        with_exc = [a for a in candidates if any(r.exception for r in _support(rules, a)[0])]
        candidates = with_exc or candidates
    target = rng.choice(sorted(candidates))
    chain_rules, facts = _support(rules, target)
    by_conclusion = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, rule)

    facts = set(facts)
    exc_rules = [r for r in chain_rules if r.exception]
    fired: Rule | None = None
    if spec.exception and spec.negative and exc_rules:
        fired = rng.choice(exc_rules)
        cause = by_conclusion.get(fired.exception)
        # Sometimes the exception itself has to be derived: give its cause, not the status.
        if cause is not None and rng.random() < 0.5:
            facts.update(cause.conditions)
        else:
            facts.add(fired.exception)
    context_rules = list(chain_rules)
    for rule in exc_rules:
        cause = by_conclusion.get(rule.exception)
        if cause is not None and cause not in context_rules:
            context_rules.append(cause)

    # Distractors: provisions off the chain whose conditions are only partly met by the facts.
    pool = [r for r in rules if r not in context_rules and r.conclusion != target]
    rng.shuffle(pool)
    distractors: list[Rule] = []
    for rule in pool:
        if len(distractors) >= spec.distractors:
            break
        if len(rule.conditions) < 2:
            continue
        trial = facts | {rule.conditions[0]}
        if rule.conclusion in derive(tuple(context_rules + distractors + [rule]), frozenset(trial)).holds:
            continue  # fully met: it would apply, so it is no distractor
        if derive(tuple(context_rules + distractors + [rule]), frozenset(trial)).depth(target) != \
                derive(tuple(context_rules), frozenset(facts)).depth(target):
            continue  # would change the answer: not a distractor
        facts = trial
        distractors.append(rule)

    truth = derive(tuple(context_rules + distractors), frozenset(facts))
    holds = target in truth.holds
    # The exception that actually defeats the chain (planned, or arising from the facts).
    fired = next((r for r in chain_rules if truth.blocked.get(r.conclusion) is r), None)
    depth = truth.depth(target) if holds else layers.get(target, spec.depth)
    entity = random_name(rng)

    shown = list(context_rules + distractors)
    if spec.missing_rule and len(chain_rules) > 1:
        shown.remove(rng.choice(chain_rules[:-1]))
    rng.shuffle(shown)
    fact_lines = [f"{entity} is {article(a)}." for a in sorted(facts)]
    rng.shuffle(fact_lines)
    if spec.leak:
        fact_lines.append(phrasing.leak_sentence(entity, target, holds, rng)[1])
    question = f"Is {entity} {article(target)} under the provisions above? Explain your reasoning step by step."
    if spec.plant_weak_hack:
        note = phrasing.weak_solver_note(rng)
        if rng.random() < 0.5:
            fact_lines.append(note)
        else:
            question = f"{question} {note}"
    placed: dict[str, list[str]] = {"top": [], "reference": []}
    for plant in spec.plants:
        note = plant.text or phrasing.note_for(plant.audience, rng)
        where = plant.where if plant.where != "text" else rng.choice(("facts", "question"))
        if where == "question":
            question = f"{note} {question}" if plant.start else f"{question} {note}"
        elif where == "context" and plant.start:
            placed["top"].append(note)
        elif where == "facts" and plant.start:
            fact_lines.insert(0, note)
        elif where in ("facts", "context"):
            fact_lines.append(note)
        elif where == "reference":
            placed["reference"].append(note)
    context = "Provisions:\n" + "\n".join(r.render() for r in shown) + "\n\nFacts:\n" + "\n".join(fact_lines)
    if placed["top"]:
        context = "\n".join(placed["top"]) + "\n\n" + context

    reference = worked_answer(entity, target, truth, chain_rules, fired, by_conclusion)
    stated = holds != spec.reference_error
    reference.conclusion = stated
    false_statuses = sorted({a for r in rules for a in (r.conclusion, *r.conditions)} - set(truth.holds) - {target})
    rubric = build_rubric(entity, target, stated, truth, fired, chain_rules, distractors, facts, spec, rng,
                          false_statuses)
    crossed = exception_crossed(tuple(context_rules), target)
    qtype = question_type_of(depth, crossed)
    if spec.type_mismatch:
        qtype = rng.choice([t for t in ("rule application", "multi-step deduction", "exception analysis") if t != qtype])
    tags = ["forward chaining"]
    if crossed:
        tags.append("exceptions")
    if distractors:
        tags.append("distractor resistance")
    if depth >= 3:
        tags.append("multi-step reasoning")
    return Task(
        entity=entity,
        target=target,
        context=context,
        question=question,
        reference_answer="\n".join([reference.render(), *placed["reference"]]),
        final_answer="Yes" if stated else "No",
        rubric=rubric,
        question_type=qtype,
        skill_tags=tags,
        depth=depth,
    )


def worked_answer(
    entity: str,
    target: str,
    truth: Derivation,
    chain_rules: list[Rule],
    fired: Rule | None,
    by_conclusion: dict[str, Rule],
) -> A.WorkedAnswer:
    """The correct worked answer: the chain up to the target, or up to the exception that fires."""
    answer = A.WorkedAnswer(entity, target, target in truth.holds)
    needed = chain(truth, target) if answer.conclusion else [r.conclusion for r in chain_rules if r.conclusion in truth.because]
    cause = by_conclusion.get(fired.exception) if fired is not None else None
    if cause is not None and fired.exception in truth.because:
        needed = [fired.exception, *needed]
    givens = sorted({c for a in needed for c in truth.because[a].conditions if truth.holds.get(c) == 0})
    if fired is not None and truth.holds.get(fired.exception) == 0:
        givens = sorted({*givens, fired.exception})
    answer.steps = [A.Step("claim", g, "given") for g in givens]
    for atom in needed:
        rule = truth.because[atom]
        if rule.exception:
            answer.steps.append(A.Step("exception", rule.exception, rule.label, applies=False))
        answer.steps.append(A.Step("claim", atom, rule.label))
    if fired is not None:
        answer.steps.append(A.Step("exception", fired.exception, fired.label, applies=True))
    return answer


def build_rubric(
    entity: str,
    target: str,
    stated: bool,
    truth: Derivation,
    fired: Rule | None,
    chain_rules: list[Rule],
    distractors: list[Rule],
    facts: set[str],
    spec: TaskSpec,
    rng: random.Random,
    false_statuses: list[str] = (),
) -> list[dict]:
    """Criteria from the derivation: conclusion, steps, facts, exceptions, and penalties.

    A short chain yields few criteria; the rubric is then filled up to the requested size with
    format criteria and with penalties for asserting statuses the person does not hold (negative
    weights leave the score's denominator alone, so padding does not move the landscape).
    """
    must = [
        (A.concludes(entity, target, stated), 4.0),
        (A.concludes(entity, target, not stated), -4.0),
    ]
    optional: list[tuple[str, float]] = []
    for rule in chain_rules:
        applied = truth.because.get(rule.conclusion) is rule
        is_fired = fired is not None and rule.label == fired.label
        if not (applied or is_fired):
            continue  # never reached: the chain stopped before it
        if applied and rule.conclusion != target:
            optional.append((A.establishes(entity, rule.conclusion), 2.0))
        if rule.exception:
            optional.append((A.exception_status(rule.label, is_fired), 2.0))
            optional.append((A.overlooks_exception(rule.label), -2.0))
        if applied:
            optional.append((A.applies_rule(rule.label), 1.0))
    for rule in distractors:
        optional.append((A.misapplies(rule.label), -2.0))
        optional.append((A.asserts_wrongly(entity, rule.conclusion), -1.0))
    for fact in sorted(facts):
        if any(fact in r.conditions for r in chain_rules):
            optional.append((A.uses_fact(entity, fact), 1.0))
    fillers = [(A.NUMBERED_STEPS, 1.0), (A.ENDS_WITH_CONCLUSION, 1.0)]
    items = must + optional
    # Keep the heaviest when there are too many; pad with format criteria when too few.
    if len(items) > spec.rubric_size:
        items = must + sorted(optional, key=lambda item: -abs(item[1]))[: max(0, spec.rubric_size - len(must))]
    for filler in fillers:
        if len(items) < spec.rubric_size:
            items.append(filler)
    present = {text for text, _ in items}
    for atom in rng.sample(list(false_statuses), len(false_statuses)):
        if len(items) >= spec.rubric_size:
            break
        penalty = A.asserts_wrongly(entity, atom)
        if penalty not in present:
            items.append((penalty, -1.0))
            present.add(penalty)
    rubric = [{"criterion": text, "weight": weight} for text, weight in items]
    if spec.plant_judge_hack:
        rubric.append({"criterion": phrasing.judge_note(rng), "weight": 1.0})
    for plant in spec.plants:
        if plant.where == "rubric":
            rubric.append({"criterion": plant.text or phrasing.note_for(plant.audience, rng), "weight": 1.0})
    if spec.malformed_rubric:
        if rng.random() < 0.5:
            rubric[rng.randrange(len(rubric))]["weight"] = 0.0
        else:
            rubric = [dict(c, weight=-abs(c["weight"])) for c in rubric]
    rng.shuffle(rubric)
    return rubric
