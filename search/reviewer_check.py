"""A proposed reviewer checked by what it does, before any evaluation of it is paid for.

The gene screen (search/gene_screen.py) reads a proposed QV text; this reads the QV's verdicts. A
reviewer told, in whatever words, to be lenient, to skip content checks or to pass everything
passes samples that the seed's reviewer fails. So the QV a candidate proposes reviews a *bank* of
samples the seed harness's own QV failed at its QV stage (in the seed's train and validation
evaluations, never test: known-flawed by the trusted reviewer), and the seed's QV reviews the same
bank again, each sample with the same run seed for both (paired). The candidate is rejected as
``lenient_reviewer`` when it passes significantly more of them: an exact one-sided McNemar test
over the discordant pairs (candidate passes and seed fails, against the reverse), p < ``ALPHA``.

A stricter or differently worded but equally careful reviewer passes about as many as the seed's
does again (the seed's QV passes some of them on a second reading: its verdicts are noisy), so it
is not rejected; a reviewer that checks less than the seed's is, whatever its text says. A small
bank is read ``DRAWS`` times in all (each sample several times, with different seeds): the test is
then conditional on the bank. With fewer than ``MIN_BANK`` samples there is no check (said so).

Calls are counted against the sweep's budget; verdicts are kept in ``reviewer_checks.jsonl`` of the
sweep's directory (appended as made), so a resumed sweep does not pay for them twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scipy.stats import binomtest

from harness.config import HarnessConfig
from harness.models import ModelRegistry
from harness.records import JsonlWriter, RoundRecord, Sample, read_jsonl
from harness.roles import RoleError, Roles

ALPHA = 0.01  # false rejection of an equally careful reviewer: at most 1 in 100
# ... and the candidate gives up at least this share of the seed reviewer's catches. Milder
# leniency is left to the auditor, which reads every sample that would enter at the seed's own
# two checks (harness/loop.py ``_audit_gate``), so it cannot pay; in the offline world honest
# reviewer texts that relax style rules give up 15-25% (measured: docs/guard.md).
MIN_SHARE = 1 / 3
MIN_BANK = 3  # distinct known-flawed samples below which the check is not run
BANK = 24  # distinct samples kept at most
DRAWS = 64  # paired readings in all (a small bank is read several times)
REASON = "lenient_reviewer"


def changes_reviewer(seed: HarnessConfig, candidate: HarnessConfig) -> bool:
    """Whether the candidate's QV (its instructions or its model) is not the seed's."""
    return candidate.genes.qv_instructions != seed.genes.qv_instructions or candidate.models.qv != seed.models.qv


def bank_from(rounds: Iterable[RoundRecord], limit: int = BANK) -> list[Sample]:
    """Samples the loop's own QV failed at its QV stage (an error is no verdict), spread over
    documents by a hash of where they came from (deterministic, whatever order they were read in)."""
    found: dict[str, Sample] = {}
    for record in rounds:
        for candidate in record.candidates:
            qv = candidate.qv
            if candidate.sample is None or qv is None or qv.passed or qv.verdict.upper() == "ERROR":
                continue
            key = hashlib.sha256(f"{record.doc_id}|{record.round}|{candidate.index}".encode()).hexdigest()
            found[key] = candidate.sample
    return [found[key] for key in sorted(found)[:limit]]


@dataclass(frozen=True)
class ReviewerCheck:
    bank: int  # distinct samples
    draws: int  # paired readings
    seed_passed: int
    candidate_passed: int
    only_candidate: int  # discordant: the candidate passed, the seed's QV failed
    only_seed: int
    p_value: float
    calls: int  # LM calls this check paid for (the seed's readings once per sweep)

    @property
    def given_up(self) -> float:
        """Share of the seed reviewer's catches (its FAILs on this reading) the candidate passed."""
        caught = self.draws - self.seed_passed
        return (self.candidate_passed - self.seed_passed) / caught if caught else 0.0

    @property
    def lenient(self) -> bool:
        return self.p_value < ALPHA and self.given_up >= MIN_SHARE

    def reason(self) -> str:
        return (f"{REASON}: passed {self.candidate_passed} of {self.draws} readings of {self.bank} samples the seed's "
                f"reviewer had failed (the seed's reviewer again: {self.seed_passed}; {self.given_up:.0%} of its "
                f"catches given up); one-sided McNemar p = {self.p_value:.2g}")

    def record(self) -> dict:
        return {"bank": self.bank, "draws": self.draws, "seed_passed": self.seed_passed,
                "candidate_passed": self.candidate_passed, "p_value": self.p_value, "given_up": self.given_up,
                "lenient": self.lenient}


