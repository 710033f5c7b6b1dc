"""A generation: the inner loop over a set of documents, persisted as it goes and resumable.

Layout of ``OUT/``: ``run.json`` (what this directory holds), ``config.resolved.json``,
``rounds.jsonl`` (one line per round, flushed), ``accepted.jsonl`` (the final dataset, flushed),
``spend.jsonl`` (one line per paid endpoint reply, flushed), ``structured.json`` (the output
mode found per endpoint, so a rerun probes nothing), ``preflight.jsonl`` (what each session's
preflight sent before the run: outside the budget, but in the summary's ``preflight``),
``refused.jsonl`` (documents an endpoint refused during the run as over its context window:
each ends there, is not sent again, and is counted with those refused before any call in the
summary's ``documents_refused``), ``summary.json`` (written at the end).
Started again with the same arguments, a generation reads its records back, rebuilds each
document's state from them, and runs only what is missing. The summary's session counters
(elapsed time, endpoint requests) add up over sessions: a rerun that makes no request leaves the
finished run's numbers as they were.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import aio, provenance
from harness.adapter import call_settings
from harness.config import HarnessConfig
from harness.dataset_feedback import DatasetFeedback
from harness.documents import Document, DocumentSet, load_documents
from harness.endpoint.budget import Spend
from harness.endpoint.errors import BudgetExceeded, EndpointError
from harness.endpoint.limits_store import keep as keep_limits
from harness.loop import InnerLoop, document_finished, stopped_for_errors
from harness.models import ModelRegistry
from harness.records import AcceptedSample, Candidate, FinalCheck, JsonlWriter, RoundRecord, read_jsonl
from harness.roles import Roles
from harness.secrets import redact
from harness.structured import StructuredModes
from harness.summary import (
    endpoint_summary,
    merge_counts,
    preflight_summary,
    refused_documents,
    refused_in_run,
    summarize,
)

ROUNDS_FILE, ACCEPTED_FILE, SUMMARY_FILE, RUN_FILE = "rounds.jsonl", "accepted.jsonl", "summary.json", "run.json"
SPEND_FILE, STRUCTURED_FILE, PREFLIGHT_FILE = "spend.jsonl", "structured.json", "preflight.jsonl"
REFUSED_FILE = "refused.jsonl"


class RunMismatchError(ValueError):
    """The output directory holds a different run; resuming into it would mix two datasets."""


@dataclass
class Progress:
    """What a progress display needs after each round."""

    documents: int
    documents_done: int
    accepted: int
    rounds: int
    calls: int
    elapsed_s: float


ProgressCallback = Callable[[Progress], None]


def final_check(record: RoundRecord, chosen: Candidate) -> FinalCheck:
    """The last filter the chosen sample passed (the final QV runs after the consistency filter)."""
    if record.final_qv is not None:
        return FinalCheck(name="final_qv", **record.final_qv.model_dump())
    if chosen.consistency is not None:
        c = chosen.consistency
        verdict = "PASS" if c.get("consistent") else "FAIL"
        return FinalCheck(name="answer_consistency", verdict=verdict, reason="consistent" if c.get("consistent") else "inconsistent",
                          explanation=f"strong majority '{c.get('majority')}', reference '{c.get('reference')}'")
    return FinalCheck(name="none", verdict="PASS", reason="none", explanation="this preset has no final filter")


def accepted_from(record: RoundRecord) -> AcceptedSample:
    chosen = record.candidates[record.chosen]
    weak, strong = chosen.mean("weak"), chosen.mean("strong")
    sample = chosen.sample
    if sample.plan is None:  # "" (no plan written), not null: one type for the column in every preset
        sample = sample.model_copy(update={"plan": ""})
    return AcceptedSample(
        id=f"{record.doc_id}:r{record.round}:c{chosen.index}",
        doc_id=record.doc_id,
        round=record.round,
        harness_hash=record.harness_hash,
        preset=record.preset,
        seed=record.seed,
        sample=sample,
        weak_scores=chosen.scores("weak"),
        strong_scores=chosen.scores("strong"),
        weak_mean=weak,
        strong_mean=strong,
        gap=(strong - weak) if weak is not None and strong is not None else None,
        final_check=final_check(record, chosen),
    )


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("dspy", "litellm", "optuna", "mlflow", "pydantic", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_json_atomic(path: Path, value: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _identity(config: HarnessConfig, documents: list[Document]) -> dict[str, Any]:
    return {"harness_hash": config.harness_hash(), "seed": config.seed, "preset": config.preset,
            "documents": [d.id for d in documents]}


def prepare_out(config: HarnessConfig, documents: list[Document], out: Path) -> None:
    """Claim ``out`` for this run, or check that it already holds this run (resume)."""
    out.mkdir(parents=True, exist_ok=True)
    identity = _identity(config, documents)
    run_file = out / RUN_FILE
    if run_file.exists():
        held = json.loads(run_file.read_text(encoding="utf-8"))
        mismatched = [key for key in ("harness_hash", "seed", "preset") if held.get(key) != identity[key]]
        if mismatched:
            raise RunMismatchError(
                f"{out}: holds a run with a different {', '.join(mismatched)}; use another --out or remove it"
            )
        held_docs = set(held.get("documents", []))
        if set(identity["documents"]) - held_docs:
            identity["documents"] = sorted(held_docs | set(identity["documents"]))
    write_json_atomic(run_file, identity)
    resolved = {
        "config": redact(config.model_dump(mode="json")),
        "pipeline": config.resolved_pipeline.model_dump(),
        "harness_hash": config.harness_hash(),
        "seed": config.seed,
        "versions": package_versions(),
        "git_commit": git_commit(),
    }
    write_json_atomic(out / "config.resolved.json", resolved)


def load_rounds(out: Path) -> dict[str, list[RoundRecord]]:
    by_doc: dict[str, list[RoundRecord]] = {}
    for row in read_jsonl(out / ROUNDS_FILE):
        record = RoundRecord.model_validate(row)
        by_doc.setdefault(record.doc_id, []).append(record)
    for records in by_doc.values():
        records.sort(key=lambda r: r.round)
    return by_doc


async def run_generation(
    config: HarnessConfig,
    docs: DocumentSet,
    out: Path,
    *,
    registry: ModelRegistry | None = None,
    progress: ProgressCallback | None = None,
    preflight: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``preflight``: what this session's preflight sent (harness/preflight.py ``take_record``)."""
    with call_settings():
        return await _run_generation(config, docs, out, registry=registry, progress=progress, preflight=preflight)


