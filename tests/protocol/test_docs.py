"""docs/protocol.md is generated from the data and must not go stale (#2)."""

from __future__ import annotations

from pathlib import Path

import yiyu
from yiyu.protocol.docs import protocol_markdown

PAGE = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_protocol_reference_is_current() -> None:
    expected = protocol_markdown(yiyu.load_protocol())
    assert PAGE.read_text(encoding="utf-8") == expected, (
        "docs/protocol.md is stale: run `nox -s docs` and commit the result"
    )


def test_reference_lists_every_rule_with_its_sources() -> None:
    page = protocol_markdown(yiyu.load_protocol())
    for rule in yiyu.load_protocol().rules:
        assert f"| `{rule.id}` | {rule.name} |" in page
        for source in rule.sources:
            assert source in page
