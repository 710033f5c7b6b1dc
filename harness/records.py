"""Records of a generation: typed rows, written append-only as JSONL and flushed as made.

A run killed at any moment leaves at worst one partial last line; ``read_jsonl`` drops it and
``JsonlWriter`` truncates it before appending, so a resumed run neither loses nor duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from harness.rubric import Criterion


class Sample(BaseModel):
    context: str
    question: str
    reference_answer: str
    final_answer: str
    rubric: list[Criterion]
    question_type: str
    skill_tags: list[str] = Field(default_factory=list)
    plan: str | None = None
    # One capability tag per rubric criterion, in order (the legal protocol's tagged rubric); else empty.
    capabilities: list[str] = Field(default_factory=list)


class QVResult(BaseModel):
    verdict: str
    reason: str
    explanation: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "PASS"


class Attempt(BaseModel):
    solver: str  # "weak" | "strong"
    index: int
    answer: str
    final_answer: str
    verdicts: list[bool]
    score: float


class FailedAttempt(BaseModel):
    """A solver attempt that produced no usable answer or verdicts after its retries."""

    solver: str
    index: int
    role: str  # the role whose reply was unusable: the solver or the judge
    reason: str  # a reply_checks.REASONS value
    error: str = ""


class Candidate(BaseModel):
    index: int
    sample: Sample | None = None
    qv: QVResult | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    failed_attempts: list[FailedAttempt] = Field(default_factory=list)
    # Attempts not judged (or candidates not tried on the strong solver) because the outcome was
    # already decided by the ones before them.
    cancelled_attempts: int = 0
    # Attempts never requested: an earlier wave of attempts had decided the candidate.
    unrequested_attempts: int = 0
    # Per solver, how many of its leading scored attempts decided the candidate (absent: all of
    # them). The decision, its reason and the orchestrator's feedback are read from those, so
    # they are the same whether the rest were measured or not (attempt_parallelism: all).
    decided_after: dict[str, int] = Field(default_factory=dict)
    decision: str  # an Outcome value, "error" (no usable sample or no scored attempt), or "cancelled"
    reason: str = ""
    # For "error": the role and the kind of its last failure ("challenger:unparseable").
    error_kind: str | None = None
    consistency: dict[str, Any] | None = None
    # The protocol's own evidence (harness/protocols): science's correct counts per solver, the
    # legal loop-judge's JSON with its packet and code overrides.
    stats: dict[str, Any] = Field(default_factory=dict)
    review: dict[str, Any] | None = None

    def scores(self, solver: str) -> list[float]:
        return [a.score for a in self.attempts if a.solver == solver]

    def evidence(self, solver: str) -> list[float]:
        """The scores the decision was read from: the leading ones that decided, else all."""
        scores = self.scores(solver)
        return scores[: self.decided_after[solver]] if solver in self.decided_after else scores

    def mean(self, solver: str) -> float | None:
        values = self.scores(solver)
        return sum(values) / len(values) if values else None


class RoundRecord(BaseModel):
    kind: str = "round"
    doc_id: str
    round: int
    harness_hash: str
    preset: str
    seed: int
    guidance: str
    candidates: list[Candidate]
    decision: str
    chosen: int | None = None  # candidate index whose sample the round produced
    final_qv: QVResult | None = None  # the loop's own QV (a gene): kept for analysis
    # The guarded auditor's verdict (harness/config.py Auditor); where it exists, it and the
    # content guard, not ``final_qv``, decide ``in_dataset``.
    audit: QVResult | None = None
    # What the content guard found addressed to the sample's readers (harness/injection.py):
    # "<field>: <finding>: <sentence>"; non-empty means rejected as ``injected_instructions``.
    injections: list[str] = Field(default_factory=list)
    in_dataset: bool = False
    next_guidance: str | None = None
    # Why the round is "error" (every candidate lacks a usable sample or score): it then does not
    # use up the document's round budget (runtime.errors_per_document caps such rounds).
    error: str | None = None
    usage: dict[str, dict[str, int]] = Field(default_factory=dict)
    elapsed_s: float = 0.0
    # Decision "skipped": the document was found unsuitable before any question (the extractor's reason).
    skip_reason: str | None = None
    # The dataset-level report the orchestrator read in this round (harness/dataset_feedback.py).
    dataset_snapshot: int | None = None


class FinalCheck(BaseModel):
    """The last filter a sample passed on its way into the dataset, in one shape for every preset:
    ``final_qv`` (the agentic loop's last QV pass), ``answer_consistency`` (CoT-Self-Instruct's
    strong-majority filter) or ``none`` (a preset with neither). One shape, so ``accepted.jsonl``
    has the same columns and types whatever the preset (``datasets`` reads several together)."""

    name: str
    verdict: str
    reason: str
    explanation: str = ""


class AcceptedSample(BaseModel):
    id: str
    doc_id: str
    round: int
    harness_hash: str
    preset: str
    seed: int
    sample: Sample
    weak_scores: list[float]
    strong_scores: list[float]
    weak_mean: float | None
    strong_mean: float | None
    gap: float | None
    final_check: FinalCheck | None = None  # None only in rows written before it existed
    # Rows written before ``final_check`` carried the final QV here (agentic) or null (CoT): read,
    # never written, because a column null for a whole preset has no type a reader can join on.
    final_qv: QVResult | None = Field(default=None, exclude=True)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """All complete lines of a JSONL file; a partial last line (a killed writer) is ignored."""
    if not path.exists():
        return []
    rows = []
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break  # partial last line
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    break
    return rows


class RecordWriteError(RuntimeError):
    """A record could not be written (a full disk, a quota): the file was cut back to its last
    complete line, so everything in it is whole and a resumed run continues from there."""


class JsonlWriter:
    """Appends one JSON object per line, flushed (and fsynced when ``durable``) before ``write``
    returns. A write that fails part-way (disk full) is cut back to the last complete line and
    raised as :class:`RecordWriteError`: the file never keeps a torn line."""

    def __init__(self, path: Path, durable: bool = True) -> None:
        self.path = path
        self.durable = durable
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lines = self._repair()
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def _repair(self) -> int:
        """Drops a torn last line; the number of complete lines."""
        if not self.path.exists():
            return 0
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(end)
        return data.count(b"\n", 0, end)

    def write(self, row: BaseModel | dict[str, Any]) -> None:
        payload = row.model_dump(mode="json") if isinstance(row, BaseModel) else row
        data = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
        if self._fd is None:
            raise ValueError(f"{self.path}: written after close")
        start = os.lseek(self._fd, 0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            if self.durable:
                os.fsync(self._fd)
        except OSError as error:
            # No torn line: back to the last complete record (if even that fails, the next open's
            # _repair drops the partial line).
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, start)
            raise RecordWriteError(f"{self.path}: cannot write ({error.strerror or error}); "
                                   f"its {self.lines} complete records are kept: free space and run the same "
                                   "command again to resume") from None
        self.lines += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
