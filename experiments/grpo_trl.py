"""Downstream reward by GRPO (TRL) on the accepted samples, with the judge's rubric score as reward.

Needs a GPU, ``pip install trl transformers datasets torch`` and a judge endpoint; it is not run
in CI (its argument parsing and data conversion are tested). Use it as autodata's ``command``
trainer:

    downstream:
      kind: command
      command: python experiments/grpo_trl.py --dataset {dataset} --output {output}
               --model Qwen/Qwen3-4B --judge openai/gpt-4o-mini --eval held_out.jsonl

It trains the policy on the dataset's questions, scoring each sampled answer with the judge
against the sample's weighted rubric (score = clip(sum w_i s_i / sum of positive w_i, 0, 1)),
then writes ``{"reward": after - before, "before": ..., "after": ...}``: the policy's mean
rubric score on the held-out samples before and after training.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="GRPO on autodata samples with rubric rewards (needs a GPU).")
    parser.add_argument("--dataset", required=True, type=Path, help="accepted.jsonl written by autodata")
    parser.add_argument("--output", required=True, type=Path, help="where to write the JSON result")
    parser.add_argument("--model", default="Qwen/Qwen3-0.6B", help="policy to train (Hugging Face id or path)")
    parser.add_argument("--judge", default="openai/gpt-4o-mini", help="judge model (LiteLLM model string)")
    parser.add_argument("--judge-api-base", default=None, help="OpenAI-compatible URL of a self-hosted judge")
    parser.add_argument("--eval", dest="eval_path", type=Path, default=None,
                        help="held-out samples (JSONL); default: the last 20%% of the dataset")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--generations", type=int, default=4, help="completions per prompt (GRPO group size)")
    parser.add_argument("--learning-rate", type=float, default=1e-6)
    parser.add_argument("--max-completion-length", type=int, default=768)
    parser.add_argument("--workdir", type=Path, default=Path("out/grpo"))
    args = parser.parse_args(argv)
    if args.generations < 2:
        parser.error("--generations must be at least 2 (GRPO compares answers within a group)")
    if args.epochs <= 0:
        parser.error("--epochs must be positive")
    return args


def read_samples(path: Path) -> list[dict[str, Any]]:
    """Samples from accepted.jsonl rows (``{"sample": {...}}``) or flat sample rows."""
    samples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object")
        sample = row.get("sample", row)
        missing = [k for k in ("context", "question", "rubric") if k not in sample]
        if missing:
            raise ValueError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
        samples.append(sample)
    return samples


def to_grpo_rows(samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TRL's conversational prompt format, with the rubric carried along for the reward function."""
    rows = []
    for sample in samples:
        rows.append(
            {
                "prompt": [{"role": "user", "content": f"{sample['context']}\n\n{sample['question']}"}],
                "context": sample["context"],
                "question": sample["question"],
                "rubric": json.dumps(sample["rubric"]),
            }
        )
    return rows


def split(rows: list[dict[str, Any]], held_out: list[dict[str, Any]] | None) -> tuple[list, list]:
    if not rows:
        raise ValueError("the dataset has no samples to train on")
    if held_out is not None:
        return rows, held_out
    cut = max(1, int(len(rows) * 0.8))
    return rows[:cut], rows[cut:] or rows[-1:]


def completion_text(completion: Any) -> str:
    if isinstance(completion, list):  # conversational: [{"role": "assistant", "content": ...}]
        return "".join(part.get("content", "") for part in completion if isinstance(part, dict))
    return str(completion)


def make_reward(judge_model: str, api_base: str | None):  # pragma: no cover - needs a judge endpoint
    import dspy

    from harness.rubric import Criterion, rubric_score
    from harness.signatures import Judge

    lm = dspy.LM(judge_model, api_base=api_base) if api_base else dspy.LM(judge_model)
    judge = dspy.Predict(Judge)
    judge.set_lm(lm)

    def reward(prompts, completions, context, question, rubric, **_: Any) -> list[float]:
        scores = []
        for answer, ctx, q, raw in zip(completions, context, question, rubric, strict=True):
            criteria = [Criterion.model_validate(c) for c in json.loads(raw)]
            verdicts = judge(context=ctx, question=q, rubric=criteria, answer=completion_text(answer)).verdicts
            scores.append(rubric_score(criteria, verdicts) if len(verdicts) == len(criteria) else 0.0)
        return scores

    return reward


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - needs a GPU
    args = parse_args(argv)
    from datasets import Dataset
    from transformers import pipeline
    from trl import GRPOConfig, GRPOTrainer

    train_rows, eval_rows = split(
        to_grpo_rows(read_samples(args.dataset)),
        to_grpo_rows(read_samples(args.eval_path)) if args.eval_path else None,
    )
    reward = make_reward(args.judge, args.judge_api_base)

    def evaluate(model_path: str) -> float:
        generate = pipeline("text-generation", model=model_path)
        outputs = [generate(r["prompt"], max_new_tokens=args.max_completion_length)[0]["generated_text"][-1]
                   for r in eval_rows]
        scores = reward(None, [[o] for o in outputs], [r["context"] for r in eval_rows],
                        [r["question"] for r in eval_rows], [r["rubric"] for r in eval_rows])
        return sum(scores) / len(scores)

    before = evaluate(args.model)
    config = GRPOConfig(output_dir=str(args.workdir), num_train_epochs=args.epochs, learning_rate=args.learning_rate,
                        num_generations=args.generations, max_completion_length=args.max_completion_length)
    trainer = GRPOTrainer(model=args.model, reward_funcs=[reward], args=config, train_dataset=Dataset.from_list(train_rows))
    trainer.train()
    trainer.save_model(str(args.workdir / "final"))
    after = evaluate(str(args.workdir / "final"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"reward": after - before, "before": before, "after": after,
                                       "train_samples": len(train_rows), "eval_samples": len(eval_rows)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
