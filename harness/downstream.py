"""What a downstream trainer reports: the reward a dataset bought (objectives/downstream runs them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DownstreamResult(BaseModel):
    trainer: str
    ok: bool
    reward: float | None = None  # the gain the dataset bought (after - before)
    before: float | None = None
    after: float | None = None
    samples_used: int = 0
    simulated: bool = False
    reason: str | None = None  # why it failed, when ok is False
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def failed(cls, trainer: str, reason: str, **details: Any) -> DownstreamResult:
        return cls(trainer=trainer, ok=False, reason=reason, details=details)
