"""Acceptance protocols by name (``guarded.protocol`` or the preset's): one module each.

A protocol decides what the challenger writes (its output schema), how attempts are scored
(rubric or equivalence), how many attempts each solver gets, when a candidate is accepted,
which extra roles the loop calls, and which statistics the scorecard shows for it.
"""

from __future__ import annotations

from harness.protocols.base import Protocol
from harness.protocols.cs import CSProtocol
from harness.protocols.legal import LegalProtocol
from harness.protocols.science import ScienceProtocol

PROTOCOLS: dict[str, type[Protocol]] = {}


def register(protocol: type[Protocol]) -> None:
    PROTOCOLS[protocol.name] = protocol


register(CSProtocol)
register(ScienceProtocol)
register(LegalProtocol)


def protocol_for(config: object) -> Protocol:
    """The protocol instance a harness config names (``config.protocol_name``)."""
    name = config.protocol_name  # type: ignore[attr-defined]
    if name not in PROTOCOLS:
        raise ValueError(f"unknown protocol '{name}'; expected one of {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name](config)