async def _run_generation(
    config: HarnessConfig,
    docs: DocumentSet,
    out: Path,
    *,
    registry: ModelRegistry | None,
    progress: ProgressCallback | None,
    preflight: dict[str, Any] | None = None,
) -> dict[str, Any]:
    documents = docs.documents
    prepare_out(config, documents, out)
    if preflight is not None:  # written first: a killed session's preflight still counts
        with JsonlWriter(out / PREFLIGHT_FILE) as writer:
            writer.write(preflight)
    registry = registry or ModelRegistry(config.models, config.runtime, world_seed=config.documents.world_seed)
    last_summary = earlier_summary(out)  # whether earlier sessions of this run were SIMULATED
    spend_writer, registry.budget.spent = open_spend_log(out, last_summary)
    registry.budget.log = spend_writer
    structured_path = out / STRUCTURED_FILE
    modes = StructuredModes(json.loads(structured_path.read_text(encoding="utf-8")) if structured_path.exists() else {})
    roles = Roles(config, registry, modes)
    every = config.knobs.feedback_dataset_every
    dataset_feedback = DatasetFeedback(every, out) if every > 0 else None
    loop = InnerLoop(config, roles, dataset_feedback)
    prior = load_rounds(out)
    seen_rounds = [r for records in prior.values() for r in records]  # what the dataset report counts
    started = time.perf_counter()

    rounds_writer = JsonlWriter(out / ROUNDS_FILE)
    accepted_writer = JsonlWriter(out / ACCEPTED_FILE)
    accepted_rows = [AcceptedSample.model_validate(row) for row in read_jsonl(out / ACCEPTED_FILE)]
    accepted_ids = {row.id for row in accepted_rows}
    state = {"done": 0, "accepted": len(accepted_ids), "rounds": sum(len(r) for r in prior.values()),
             "rounds_this_session": 0}

    def new_sample(record: RoundRecord) -> AcceptedSample | None:
        if not record.in_dataset:
            return None
        sample = accepted_from(record)
        return None if sample.id in accepted_ids else sample

    def kept(sample: AcceptedSample) -> None:  # its line is written
        accepted_ids.add(sample.id)
        accepted_rows.append(sample)
        state["accepted"] += 1
        if dataset_feedback is not None:
            dataset_feedback.observe(accepted_rows, seen_rounds)

    def keep(record: RoundRecord) -> None:
        if (sample := new_sample(record)) is not None:
            accepted_writer.write(sample)
            kept(sample)

    # A kill between the round line and its dataset line is repaired from the round record.
    for records in prior.values():
        if records and records[-1].in_dataset:
            keep(records[-1])

    def report() -> None:
        if progress is not None:
            calls = sum(v.get("calls", 0) for v in roles.usage.values())
            progress(Progress(len(documents), state["done"], state["accepted"], state["rounds"], calls,
                              time.perf_counter() - started))

    # Records are written and fsynced on a thread of their own, one job at a time in the order the
    # rounds ended (the round's line, then its dataset line): an fsync takes milliseconds, during
    # which the event loop would hold every reply in flight (harness/endpoint/lateness.py). A
    # document's next round still starts only once its last round is on disk.
    records_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autodata-records")

    def persist(record: RoundRecord, sample: AcceptedSample | None) -> None:
        rounds_writer.write(record)
        if sample is not None:
            accepted_writer.write(sample)

    async def on_round(record: RoundRecord) -> None:
        sample = new_sample(record)
        await asyncio.get_running_loop().run_in_executor(records_thread, persist, record, sample)
        seen_rounds.append(record)
        if sample is not None:
            kept(sample)
        state["rounds"] += 1
        state["rounds_this_session"] += 1
        report()

    semaphore = asyncio.Semaphore(config.runtime.concurrency)

    refused_writer = JsonlWriter(out / REFUSED_FILE)
    refused_ids = {row.get("document") for row in read_jsonl(out / REFUSED_FILE)}

    async def one(doc: Document) -> None:
        earlier = prior.get(doc.id, [])
        if not document_finished(earlier, config) and doc.id not in refused_ids:
            async with semaphore:
                try:
                    await loop.run(doc, earlier, on_round)
                except EndpointError as error:
                    if error.kind != "context_length":
                        raise
                    # Over the model's window (now learned, harness/context_window.py): this
                    # document ends as refused; the others go on.
                    refused_writer.write(refused_in_run(doc.id, error))
                    refused_ids.add(doc.id)
        state["done"] += 1
        report()

    try:
        # Not cancelled on the first failure: each document stops at its own next call, so calls
        # already in flight finish and reach the cache (a budget stop or a dead endpoint must not
        # throw away replies that were paid for).
        outcomes = await asyncio.gather(*(one(doc) for doc in documents), return_exceptions=True)
    finally:
        records_thread.shutdown(wait=True)  # every record handed to it is written before the files close
        rounds_writer.close()
        accepted_writer.close()
        refused_writer.close()
        if dataset_feedback is not None:
            dataset_feedback.close()
        registry.budget.log = None
        spend_writer.close()
        write_json_atomic(structured_path, modes.memory)
        keep_limits()  # what the endpoints' limiters learned: the next run starts there
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    budget_stops = [f for f in failures if isinstance(f, BudgetExceeded)]
    endpoint_errors = [f for f in failures if isinstance(f, EndpointError)]
    others = [f for f in failures if not isinstance(f, (BudgetExceeded, EndpointError))]
    if others:
        raise others[0]
    stopped = str(endpoint_errors[0]) if endpoint_errors else (str(budget_stops[0]) if budget_stops else None)

    all_rounds = [r for records in load_rounds(out).values() for r in records if r.doc_id in {d.id for d in documents}]
    accepted = [AcceptedSample.model_validate(row) for row in read_jsonl(out / ACCEPTED_FILE)]
    accepted = [a for a in accepted if a.doc_id in {d.id for d in documents}]
    by_doc = load_rounds(out)
    simulated_roles = simulated_role_names(config, last_summary)
    summary = summarize(
        all_rounds,
        accepted,
        documents=len(documents),
        preset=config.preset,
        seed=config.seed,
        harness_hash=config.harness_hash(),
        # SIMULATED where a role was played by the offline world (sim/ model, or serve-sim behind
        # an api_base), now or in an earlier session of this run.
        simulated=bool(simulated_roles),
        skipped=docs.skipped,
        models={role: spec.model for role, spec in config.role_models()},
        simulated_roles=simulated_roles,
        stopped_for_errors=[d.id for d in documents if stopped_for_errors(by_doc.get(d.id, []), config)],
    )
    session_s = round(time.perf_counter() - started, 3)
    session_endpoint = endpoint_summary(registry.stats)
    summary["elapsed_this_session_s"] = session_s
    # A session that sent nothing and recorded nothing leaves the run's elapsed time as it was.
    idle = last_summary and session_endpoint["requests"] == 0 and state["rounds_this_session"] == 0
    summary["elapsed_s"] = round(float(last_summary.get("elapsed_s") or 0.0) + (0.0 if idle else session_s), 3)
    summary["calls_this_session"] = {role: v.get("calls", 0) for role, v in roles.usage.items()}
    summary["endpoint_this_session"] = session_endpoint
    summary["endpoint"] = merge_counts(last_summary.get("endpoint") or {}, session_endpoint)
    summary["sessions"] = int(last_summary.get("sessions") or (1 if last_summary else 0)) + 1
    summary["structured_modes"] = dict(modes.memory)
    summary["preflight"] = preflight_summary(read_jsonl(out / PREFLIGHT_FILE))
    summary["documents_refused"] = refused_documents(docs.refused, read_jsonl(out / REFUSED_FILE))
    summary["spent"] = registry.budget.spent.as_dict()
    summary["budget"] = registry.budget.limits()
    summary["stopped"] = stopped
    summary["documents_finished"] = state["done"]  # fewer than "documents" when the run stopped early
    # Which documents this run covers: a directory may hold more (an earlier, larger run on it), and
    # the scorecard must count the same rounds and samples as this summary.
    summary["document_ids"] = sorted(d.id for d in documents)
    write_json_atomic(out / SUMMARY_FILE, summary)
    if endpoint_errors:
        raise endpoint_errors[0]
    return summary


