"""Proposal operators by name: one line per operator, imported only when a sweep uses it.

Adding an operator touches one new file (a class with ``name``, ``propose`` and a ``create``
classmethod taking ``OperatorDeps``) and one line here. The sweep config's ``operators`` mapping
is checked against these names, so a misspelt operator fails before any call is made.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

# name -> "module:Class". What each searches (docs/search.md has the table):
OPERATORS: dict[str, str] = {
    "optuna": "search.operators.optuna_knobs:OptunaKnobs",  # knobs (TPE / NSGA-II); a parent's texts
    "mutation": "search.operators.reflective:ReflectiveMutation",  # one text, after reading the failures
    "blind": "search.operators.blind:BlindMutation",  # one text, rewritten with an empty analysis
    "merge": "search.operators.merge:MergeGenes",  # texts from two Pareto parents; the better's knobs
    "random": "search.operators.random_space:RandomSpace",  # knobs uniform and every text drawn at random
    "random_knobs": "search.operators.random_knobs:RandomKnobs",  # knobs uniform; a parent's texts
    "gepa": "search.operators.gepa_engine:GepaOperator",  # GEPA's own loop over the texts; seed knobs
    # reward hacks, to measure the guard, the content guard and the auditor (bench/red_team.py); off by default
    "redteam": "search.operators.redteam:RedTeam",
}


@dataclass(frozen=True)
class OperatorDeps:
    """What an operator may be built with."""

    proposer_lm: Any  # dspy.LM of the analyzer and implementer
    proposer_temperature: float = 0.7


def operator_class(name: str) -> type:
    if name not in OPERATORS:
        raise KeyError(f"unknown operator '{name}'; operators are {', '.join(OPERATORS)}")
    module, _, attr = OPERATORS[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def build_operators(names: list[str], deps: OperatorDeps) -> dict[str, Any]:
    return {name: operator_class(name).create(deps) for name in names}
