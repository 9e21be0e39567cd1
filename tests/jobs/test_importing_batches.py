"""A registry file imported in batches, in bounded memory, as one transaction (#14).

The import reads a file in chunks and parses and saves it ``batch_size`` rows at a
time: what it does must not depend on where the batches or the chunks fall, and an error
in a late batch must save nothing of the earlier ones.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pendulum
import pytest

import yiyu
from registry.csvfiles import csv_bytes, mixed_file, shape
from yiyu.jobs import importing
from yiyu.jobs.importing import ImportResult, import_children, import_enrolments
from yiyu.registry import ImportFileError
from yiyu.store import MemoryRepository, Repository, SaveCounts

D = pendulum.Date
AS_OF = D(2026, 5, 6)

CHILDREN = (
    "id,name,sex,birth_date,township",
    "C1,王小明,M,2024-01-31,城东街道",  # 2
    "C2,李小红,F,2024-13-01,城西镇",  # 3 rejected: no month 13
    "C3,张三,M,2024-02-01,新镇",  # 4
    "C1,王小明,M,2024-02-01,城东街道",  # 5 given again (line 2, an earlier batch)
    "C2,李小红,F,2024-03-01,城西镇",  # 6 given again (line 3, rejected there)
    "C4,赵六,F,2024-04-01,城西镇",  # 7 updates the stored C4: audited
    "C5,周七,F,2031-01-01,城西镇",  # 8 rejected: born after the import's date
)


def _essentials(result: ImportResult) -> tuple[Any, ...]:
    return (
        result.encoding,
        result.rows_read,
        result.imported,
        [(r.line, r.field, r.value, r.reason) for r in result.rejected],
        result.unknown_columns,
        result.townships_created,
    )


def _stocked(repo: Repository) -> Repository:
    repo.save_children([yiyu.Child(id="C4", name="赵六", sex="F", birth_date="2024-03-31")])
    return repo


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_where_the_batches_fall_changes_nothing(batch_size: int) -> None:
    whole = import_children(_stocked(MemoryRepository()), csv_bytes(*CHILDREN), as_of=AS_OF)
    repo = _stocked(MemoryRepository())
    result = import_children(repo, csv_bytes(*CHILDREN), as_of=AS_OF, batch_size=batch_size)
    assert _essentials(result) == _essentials(whole)
    # Line numbers are the file's, duplicates are found across batches.
    assert shape(result.rejected) == [
        (3, "birth_date", "2024-13-01"),
        (5, "id", "C1"),
        (6, "id", "C2"),
        (8, "birth_date", "2031-01-01"),
    ]
    assert result.rejected[1].reason == "given again: first on line 2"
    assert result.rejected[2].reason == "given again: first on line 3 (rejected there)"
    assert result.imported == SaveCounts(created=2, updated=1)
    assert result.townships_created == ("城东街道", "城西镇", "新镇")
    assert sorted(repo.get_children(["C1", "C2", "C3", "C4", "C5"])) == ["C1", "C3", "C4"]
    (run,) = [run for run in repo.runs() if run.job == "import_children"]
    assert run.status == "partial"
    assert (run.counts["created"], run.counts["updated"], run.counts["rejected"]) == (2, 1, 4)


def test_the_file_is_saved_a_batch_at_a_time() -> None:
    # The good rows are never all held: each save gets one batch's.
    sizes: list[int] = []

    class Recording(MemoryRepository):
        def save_children(self, children: Sequence[yiyu.Child]) -> SaveCounts:
            sizes.append(len(children))
            return super().save_children(children)

    rows = [f"C{i},儿童{i},F,2025-01-{i:02d}" for i in range(1, 8)]
    result = import_children(
        Recording(), csv_bytes("id,name,sex,birth_date", *rows), as_of=AS_OF, batch_size=3
    )
    assert result.imported == SaveCounts(created=7)
    assert sizes == [3, 3, 1]


def test_the_audit_is_the_same_in_batches(repo: Repository) -> None:
    audits: list[tuple[str, str]] = []
    real = repo.audit

    def audit(actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None:
        audits.append((entity_id, str(detail)))
        real(actor, action, entity, entity_id, detail)

    repo.audit = audit  # type: ignore[method-assign]
    _stocked(repo)
    import_children(repo, csv_bytes(*CHILDREN), as_of=AS_OF, batch_size=2)
    assert audits == [("C4", str({"changed": ["birth_date", "township"]}))]


def test_an_error_in_a_late_batch_saves_nothing(repo: Repository) -> None:
    # A quote not closed on the last line, after two batches were parsed and saved.
    data = csv_bytes(*CHILDREN[:4], 'C9,"王小明,M,2024-01-31,城东街道')
    with pytest.raises(ImportFileError, match="quote") as raised:
        import_children(repo, data, as_of=AS_OF, batch_size=1)
    assert raised.value.line == 5
    assert repo.get_children(["C1", "C3", "C9"]) == {}
    assert repo.townships() == []
    assert [run.status for run in repo.runs()] == ["failed"]


def test_a_save_failing_in_a_late_batch_saves_nothing(repo: Repository) -> None:
    saved: list[int] = []
    real = repo.save_children

    def save_children(children: Sequence[yiyu.Child]) -> SaveCounts:
        if saved:
            raise RuntimeError("the database went away")
        saved.append(len(children))
        return real(children)

    repo.save_children = save_children  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="went away"):
        import_children(repo, csv_bytes(*CHILDREN), as_of=AS_OF, batch_size=2)
    assert saved == [1]  # the first batch was saved, in the transaction, then undone
    assert repo.get_children(["C1", "C3"]) == {}
    assert repo.townships() == []
    assert [run.status for run in repo.runs()] == ["failed"]


def test_enrolments_in_batches_agree_with_the_earlier_batches(repo: Repository) -> None:
    repo.save_children(
        [
            yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31"),
            yiyu.Child(id="C2", name="李小红", sex="F", birth_date="2024-03-01"),
        ]
    )
    repo.save_daycares([yiyu.Daycare(id="K1", name="阳光托育园", opened_on="2023-09-01")])
    data = csv_bytes(
        "child_id,daycare_id,start,end",
        "C1,K1,2025-09-01,2025-12-31",  # 2
        "C2,K1,2025-09-01,",  # 3
        "C1,K1,2026-03-01,",  # 4: the child's second, in another batch
        "C1,K1,2025-09-01,",  # 5: given again
        "C2,K1,2024-02-01,",  # 6: before the child's birth
    )
    result = import_enrolments(repo, data, batch_size=1)
    assert result.imported == SaveCounts(created=3)
    assert shape(result.rejected) == [(5, "child_id", "C1"), (6, "start", "2024-02-01")]
    child = repo.get_child("C1")
    assert child is not None
    assert [(e.start, e.end) for e in child.enrolments] == [
        (D(2025, 9, 1), D(2025, 12, 31)),
        (D(2026, 3, 1), None),
    ]
    # Given again with an end date: an update, audited, whichever batch it falls in.
    again = import_enrolments(
        repo,
        csv_bytes(
            "child_id,daycare_id,start,end", "C2,K1,2025-09-01,", "C1,K1,2026-03-01,2026-06-30"
        ),
        batch_size=1,
    )
    assert again.imported == SaveCounts(updated=1, unchanged=1)


GB_FILE = mixed_file(
    ("编号,姓名,性别,出生日期,镇街,备注", "gb18030"),
    ("C1,王小明,男,2024-01-31,城东街道,", "gb18030"),
    ('C2,"李小红\r\n（小名红红）",女,2024-03-01,城西镇,双胞胎', "gb18030"),
    ("", "ascii"),
    ("C3,张三,男,2024-04-01,城西镇,", "gb18030"),
)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_a_file_read_in_small_chunks_reads_the_same(
    chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks cut CR LF pairs, GB18030 characters and quoted cells anywhere.
    path = tmp_path / "儿童.csv"
    path.write_bytes(GB_FILE)
    whole = import_children(MemoryRepository(), GB_FILE, as_of=AS_OF)
    monkeypatch.setattr(importing, "_CHUNK_BYTES", chunk)
    result = import_children(MemoryRepository(), path, as_of=AS_OF, batch_size=2)
    assert _essentials(result) == _essentials(whole)
    assert result.encoding == "gb18030"
    assert shape(result.rejected) == [(3, "姓名", "李小红\r\n（小名红红）")]
    assert result.unknown_columns == ("备注",)
    assert result.imported == SaveCounts(created=2)


def test_a_mixed_file_read_in_chunks_is_refused_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = mixed_file(
        ("id,name,sex,birth_date,township", "ascii"),
        *[(f"C{i},张伟,M,2024-01-31,城东街道", "utf-8") for i in range(1, 50)],
        ("C50,李小红,F,2024-03-01,城西镇", "gb18030"),
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    monkeypatch.setattr(importing, "_CHUNK_BYTES", 5)
    repo = MemoryRepository()
    with pytest.raises(ImportFileError, match="mixes encodings") as raised:
        import_children(repo, path, batch_size=10)
    assert raised.value.line == 51
    assert "line 2 is UTF-8" in str(raised.value)
    assert repo.get_child("C1") is None
    assert [run.status for run in repo.runs()] == ["failed"]


def test_the_report_has_every_batch_s_rejected_rows(tmp_path: Path) -> None:
    report = tmp_path / "rejected.csv"
    import_children(
        _stocked(MemoryRepository()),
        csv_bytes(*CHILDREN),
        as_of=AS_OF,
        batch_size=2,
        report_path=report,
    )
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert [row[:3] for row in rows] == [
        ["line", "field", "value"],
        ["3", "birth_date", "2024-13-01"],
        ["5", "id", "C1"],
        ["6", "id", "C2"],
        ["8", "birth_date", "2031-01-01"],
    ]


@pytest.mark.parametrize("size", [0, -1, 2.5, True, "100"])
def test_a_batch_size_that_is_not_a_count_of_rows_is_refused(size: Any) -> None:
    repo = MemoryRepository()
    with pytest.raises(yiyu.ValidationError, match="batch_size"):
        import_children(repo, csv_bytes(*CHILDREN), batch_size=size)
    assert repo.runs() == []
