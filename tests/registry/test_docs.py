"""The import guide's column tables are made from the columns' definitions (#15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.csvfiles import csv_bytes
from yiyu.registry import COLUMNS, parse_children, parse_daycares, parse_enrolments, read_csv
from yiyu.registry.docs import category_table, column_table, fill_tables

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "importing.md"
PARSERS = {"children": parse_children, "daycares": parse_daycares}


def test_the_guide_is_current() -> None:
    page = GUIDE.read_text(encoding="utf-8")
    assert fill_tables(page) == page, (
        "docs/guide/importing.md is stale: run `python scripts/gen_docs.py` and commit it"
    )


@pytest.mark.parametrize("kind", sorted(COLUMNS))
def test_the_guide_has_both_tables_of_every_kind(kind: str) -> None:
    page = GUIDE.read_text(encoding="utf-8")
    for language in ("en", "zh"):
        assert f"<!-- columns:{kind}:{language} -->" in page
    for column in COLUMNS[kind]:
        assert f"`{column.name}`" in column_table(kind, "zh")
        assert column.zh in column_table(kind, "en")


@pytest.mark.parametrize("kind", ["children", "daycares"])
@pytest.mark.parametrize("header", ["name", "zh"])
def test_every_documented_example_is_accepted(kind: str, header: str) -> None:
    # The examples are a row the import takes, under either header.
    columns = COLUMNS[kind]
    lines = (
        ",".join(getattr(c, header) for c in columns),
        ",".join(c.example for c in columns),
    )
    parsed = PARSERS[kind](read_csv(csv_bytes(*lines)))
    assert parsed.rejected == ()
    assert parsed.unknown_columns == ()
    assert len(parsed.values) == 1


def test_the_enrolment_example_is_accepted() -> None:
    columns = COLUMNS["enrolments"]
    lines = (",".join(c.zh for c in columns), ",".join(c.example for c in columns))
    parsed = parse_enrolments(read_csv(csv_bytes(*lines)))
    assert (parsed.rejected, len(parsed.values)) == ((), 1)


def test_the_category_table_lists_every_kind_the_column_takes() -> None:
    from yiyu.domain import CategoryKind

    for kind in CategoryKind:
        assert f"`{kind.value}` | {kind.label_zh}" in category_table("en")
        assert f"{kind.label_zh} | `{kind.value}`" in category_table("zh")


def test_only_marked_blocks_are_replaced() -> None:
    page = "before\n<!-- categories:en -->\nold\n<!-- /categories -->\nafter\n"
    filled = fill_tables(page)
    assert filled.startswith("before\n<!-- categories:en -->\n\n| kind")
    assert filled.endswith("\n<!-- /categories -->\nafter\n")
    assert "old" not in filled
    assert fill_tables(filled) == filled
