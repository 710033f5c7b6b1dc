"""The export's three views of a generation, as flat rows in one declared schema for every preset.

- ``accepted``: the dataset, one row per accepted sample: the sample's fields at the top level,
  the rubric as a list of ``{criterion, weight}``, the solver scores, and the final filter it
  passed. Every column has the same type whatever the preset (``plan`` is "" where the preset
  writes none), so exports of several presets load together.
- ``chat``: the same samples ready for SFT and GRPO: ``prompt`` (context, blank line, question, as
  ``experiments/grpo_trl.py`` sends it), ``completion`` (the reference answer), ``messages`` (the
  two as a conversation) and ``rubric``, the reward spec (score = clip(sum w_i s_i / sum of
  positive w_i, 0, 1) over the judge's verdicts, ``harness/rubric.py``).
- ``rejected``: every candidate that was evaluated and did not enter the dataset, with its
  decision and reason; fields a candidate never reached (no sample, not solved) are null.

``features(view)`` is each view's schema as ``datasets.Features``; the writers and the dataset
card declare it, so nulls keep their types.
"""

from __future__ import annotations

from typing import Any

from harness.records import AcceptedSample, Candidate, FinalCheck, RoundRecord

SCHEMA_VERSION = 1
VIEWS = ("accepted", "chat", "rejected")
# Candidates that were not decided (their round was decided without them) are work not done, not
# rejections: they are counted in the card, not listed.
NOT_REJECTED = ("accepted", "kept", "cancelled")


def _final_check(row: AcceptedSample) -> FinalCheck | None:
    if row.final_check is not None:
        return row.final_check
    if row.final_qv is not None:  # a row written before final_check existed
        return FinalCheck(name="final_qv", **row.final_qv.model_dump())
    return None


def rubric_rows(sample: Any) -> list[dict[str, Any]]:
    """The rubric with each criterion's capability tag (the legal protocol's tagged rubric; "" untagged)."""
    tags = sample.capabilities if len(sample.capabilities) == len(sample.rubric) else [""] * len(sample.rubric)
    return [{"criterion": c.criterion, "weight": float(c.weight), "capability": tag}
            for c, tag in zip(sample.rubric, tags, strict=True)]


def accepted_row(row: AcceptedSample) -> dict[str, Any]:
    s = row.sample
    check = _final_check(row)
    return {
        "id": row.id, "doc_id": row.doc_id, "round": row.round, "preset": row.preset,
        "harness_hash": row.harness_hash, "seed": row.seed,
        "context": s.context, "question": s.question, "reference_answer": s.reference_answer,
        "final_answer": s.final_answer, "question_type": s.question_type, "skill_tags": list(s.skill_tags),
        "rubric": rubric_rows(s),
        "plan": s.plan or "",
        "weak_scores": list(row.weak_scores), "strong_scores": list(row.strong_scores),
        "weak_mean": row.weak_mean, "strong_mean": row.strong_mean, "gap": row.gap,
        "final_check": check.name if check else None,
        "final_check_reason": check.reason if check else None,
    }


def prompt_of(context: str, question: str) -> str:
    return f"{context}\n\n{question}"


def chat_row(row: AcceptedSample) -> dict[str, Any]:
    s = row.sample
    prompt = prompt_of(s.context, s.question)
    return {
        "id": row.id, "prompt": prompt, "completion": s.reference_answer,
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": s.reference_answer}],
        "final_answer": s.final_answer,
        "rubric": rubric_rows(s),
        "question_type": s.question_type, "preset": row.preset, "harness_hash": row.harness_hash,
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _rejection(record: RoundRecord, candidate: Candidate) -> tuple[str, str] | None:
    """(decision, reason) of a candidate kept out of the dataset, or None when it is in it (or undecided)."""
    if candidate.decision not in NOT_REJECTED:
        return candidate.decision, candidate.reason or candidate.error_kind or ""
    if candidate.decision == "cancelled":
        return None
    if record.chosen != candidate.index:
        return "not_chosen", "another candidate of the same round was chosen"
    if not record.in_dataset:
        qv = record.final_qv
        return "final_qv_rejected", (f"{qv.reason}: {qv.explanation}" if qv and qv.explanation else qv.reason if qv else "")
    return None


def rejected_rows(rounds: list[RoundRecord]) -> list[dict[str, Any]]:
    rows = []
    for record in rounds:
        for candidate in record.candidates:
            decided = _rejection(record, candidate)
            if decided is None:
                continue
            s, qv = candidate.sample, candidate.qv
            weak, strong = candidate.scores("weak"), candidate.scores("strong")
            weak_mean, strong_mean = _mean(weak), _mean(strong)
            rows.append({
                "id": f"{record.doc_id}:r{record.round}:c{candidate.index}", "doc_id": record.doc_id,
                "round": record.round, "candidate": candidate.index, "preset": record.preset,
                "harness_hash": record.harness_hash, "seed": record.seed,
                "decision": decided[0], "reason": decided[1],
                "context": s.context if s else None, "question": s.question if s else None,
                "reference_answer": s.reference_answer if s else None, "final_answer": s.final_answer if s else None,
                "question_type": s.question_type if s else None,
                "rubric": rubric_rows(s) if s else None,
                "plan": (s.plan or "") if s else None,
                "qv_verdict": qv.verdict if qv else None, "qv_reason": qv.reason if qv else None,
                "weak_scores": weak, "strong_scores": strong, "weak_mean": weak_mean, "strong_mean": strong_mean,
                "gap": strong_mean - weak_mean if weak_mean is not None and strong_mean is not None else None,
            })
    return rows


def features(view: str) -> Any:
    """The view's schema as ``datasets.Features`` (every column typed, nulls included)."""
    from datasets import Features, List, Value

    text, integer, number = Value("string"), Value("int64"), Value("float64")
    rubric = List({"criterion": text, "weight": number, "capability": text})
    ids = {"id": text, "doc_id": text, "round": integer}
    run = {"preset": text, "harness_hash": text, "seed": integer}
    sample = {"context": text, "question": text, "reference_answer": text, "final_answer": text,
              "question_type": text}
    scores = {"weak_scores": List(number), "strong_scores": List(number), "weak_mean": number,
              "strong_mean": number, "gap": number}
    if view == "accepted":
        return Features({**ids, **run, **sample, "skill_tags": List(text), "rubric": rubric, "plan": text,
                         **scores, "final_check": text, "final_check_reason": text})
    if view == "chat":
        return Features({"id": text, "prompt": text, "completion": text,
                         "messages": List({"role": text, "content": text}), "final_answer": text,
                         "rubric": rubric, "question_type": text, "preset": text, "harness_hash": text})
    if view == "rejected":
        return Features({**ids, "candidate": integer, **run, "decision": text, "reason": text, **sample,
                         "rubric": rubric, "plan": text, "qv_verdict": text, "qv_reason": text, **scores})
    raise ValueError(f"unknown view '{view}'; views are {', '.join(VIEWS)}")
