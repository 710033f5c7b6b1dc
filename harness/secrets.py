"""Keeping secrets out of everything a run writes.

API keys are read from the environment at call time and never stored. On top of that, any
configuration value under a name containing ``key``, ``token`` or ``secret`` is replaced by
``<redacted>`` before a configuration is written to ``OUT/`` or to MLflow. Names ending in
``_env`` hold the *name* of an environment variable (``api_key_env: OPENAI_API_KEY``), never a
value, and numbers (``max_tokens``) are not secrets; both are kept.

Secrets also hide inside values with harmless names: a URL with credentials
(``api_base: https://user:pass@host``, a storage URL), or a command string
(``downstream.command: train --token abc``). Every string value is therefore passed through
:func:`redact_text`, which hides a URL's password, the value after a secret-looking flag or
assignment (``--api-key X``, ``TOKEN=X``, ``Authorization: Bearer X``), and any secret
environment value that appears in it.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "<redacted>"
_SECRET_NAME = re.compile(r"key|token|secret", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not name.lower().endswith("_env")


# scheme://user:password@host -> scheme://user:<redacted>@host
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:)(?P<secret>[^/\s@]+)(?=@)", re.IGNORECASE)
# --api-key X, --token=X, API_KEY=X, password: X (names ending in a secret word; numbers are kept,
# as in --max-tokens 64; prose such as "the keyword list" is not a flag)
_FLAG_VALUE = re.compile(
    r"(?P<head>(?:(?<![\w-])--?[\w-]*(?:key|token|secret|passw(?:or)?d)(?:\s+|=)"
    r"|\b[\w.-]*(?:key|token|secret|passw(?:or)?d)\s*[=:]\s*))"
    r"(?P<quote>['\"]?)(?P<secret>(?!\d+\b)(?!bearer\b)[^\s'\"]+)", re.IGNORECASE)
_BEARER = re.compile(r"(?P<head>\bbearer\s+)(?P<secret>[^\s'\"]+)", re.IGNORECASE)


def redact_text(text: str) -> str:
    """``text`` with credentials in URLs, values of secret-looking flags and assignments, bearer
    tokens and secret environment values replaced by ``<redacted>``."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
    text = _FLAG_VALUE.sub(lambda m: m["head"] + m["quote"] + (m["secret"] if m["secret"] == REDACTED else REDACTED), text)
    text = _BEARER.sub(lambda m: m["head"] + REDACTED, text)
    return scrub(text)


def redact(value: Any, secret: bool = False) -> Any:
    """A copy of ``value`` with every string under a secret-looking name replaced, however deep
    (``api_keys: [..]`` and ``secrets: {openai: ..}`` too), and secrets inside other strings hidden
    (:func:`redact_text`); numbers, booleans and None are kept."""
    if isinstance(value, dict):
        return {k: redact(v, secret or is_secret_name(str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret) for v in value]
    if isinstance(value, str):
        return REDACTED if secret else redact_text(value)
    return value


def secret_values() -> list[str]:
    """Values of secret-looking environment variables (long enough to be keys), for scrubbing text."""
    return [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8]


def scrub(text: str) -> str:
    """``text`` with any secret environment value replaced (last line of defence for free text)."""
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