def simulated_role_names(config: HarnessConfig, last_summary: dict[str, Any]) -> list[str]:
    """Roles played by the offline world (``harness.provenance``: a ``sim/`` model, or replies that
    came from it, as serve-sim's do), including a role an earlier session of this run found simulated."""
    earlier = set(last_summary.get("simulated_roles") or [])
    if last_summary.get("simulated") and "simulated_roles" not in last_summary:
        earlier = {role for role, _ in config.models.items()}  # a summary from before roles were told apart
    return provenance.simulated_roles(config, earlier)


def open_spend_log(out: Path, last_summary: dict[str, Any]) -> tuple[JsonlWriter, Spend]:
    """The run's spend log, opened for appending, and what every earlier session spent. A run
    begun before spend logs existed has its spend only in its summary: that is carried into the
    new log once, as one row per model."""
    path = out / SPEND_FILE
    fresh = not path.exists()
    writer = JsonlWriter(path, durable=False)  # flushed per reply; a torn last line is dropped on open
    if fresh:
        for row in Spend.from_dict(last_summary.get("spent")).log_rows():
            writer.write(row)
    return writer, Spend.from_log(read_jsonl(path))


def earlier_summary(out: Path) -> dict[str, Any]:
    """The summary an earlier session of this run wrote (empty for a new run): a run once served
    by the offline world stays SIMULATED."""
    path = out / SUMMARY_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def generate(
    config: HarnessConfig,
    docs: DocumentSet,
    out: Path,
    *,
    registry: ModelRegistry | None = None,
    progress: ProgressCallback | None = None,
    preflight: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Synchronous entry point (the CLI, tests, the sweep)."""
    registry = registry or ModelRegistry(config.models, config.runtime, world_seed=config.documents.world_seed)
    return aio.run(run_generation(config, docs, Path(out), registry=registry, progress=progress, preflight=preflight))


def run_offline(config: HarnessConfig, engine: Any) -> dict[str, Any]:
    """One whole generation of ``config`` in a temporary folder, served by the offline world's
    ``engine`` as given (the world's optimum search forces its intent: harness/sim/optimum.py)."""
    docs = load_documents(config.documents)
    registry = ModelRegistry(config.models, config.runtime, engine=engine)
    with tempfile.TemporaryDirectory(prefix="autodata-offline-") as tmp:
        return generate(config, docs, Path(tmp), registry=registry)
