"""DSPy's ChatAdapter and JSONAdapter, formatting exactly as DSPy's, parsing leniently where meaning is clear.

DSPy's ChatAdapter rebuilds the system message (JSON schemas of typed fields included) and
creates a pydantic TypeAdapter for every input value and every typed output value on every
call; at hundreds of calls per second that is much of a call's cost. The system message depends
only on the signature, a string input formats to itself, and a TypeAdapter depends only on the
input value's type or the output field's annotation, so each is built once. Messages are
identical to ``dspy.ChatAdapter``'s and ``dspy.JSONAdapter``'s (tests/test_adapter.py).

``CachingJSONAdapter`` is the format of every call that sends a JSON schema (harness/structured.py)
and the ChatAdapter's own fallback, so there is one JSON prompt format. Both adapters read rubrics
and verdict lists leniently (``rubric_items``, ``verdict_items``): weights given as strings
("3", "+2", "-1.5"), a rubric written as a list of strings with its weights in the text
("(3) mentions X", "X [weight: -2]"), verdicts "true"/"yes"/"1"/"met". Anything else is a parse
failure. DSPy's "LM response was truncated" warning is collected per call (``truncations``) and
never printed over the progress display.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import json
import logging
import math
import re
import types
from collections.abc import Iterator
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
from harness.rubric import Criterion


def _complete(signature: type[dspy.Signature], fields: dict[str, Any], completion: str, adapter: str) -> dict[str, Any]:
    """The parsed fields with the signature's defaults; every output field present, or DSPy's error."""
    fields = apply_output_field_defaults(signature, fields)
    if fields.keys() != signature.output_fields.keys():
        raise AdapterParseError(adapter_name=adapter, signature=signature, lm_response=completion, parsed_result=fields)
    return fields


class _CachedFormat:
    """A signature's system message and output requirements, built once per signature (the same
    text DSPy builds on every call); mixed into both adapters before DSPy's class."""

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


class CachingChatAdapter(_CachedFormat, dspy.ChatAdapter):
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


    def _make_json_adapter_fallback(self) -> dspy.JSONAdapter:
        return _SHARED_JSON  # the one JSON format, parsed as leniently as this one

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
        return _complete(signature, fields, completion, "ChatAdapter")


class CachingJSONAdapter(_CachedFormat, dspy.JSONAdapter):
    """``dspy.JSONAdapter``'s messages, built once per signature, and its parse with the lenient
    reading of rubrics and verdicts. It never sets ``response_format`` itself: the role does
    (harness/structured.py), in the wire spelling its endpoint takes."""

    def _prepare_response_format(self, lm: Any, lm_kwargs: dict[str, Any], signature: Any) -> None:
        return None

    format_user_message_content = CachingChatAdapter.format_user_message_content

    def parse(self, signature: type[dspy.Signature], completion: str) -> dict[str, Any]:
        """``JSONAdapter.parse`` (DSPy 3.4.1) with ``cached_parse_value``."""
        fields = json_repair.loads(completion)
        if not isinstance(fields, dict):
            import regex

            match = regex.search(r"\{(?:[^{}]|(?R))*\}", completion, regex.DOTALL)
            if match:
                fields = json_repair.loads(match.group(0))
        if not isinstance(fields, dict):
            raise AdapterParseError(adapter_name="JSONAdapter", signature=signature, lm_response=completion,
                                    message="LM response cannot be serialized to a JSON object.")
        outputs = signature.output_fields
        fields = {k: v for k, v in fields.items() if k in outputs}
        for name, value in fields.items():
            try:
                fields[name] = cached_parse_value(value, outputs[name].annotation)
            except ValueError as error:
                raise AdapterParseError(
                    adapter_name="JSONAdapter", signature=signature, lm_response=completion,
                    message=f"Failed to parse field {name}: {error}", parsed_result=fields,
                ) from None
        return _complete(signature, fields, completion, "JSONAdapter")


_NUMBER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:points?|pts?)?\s*$", re.IGNORECASE)
_LEADING_WEIGHT = re.compile(r"^\s*(?:[-*\u2022]\s+)?[(\[]\s*(?:weight\s*[:=]?\s*)?([+-]?\d+(?:\.\d+)?)\s*(?:points?|pts?)?\s*[)\]]\s*[:.-]?\s*(.+)$",
                             re.IGNORECASE | re.DOTALL)
_TRAILING_WEIGHT = re.compile(r"^(.+?)\s*[(\[]\s*(?:weight|w|points?)?\s*[:=]?\s*([+-]?\d+(?:\.\d+)?)\s*(?:points?|pts?)?\s*[)\]]\s*\.?\s*$",
                              re.IGNORECASE | re.DOTALL)
_PREFIX_WEIGHT = re.compile(r"^\s*(?:[-*\u2022]\s+)?([+-]\d+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:points?|pts?)?\s*[:|]\s*(.+)$",
                            re.IGNORECASE | re.DOTALL)
_TEXT_KEYS = ("criterion", "text", "description", "criteria", "item", "name")
_WEIGHT_KEYS = ("weight", "points", "score", "w", "value")


