"""Which Optuna study a sweep runs in: named by what the sweep searches, never by its name alone.

A study's identity is the content hash of everything that decides what its trials mean: the
seed harness (its harness identity and documents), the search space, splits, objectives and
operators, and the sweep seed. The budget and concurrency are left out: raising the candidate
budget continues the same study. A changed configuration therefore starts a new study (and the
CLI says so), so a study never mixes two search spaces and a report never counts a budget spent
under another configuration. ``--resume STUDY`` continues a named study (refused when its
identity differs); ``--new`` starts a fresh one beside the others (``<name>-2``, ``-3``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import optuna

from harness.config import content_hash
from search.config import SweepConfig

IDENTITY_ATTR = "autodata.identity"  # study user attribute: the identity hash it was created for
SHOWN = 10  # hex digits of the identity hash in a study's name


class StudyError(ValueError):
    """A study that cannot be used as asked (phrased for the user)."""


def identity(config: SweepConfig) -> dict[str, Any]:
    return {
        "name": config.name,
        "seed": config.seed,
        "harness": config.harness.identity(),
        "documents": config.harness.documents.model_dump(mode="json"),
        "search": config.search.model_dump(mode="json", exclude={"budget", "concurrency"}),
    }


def identity_hash(config: SweepConfig) -> str:
    return content_hash(identity(config))


def study_name(config: SweepConfig) -> str:
    """The study a configuration runs in by default."""
    return f"{config.name}-seed{config.seed}-{identity_hash(config)[:SHOWN]}"


@dataclass(frozen=True)
class StudyChoice:
    name: str
    status: Literal["new", "continued"]
    note: str  # one line for the user: what was chosen and why


def _studies(storage: Any) -> dict[str, dict[str, Any]]:
    """Every study in the storage: name -> user attributes."""
    return {s.study_name: dict(s.user_attrs) for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}


def choose_study(storage: Any, config: SweepConfig, resume: str | None = None, new: bool = False) -> StudyChoice:
    """The study this sweep runs in (see the module docstring)."""
    if resume and new:
        raise StudyError("--resume and --new exclude each other")
    studies = _studies(storage)
    wanted = identity_hash(config)
    mine = [name for name, attrs in studies.items() if attrs.get(IDENTITY_ATTR) == wanted]
    if resume:
        if resume not in studies:
            known = ", ".join(sorted(mine)) or "none"
            raise StudyError(f"--resume: no study named '{resume}' in the storage (studies of this configuration: {known})")
        if studies[resume].get(IDENTITY_ATTR) != wanted:
            raise StudyError(f"--resume: study '{resume}' was made by another configuration (search space, seed "
                             f"harness, splits, objectives or operators differ); without --resume this one runs "
                             f"in '{study_name(config)}'")
        return StudyChoice(resume, "continued", f"continuing study {resume}")
    base = study_name(config)
    if new:
        number = 2
        while f"{base}-{number}" in studies:
            number += 1
        return StudyChoice(f"{base}-{number}", "new", f"new study {base}-{number} (--new)")
    if mine:
        latest = max(mine, key=lambda name: (len(name), name))  # base, base-2, ..., base-10
        return StudyChoice(latest, "continued", f"continuing study {latest}")
    others = sorted(name for name in studies if name.startswith(f"{config.name}-seed{config.seed}-"))
    if others:
        return StudyChoice(base, "new", f"new study {base}: the configuration differs from that of "
                                        f"{', '.join(others)} (search space, seed harness, splits, objectives or operators)")
    return StudyChoice(base, "new", f"new study {base}")


def mark(study: optuna.Study, config: SweepConfig) -> None:
    """Records the identity a study was made for (once: it never changes)."""
    if IDENTITY_ATTR not in study.user_attrs:
        study.set_user_attr(IDENTITY_ATTR, identity_hash(config))
