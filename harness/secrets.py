"""Keeping secrets out of everything a run writes.

API keys are read from the environment at call time and never stored. On top of that, any
configuration value under a name containing ``key``, ``token`` or ``secret`` is replaced by
``<redacted>`` before a configuration is written to ``OUT/`` or to MLflow. Names ending in
``_env`` hold the *name* of an environment variable (``api_key_env: OPENAI_API_KEY``), never a
value, and numbers (``max_tokens``) are not secrets; both are kept.
"""

from __future__ import annotations

import os
import re
from typing import Any

REDACTED = "<redacted>"
_SECRET_NAME = re.compile(r"key|token|secret", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not name.lower().endswith("_env")


def redact(value: Any, secret: bool = False) -> Any:
    """A copy of ``value`` with every string under a secret-looking name replaced, however deep
    (``api_keys: [..]`` and ``secrets: {openai: ..}`` too); numbers, booleans and None are kept."""
    if isinstance(value, dict):
        return {k: redact(v, secret or is_secret_name(str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, secret) for v in value]
    return REDACTED if secret and isinstance(value, str) else value


def secret_values() -> list[str]:
    """Values of secret-looking environment variables (long enough to be keys), for scrubbing text."""
    return [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8]


def scrub(text: str) -> str:
    """``text`` with any secret environment value replaced (last line of defence for free text)."""
    for secret in secret_values():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
