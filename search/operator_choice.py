"""How a sweep picks the operator of its next proposal, by registered name (``search.operator_choice``).

- ``fixed``: the configured weights, as given.
- ``adaptive``: probability matching (Goldberg 1990; Thierens 2005), the textbook adaptive
  operator selection of evolutionary search. Each configured weight is scaled by the operator's
  chance that its proposal enters the population, estimated from this study's record so far
  with Laplace's rule, (entered + 1) / (proposed + 2): an operator not yet tried counts at 1/2,
  and none is ever switched off. A proposal the guard rejected, one screened out on the train
  minibatch, one that lost to its parent and one that repeated an evaluated harness are all
  proposed and not entered. Why: which operator pays differs by world and by stage of a search
  (on the offline world, knob proposals rarely beat a parent once the texts dominate), and the
  record is in the study already, so every worker reads the same one and a resumed sweep keeps it.

Adding a rule is one class with ``name`` and ``probabilities`` and one line in ``CHOICES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from optuna.trial import TrialState


@dataclass(frozen=True)
class Record:
    proposed: int = 0
    entered: int = 0


class OperatorChoice(Protocol):
    name: str

    def probabilities(self, weights: Mapping[str, float], records: Mapping[str, Record]) -> dict[str, float]:
        """Relative probabilities of the operators in ``weights`` (each weight > 0)."""
        ...


class Fixed:
    name = "fixed"

    def probabilities(self, weights: Mapping[str, float], records: Mapping[str, Record]) -> dict[str, float]:
        return dict(weights)


class Adaptive:
    name = "adaptive"

    def probabilities(self, weights: Mapping[str, float], records: Mapping[str, Record]) -> dict[str, float]:
        out = {}
        for name, weight in weights.items():
            r = records.get(name, Record())
            out[name] = weight * (r.entered + 1) / (r.proposed + 2)
        return out


CHOICES: dict[str, type] = {"fixed": Fixed, "adaptive": Adaptive}


def make_choice(name: str) -> OperatorChoice:
    if name not in CHOICES:
        raise KeyError(f"unknown operator_choice '{name}'; choices are {', '.join(CHOICES)}")
    return CHOICES[name]()


def records_of(trials: Iterable[Any]) -> dict[str, Record]:
    """Each operator's proposals with an outcome, and those that entered the population. Trials
    still running, cancelled or failed by an error are not the operator's outcome."""
    proposed: dict[str, int] = {}
    entered: dict[str, int] = {}
    for trial in trials:
        attrs = trial.user_attrs
        operator = attrs.get("operator")
        if operator in (None, "seed"):
            continue
        done = trial.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
            trial.state == TrialState.FAIL and attrs.get("rejected"))
        if not done:
            continue
        proposed[operator] = proposed.get(operator, 0) + 1
        if trial.state == TrialState.COMPLETE and attrs.get("accepted") and "repeat_of" not in attrs:
            entered[operator] = entered.get(operator, 0) + 1
    return {name: Record(count, entered.get(name, 0)) for name, count in proposed.items()}
