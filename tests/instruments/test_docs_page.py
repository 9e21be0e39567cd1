"""docs/instruments.md is generated from the instrument data and must not go stale."""

from __future__ import annotations

from pathlib import Path

from yiyu.instruments.docs import instruments_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "instruments.md"


def test_instruments_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == instruments_markdown(), (
        "docs/instruments.md is stale: run `nox -s docs` and commit the result"
    )