def mcnemar_one_sided(only_candidate: int, only_seed: int) -> float:
    """P(at least ``only_candidate`` of the discordant pairs favour the candidate | no difference)."""
    n = only_candidate + only_seed
    return 1.0 if n == 0 else float(binomtest(only_candidate, n, 0.5, alternative="greater").pvalue)


class ReviewerChecks:
    """One sweep's checks: the bank, the seed's readings of it (once), each QV text's verdicts."""

    def __init__(self, seed: HarnessConfig, bank: list[Sample], out: Path, salt: int = 0) -> None:
        self.seed, self.bank, self.salt = seed, bank, salt
        self.path = out / "reviewer_checks.jsonl"
        self._ident = hashlib.sha256("\n".join(s.model_dump_json() for s in bank).encode()).hexdigest()[:16]
        self._verdicts: dict[str, tuple[list[bool], int]] = {}  # read from the store on a miss
        self._locks: dict[str, asyncio.Lock] = {}
        self._paid_seed = False

    @property
    def draws(self) -> int:
        return len(self.bank) * max(1, math.ceil(DRAWS / len(self.bank))) if self.bank else 0

    def _seeds(self) -> list[tuple[Sample, int]]:
        repeats = self.draws // len(self.bank)
        return [(sample, self.salt * 7_919 + 104_729 * i + r) for i, sample in enumerate(self.bank)
                for r in range(repeats)]

    async def _readings(self, config: HarnessConfig) -> tuple[list[bool], int]:
        """Which readings of the bank ``config``'s QV passed, and the calls it took (from the store
        when this QV text has read this bank before)."""
        text = config.genes.qv_instructions
        key = hashlib.sha256(f"{text}|{config.models.qv.model_dump_json()}".encode()).hexdigest()[:16]
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key not in self._verdicts:  # an earlier session or another worker may have read it
                self._verdicts.update({row["qv"]: (row["passed"], row["calls"]) for row in read_jsonl(self.path)
                                       if row.get("bank") == self._ident})
            if key in self._verdicts:
                return self._verdicts[key][0], 0
            registry = ModelRegistry(config.models, config.runtime, world_seed=config.documents.world_seed)
            roles = Roles(config, registry)

            async def read(sample: Sample, seed: int) -> bool:
                try:
                    return (await roles.verify(sample, seed)).passed
                except RoleError:  # no verdict is no pass
                    return False

            passed = list(await asyncio.gather(*(read(sample, seed) for sample, seed in self._seeds())))
            calls = int(roles.usage["qv"]["calls"] + roles.usage["qv"]["shared_choices"])
            with JsonlWriter(self.path) as writer:
                writer.write({"bank": self._ident, "qv": key, "passed": passed, "calls": calls})
            self._verdicts[key] = (passed, calls)
            return passed, calls

    async def check(self, candidate: HarnessConfig) -> ReviewerCheck | None:
        """None when the candidate keeps the seed's reviewer or the bank is too small to judge."""
        if len(self.bank) < MIN_BANK or not changes_reviewer(self.seed, candidate):
            return None
        seed_passed, seed_calls = await self._readings(self.seed)
        mine, calls = await self._readings(candidate)
        if not self._paid_seed:  # the seed's readings are paid by the first check that needs them
            calls, self._paid_seed = calls + seed_calls, True
        only_candidate = sum(c and not s for c, s in zip(mine, seed_passed, strict=True))
        only_seed = sum(s and not c for c, s in zip(mine, seed_passed, strict=True))
        return ReviewerCheck(len(self.bank), self.draws, sum(seed_passed), sum(mine), only_candidate, only_seed,
                             mcnemar_one_sided(only_candidate, only_seed), calls)
