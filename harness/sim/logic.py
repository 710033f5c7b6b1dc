"""Rules, facts and derivations: the formal core of the offline world, parsed from text.

Two sentence forms carry a rule (defined terms and rules with exceptions):

    Rule 7. A person who is a registered operator and a bonded carrier is a chartered agent,
    unless that person is a suspended trader.
    §3. "licensed vendor" means a person who is a certified trader.

Facts are sentences ``<First Last> is a <status>.`` (or ``is not``). Everything the simulated
roles know comes from parsing such text; nothing travels beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

ATOM = r"[a-z][a-z\-]*(?: [a-z][a-z\-]*)*"
NAME = r"[A-Z][a-z]+ [A-Z][a-z]+"

_RULE_RE = re.compile(
    rf"(Rule \d+)\. A person who is (.+?) is an? ({ATOM})(?:, unless that person is an? ({ATOM}))?\."
)
_DEF_RE = re.compile(rf"(§\d+)\. \"({ATOM})\" means a person who is (.+?)\.")
_FACT_RE = re.compile(rf"\b({NAME}) is (not )?an? ({ATOM})\.")
_QUESTION_RE = re.compile(rf"\bIs ({NAME}) an? ([a-z][a-z\-]*(?: [a-z][a-z\-]*)*?)(?=\s+under\b|\s+according\b|\?)")


@dataclass(frozen=True)
class Rule:
    label: str  # "Rule 7" or "§3"
    conditions: tuple[str, ...]
    conclusion: str
    exception: str | None = None

    def render(self) -> str:
        conds = " and ".join(article(c) for c in self.conditions)
        if self.label.startswith("§"):
            return f'{self.label}. "{self.conclusion}" means a person who is {conds}.'
        unless = f", unless that person is {article(self.exception)}" if self.exception else ""
        return f"{self.label}. A person who is {conds} is {article(self.conclusion)}{unless}."


def article(atom: str) -> str:
    return f"{'an' if atom[0] in 'aeiou' else 'a'} {atom}"


def _split_conditions(text: str) -> tuple[str, ...]:
    parts = [p.strip() for p in text.split(" and ")]
    atoms = []
    for part in parts:
        match = re.fullmatch(rf"an? ({ATOM})", part)
        if not match:
            return ()
        atoms.append(match.group(1))
    return tuple(atoms)


@lru_cache(maxsize=4096)
def parse_rules(text: str) -> tuple[Rule, ...]:
    """Every rule or definition sentence in ``text``, in order of appearance."""
    found: list[tuple[int, Rule]] = []
    for m in _RULE_RE.finditer(text):
        conds = _split_conditions(m.group(2))
        if conds:
            found.append((m.start(), Rule(m.group(1), conds, m.group(3), m.group(4))))
    for m in _DEF_RE.finditer(text):
        conds = _split_conditions(m.group(3))
        if conds:
            found.append((m.start(), Rule(m.group(1), conds, m.group(2))))
    return tuple(rule for _, rule in sorted(found, key=lambda item: item[0]))


@dataclass(frozen=True)
class Facts:
    entity: str | None
    true: frozenset[str]
    false: frozenset[str] = frozenset()


def parse_facts(text: str, entity: str | None = None) -> Facts:
    """Status sentences about one entity (the first one named, unless given)."""
    true, false = set(), set()
    for m in _FACT_RE.finditer(text):
        if entity is None:
            entity = m.group(1)
        if m.group(1) != entity:
            continue
        (false if m.group(2) else true).add(m.group(3))
    return Facts(entity, frozenset(true), frozenset(false))


def parse_question(text: str) -> tuple[str, str] | None:
    """(entity, target status) of a question ``Is <Name> a <status> ...?``."""
    m = _QUESTION_RE.search(text)
    return (m.group(1), m.group(2)) if m else None


@dataclass
class Derivation:
    """The closed-world model of rules over facts: what holds, why, and how deep."""

    holds: dict[str, int] = field(default_factory=dict)  # atom -> depth (0 = given)
    because: dict[str, Rule] = field(default_factory=dict)  # derived atom -> rule used
    blocked: dict[str, Rule] = field(default_factory=dict)  # atom -> rule whose exception fired

    def depth(self, atom: str) -> int | None:
        return self.holds.get(atom)


def derive(rules: tuple[Rule, ...], facts: frozenset[str]) -> Derivation:
    """Full derivation with exceptions (negation as failure, evaluated in dependency order).

    Rules are stratified: an atom is settled only after every atom its rules mention, so an
    exception is read only once it is final. Cycles (never produced by the world) stay underivable.
    """
    result = Derivation(holds={atom: 0 for atom in facts})
    by_conclusion: dict[str, list[Rule]] = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, []).append(rule)
    state: dict[str, int] = {}  # 1 visiting, 2 settled

    def settle(atom: str) -> None:
        if state.get(atom) == 2 or atom in facts:
            state[atom] = 2
            return
        if state.get(atom) == 1:
            return  # cycle: leave underivable
        state[atom] = 1
        for rule in by_conclusion.get(atom, ()):
            for dep in (*rule.conditions, *((rule.exception,) if rule.exception else ())):
                settle(dep)
            if not all(c in result.holds for c in rule.conditions):
                continue
            if rule.exception and rule.exception in result.holds:
                result.blocked.setdefault(atom, rule)
                continue
            depth = 1 + max(result.holds[c] for c in rule.conditions)
            if atom not in result.holds or depth < result.holds[atom]:
                result.holds[atom] = depth
                result.because[atom] = rule
        state[atom] = 2

    for atom in list(by_conclusion):
        settle(atom)
    return result


def chain(derivation: Derivation, target: str) -> list[str]:
    """Derived atoms the target rests on, in an order where each follows its conditions."""
    ordered: list[str] = []

    def visit(atom: str) -> None:
        rule = derivation.because.get(atom)
        if rule is None or atom in ordered:
            return
        for cond in rule.conditions:
            visit(cond)
        ordered.append(atom)

    visit(target)
    return ordered
