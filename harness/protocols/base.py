"""The protocol every acceptance strategy implements (defaults: the CS gap rule's shape)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from harness.documents import Document
    from harness.records import Candidate, RoundRecord, Sample
    from harness.roles import Roles


class Protocol:
    name: ClassVar[str]
    schema: ClassVar[Literal["rubric", "atomic", "tagged"]] = "rubric"  # the challenger's output schema
    scorer: ClassVar[Literal["rubric", "equivalence"]] = "rubric"  # how one attempt is scored
    extra_roles: ClassVar[tuple[str, ...]] = ()  # registered roles (harness/role_defs) this protocol calls

    def __init__(self, config: Any) -> None:
        self.config = config

    @property
    def rule(self) -> Any:
        """What decides from the scores: weak_check, strong_check, decide, forbid_strong_zero."""
        raise NotImplementedError

    default_challenger: ClassVar[str | None] = None  # the writer prompt when the gene is the CS default

    def challenger_instructions(self) -> str:
        from harness import prompts

        text = self.config.genes.challenger_instructions
        if text == prompts.CHALLENGER_INSTRUCTIONS and self.default_challenger is not None:
            return self.default_challenger
        return text

    default_qv: ClassVar[str | None] = None  # the QV prompt when the gene is the CS default

    def qv_prompt(self, text: str) -> str:
        """A QV prompt as this protocol runs it: the CS default stands for the protocol's own."""
        from harness import prompts

        return self.default_qv if text == prompts.QV_INSTRUCTIONS and self.default_qv is not None else text

    def qv_instructions(self) -> str:
        return self.qv_prompt(self.config.genes.qv_instructions)

    def attempts(self) -> tuple[int, int]:
        k = self.config.knobs.solver_attempts
        return k, k

    def challengers(self) -> int:
        return self.config.knobs.challengers_per_round

    def rubric_range(self) -> tuple[int, int]:
        return self.config.knobs.rubric_min, self.config.knobs.rubric_max

    def round_cap(self) -> int | None:
        """A protocol's own hard cap on rounds per document (None: the round budget alone)."""
        return None

    async def screen_document(self, doc: Document, roles: Roles, seed: int) -> str | None:
        """A reason to skip the document before any question is written (None: go on)."""
        return None

    def screen_sample(self, sample: Sample) -> str | None:
        """A reason the written sample is not worth evaluating (None: evaluate it)."""
        return None

    async def review(self, candidate: Candidate, roles: Roles, seed: int, measure_only: bool = False) -> None:
        """A last look at a scored candidate; may change its decision and reason (not when
        ``measure_only``: a baseline without a solver gate keeps what it wrote)."""
        return None

    def guidance(self, record: RoundRecord) -> str | None:
        """Guidance for the next round written by the protocol itself (None: the orchestrator's)."""
        return None

    def candidate_stats(self, candidate: Candidate) -> dict[str, Any]:
        return {}
