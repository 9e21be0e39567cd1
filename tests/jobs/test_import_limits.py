"""An over-long cell is one rejected row, the same on every backend (#12, item 5).

PostgreSQL refuses an index row above about 2,700 bytes (``ProgramLimitExceeded``), and
townships and ids are indexed: before the domain values limited their text, one
3,000-character township failed the whole import there, with no line number, while
SQLite took it. The limits are the domain's, so the cell is refused before any backend
sees it: the good rows are kept and the bad one is reported by its line, alike on the
in-memory store, SQLite and PostgreSQL.
"""

from __future__ import annotations

import random

import pendulum

import yiyu
from yiyu.domain import limits
from yiyu.jobs.importing import import_children, import_daycares
from yiyu.jobs.planning import plan
from yiyu.store import Repository, SaveCounts

# 3,000 characters (9,000 bytes in UTF-8) that do not compress: PostgreSQL compresses
# an index entry before it measures it, so "镇" * 3000 would fit.
_RANDOM = random.Random(12)
LONG = "".join(chr(_RANDOM.randrange(0x4E00, 0x9FA6)) for _ in range(3000))
HEADER = "id,name,sex,birth_date,township"


def csv_bytes(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


def children_file() -> bytes:
    return csv_bytes(
        HEADER,
        "C1,王小明,男,2026-01-10,城东街道",
        f"C2,李小红,女,2026-02-01,{LONG}",
        "C3,张小华,男,2026-03-05,城西镇",
        f"{'C' * 3000},赵小军,男,2026-03-06,城西镇",
        f"C5,{'名' * 3000},女,2026-03-07,城西镇",
        # A quoted cell may span lines in CSV; a name may not.
        'C6,"王\r\n小明",女,2026-03-08,城西镇',
        "C7,周小英,女,2026-03-09,城西镇",
    )


def test_an_over_long_or_multi_line_cell_is_one_rejected_row(repo: Repository) -> None:
    result = import_children(repo, children_file())
    assert result.rows_read == 7
    assert result.imported == SaveCounts(created=3)
    assert [(r.line, r.field) for r in result.rejected] == [
        (3, "township"),
        (5, "id"),
        (6, "name"),
        (7, "name"),
    ]
    assert result.rejected[0].value == LONG
    assert f"at most {limits.NAME_MAX} characters" in result.rejected[0].reason
    assert f"at most {limits.ID_MAX} characters" in result.rejected[1].reason
    assert f"at most {limits.NAME_MAX} characters" in result.rejected[2].reason
    assert "one line" in result.rejected[3].reason
    kept = repo.get_children(["C1", "C2", "C3", "C5", "C6", "C7"])
    assert sorted(kept) == ["C1", "C3", "C7"]
    assert repo.townships() == ["城东街道", "城西镇"]
    # What was kept plans as usual: the townships are denormalised onto obligations.
    planned = plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 4, 1))
    assert planned.planned == 3


def test_an_over_long_daycare_cell_is_one_rejected_row(repo: Repository) -> None:
    data = csv_bytes(
        "id,name,opened_on,township,health_instructor",
        "D1,阳光托育,2025-09-01,城东街道,HI1",
        f"D2,{'托' * 101},2025-09-01,城东街道,HI1",
        f"D3,彩虹托育,2025-09-01,城东街道,{'H' * 65}",
        "D4,星星托育,2025-09-01,城西镇,HI2",
    )
    result = import_daycares(repo, data)
    assert result.imported == SaveCounts(created=2)
    assert [(r.line, r.field) for r in result.rejected] == [(3, "name"), (4, "health_instructor")]
    assert sorted(repo.get_daycares(["D1", "D2", "D3", "D4"])) == ["D1", "D4"]


def test_a_cell_at_the_limit_is_kept(repo: Repository) -> None:
    at_limit = "镇" * limits.NAME_MAX
    data = csv_bytes(HEADER, f"{'C' * limits.ID_MAX},王小明,男,2026-01-10,{at_limit}")
    result = import_children(repo, data)
    assert result.rejected == ()
    assert repo.townships() == [at_limit]
