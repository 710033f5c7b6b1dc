"""Grounding documents of the offline world: generated rule systems in legal-flavoured English.

A document is a code of ~20 rules over statuses a person can hold. Statuses sit in layers:
layer 0 are plain facts; a status of layer k is concluded by a rule whose conditions include
one status of layer k-1 (the spine of a chain) and perhaps a plain fact, and which may carry
an exception (``unless that person is a suspended trader``). Chains therefore reach depth 7,
and difficulty is a property of the text: chain depth, exceptions crossed, distractor rules.

**Each world writes in its own style** (``world_style``): the world seed picks one sentence form
for rules, one for exceptions and one for definitions (``logic.RULE_FORMS``, ...; the parser
reads every form), and the vocabulary: adjectives, nouns, negative statuses and titles drawn
from larger pools. World 0 keeps the historical style and vocabulary.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from harness.sim.logic import DEFINITION_FORMS, EXCEPTION_FORMS, RULE_FORMS, Rule

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
# The larger pools other worlds draw their vocabulary from (no word of a sentence form, and none
# that names a model role: documents must not read as instructions to the models).
MORE_ADJECTIVES = (
    "listed", "admitted", "exempt", "nominated", "appointed", "ordinary", "provisional", "permanent",
    "associate", "honorary", "sponsored", "insured", "indemnified", "commissioned", "warranted",
    "endorsed", "verified", "sworn", "notified", "subsidised", "salaried", "attested", "retained",
    "validated", "franchised", "rostered",
)
MORE_NEGATIVES = ("revoked", "debarred", "bankrupt", "censured", "expelled", "lapsed", "defaulting", "excluded")
MORE_NOUNS = (
    "grower", "fisher", "lender", "miner", "courier", "retailer", "landlord", "licensee", "trustee",
    "shipper", "grantee", "occupier", "auditor", "supplier", "tenderer", "dealer", "producer", "builder",
    "warden", "keeper",
)
MORE_TITLES = (
    "Forestry Permits Code", "Water Rights Ordinance", "Guild Membership Statute", "Rail Freight Regulations",
    "Allotment Tenancy Act", "Veterinary Practice Rules", "Fisheries Quota Code", "River Navigation Ordinance",
    "Friendly Societies Regulations", "Public Works Contracts Code", "Quarrying Licences Act",
    "Street Trading Rules", "Heritage Buildings Code", "Apprenticeship Standards Ordinance",
)
FIRST = ("Amara", "Jonas", "Priya", "Tomas", "Leila", "Marcus", "Ingrid", "Kwame", "Sofia", "Dmitri",
         "Hana", "Rafael", "Noor", "Elias", "Mei", "Oskar", "Zara", "Felix", "Anika", "Mateo")
LAST = ("Okafor", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Novak", "Castillo", "Brennan",
        "Adeyemi", "Kowalski", "Fischer", "Osei", "Petrov", "Ramos", "Varga", "Ibrahim")

MAX_LAYER = 7


@dataclass(frozen=True)
class WorldStyle:
    """How one world's documents are written: sentence forms and vocabulary."""

    rule_form: int = 0
    exception_form: int = 0
    definition_form: int = 0
    adjectives: tuple[str, ...] = ADJECTIVES
    negatives: tuple[str, ...] = NEGATIVE_ADJECTIVES
    nouns: tuple[str, ...] = NOUNS
    titles: tuple[str, ...] = TITLES


DEFAULT_STYLE = WorldStyle()


@lru_cache(maxsize=64)
def world_style(seed: int) -> WorldStyle:
    """The style of world ``seed`` (world 0: the historical one)."""
    if seed == 0:
        return DEFAULT_STYLE
    rng = random.Random(f"autodata-style:{seed}")
    return WorldStyle(
        rule_form=rng.randrange(len(RULE_FORMS)),
        exception_form=rng.randrange(len(EXCEPTION_FORMS)),
        definition_form=rng.randrange(len(DEFINITION_FORMS)),
        adjectives=tuple(rng.sample(ADJECTIVES + MORE_ADJECTIVES, len(ADJECTIVES))),
        negatives=tuple(rng.sample(NEGATIVE_ADJECTIVES + MORE_NEGATIVES, len(NEGATIVE_ADJECTIVES))),
        nouns=tuple(rng.sample(NOUNS + MORE_NOUNS, len(NOUNS))),
        titles=tuple(rng.sample(TITLES + MORE_TITLES, len(TITLES))),
    )


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
        self.style = world_style(seed)

    def document(self, index: int) -> SimDocument:
        rng = random.Random(f"autodata-world:{self.seed}:{index}")
        return build_document(f"sim-{self.seed}-{index:04d}", rng, self.style)

    def documents(self, count: int, offset: int = 0) -> list[SimDocument]:
        return [self.document(i) for i in range(offset, offset + count)]


def _statuses(rng: random.Random, count: int, adjectives: tuple[str, ...], taken: set[str],
              nouns: tuple[str, ...] = NOUNS) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        atom = f"{rng.choice(adjectives)} {rng.choice(nouns)}"
        if atom not in taken:
            taken.add(atom)
            out.append(atom)
    return out


def build_document(doc_id: str, rng: random.Random, style: WorldStyle = DEFAULT_STYLE) -> SimDocument:
    taken: set[str] = set()
    adjectives, nouns = style.adjectives, style.nouns
    base = _statuses(rng, 8, adjectives, taken, nouns)
    negatives = _statuses(rng, 3, style.negatives, taken, nouns)
    layers: dict[str, int] = {atom: 0 for atom in base + negatives}
    specs: list[tuple[tuple[str, ...], str, str | None, bool]] = []  # conditions, conclusion, exception, definition

    # Two derived statuses per layer; each rests on a status of the layer below (the spine).
    previous = base[:2]
    for layer in range(1, MAX_LAYER + 1):
        current = _statuses(rng, 2, adjectives, taken, nouns)
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
    side = _statuses(rng, 4, adjectives, taken, nouns)
    for atom in side:
        conds = tuple(rng.sample(base, 2))
        specs.append((conds, atom, rng.choice(negatives + [None, None]), False))
        layers[atom] = 1

    rng.shuffle(specs)
    rules: list[Rule] = []
    for number, (conds, conclusion, exception, definition) in enumerate(specs, start=1):
        label = f"§{number}" if definition else f"Rule {number}"
        form = style.definition_form if definition else style.rule_form
        rules.append(Rule(label, conds, conclusion, exception, form, style.exception_form if exception else 0))
    title = rng.choice(style.titles)
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
