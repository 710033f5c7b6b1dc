"""What can go wrong on the way to an endpoint, sorted into kinds that decide what happens next.

``transient`` kinds (rate limit, server error, timeout, malformed body, refused connection) are
retried with backoff inside the engine; ``fatal`` kinds (authentication, wrong address or model,
bad request, a prompt over the context window) stop the run with a message naming the role and
model, as does a budget stop. A context-length refusal that names the window teaches it
(harness/context_window.py), so the next run refuses the document before sending it.
"""

from __future__ import annotations

import asyncio
import json

import dspy.lm15 as lm15
from dspy._vendor.lm15.transports import ConnectTimeout, ReadTimeout, WriteTimeout

TRANSIENT = ("rate_limit", "server_error", "timeout", "malformed", "connection")
FATAL = ("auth", "not_found", "bad_request", "context_length")


class EndpointError(RuntimeError):
    """A call that cannot be completed: fatal at once, or transient after its retries.

    Not a ``RoleError``: the round it happened in is not recorded, so a resumed run redoes it
    (its finished calls come from the cache) instead of keeping a round the endpoint spoiled.
    """

    def __init__(self, kind: str, model: str, endpoint: str, detail: str, role: str | None = None) -> None:
        self.kind, self.model, self.endpoint, self.detail, self.role = kind, model, endpoint, detail, role
        super().__init__(self._text())

    def _text(self) -> str:
        who = f"role '{self.role}' (model {self.model}" if self.role else f"model {self.model} ("
        where = f"{', ' if self.role else ''}at {self.endpoint})" if self.endpoint else ")"
        from harness.secrets import redact_text

        return redact_text(f"{who}{where}: {self.detail}")  # a URL's credentials never reach a message

    def for_role(self, role: str) -> EndpointError:
        if self.role is None:
            self.role = role
            self.args = (self._text(),)
        return self

    @property
    def fatal(self) -> bool:
        return self.kind not in TRANSIENT


class BudgetExceeded(RuntimeError):
    """A spending limit was reached: the run stops cleanly, keeping every finished round."""


def classify(error: BaseException) -> str:
    """The kind of a failed attempt (see ``TRANSIENT`` and ``FATAL``)."""
    if isinstance(error, lm15.RateLimitError):
        return "rate_limit"
    if isinstance(error, (lm15.TimeoutError, asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    # DSPy wraps a socket timeout (connect, write, read) in its generic transport error.
    if isinstance(error, lm15.TransportError) and isinstance(error.__cause__, (ConnectTimeout, ReadTimeout, WriteTimeout)):
        return "timeout"
    if isinstance(error, lm15.AuthError):
        return "auth"
    if isinstance(error, (lm15.UnknownModelError, lm15.UnsupportedModelError)):
        return "not_found"
    if isinstance(error, lm15.ServerError):
        return "server_error"
    if isinstance(error, lm15.ProviderError):
        status = error.status or 0
        if status == 404:
            return "not_found"
        if 400 <= status < 500:
            return "bad_request"
        if status >= 500:
            return "server_error"
        return "malformed"  # a 2xx the client could not read
    if isinstance(error, (json.JSONDecodeError, lm15.StreamAssemblyError, KeyError, TypeError, ValueError)):
        return "malformed"
    if isinstance(error, (lm15.TransportError, ConnectionError, OSError)):
        return "connection"
    return "malformed"


def describe(kind: str, error: BaseException) -> str:
    """One line for the user; provider messages can be long and are cut."""
    first = (str(error).splitlines() or [""])[0][:200]
    hints = {
        "auth": "authentication failed: check the API key variable (api_key_env)",
        "not_found": "not found: check api_base and the model name",
        "connection": "cannot connect: is the server running, and is api_base right?",
        "bad_request": "the endpoint rejected the request",
        "context_length": "the prompt is longer than the model's context window",
    }
    head = hints.get(kind, kind.replace("_", " "))
    return f"{head} ({type(error).__name__}: {first})" if first else head
