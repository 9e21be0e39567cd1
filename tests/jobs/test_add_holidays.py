"""Adding a year's holidays from a file: all or nothing, audited, replaced whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import yiyu
from yiyu.jobs.holidays import add_holidays
from yiyu.store import MemoryRepository, Repository, SaveCounts
from yiyu.testing import EXAMPLE_HOLIDAY_FILE

EXAMPLE = EXAMPLE_HOLIDAY_FILE  # made up: 2027's official dates are not known


class Audited(MemoryRepository):
    def __init__(self) -> None:
        super().__init__()
        self.audits: list[tuple[str, str, str, str, Any]] = []

    def audit(self, actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None:
        super().audit(actor, action, entity, entity_id, detail)
        self.audits.append((actor, action, entity, entity_id, detail))


def test_a_file_is_added_then_replaced_and_each_change_audited(tmp_path: Path) -> None:
    repo = Audited()
    file = tmp_path / "2027.toml"
    file.write_text(EXAMPLE, encoding="utf-8")
    added = add_holidays(repo, file, actor="信息科")
    assert added.counts == SaveCounts(created=1)
    assert repo.holiday_calendar().years == (added.year,)
    assert add_holidays(repo, file).counts == SaveCounts(unchanged=1)
    replaced = add_holidays(repo, EXAMPLE.replace("2027-02-14", "2027-02-13").encode())
    assert replaced.counts == SaveCounts(updated=1)
    assert [(a[0], a[1], a[3]) for a in repo.audits] == [
        ("信息科", "add", "2027"),
        ("holidays", "replace", "2027"),
    ]
    assert repo.audits[1][4] == {"source": added.year.source, "holidays": 8, "workdays": 1}


def test_a_windows_editors_byte_order_mark_is_not_an_error(repo: Repository) -> None:
    added = add_holidays(repo, b"\xef\xbb\xbf" + EXAMPLE.encode())
    assert added.year.year == 2027


def test_a_bad_file_stores_nothing(repo: Repository) -> None:
    repo.save_holiday_year(yiyu.parse_holiday_year(EXAMPLE))
    before = repo.holiday_calendar()
    bad = EXAMPLE.replace('["2027-02-20"]', '["2027-02-10"]')  # inside 春节
    with pytest.raises(yiyu.ValidationError) as raised:
        add_holidays(repo, bad.encode())
    assert (raised.value.field, raised.value.value) == ("workdays[0]", "2027-02-10")
    with pytest.raises(yiyu.ValidationError, match="UTF-8"):
        add_holidays(repo, EXAMPLE.encode("gb18030"))
    assert repo.holiday_calendar() == before
