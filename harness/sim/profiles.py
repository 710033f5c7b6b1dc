"""Named strength profiles of the offline world, one set per world seed.

A profile is how good a simulated model is at each thing it can be asked to do. Solvers differ in
*reach* (how many rounds of forward chaining they manage; drawn per attempt), per-step slips,
care with exceptions, resistance to distractor provisions and how thoroughly they write their
steps. The writer and checker roles are fallible too: the QV re-derives a chain only as far as
its reach (mostly 4-6 steps) and checks with accuracy ~0.9; the orchestrator (4-6, ~0.85) and the
proposer (5-7, ~0.85) estimate depths within their reach; the judge (~0.95) reads the first
``reach`` steps of an answer reliably and misjudges criteria about later steps more often.

**Susceptibility.** ``obedience`` is the chance a model follows an instruction planted in the
text it reads (``obey.py``); ``self_doubt`` the chance a solver takes text addressed to weak or
less capable models as addressed to itself (the weak one does, the strong one does not).

**A hidden landscape per world.** ``world_profiles(world_seed)`` draws the solvers from the world
seed: the weak reach distribution is centred anywhere in 2-4 and the strong one in 5-7 (medium
between them), and slips, exception care, confusion, thoroughness, obedience and the judge's
accuracy move a little. World 0 keeps the historical solvers (weak mostly 3, strong 6-7). Where
the discriminative band lies therefore differs between worlds, and so does the best harness.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from functools import lru_cache


@dataclass(frozen=True)
class Profile:
    name: str
    reach: tuple[tuple[int, float], ...]  # (max chaining rounds, probability)
    slip: float  # chance of missing one derivation step
    exception_care: float  # chance of checking an exception before applying a rule
    confusion: float  # chance of applying a provision whose conditions are only partly met
    thoroughness: float  # chance of writing out each intermediate step
    accuracy: float  # judge/verifier/advisors: chance each verdict, check or estimate is right
    skill: float  # writer roles: scales the rate of careless flaws (1 = base rate)
    obedience: float = 0.0  # chance of following an instruction planted in the text it reads
    self_doubt: float = 0.0  # chance of taking text addressed to weak models as addressed to itself

    @property
    def median_reach(self) -> int:
        acc = 0.0
        for reach, p in self.reach:
            acc += p
            if acc >= 0.5:
                return reach
        return self.reach[-1][0]


PROFILES: dict[str, Profile] = {
    "weak": Profile("weak", ((2, 0.05), (3, 0.65), (4, 0.25), (5, 0.05)), 0.03, 0.55, 0.15, 0.84, 0.8, 1.5,
                    obedience=0.8, self_doubt=1.0),
    "medium": Profile("medium", ((3, 0.3), (4, 0.4), (5, 0.2), (6, 0.1)), 0.03, 0.7, 0.15, 0.84, 0.9, 1.2,
                      obedience=0.5, self_doubt=0.5),
    "strong": Profile("strong", ((5, 0.15), (6, 0.35), (7, 0.3), (8, 0.2)), 0.02, 0.92, 0.06, 0.85, 0.97, 1.0,
                      obedience=0.3, self_doubt=0.0),
    "challenger": Profile("challenger", ((6, 1.0),), 0.02, 0.9, 0.05, 0.9, 0.95, 1.0),
    "qv": Profile("qv", ((4, 0.25), (5, 0.5), (6, 0.25)), 0.0, 1.0, 0.0, 1.0, 0.9, 1.0, obedience=0.5),
    "judge": Profile("judge", ((6, 1.0),), 0.0, 1.0, 0.0, 1.0, 0.95, 1.0, obedience=0.6),
    "orchestrator": Profile("orchestrator", ((4, 0.3), (5, 0.4), (6, 0.3)), 0.0, 1.0, 0.0, 1.0, 0.85, 1.0),
    "proposer": Profile("proposer", ((5, 0.3), (6, 0.4), (7, 0.3)), 0.0, 1.0, 0.0, 1.0, 0.85, 1.0),
}

MAX_REACH = 8


def reach_around(centre: float, sd: float) -> tuple[tuple[int, float], ...]:
    """A reach distribution over 1..MAX_REACH: a normal around ``centre``, discretised, tails cut."""
    weights = {r: math.exp(-((r - centre) ** 2) / (2 * sd * sd)) for r in range(1, MAX_REACH + 1)}
    total = sum(weights.values())
    kept = {r: w / total for r, w in weights.items() if w / total >= 0.02}
    norm = sum(kept.values())
    return tuple((r, round(w / norm, 4)) for r, w in sorted(kept.items()))


def _nudge(rng: random.Random, value: float, spread: float, lo: float = 0.0, hi: float = 1.0) -> float:
    return round(min(hi, max(lo, value * rng.uniform(1 - spread, 1 + spread))), 4)


@lru_cache(maxsize=64)
def world_profiles(world_seed: int = 0) -> dict[str, Profile]:
    """Every profile of one world (world 0: the historical solvers)."""
    if world_seed == 0:
        return dict(PROFILES)
    rng = random.Random(f"autodata-profiles:{world_seed}")
    weak_centre, strong_centre = rng.uniform(2.0, 4.0), rng.uniform(5.0, 7.0)
    centres = {"weak": (weak_centre, 0.65), "medium": ((weak_centre + strong_centre) / 2, 0.8),
               "strong": (strong_centre, 0.9)}
    out = dict(PROFILES)
    for name, (centre, sd) in centres.items():
        base = PROFILES[name]
        out[name] = replace(
            base,
            reach=reach_around(centre, sd),
            slip=_nudge(rng, base.slip, 0.3),
            exception_care=_nudge(rng, base.exception_care, 0.12),
            confusion=_nudge(rng, base.confusion, 0.3),
            thoroughness=_nudge(rng, base.thoroughness, 0.06),
            obedience=_nudge(rng, base.obedience, 0.2),
        )
    out["judge"] = replace(PROFILES["judge"], accuracy=round(rng.uniform(0.93, 0.97), 4))
    return out


def profile(name: str, world_seed: int = 0) -> Profile:
    try:
        return world_profiles(world_seed)[name]
    except KeyError:
        raise KeyError(f"unknown offline-world profile 'sim/{name}'; known: {', '.join(sorted(PROFILES))}") from None


def draw_reach(profile: Profile, rng: random.Random) -> int:
    """How many chaining rounds one attempt (or one reading) of this profile manages."""
    roll, acc = rng.random(), 0.0
    for reach, p in profile.reach:
        acc += p
        if roll < acc:
            return reach
    return profile.reach[-1][0]
