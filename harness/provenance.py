"""Is this simulated? One answer, per role, decided by where the replies came from.

A role is *simulated* when the offline world plays it: in process (a ``sim/<profile>`` model),
or over HTTP, where ``autodata serve-sim`` stands behind an ``api_base`` like any
OpenAI-compatible server. The world names itself in every reply it writes: the reply's ``model``
is ``sim/<profile>`` (``harness/sim/server.py``), which a real server never answers with. Every
place that labels a number (reports, tables, MLflow tags, scorecards, downstream results, the
preflight's rows, benchmarks) asks this module, through :func:`simulated_roles`, or reads what a
run recorded from it (``summary["simulated_roles"]``).

What a process has seen is remembered per endpoint and model (the preflight's probes see it
before any run call), so a report made before or without a call of its own still knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

WORLD_PREFIX = "sim/"  # the offline world's model names, in configs and in its replies

# (endpoint label, model) pairs whose replies came from the offline world, in this process.
_SEEN: set[tuple[str, str]] = set()


def is_world_reply(served_by: str) -> bool:
    """Whether a reply's ``model`` field names the offline world (serve-sim answers ``sim/...``)."""
    return served_by.startswith(WORLD_PREFIX)


def _key(spec: Any) -> tuple[str, str]:
    from harness.endpoint.client import endpoint_label

    return endpoint_label(spec), spec.model


def note_reply(endpoint: str, model: str, served_by: str) -> bool:
    """Records a reply of ``model`` at ``endpoint`` (its label); True when the offline world wrote it."""
    if is_world_reply(served_by):
        _SEEN.add((endpoint, model))
        return True
    return False


def note_spec(spec: Any) -> None:
    """Records that ``spec``'s endpoint was found to be the offline world (a reused preflight check)."""
    _SEEN.add(_key(spec))


def role_is_simulated(spec: Any) -> bool:
    """The offline world plays this model: in process, or behind its endpoint (seen replying)."""
    return spec.model.startswith(WORLD_PREFIX) or _key(spec) in _SEEN


def simulated_roles(config: Any, earlier: Iterable[str] = ()) -> list[str]:
    """The roles of ``config`` the offline world plays, sorted; ``earlier``: roles a previous
    session of the same run found simulated (a record outlives the process that saw the replies)."""
    before = set(earlier)
    pairs = config.role_models() if hasattr(config, "role_models") else config.models.items()
    return sorted(role for role, spec in pairs if role in before or role_is_simulated(spec))


def label(simulated: bool) -> str:
    """The caption every table of simulated numbers carries."""
    return "SIMULATED (offline world)" if simulated else ""
