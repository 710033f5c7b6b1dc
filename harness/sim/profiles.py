"""Named strength profiles of the offline world.

A profile is how good a simulated model is at each thing it can be asked to do. Solvers differ in
*reach* (how many rounds of forward chaining they manage; drawn per attempt), per-step slips,
care with exceptions, resistance to distractor provisions and how thoroughly they write their
steps. The weak profile mostly reaches 3 steps, the strong one 6-7: the discriminative region lies
between. The other profiles are the roles' default models.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    reach: tuple[tuple[int, float], ...]  # (max chaining rounds, probability)
    slip: float  # chance of missing one derivation step
    exception_care: float  # chance of checking an exception before applying a rule
    confusion: float  # chance of applying a provision whose conditions are only partly met
    thoroughness: float  # chance of writing out each intermediate step
    accuracy: float  # judge/verifier: chance each verdict or check is right
    skill: float  # writer roles: scales the rate of careless flaws (1 = base rate)
    obedience: float = 0.0  # chance of following an instruction planted in the text it reads


PROFILES: dict[str, Profile] = {
    "weak": Profile("weak", ((2, 0.05), (3, 0.65), (4, 0.25), (5, 0.05)), 0.03, 0.55, 0.15, 0.84, 0.8, 1.5),
    "medium": Profile("medium", ((3, 0.3), (4, 0.4), (5, 0.2), (6, 0.1)), 0.03, 0.7, 0.15, 0.84, 0.9, 1.2),
    "strong": Profile("strong", ((5, 0.15), (6, 0.35), (7, 0.3), (8, 0.2)), 0.02, 0.92, 0.06, 0.85, 0.97, 1.0),
    "challenger": Profile("challenger", ((6, 1.0),), 0.02, 0.9, 0.05, 0.9, 0.95, 1.0),
    "qv": Profile("qv", ((8, 1.0),), 0.0, 1.0, 0.0, 1.0, 0.9, 1.0),
    "judge": Profile("judge", ((8, 1.0),), 0.0, 1.0, 0.0, 1.0, 0.985, 1.0),
    "orchestrator": Profile("orchestrator", ((8, 1.0),), 0.0, 1.0, 0.0, 1.0, 0.95, 1.0),
    "proposer": Profile("proposer", ((8, 1.0),), 0.0, 1.0, 0.0, 1.0, 0.95, 1.0),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown offline-world profile 'sim/{name}'; known: {', '.join(sorted(PROFILES))}") from None
