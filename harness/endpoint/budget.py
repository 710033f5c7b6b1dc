"""Spending limits for one run: endpoint calls, tokens and dollars.

Calls are reserved before they are sent, so a run never makes more calls than its limit; tokens
and dollars are known only when a reply arrives, so those limits stop new calls once reached
(the calls already in flight finish: the overshoot is at most one reply per request in flight).
Cached replies cost nothing and are not counted. What was spent is carried over from the run's
earlier sessions, so a resumed run keeps to the same limits.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

from harness.endpoint.errors import BudgetExceeded


@dataclass
class Spend:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    dollars: float = 0.0
    by_model: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def from_dict(cls, data: dict | None) -> Spend:
        data = data or {}
        return cls(calls=int(data.get("calls", 0)), input_tokens=int(data.get("input_tokens", 0)),
                   output_tokens=int(data.get("output_tokens", 0)), dollars=float(data.get("dollars", 0.0)),
                   by_model=dict(data.get("by_model") or {}))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["tokens"] = self.tokens
        out["dollars"] = round(self.dollars, 6)
        return out


class BudgetGuard:
    def __init__(self, calls: int | None = None, tokens: int | None = None, dollars: float | None = None,
                 spent: Spend | None = None) -> None:
        self.calls, self.tokens, self.dollars = calls, tokens, dollars
        self.spent = spent or Spend()
        self._reserved = 0
        self._lock = threading.Lock()
        self.stopped: str | None = None

    def _exhausted(self) -> str | None:
        s = self.spent
        if self.calls is not None and s.calls + self._reserved >= self.calls:
            return f"call limit reached ({s.calls} of {self.calls} calls made)"
        if self.tokens is not None and s.tokens >= self.tokens:
            return f"token limit reached ({s.tokens} of {self.tokens} tokens)"
        if self.dollars is not None and s.dollars >= self.dollars:
            return f"dollar limit reached (${s.dollars:.4f} of ${self.dollars:.4f})"
        return None

    def reserve(self) -> None:
        """Claim one call, or raise ``BudgetExceeded`` (and remember why)."""
        with self._lock:
            reason = self._exhausted()
            if reason:
                self.stopped = self.stopped or reason
                raise BudgetExceeded(reason)
            self._reserved += 1

    def cancel(self) -> None:
        """A reserved call that got no billable reply (an error): it costs nothing."""
        with self._lock:
            self._reserved -= 1

    def charge(self, model: str, input_tokens: int, output_tokens: int, dollars: float) -> None:
        with self._lock:
            self._reserved -= 1
            s = self.spent
            s.calls += 1
            s.input_tokens += input_tokens
            s.output_tokens += output_tokens
            s.dollars += dollars
            entry = s.by_model.setdefault(model, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "dollars": 0.0})
            entry["calls"] += 1
            entry["input_tokens"] += input_tokens
            entry["output_tokens"] += output_tokens
            entry["dollars"] += dollars

    def limits(self) -> dict:
        return {"calls": self.calls, "tokens": self.tokens, "dollars": self.dollars}
