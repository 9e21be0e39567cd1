"""The row loop every registry file shares: one identity, one row (#4)."""

from __future__ import annotations

import pendulum

from registry.csvfiles import table
from yiyu.registry import ChildrenParser, parse_children

D = pendulum.Date


def test_a_duplicate_id_rejects_the_later_row_naming_the_first() -> None:
    parsed = parse_children(
        table(
            "id,name,sex,birth_date",
            "C1,王小明,M,2024-01-31",  # 2
            "C2,李小红,F,2024-13-01",  # 3 rejected: no month 13
            "C1,王小明,M,2024-02-01",  # 4 contradicts line 2
            "C2,李小红,F,2024-03-01",  # 5 contradicts line 3, rejected or not
        )
    )
    assert [c.birth_date for c in parsed.values] == [D(2024, 1, 31)]
    assert [(r.line, r.field, r.value, r.reason) for r in parsed.rejected] == [
        (3, "birth_date", "2024-13-01", "expected a date as YYYY-MM-DD"),
        (4, "id", "C1", "given again: first on line 2"),
        (5, "id", "C2", "given again: first on line 3 (rejected there)"),
    ]


def test_a_file_parsed_in_batches_is_parsed_as_a_whole() -> None:
    # Duplicates are found across batches; a nameless column someone wrote in only in a
    # later batch is still reported.
    whole = table(
        "id,name,sex,birth_date,,备注",
        "C1,王小明,M,2024-01-31,,",  # 2
        "C2,李小红,F,2024-13-01,,",  # 3 rejected
        "C1,王小明,M,2024-02-01,x,",  # 4 given again; writes in the nameless column
        "C2,李小红,F,2024-03-01,,",  # 5 given again, rejected there
    )
    parser = ChildrenParser(whole.header)
    batches = [parser.parse(whole.rows[i : i + 1]) for i in range(len(whole.rows))]
    assert [c.id for b in batches for c in b.values] == ["C1"]
    assert [r for b in batches for r in b.rejected] == list(parse_children(whole).rejected)
    assert batches[0].unknown_columns == ("备注",)
    assert parser.unknown_columns == ("(column 5)", "备注") == parse_children(whole).unknown_columns
    assert parser.ids(whole.rows) == ["C1", "C2"]
