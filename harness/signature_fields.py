"""DSPy signatures' ``input_fields`` and ``output_fields``, computed once per signature class.

DSPy 3.4.1 rebuilds both dictionaries from the pydantic model fields on every access, and one
``Predict`` call reads them many times (predictor, adapter, parser). They depend only on the
class's fields, which never change after the class is made (``with_instructions`` and the other
edits make new classes), so ``install()`` memoizes them per class. The memo is checked against
the class's current field table (a ``model_rebuild`` replaces it) and every access returns a
fresh dictionary, so a caller that edits the result changes nothing shared: values and order
are exactly DSPy's (tests/test_signature_fields.py). The client's CPU per call over HTTP is
x1.00-1.11 higher without it (three runs of experiments/bench/client_cpu.py).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from dspy.signatures.signature import SignatureMeta

_ORIGINAL = {"input": SignatureMeta.input_fields, "output": SignatureMeta.output_fields}
_MEMO: weakref.WeakKeyDictionary[type, tuple[Any, dict[str, dict[str, Any]]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _fields(cls: type, kind: str) -> dict[str, Any]:
    source = cls.__pydantic_fields__  # what DSPy's own property reads, through ``model_fields``
    memo = _MEMO.get(cls)
    if memo is None or memo[0] is not source:
        by_kind: dict[str, dict[str, Any]] = {"input": {}, "output": {}}
        for name, field in source.items():
            by_kind.setdefault(field.json_schema_extra["__dspy_field_type"], {})[name] = field
        memo = (source, by_kind)
        with _LOCK:  # WeakKeyDictionary writes are not safe across threads (sweep workers)
            _MEMO[cls] = memo
    return dict(memo[1][kind])


def installed() -> bool:
    return SignatureMeta.input_fields is not _ORIGINAL["input"]


def install() -> None:
    """Memoize the two properties for every signature class in this process (idempotent)."""
    if not installed():
        SignatureMeta.input_fields = property(lambda cls: _fields(cls, "input"))  # type: ignore[assignment]
        SignatureMeta.output_fields = property(lambda cls: _fields(cls, "output"))  # type: ignore[assignment]


def uninstall() -> None:
    SignatureMeta.input_fields, SignatureMeta.output_fields = _ORIGINAL["input"], _ORIGINAL["output"]  # type: ignore[assignment]
