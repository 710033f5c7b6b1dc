"""Computer science: the paper's rubric-score gap rule (``guarded.acceptance``)."""

from __future__ import annotations

from typing import Any

from harness.protocols.base import Protocol


class CSProtocol(Protocol):
    name = "cs"

    @property
    def rule(self) -> Any:
        return self.config.guarded.acceptance