def weight_value(value: Any) -> float:
    """A weight as a number: 3, 2.5, "3", "+2", "-1.5", "2 points"; anything else raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"weight {value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        match = _NUMBER.match(str(value))
        if match is None:
            raise ValueError(f"weight {value!r} is not a number")
        number = float(match.group(1))
    if not math.isfinite(number):
        raise ValueError(f"weight {value!r} is not finite")
    return number


def criterion_from_text(text: str) -> Criterion:
    """One criterion written as text with its weight in it: "(3) mentions X", "[+2] X", "X [weight: -2]",
    "X (-1)", "+2: X"."""
    for pattern, text_group, weight_group in ((_LEADING_WEIGHT, 2, 1), (_TRAILING_WEIGHT, 1, 2), (_PREFIX_WEIGHT, 2, 1)):
        match = pattern.match(text)
        if match:
            body = match.group(text_group).strip()
            if body:
                return Criterion(criterion=body, weight=weight_value(match.group(weight_group)))
    raise ValueError(f"criterion {text[:80]!r} has no weight")


def _criterion(item: Any) -> Criterion:
    if isinstance(item, Criterion):
        return item
    if isinstance(item, str):
        return criterion_from_text(item)
    if isinstance(item, dict):
        text = next((item[k] for k in _TEXT_KEYS if isinstance(item.get(k), str) and item[k].strip()), None)
        weight = next((item[k] for k in _WEIGHT_KEYS if k in item and item[k] is not None), None)
        if text is None:
            raise ValueError(f"criterion {json.dumps(item)[:80]} has no text")
        if weight is None:
            return criterion_from_text(text)
        return Criterion(criterion=text.strip(), weight=weight_value(weight))
    if isinstance(item, list | tuple) and len(item) == 2:  # ["text", 3] or [3, "text"]
        text, weight = (item[0], item[1]) if isinstance(item[0], str) else (item[1], item[0])
        if isinstance(text, str) and text.strip():
            return Criterion(criterion=text.strip(), weight=weight_value(weight))
    raise ValueError(f"cannot read a criterion from {str(item)[:80]!r}")


def _as_list(value: Any, keys: tuple[str, ...]) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        parsed = json_repair.loads(text) if text else []
        if isinstance(parsed, list | dict) and parsed:
            value = parsed
        else:
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            return [re.sub(r"^(?:\d+[.)]\s+|[-*\u2022]\s+)", "", line) for line in lines]
    if isinstance(value, dict):
        inner = next((value[k] for k in keys if isinstance(value.get(k), list)), None)
        if inner is None:
            raise ValueError("expected a list")
        value = inner
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return list(value)


def rubric_items(value: Any) -> list[Criterion]:
    """A rubric from what a model wrote: criterion objects (weights as numbers or strings), or
    strings with the weight in the text. Raises ValueError for anything else."""
    return [_criterion(item) for item in _as_list(value, ("rubric", "criteria", "items"))]


TRUE_WORDS = frozenset({"true", "yes", "y", "1", "met", "pass", "passed", "satisfied", "t", "correct"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "not met", "unmet", "not_met", "fail", "failed", "not satisfied", "f",
                         "incorrect"})


def verdict_value(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, dict):
        inner = next((value[k] for k in ("verdict", "met", "value", "satisfied") if k in value), None)
        if inner is not None:
            return verdict_value(inner)
    if isinstance(value, str):
        word = value.strip().strip(".").lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueError(f"cannot read a verdict from {str(value)[:40]!r}")


def verdict_items(value: Any) -> list[bool]:
    """Verdicts from what a model wrote: a JSON list of booleans, or of "true"/"yes"/"1"/"met"
    (and their negatives), or such words separated by commas or lines."""
    if isinstance(value, str) and not value.strip().startswith(("[", "{")):
        return [verdict_value(part) for part in re.split(r"[,\n;]+", value) if part.strip()]
    return [verdict_value(item) for item in _as_list(value, ("verdicts", "items"))]


_LENIENT = {list[Criterion]: rubric_items, list[bool]: verdict_items}


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
    list, model and scalar annotations; everything else is handed to DSPy's own). Rubrics and
    verdict lists are read by ``rubric_items`` and ``verdict_items``."""
    if annotation is str:
        return "" if value is None else (value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value))
    lenient = _LENIENT.get(annotation)
    if lenient is not None:
        return lenient(value)
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
_SHARED_JSON = CachingJSONAdapter()

TRUNCATION_WARNING = "LM response was truncated"
_truncations: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("truncations", default=None)
truncation_warnings = {"count": 0}  # every truncation warning of this process, collected here


class _CollectTruncation(logging.Filter):
    """Takes DSPy's per-reply truncation warning off the console and into the current call's list."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(TRUNCATION_WARNING):
            return True
        truncation_warnings["count"] += 1
        collected = _truncations.get()
        if collected is not None:
            collected.append(record.getMessage())
        return False


_FILTER = _CollectTruncation()


@contextlib.contextmanager
def truncations() -> Iterator[list[str]]:
    """The truncation warnings of the calls made inside this context (one per truncated reply)."""
    collected: list[str] = []
    token = _truncations.set(collected)
    try:
        yield collected
    finally:
        _truncations.reset(token)


def adapter_for(structured: bool) -> Any:
    """A context that formats and parses the calls inside it as JSON (a schema is sent) or as text."""
    return dspy.context(adapter=_SHARED_JSON if structured else _SHARED)


def call_settings() -> Any:
    """DSPy settings for every autodata call (usage tracking, the caching adapter), as a context.

    A context rather than ``dspy.configure``: configure may only be called from the task that
    first called it, and generations, sweeps and trainers run in many tasks and event loops.
    """
    signature_fields.install()
    logger = logging.getLogger("dspy.clients.lm")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    # No LM history: nothing reads it, and 10,000 kept entries per LM cost memory and GC time.
    return dspy.context(track_usage=True, adapter=_SHARED, disable_history=True)
