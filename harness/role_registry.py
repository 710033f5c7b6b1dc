"""Roles by name: one registered definition per role beyond the six the loop was built on.

A ``RoleDef`` holds everything the harness needs to call a role: its DSPy signature (built lazily,
so importing the registry does not import DSPy), its default prompt, the check a reply must pass
(``harness/reply_checks.py`` reasons), the base role whose model it uses unless ``models.<name>``
is set, its temperature, whether its prompt is a gene (``genes.<name>_instructions``), and the
tiny inputs the preflight sends it. Adding a role is one file in ``harness/role_defs/`` and one
``register`` line in ``harness/role_defs/__init__.py``; the offline world plays it through a
player registered under the same name in ``harness/sim/players.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RoleDef:
    name: str
    signature: Callable[[], Any]  # returns the dspy.Signature class (lazy: DSPy imports slowly)
    instructions: str  # the default prompt
    check: Callable[[Any, list[str]], None]  # raises reply_checks.ReplyProblem on an unusable reply
    model_slot: str  # the base role whose model plays it unless models.<name> is set
    temperature: float = 0.0
    gene: bool = False  # its prompt is a gene the meta-optimizer may rewrite
    preflight_inputs: Callable[[], dict[str, Any]] = dict

    @property
    def gene_field(self) -> str:
        return f"{self.name}_instructions"


_REGISTRY: dict[str, RoleDef] = {}


def register(role: RoleDef) -> RoleDef:
    if role.name in _REGISTRY:
        raise ValueError(f"role '{role.name}' is already registered")
    _REGISTRY[role.name] = role
    return role


def get(name: str) -> RoleDef:
    _load()
    if name not in _REGISTRY:
        raise KeyError(f"unknown role '{name}'; registered: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def all_roles() -> list[RoleDef]:
    _load()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def _load() -> None:
    import harness.role_defs  # noqa: F401  (registers the definitions)
