"""Grounding documents of the offline world: generated rule systems in legal-flavoured English.

A document is a code of ~20 rules over statuses a person can hold. Statuses sit in layers:
layer 0 are plain facts; a status of layer k is concluded by a rule whose conditions include
one status of layer k-1 (the spine of a chain) and perhaps a plain fact, and which may carry
an exception (``unless that person is a suspended trader``). Chains therefore reach depth 7,
and difficulty is a property of the text: chain depth, exceptions crossed, distractor rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.sim.logic import Rule

ADJECTIVES = (
    "registered", "licensed", "eligible", "protected", "qualified", "certified", "accredited",
    "bonded", "chartered", "authorised", "designated", "recognised", "approved", "privileged",
    "senior", "principal", "resident", "covered", "preferred", "trusted", "vested", "enrolled",
)
NEGATIVE_ADJECTIVES = ("suspended", "disqualified", "barred", "insolvent", "sanctioned", "delinquent")
NOUNS = (
    "operator", "carrier", "claimant", "lessee", "trader", "holder", "agent", "vendor", "tenant",
    "member", "contractor", "broker", "assignee", "beneficiary", "custodian", "steward", "importer",
    "underwriter", "surveyor", "pilot",
)
TITLES = (
    "Harbour Trading Code", "Municipal Licensing Ordinance", "Cooperative Membership Statute",
    "Freight Carriage Regulations", "Residential Tenancy Act", "Professional Accreditation Rules",
    "Agricultural Subsidy Code", "Maritime Salvage Ordinance", "Charitable Trusts Regulations",
    "Public Procurement Code", "Mining Concessions Act", "Broadcast Licensing Rules",
)
FIRST = ("Amara", "Jonas", "Priya", "Tomas", "Leila", "Marcus", "Ingrid", "Kwame", "Sofia", "Dmitri",
         "Hana", "Rafael", "Noor", "Elias", "Mei", "Oskar", "Zara", "Felix", "Anika", "Mateo")
LAST = ("Okafor", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Novak", "Castillo", "Brennan",
        "Adeyemi", "Kowalski", "Fischer", "Osei", "Petrov", "Ramos", "Varga", "Ibrahim")

MAX_LAYER = 7


@dataclass(frozen=True)
class SimDocument:
    id: str
    title: str
    text: str
    rules: tuple[Rule, ...]
    layers: dict[str, int]  # status -> layer (0 = plain fact)


class World:
    """Deterministic generator of documents: same seed and index, same document."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def document(self, index: int) -> SimDocument:
        rng = random.Random(f"autodata-world:{self.seed}:{index}")
        return build_document(f"sim-{self.seed}-{index:04d}", rng)

    def documents(self, count: int, offset: int = 0) -> list[SimDocument]:
        return [self.document(i) for i in range(offset, offset + count)]


def _statuses(rng: random.Random, count: int, adjectives: tuple[str, ...], taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        atom = f"{rng.choice(adjectives)} {rng.choice(NOUNS)}"
        if atom not in taken:
            taken.add(atom)
            out.append(atom)
    return out


def build_document(doc_id: str, rng: random.Random) -> SimDocument:
    taken: set[str] = set()
    base = _statuses(rng, 8, ADJECTIVES, taken)
    negatives = _statuses(rng, 3, NEGATIVE_ADJECTIVES, taken)
    layers: dict[str, int] = {atom: 0 for atom in base + negatives}
    specs: list[tuple[tuple[str, ...], str, str | None, bool]] = []  # conditions, conclusion, exception, definition

    # Two derived statuses per layer; each rests on a status of the layer below (the spine).
    previous = base[:2]
    for layer in range(1, MAX_LAYER + 1):
        current = _statuses(rng, 2, ADJECTIVES, taken)
        for atom in current:
            conds = [rng.choice(previous)]
            if rng.random() < 0.5:
                conds.append(rng.choice([b for b in base if b not in conds]))
            definition = rng.random() < 0.25
            exception = None if definition or rng.random() < 0.45 else rng.choice(negatives)
            specs.append((tuple(conds), atom, exception, definition))
            layers[atom] = layer
        previous = current
    # Negative statuses can themselves follow from a fact ("a delinquent payer is suspended").
    for negative in negatives:
        if rng.random() < 0.5:
            specs.append(((rng.choice(base),), negative, None, False))
    # Side rules that lead nowhere on the spine: the raw material of distractors.
    side = _statuses(rng, 4, ADJECTIVES, taken)
    for atom in side:
        conds = tuple(rng.sample(base, 2))
        specs.append((conds, atom, rng.choice(negatives + [None, None]), False))
        layers[atom] = 1

    rng.shuffle(specs)
    rules: list[Rule] = []
    for number, (conds, conclusion, exception, definition) in enumerate(specs, start=1):
        label = f"§{number}" if definition else f"Rule {number}"
        rules.append(Rule(label, conds, conclusion, exception))
    title = rng.choice(TITLES)
    definitions = [r.render() for r in rules if r.label.startswith("§")]
    operative = [r.render() for r in rules if not r.label.startswith("§")]
    text = "\n".join(
        [
            f"THE {title.upper()} (simulated document {doc_id})",
            "",
            "Preamble. This instrument sets out who holds which status under it. A status is held only "
            "when a provision below confers it; an exception defeats the provision it qualifies.",
            "",
            "Part I. Definitions",
            *definitions,
            "",
            "Part II. Operative rules",
            *operative,
        ]
    )
    return SimDocument(doc_id, title, text, tuple(rules), layers)


def random_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
