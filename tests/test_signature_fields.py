"""Memoized signature fields read exactly what DSPy's own properties read."""

from __future__ import annotations

from collections.abc import Iterator

import dspy
import pytest
from dspy.signatures.signature import SignatureMeta

from harness import signature_fields
from harness.adapter import call_settings
from harness.signatures import Challenge, ChallengeUngrounded, Judge, Orchestrate, Solve, VerifyQuality
from search.operators.reflective import AnalyzeRounds, RewriteGene


@pytest.fixture
def memoized() -> Iterator[None]:
    was = signature_fields.installed()
    signature_fields.install()
    yield
    if not was:
        signature_fields.uninstall()


def stock(cls: type, kind: str) -> list[tuple[str, object]]:
    """DSPy's own property, whatever is installed."""
    return list(signature_fields._ORIGINAL[kind].fget(cls).items())


def signatures() -> list[type]:
    made = [Challenge, ChallengeUngrounded, VerifyQuality, Solve, Judge, Orchestrate, AnalyzeRounds, RewriteGene,
            dspy.Signature("context, question -> answer: int, reasons: list[str]")]
    return [*made, Solve.with_instructions("Answer briefly."), Judge.append("notes", dspy.OutputField(), type_=str),
            Solve.prepend("hint", dspy.InputField(), type_=str), Orchestrate.delete("guidance")]


def test_fields_are_dspy_s_own_in_order_for_every_signature(memoized: None) -> None:
    for cls in signatures():
        for _ in range(2):  # the first access builds the memo, the second reads it
            assert list(cls.input_fields.items()) == stock(cls, "input"), cls
            assert list(cls.output_fields.items()) == stock(cls, "output"), cls
            assert list(cls.fields) == [name for name, _ in stock(cls, "input") + stock(cls, "output")]


def test_editing_a_returned_dict_changes_nothing_shared(memoized: None) -> None:
    first = Solve.input_fields
    first.pop("question")
    first["extra"] = None
    assert list(Solve.input_fields) == ["context", "question"]
    assert Solve.input_fields is not Solve.input_fields


def test_a_replaced_field_table_is_read_again(memoized: None) -> None:
    cls = Solve.with_instructions("Answer.")
    assert list(cls.output_fields) == ["answer", "final_answer"]
    table = dict(cls.__pydantic_fields__)
    table.pop("answer")
    type.__setattr__(cls, "__pydantic_fields__", table)  # as a model_rebuild does: a new table
    assert list(cls.output_fields) == ["final_answer"] and list(cls.input_fields) == ["context", "question"]


def test_install_is_idempotent_uninstall_restores_and_every_run_installs() -> None:
    was = signature_fields.installed()
    try:
        signature_fields.uninstall()
        assert not signature_fields.installed()
        assert SignatureMeta.input_fields is signature_fields._ORIGINAL["input"]
        with call_settings():
            assert signature_fields.installed()
        patched = SignatureMeta.output_fields
        signature_fields.install()
        assert SignatureMeta.output_fields is patched
    finally:
        (signature_fields.install if was else signature_fields.uninstall)()
