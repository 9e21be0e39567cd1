"""Markdown for the instruments' generated pages: table cells, the evidence legend, sources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from yiyu.data import Evidence

__all__ = ["EVIDENCE_MEANING", "cell", "evidence_legend", "sources_line"]

EVIDENCE_MEANING: Final = {
    Evidence.V: "read in a public copy of the standard",
    Evidence.V3: "third-party re-statement only",
    Evidence.M: "from memory: a configurable default, check before relying on it",
    Evidence.D: "yiyu default: no standard fixes it",
    Evidence.LOCAL: "the city plan",
}


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", "<br>")


def evidence_legend() -> list[str]:
    """The table explaining the evidence tags, as Markdown lines."""
    lines = ["| tag | meaning |", "|---|---|"]
    lines += [f"| {tag.value} | {meaning} |" for tag, meaning in EVIDENCE_MEANING.items()]
    return lines


def sources_line(sources: Mapping[str, str]) -> str:
    """``Sources: S4 儿童营养性疾病管理技术规范; …`` in the order of the data file."""
    return "Sources: " + "; ".join(f"{key} {title}" for key, title in sources.items()) + "."
