"""Document loaders: folders of text files, JSONL files, and the offline world."""

from __future__ import annotations

import json

import pytest

from harness.config import parse_config
from harness.documents import DocumentError, from_folder, from_jsonl, load_documents

GOOD_TEXT = "Harbour Code\nRule 1. A person who is a registered operator is a bonded carrier.\n"


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "empty.txt").write_text("  \n\t\n", encoding="utf-8")
    (folder / "binary.bin").write_bytes(b"PK\x03\x04\x00\x00binary\x00data")
    (folder / "latin.txt").write_bytes(b"\xff\xfeRule 1. caf\xe9 au lait")
    (folder / ".hidden.txt").write_text("ignored", encoding="utf-8")
    (folder / "sub").mkdir()
    return folder


def test_folder_loads_good_and_skips_unusable_with_warnings(mixed_folder):
    loaded = from_folder(mixed_folder)
    assert [(d.id, d.title, d.text, d.simulated) for d in loaded.documents] == [
        ("good", "Harbour Code", GOOD_TEXT, False)
    ]
    assert len(loaded.skipped) == 3
    by_file = {warning.split(": ")[0]: warning for warning in loaded.skipped}
    assert by_file == {
        str(mixed_folder / "binary.bin"): f"{mixed_folder / 'binary.bin'}: binary content, skipped",
        str(mixed_folder / "empty.txt"): f"{mixed_folder / 'empty.txt'}: empty, skipped",
        str(mixed_folder / "latin.txt"): f"{mixed_folder / 'latin.txt'}: not UTF-8, skipped",
    }


def test_folder_missing_raises_naming_path(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(DocumentError) as caught:
        from_folder(missing)
    assert str(missing) in str(caught.value)
    assert "not found" in str(caught.value)


def test_load_documents_folder_via_config_relative_path(mixed_folder):
    spec = parse_config({"documents": {"source": "folder", "path": "docs"}}).documents
    loaded = load_documents(spec, base_dir=mixed_folder.parent)
    assert [d.id for d in loaded.documents] == ["good"]
    assert len(loaded.skipped) == 3


def test_load_documents_offset_and_count(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(5):
        (folder / f"d{i}.txt").write_text(f"doc {i}", encoding="utf-8")
    spec = parse_config({"documents": {"source": "folder", "path": str(folder), "offset": 1, "count": 2}}).documents
    assert [d.id for d in load_documents(spec).documents] == ["d1", "d2"]
    assert [d.id for d in load_documents(spec, count=3).documents] == ["d1", "d2", "d3"]


def jsonl(tmp_path, lines: list[str], name: str = "docs.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_lines_load(tmp_path):
    path = jsonl(tmp_path, [
        json.dumps({"id": "a", "text": "First line\nmore", "title": "Alpha"}),
        "",
        json.dumps({"id": 7, "text": "Seven\n"}),
    ])
    loaded = from_jsonl(path)
    assert [(d.id, d.title, d.text) for d in loaded.documents] == [
        ("a", "Alpha", "First line\nmore"),
        ("7", "Seven", "Seven\n"),
    ]
    assert loaded.skipped == []


def test_jsonl_empty_text_skipped_with_warning(tmp_path):
    path = jsonl(tmp_path, [json.dumps({"id": "a", "text": "ok"}), json.dumps({"id": "b", "text": "   "})])
    loaded = from_jsonl(path)
    assert [d.id for d in loaded.documents] == ["a"]
    assert loaded.skipped == [f"{path}:2: empty, skipped"]


def test_jsonl_malformed_line_names_file_and_line(tmp_path):
    path = jsonl(tmp_path, [json.dumps({"id": "a", "text": "ok"}), '{"id": "b", "text": "unterminated'])
    with pytest.raises(DocumentError) as caught:
        from_jsonl(path)
    assert str(caught.value).startswith(f"{path}:2: malformed JSON")


def test_jsonl_missing_text_names_field(tmp_path):
    path = jsonl(tmp_path, [json.dumps({"id": "a", "text": "ok"}), json.dumps({"id": "b", "body": "x"})])
    with pytest.raises(DocumentError) as caught:
        from_jsonl(path)
    assert str(caught.value) == f"{path}:2: missing field 'text'"


def test_jsonl_missing_id_and_wrong_types(tmp_path):
    with pytest.raises(DocumentError, match=r":1: missing field 'id'"):
        from_jsonl(jsonl(tmp_path, [json.dumps({"text": "x"})], "a.jsonl"))
    with pytest.raises(DocumentError, match=r":1: field 'text' must be a string"):
        from_jsonl(jsonl(tmp_path, [json.dumps({"id": "x", "text": 3})], "b.jsonl"))
    with pytest.raises(DocumentError, match=r":1: expected an object"):
        from_jsonl(jsonl(tmp_path, ["[1, 2]"], "c.jsonl"))


def test_jsonl_duplicate_id_rejected(tmp_path):
    path = jsonl(tmp_path, [
        json.dumps({"id": "a", "text": "one"}),
        json.dumps({"id": "b", "text": "two"}),
        json.dumps({"id": "a", "text": "three"}),
    ])
    with pytest.raises(DocumentError) as caught:
        from_jsonl(path)
    assert str(caught.value) == f"{path}:3: duplicate id 'a'"


def test_jsonl_missing_file_names_it(tmp_path):
    with pytest.raises(DocumentError, match="documents file not found"):
        from_jsonl(tmp_path / "absent.jsonl")


def test_world_documents_are_labelled_simulated_and_deterministic():
    spec = parse_config({"documents": {"count": 3, "offset": 2, "world_seed": 5}}).documents
    first, second = load_documents(spec), load_documents(spec)
    assert [d.id for d in first.documents] == ["sim-5-0002", "sim-5-0003", "sim-5-0004"]
    assert all(d.simulated for d in first.documents)
    assert [d.text for d in first.documents] == [d.text for d in second.documents]
