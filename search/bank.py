"""The prompt bank: content-addressed gene texts.

Optuna never holds prompt text (categoricals of long strings bloat storage and cannot grow):
a trial carries bank ids and the full texts in its user attributes, and the bank keeps every
text ever proposed in an append-only JSONL file, so any worker can resolve any id.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from harness.records import JsonlWriter, read_jsonl


def text_id(text: str) -> str:
    return "p" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


class PromptBank:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()
        if path is not None:
            for row in read_jsonl(path):
                self._texts[row["id"]] = row["text"]

    def add(self, text: str, gene: str = "") -> str:
        key = text_id(text)
        with self._lock:
            if key in self._texts:
                return key
            self._texts[key] = text
            if self.path is not None:
                with JsonlWriter(self.path) as writer:
                    writer.write({"id": key, "gene": gene, "text": text})
        return key

    def get(self, key: str) -> str:
        return self._texts[key]

    def __contains__(self, key: str) -> bool:
        return key in self._texts

    def __len__(self) -> int:
        return len(self._texts)

    def dump(self) -> dict[str, str]:
        return dict(self._texts)


def resolve(bank: PromptBank, user_attrs: dict) -> dict[str, str]:
    """A trial's genes: from its user attributes (full texts), registering them in the bank."""
    genes = {}
    for name, key in (user_attrs.get("genes") or {}).items():
        text = user_attrs.get(f"gene_text:{name}")
        if text is None:
            text = bank.get(key)
        genes[name] = text
        bank.add(text, name)
    return genes


def attrs_for(bank: PromptBank, genes: dict[str, str]) -> dict[str, object]:
    attrs: dict[str, object] = {"genes": {name: bank.add(text, name) for name, text in genes.items()}}
    attrs.update({f"gene_text:{name}": text for name, text in genes.items()})
    return attrs


def dumps(genes: dict[str, str]) -> str:
    return json.dumps(genes, sort_keys=True)
