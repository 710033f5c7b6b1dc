"""A ChatAdapter that formats and parses exactly as DSPy's, without rebuilding per call what never changes.

DSPy's ChatAdapter rebuilds the system message (JSON schemas of typed fields included) and
creates a pydantic TypeAdapter for every input value and every typed output value on every
call; at hundreds of calls per second that is much of a call's cost. The system message depends
only on the signature, a string input formats to itself, and a TypeAdapter depends only on the
input value's type or the output field's annotation, so each is built once. Messages and parsed
values are identical to ``dspy.ChatAdapter``'s (tests/test_adapter.py).
"""

from __future__ import annotations

import enum
import json
import types
from functools import lru_cache
from typing import Any, Literal, Union, get_origin

import dspy
import json_repair
from dspy.adapters.chat_adapter import field_header_pattern
from dspy.adapters.utils import _format_input_list_field_value, apply_output_field_defaults, parse_value
from dspy.utils.exceptions import AdapterParseError
from pydantic import TypeAdapter
from pydantic.fields import FieldInfo

from harness import signature_fields


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
                text = value if isinstance(value, str) else format_value(field, value)
                messages.append(f"[[ ## {name} ## ]]\n{text}")
        if main_request:
            requirements = self.user_message_output_requirements(signature)
            if requirements is not None:
                messages.append(requirements)
        messages.append(suffix)
        return "\n\n".join(messages).strip()


    def parse(self, signature: type[dspy.Signature], completion: str) -> dict[str, Any]:
        """``ChatAdapter.parse`` (DSPy 3.4.1, step for step) with ``cached_parse_value``."""
        sections: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in completion.splitlines():
            match = field_header_pattern.match(line.strip())
            if match:
                rest = line[match.end():].strip()
                sections.append((match.group(1), [rest] if rest else []))
            else:
                sections[-1][1].append(line)
        fields: dict[str, Any] = {}
        outputs = signature.output_fields
        for name, lines in sections:
            if name not in fields and name in outputs:
                value = "\n".join(lines).strip()
                try:
                    fields[name] = cached_parse_value(value, outputs[name].annotation)
                except ValueError as error:
                    raise AdapterParseError(
                        adapter_name="ChatAdapter", signature=signature, lm_response=completion,
                        message=f"Failed to parse field {name} with value {value} from the LM response. "
                                f"Error message: {error}",
                    ) from None
        fields = apply_output_field_defaults(signature, fields)
        if fields.keys() != outputs.keys():
            raise AdapterParseError(adapter_name="ChatAdapter", signature=signature, lm_response=completion,
                                    parsed_result=fields)
        return fields


@lru_cache(maxsize=256)
def _type_adapter(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation)


def format_value(field: FieldInfo, value: Any) -> str:
    """``dspy.adapters.utils.format_field_value`` (3.4.1) as text, with one TypeAdapter per value
    type: DSPy builds one for every value (about 5% of a whole generation's CPU over HTTP)."""
    if isinstance(value, list) and field.annotation is str:
        return _format_input_list_field_value(value)
    try:
        jsonable = _type_adapter(type(value)).dump_python(value, mode="json", fallback=str)
    except Exception:  # as DSPy: a value pydantic cannot handle at all is sent as its string form
        jsonable = str(value)
    return json.dumps(jsonable, ensure_ascii=False) if isinstance(jsonable, dict | list) else str(jsonable)


def _plain(annotation: Any) -> bool:
    """Annotations whose parse is json_repair then validation (lists, models, numbers, bools)."""
    if annotation is str or isinstance(annotation, enum.EnumMeta):
        return False
    origin = get_origin(annotation)
    if origin is Literal or origin in (Union, types.UnionType):
        return False
    return isinstance(annotation, type) or origin in (list, dict, tuple, set)


def cached_parse_value(value: Any, annotation: Any) -> Any:
    """``dspy.adapters.utils.parse_value`` with one TypeAdapter per annotation (the same steps for
    list, model and scalar annotations; everything else is handed to DSPy's own)."""
    if annotation is str:
        return str(value)
    if not _plain(annotation) or (isinstance(annotation, type) and issubclass(annotation, dspy.Type)):
        return parse_value(value, annotation)
    adapter = _type_adapter(annotation)
    if not isinstance(value, str):
        return adapter.validate_python(value)
    candidate = json_repair.loads(value)  # returns "" on failure
    if candidate == "" and value != "":
        import ast

        try:
            candidate = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            candidate = value
    return adapter.validate_python(candidate)


_SHARED = CachingChatAdapter()


def call_settings() -> Any:
    """DSPy settings for every autodata call (usage tracking, the caching adapter), as a context.

    A context rather than ``dspy.configure``: configure may only be called from the task that
    first called it, and generations, sweeps and trainers run in many tasks and event loops.
    """
    signature_fields.install()
    # No LM history: nothing reads it, and 10,000 kept entries per LM cost memory and GC time.
    return dspy.context(track_usage=True, adapter=_SHARED, disable_history=True)
