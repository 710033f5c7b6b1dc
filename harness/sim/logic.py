"""Rules, facts and derivations: the formal core of the offline world, parsed from text.

A rule is written in one of several sentence forms (each world picks its own, ``world.py``), and
every form is parsed here whichever world wrote it. Operative rules (``RULE_FORMS``)::

    Rule 7. A person who is a registered operator and a bonded carrier is a chartered agent,
    unless that person is a suspended trader.
    Rule 7. Any person who is a registered operator and a bonded carrier shall be treated as a
    chartered agent, except where that person is a suspended trader.
    Rule 7. Any registered operator who is also a bonded carrier shall be treated as ...
    Rule 7. Where a person is a registered operator and a bonded carrier, that person is ...
    Rule 7. If a person is ..., then that person qualifies as ...
    Rule 7. Every person who is ... counts as ...

with the exception in any of ``EXCEPTION_FORMS`` (``unless that person is``, ``except where that
person is``, ``provided that the person is not``, ``save where that person is``, ``but not if
that person is``). Defined terms (``DEFINITION_FORMS``)::

    §3. "licensed vendor" means a person who is a certified trader.
    §3. "licensed vendor" refers to any person who is a certified trader.
    §3. The term "licensed vendor" denotes a person who is a certified trader.
    §3. In this instrument, "licensed vendor" includes every person who is a certified trader.

Facts are sentences ``<First Last> is a <status>.`` (or ``is not``). Everything the simulated
roles know comes from parsing such text; nothing travels beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

ATOM = r"[a-z][a-z\-]*(?: [a-z][a-z\-]*)*"
_LAZY_ATOM = r"[a-z][a-z\-]*(?: [a-z][a-z\-]*)*?"
NAME = r"[A-Z][a-z]+ [A-Z][a-z]+"

# Sentence forms: {label}, {conds} ("a X and a Y"), {first}/{rest} (form 2), {concl}, {exc}.
RULE_FORMS = (
    "{label}. A person who is {conds} is {concl}{exc}.",
    "{label}. Any person who is {conds} shall be treated as {concl}{exc}.",
    "{label}. Any {first}{rest} shall be treated as {concl}{exc}.",
    "{label}. Where a person is {conds}, that person is {concl}{exc}.",
    "{label}. If a person is {conds}, then that person qualifies as {concl}{exc}.",
    "{label}. Every person who is {conds} counts as {concl}{exc}.",
)
EXCEPTION_FORMS = (
    ", unless that person is {exc}",
    ", except where that person is {exc}",
    ", provided that the person is not {exc}",
    ", save where that person is {exc}",
    ", but not if that person is {exc}",
)
DEFINITION_FORMS = (
    '{label}. "{concl}" means a person who is {conds}.',
    '{label}. "{concl}" refers to any person who is {conds}.',
    '{label}. The term "{concl}" denotes a person who is {conds}.',
    '{label}. In this instrument, "{concl}" includes every person who is {conds}.',
)

_EXC = "(?:" + "|".join(re.escape(f.split("{exc}")[0].rstrip()) for f in EXCEPTION_FORMS) + rf") an? ({ATOM})"
_RULE_HEADS = (
    r"A person who is (.+?) is",
    r"Any person who is (.+?) shall be treated as",
    rf"Any ({_LAZY_ATOM}(?: who is also .+?)?) shall be treated as",
    r"Where a person is (.+?), that person is",
    r"If a person is (.+?), then that person qualifies as",
    r"Every person who is (.+?) counts as",
)
_RULE_RES = tuple(re.compile(rf"(Rule \d+)\. {head} an? ({ATOM})(?:{_EXC})?\.") for head in _RULE_HEADS)
_DEF_RES = tuple(
    re.compile(rf"(§\d+)\. {head}\.")
    for head in (
        rf"\"({ATOM})\" means a person who is (.+?)",
        rf"\"({ATOM})\" refers to any person who is (.+?)",
        rf"The term \"({ATOM})\" denotes a person who is (.+?)",
        rf"In this instrument, \"({ATOM})\" includes every person who is (.+?)",
    )
)
_EXC_FORM_OF = {f.split("{exc}")[0]: i for i, f in enumerate(EXCEPTION_FORMS)}
_FACT_RE = re.compile(rf"\b({NAME}) is (not )?an? ({ATOM})\.")
_QUESTION_RE = re.compile(rf"\bIs ({NAME}) an? ([a-z][a-z\-]*(?: [a-z][a-z\-]*)*?)(?=\s+under\b|\s+according\b|\?)")


@dataclass(frozen=True)
class Rule:
    label: str  # "Rule 7" or "§3"
    conditions: tuple[str, ...]
    conclusion: str
    exception: str | None = None
    form: int = 0  # index into RULE_FORMS (rules) or DEFINITION_FORMS (definitions)
    exception_form: int = 0  # index into EXCEPTION_FORMS

    def render(self) -> str:
        conds = " and ".join(article(c) for c in self.conditions)
        if self.label.startswith("§"):
            return DEFINITION_FORMS[self.form].format(label=self.label, concl=self.conclusion, conds=conds)
        exc = EXCEPTION_FORMS[self.exception_form].format(exc=article(self.exception)) if self.exception else ""
        rest = "".join(f" who is also {article(c)}" if i == 0 else f" and {article(c)}"
                       for i, c in enumerate(self.conditions[1:]))
        return RULE_FORMS[self.form].format(label=self.label, conds=conds, first=self.conditions[0], rest=rest,
                                            concl=article(self.conclusion), exc=exc)


# Words of the sentence forms; never part of a status, so a form cannot swallow another's words.
_RESERVED = frozenset({"who", "is", "also", "person", "that", "the", "a", "an", "and", "not", "any", "every"})


def article(atom: str) -> str:
    return f"{'an' if atom[0] in 'aeiou' else 'a'} {atom}"


def _split_conditions(text: str, bare_first: bool = False) -> tuple[str, ...]:
    if bare_first:  # "registered operator who is also a bonded carrier and a ..."
        first, _, rest = text.partition(" who is also ")
        text = f"{article(first)} and {rest}" if rest else article(first)
    parts = [p.strip() for p in text.split(" and ")]
    atoms = []
    for part in parts:
        match = re.fullmatch(rf"an? ({ATOM})", part)
        if not match or _RESERVED.intersection(match.group(1).split()):
            return ()
        atoms.append(match.group(1))
    return tuple(atoms)


def _exception_form(sentence: str) -> int:
    return next((i for lead, i in _EXC_FORM_OF.items() if lead in sentence), 0)


@lru_cache(maxsize=4096)
def parse_rules(text: str) -> tuple[Rule, ...]:
    """Every rule or definition sentence in ``text`` (any world's forms), in order of appearance."""
    found: dict[int, Rule] = {}
    for form, pattern in enumerate(_RULE_RES):
        for m in pattern.finditer(text):
            conds = _split_conditions(m.group(2), bare_first=form == 2)
            if conds and m.start() not in found:
                exc_form = _exception_form(m.group(0)) if m.group(4) else 0
                found[m.start()] = Rule(m.group(1), conds, m.group(3), m.group(4), form, exc_form)
    for form, pattern in enumerate(_DEF_RES):
        for m in pattern.finditer(text):
            conds = _split_conditions(m.group(3))
            if conds and m.start() not in found:
                found[m.start()] = Rule(m.group(1), conds, m.group(2), None, form)
    return tuple(found[start] for start in sorted(found))


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
