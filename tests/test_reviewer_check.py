"""A lenient reviewer cannot pay (issue 25): the auditor reads a sample at both of the seed's checks,
and a proposed QV is checked by what it does on samples the seed's QV failed (search/reviewer_check.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.config import Documents, HarnessConfig
from harness.documents import load_documents
from harness.generate import run_generation
from harness.records import Candidate, QVResult, RoundRecord, Sample
from harness.rubric import Criterion
from objectives.evaluate import score_run
from objectives.run import load_run
from search.reviewer_check import MIN_BANK, ReviewerChecks, bank_from, mcnemar_one_sided

PASS_ALL = "Decide PASS."


def _with_qv(config: HarnessConfig, text: str, defended: bool = True) -> HarnessConfig:
    auditor = config.guarded.auditor.model_copy(update={"enabled": defended})
    return config.model_copy(update={"genes": config.genes.model_copy(update={"qv_instructions": text}),
                                     "guarded": config.guarded.model_copy(update={"auditor": auditor})})


def _run(config: HarnessConfig, out: Path) -> tuple[float, list[RoundRecord]]:
    asyncio.run(run_generation(config, load_documents(config.documents), out))
    return score_run(out, config).value("acceptance_rate") or 0.0, load_run(out).rounds


def test_mcnemar_one_sided():
    assert mcnemar_one_sided(0, 0) == 1.0
    assert mcnemar_one_sided(10, 0) == pytest.approx(0.5 ** 10)
    assert mcnemar_one_sided(5, 5) > 0.5
    assert mcnemar_one_sided(0, 10) == 1.0


def _sample(n: int) -> Sample:
    return Sample(context=f"Fact {n}.", question=f"Question {n}?", reference_answer="Yes", final_answer="Yes",
                  rubric=[Criterion(criterion="concludes Yes", weight=1.0)], question_type="boolean")


def test_the_bank_holds_only_samples_the_qv_failed_in_any_order():
    def record(doc: str, verdicts: list[str | None]) -> RoundRecord:
        candidates = [Candidate(index=i, sample=_sample(hash((doc, i)) % 1000),
                                qv=QVResult(verdict=v, reason="r") if v else None, decision="x")
                      for i, v in enumerate(verdicts)]
        return RoundRecord(doc_id=doc, round=1, harness_hash="h", preset="p", seed=0, guidance="", candidates=candidates,
                           decision="x")

    rounds = [record("a", ["FAIL", "PASS", "ERROR"]), record("b", [None, "FAIL"]), record("c", ["FAIL", "FAIL"])]
    bank = bank_from(rounds)
    failed = [c.sample for r in rounds for c in r.candidates if c.qv is not None and c.qv.verdict == "FAIL"]
    assert len(bank) == 4 and sorted(s.context for s in bank) == sorted(s.context for s in failed)
    assert bank_from(list(reversed(rounds))) == bank  # where they came from decides the order, not reading order
    assert bank_from(rounds, limit=2) == bank[:2]


@pytest.fixture(scope="module")
def checks(tmp_path_factory):
    """The seed's QV failures on 16 documents of world 1004 as the bank."""
    seed = HarnessConfig(documents=Documents(world_seed=1004, count=16))
    out = tmp_path_factory.mktemp("seed")
    _, rounds = _run(seed, out / "run")
    return seed, out


def test_a_reviewer_told_to_pass_everything_is_rejected_and_an_equal_one_is_not(checks):
    seed, out = checks
    bank = bank_from(load_run(out / "run").rounds)
    assert len(bank) >= MIN_BANK
    reviewer = ReviewerChecks(seed, bank, out / "sweep")
    lenient = asyncio.run(reviewer.check(_with_qv(seed, PASS_ALL)))
    assert lenient.lenient and lenient.candidate_passed == lenient.draws > lenient.seed_passed
    assert lenient.reason().startswith("lenient_reviewer: passed")
    # The seed's readings are paid once, by the first check that needs them.
    assert lenient.calls == 2 * lenient.draws
    # A text the reviewer reads as the seed's: the same verdicts, p = 1.
    same = asyncio.run(reviewer.check(_with_qv(seed, seed.genes.qv_instructions + " Thank you.")))
    assert same.p_value == 1.0 and not same.lenient and same.calls == same.draws
    assert asyncio.run(reviewer.check(seed)) is None  # the seed's own QV is not checked
    # A resumed sweep reads its verdicts back: nothing is paid twice.
    again = asyncio.run(ReviewerChecks(seed, bank, out / "sweep").check(_with_qv(seed, PASS_ALL)))
    assert again.calls == 0 and again.record() == lenient.record()


def test_a_small_bank_is_not_judged(checks):
    seed, out = checks
    bank = bank_from(load_run(out / "run").rounds)[: MIN_BANK - 1]
    assert asyncio.run(ReviewerChecks(seed, bank, out / "small").check(_with_qv(seed, PASS_ALL))) is None


def test_a_qv_that_passes_everything_buys_nothing_past_the_auditor(tmp_path):
    """Undefended, a QV gene "Decide PASS." raises acceptance; defended, the auditor reads every
    sample that would enter at the seed's two checks, and acceptance is no higher than the seed's."""
    seed = HarnessConfig(documents=Documents(world_seed=1004, count=12))
    undefended = {name: _run(_with_qv(seed, text, defended=False), tmp_path / f"u-{name}")[0]
                  for name, text in (("seed", seed.genes.qv_instructions), ("hack", PASS_ALL))}
    assert undefended["hack"] > undefended["seed"]
    defended_seed, _ = _run(seed, tmp_path / "d-seed")
    defended_hack, rounds = _run(_with_qv(seed, PASS_ALL), tmp_path / "d-hack")
    assert defended_hack <= defended_seed
    # Every sample that entered passed the auditor twice (a gate failure says where it failed).
    chosen = [r for r in rounds if r.final_qv is not None]
    assert chosen and all(r.audit.passed for r in chosen if r.in_dataset)
    for r in chosen:
        two = r.audit.passed or "at the QV gate" in r.audit.explanation
        assert r.usage.get("auditor", {}).get("calls", 0) == (2 if two else 1)
