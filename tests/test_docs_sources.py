"""docs/sources.md names every source and evidence tag the packaged data uses, and every
citation of the project's notes ("digest §5", "growth-who2006.md step 10") can be read in
the repository: the next maintainer checks a clinical fact without the founding material."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import yiyu

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SOURCES = (DOCS / "sources.md").read_text(encoding="utf-8")
DIGEST = (DOCS / "notes" / "standards-digest.md").read_text(encoding="utf-8")
WHO_NOTES = (DOCS / "notes" / "growth-who2006.md").read_text(encoding="utf-8")
DATA_FILES = sorted(Path(yiyu.__file__).parent.rglob("*.toml"))


def _walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _data() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in DATA_FILES:
        yield path, tomllib.loads(path.read_text(encoding="utf-8"))


def _citations() -> Iterator[tuple[Path, str]]:
    for path, data in _data():
        for key, value in _walk(data):
            if key == "source":
                for text in [value] if isinstance(value, str) else value:
                    yield path, text


def _section(title: str) -> str:
    start = SOURCES.index(f"## {title}")
    end = SOURCES.find("\n## ", start + 1)
    return SOURCES[start : end if end >= 0 else None]


def test_the_data_files_are_found() -> None:
    names = {path.name for path in DATA_FILES}
    assert {"cn-national.toml", "zj-city.toml", "growth_classification.toml"} <= names


def test_every_source_the_data_declares_or_cites_is_listed_with_its_title() -> None:
    documents = _section("The documents")
    listed = set(re.findall(r"^\| ([A-Z][A-Z0-9]*) \|", documents, re.MULTILINE))
    declared = {sid for _, data in _data() for sid in data.get("sources", {})}
    cited = {re.split(r"[^A-Za-z0-9]", text, maxsplit=1)[0] for _, text in _citations()}
    assert declared
    assert cited
    assert sorted((declared | cited) - listed) == []


def test_every_evidence_tag_the_data_uses_is_explained() -> None:
    tags_table = _section("Evidence tags")
    explained = set(re.findall(r"^\| ([A-Z0-9]+) \|", tags_table, re.MULTILINE))
    used = {
        str(value)
        for _, data in _data()
        for key, value in _walk(data)
        if key.endswith("evidence") and isinstance(value, str)
    }
    assert {"V", "M", "D"} <= used
    assert sorted(used - explained) == []


def test_every_digest_section_cited_is_in_the_repository() -> None:
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", DIGEST, re.MULTILINE))
    cited = {
        (path.name, match)
        for path, text in _citations()
        for match in re.findall(r"digest §(\d+(?:\.\d+)?)", text)
    }
    assert cited
    missing = sorted((name, number) for name, number in cited if number not in sections)
    assert missing == []


def test_every_step_of_the_who_notes_cited_is_in_the_repository() -> None:
    steps = set(re.findall(r"^(\d+)\. \*\*", WHO_NOTES, re.MULTILINE))
    cited = {
        step
        for _, text in _citations()
        for step in re.findall(r"growth-who2006\.md step (\d+)", text)
    }
    assert cited
    assert sorted(cited - steps) == []


OUTSIDE = re.compile(r"shared/|DESIGN\.md|STYLE\.md|/work/|/home/|/root/")


@pytest.mark.parametrize(
    "page", sorted(DOCS.rglob("*.md")), ids=lambda page: str(page.relative_to(DOCS))
)
def test_no_page_cites_a_file_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert OUTSIDE.findall(text) == []
