"""Grounding documents: from the offline world, a folder of text files, or a JSONL file.

Unusable documents (empty, binary, not UTF-8) are skipped with a warning and counted; a
missing folder or a malformed JSONL line is an error naming the file (and line and field).
Documents longer than the challenger model's context window are refused before any call
(harness/context_window.py) and listed in ``DocumentSet.refused``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.config import Documents


class DocumentError(ValueError):
    """The documents cannot be read as configured (already phrased for the user)."""


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str = ""
    simulated: bool = False


@dataclass
class DocumentSet:
    documents: list[Document]
    skipped: list[str] = field(default_factory=list)  # one warning per skipped document
    # Documents too long for the challenger's context window: refused before any call, not
    # chunked (the rule and why: harness/context_window.py); one record each, for the summary.
    refused: list[dict] = field(default_factory=list)


def _decode(raw: bytes, where: str, skipped: list[str]) -> str | None:
    if b"\x00" in raw:
        skipped.append(f"{where}: binary content, skipped")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        skipped.append(f"{where}: not UTF-8, skipped")
        return None
    if not text.strip():
        skipped.append(f"{where}: empty, skipped")
        return None
    return text


def _title(text: str, fallback: str) -> str:
    first = text.strip().splitlines()[0].strip() if text.strip() else ""
    return first[:120] or fallback


def from_folder(path: Path) -> DocumentSet:
    if not path.is_dir():
        raise DocumentError(f"{path}: documents folder not found")
    docs, skipped = [], []
    try:
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError as error:
        raise DocumentError(f"{path}: cannot list the documents folder ({error.strerror or error})") from None
    # A document's id is its file name without the extension. Two files with one stem (a.txt,
    # a.md) would share an id, and their rounds would interleave in one record: refused, with
    # both names, rather than suffixed (a suffix would change when a file is added or removed,
    # and a resumed run would then treat a finished document as new).
    stems: dict[str, Path] = {}
    for file in files:
        if file.stem in stems:
            raise DocumentError(f"{stems[file.stem]} and {file.name}: both would be document '{file.stem}' "
                                "(ids are file names without the extension); rename one")
        stems[file.stem] = file
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise DocumentError(f"{file}: cannot read the document ({error.strerror or error})") from None
        text = _decode(raw, str(file), skipped)
        if text is not None:
            docs.append(Document(file.stem, text, _title(text, file.stem)))
    return DocumentSet(docs, skipped)


def from_jsonl(path: Path) -> DocumentSet:
    if not path.is_file():
        raise DocumentError(f"{path}: documents file not found")
    docs, skipped, seen = [], [], set()
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as error:
        raise DocumentError(f"{path}: cannot read the documents file ({error.strerror or error})") from None
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            skipped.append(f"{where}: not UTF-8, skipped")
            continue
        except json.JSONDecodeError as error:
            raise DocumentError(f"{where}: malformed JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise DocumentError(f"{where}: expected an object with fields 'id' and 'text'")
        for name in ("id", "text"):
            if name not in row:
                raise DocumentError(f"{where}: missing field '{name}'")
        if not isinstance(row["text"], str):
            raise DocumentError(f"{where}: field 'text' must be a string")
        doc_id = str(row["id"])
        if doc_id in seen:
            raise DocumentError(f"{where}: duplicate id '{doc_id}'")
        seen.add(doc_id)
        text = _decode(row["text"].encode("utf-8", "surrogatepass"), where, skipped)
        if text is not None:
            docs.append(Document(doc_id, text, str(row.get("title") or _title(text, doc_id))))
    return DocumentSet(docs, skipped)


def from_world(count: int, offset: int, world_seed: int) -> DocumentSet:
    from harness.sim.world import World

    world = World(world_seed)
    return DocumentSet([Document(d.id, d.text, d.title, simulated=True) for d in world.documents(count, offset)])


def load_documents(spec: Documents, count: int | None = None, base_dir: Path | None = None) -> DocumentSet:
    """The configured documents; ``count`` (e.g. ``--docs``) caps how many are used."""
    limit = count if count is not None else spec.count
    if spec.source == "sim":
        return from_world(limit, spec.offset, spec.world_seed)
    path = Path(spec.path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    loaded = from_folder(path) if spec.source == "folder" else from_jsonl(path)
    loaded.documents = loaded.documents[spec.offset : spec.offset + limit]
    return loaded
