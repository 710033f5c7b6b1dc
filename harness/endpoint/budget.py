"""Spending limits for one run: endpoint calls, tokens and dollars.

Calls are reserved before they are sent, so a run never makes more calls than its limit; tokens
and dollars are known only when a reply arrives, so those limits stop new calls once reached
(the calls already in flight finish: the overshoot is at most one reply per request in flight).
Cached replies cost nothing and are not counted. Every charge is also appended to the run's
spend log (``spend.jsonl``, flushed per reply), so a resumed run keeps to the same limits even
when an earlier session was killed before it could write its summary.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from harness.endpoint.errors import BudgetExceeded


@dataclass
class Spend:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    dollars: float = 0.0
    cached_input_tokens: int = 0  # the part of input_tokens the endpoint served from its prompt cache
    by_model: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def from_dict(cls, data: dict | None) -> Spend:
        data = data or {}
        return cls(calls=int(data.get("calls", 0)), input_tokens=int(data.get("input_tokens", 0)),
                   output_tokens=int(data.get("output_tokens", 0)), dollars=float(data.get("dollars", 0.0)),
                   cached_input_tokens=int(data.get("cached_input_tokens", 0)),
                   by_model=dict(data.get("by_model") or {}))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["tokens"] = self.tokens
        out["dollars"] = round(self.dollars, 6)
        return out

    def add(self, model: str, input_tokens: int, output_tokens: int, dollars: float, calls: int = 1,
            cached_input_tokens: int = 0) -> None:
        self.calls += calls
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.dollars += dollars
        self.cached_input_tokens += cached_input_tokens
        entry = self.by_model.setdefault(model, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "dollars": 0.0})
        entry["calls"] += calls
        entry["input_tokens"] += input_tokens
        entry["output_tokens"] += output_tokens
        entry["dollars"] += dollars
        entry["cached_input_tokens"] = entry.get("cached_input_tokens", 0) + cached_input_tokens

    @classmethod
    def from_log(cls, rows: list[dict[str, Any]]) -> Spend:
        """The total of a spend log: one row per charged reply (a carried-over row has ``calls``)."""
        spend = cls()
        for row in rows:
            spend.add(str(row["model"]), int(row["input_tokens"]), int(row["output_tokens"]),
                      float(row["dollars"]), int(row.get("calls", 1)), int(row.get("cached_input_tokens", 0)))
        return spend

    def log_rows(self) -> list[dict[str, Any]]:
        """This spend as carried-over log rows, one per model."""
        return [{"model": model, "calls": int(v["calls"]), "input_tokens": int(v["input_tokens"]),
                 "output_tokens": int(v["output_tokens"]), "dollars": float(v["dollars"]),
                 "cached_input_tokens": int(v.get("cached_input_tokens", 0)), "carried": True}
                for model, v in sorted(self.by_model.items())]


class SpendLog(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...


class BudgetGuard:
    def __init__(self, calls: int | None = None, tokens: int | None = None, dollars: float | None = None,
                 spent: Spend | None = None) -> None:
        self.calls, self.tokens, self.dollars = calls, tokens, dollars
        self.spent = spent or Spend()
        self.log: SpendLog | None = None  # the run's spend.jsonl, set per run
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

    def charge(self, model: str, input_tokens: int, output_tokens: int, dollars: float,
               cached_input_tokens: int = 0, role: str | None = None) -> None:
        with self._lock:
            self._reserved -= 1
            self.spent.add(model, input_tokens, output_tokens, dollars, cached_input_tokens=cached_input_tokens)
            if self.log is not None:
                self.log.write({"model": model, "role": role, "input_tokens": input_tokens, "output_tokens": output_tokens,
                                "cached_input_tokens": cached_input_tokens, "dollars": dollars})

    def limits(self) -> dict:
        return {"calls": self.calls, "tokens": self.tokens, "dollars": self.dollars}
