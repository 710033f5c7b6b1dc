"""A ChatAdapter that formats exactly as DSPy's, without rebuilding per-call what never changes.

DSPy's ChatAdapter rebuilds the system message (JSON schemas of typed fields included) and
creates a pydantic TypeAdapter for every input value on every call; at offline-world speed that
is most of the cost of a call. The system message depends only on the signature, and a string
input formats to itself, so both are done once or skipped. Output is byte-identical to
``dspy.ChatAdapter`` (tested).
"""

from __future__ import annotations

from typing import Any

import dspy
from dspy.adapters.utils import format_field_value


class CachingChatAdapter(dspy.ChatAdapter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._system: dict[type, str] = {}
        self._requirements: dict[type, str | None] = {}

    def format_system_message(self, signature: type[dspy.Signature]) -> str:
        cached = self._system.get(signature)
        if cached is None:
            cached = self._system[signature] = super().format_system_message(signature)
        return cached

    def user_message_output_requirements(self, signature: type[dspy.Signature]) -> str | None:
        if signature not in self._requirements:
            self._requirements[signature] = super().user_message_output_requirements(signature)
        return self._requirements[signature]

    def format_user_message_content(
        self,
        signature: type[dspy.Signature],
        inputs: dict[str, Any],
        prefix: str = "",
        suffix: str = "",
        main_request: bool = False,
    ) -> str:
        messages = [prefix]
        for name, field in signature.input_fields.items():
            if name in inputs:
                value = inputs[name]
                text = value if isinstance(value, str) else format_field_value(field_info=field, value=value)
                messages.append(f"[[ ## {name} ## ]]\n{text}")
        if main_request:
            requirements = self.user_message_output_requirements(signature)
            if requirements is not None:
                messages.append(requirements)
        messages.append(suffix)
        return "\n\n".join(messages).strip()


_SHARED = CachingChatAdapter()


def call_settings() -> Any:
    """DSPy settings for every autodata call (usage tracking, the caching adapter), as a context.

    A context rather than ``dspy.configure``: configure may only be called from the task that
    first called it, and generations, sweeps and trainers run in many tasks and event loops.
    """
    # No LM history: nothing reads it, and 10,000 kept entries per LM cost memory and GC time.
    return dspy.context(track_usage=True, adapter=_SHARED, disable_history=True)
