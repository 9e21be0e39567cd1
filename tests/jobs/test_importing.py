"""Importing children, daycares and enrolments from the registries' CSV exports (#4)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest

import yiyu
from registry.csvfiles import EN_HEADER, ZH_HEADER, children_lines, csv_bytes, mixed_file, shape
from yiyu.codec import facts_hash
from yiyu.jobs import importing
from yiyu.jobs.importing import import_children, import_daycares, import_enrolments, import_file
from yiyu.registry import ImportFileError
from yiyu.store import MemoryRepository, Repository, SaveCounts

D = pendulum.Date


class AuditedRepository(MemoryRepository):
    """The in-memory store, keeping the audit entries where a test can read them."""

    def __init__(self) -> None:
        super().__init__()
        self.audits: list[tuple[str, str, str, str, Any]] = []

    def audit(self, actor: str, action: str, entity: str, entity_id: str, detail: Any) -> None:
        super().audit(actor, action, entity, entity_id, detail)
        self.audits.append((actor, action, entity, entity_id, detail))


# --- reading (the pure reading is tested in tests/registry/) ------------------------------


def test_a_gb18030_line_in_a_utf8_file_is_refused_at_its_line() -> None:
    # The UTF-8 row is valid GB18030 too: read as GB18030, the file was imported with
    # a garbled name and township, and the township created, without a word.
    data = mixed_file(
        ("id,name,sex,birth_date,township", "ascii"),
        ("C1,张伟,M,2024-01-31,城东街道", "utf-8"),
        ("C2,李小红,F,2024-03-01,城西镇", "gb18030"),
    )
    assert data.decode("gb18030").splitlines()[1] == "C1,寮犱紵,M,2024-01-31,鍩庝笢琛楅亾"
    repo = MemoryRepository()
    with pytest.raises(ImportFileError, match="mixes encodings") as raised:
        import_children(repo, data)
    assert raised.value.line == 3
    assert "line 2 is UTF-8" in str(raised.value)
    assert "0xc0" in str(raised.value)  # 李 in GB18030 is C0 EE: not UTF-8
    assert repo.townships() == []
    assert repo.get_child("C1") is None
    assert [run.status for run in repo.runs()] == ["failed"]


# --- children ---------------------------------------------------------------------------


def test_impossible_birth_dates_are_rejected_by_line_and_good_rows_kept() -> None:
    repo = MemoryRepository()
    result = import_children(
        repo,
        csv_bytes(
            "id,name,sex,birth_date",
            "C1,未来,M,2031-01-01",  # after the import's date
            "C2,百岁,F,1900-01-01",  # would owe "missed" visits back to 1901
            "C3,今天,F,2026-05-06",  # born on the import's date: kept
            "C4,十八,M,2008-05-06",  # 18 years before it, the default earliest: kept
            "C5,太早,M,2008-05-05",
            "C6,王小明,M,2024-01-31",
        ),
        as_of=D(2026, 5, 6),
    )
    assert [(r.line, r.field, r.value) for r in result.rejected] == [
        (2, "birth_date", "2031-01-01"),
        (3, "birth_date", "1900-01-01"),
        (6, "birth_date", "2008-05-05"),
    ]
    assert "after 2026-05-06" in result.rejected[0].reason
    assert "before 2008-05-06" in result.rejected[1].reason
    assert "18 years before 2026-05-06" in result.rejected[1].reason
    assert result.imported == SaveCounts(created=3)
    assert sorted(repo.get_children(["C1", "C2", "C3", "C4", "C5", "C6"])) == ["C3", "C4", "C6"]


def test_the_earliest_birth_date_is_a_parameter() -> None:
    data = csv_bytes("id,name,sex,birth_date", "C1,甲,M,2019-12-31", "C2,乙,F,2020-01-01")
    result = import_children(
        MemoryRepository(), data, as_of=D(2026, 5, 6), earliest_birth=D(2020, 1, 1)
    )
    assert [(r.line, r.value) for r in result.rejected] == [(2, "2019-12-31")]
    assert "before 2020-01-01" in result.rejected[0].reason
    with pytest.raises(yiyu.ValidationError, match="earliest_birth"):
        import_children(MemoryRepository(), data, as_of=D(2026, 5, 6), earliest_birth=D(2027, 1, 1))


def test_without_a_date_the_import_judges_birth_dates_as_of_today() -> None:
    # The command line imports without --as-of: today in Asia/Shanghai.
    tomorrow = yiyu.local_today().add(days=1)
    result = import_children(
        MemoryRepository(),
        csv_bytes("id,name,sex,birth_date", f"C1,明天,M,{tomorrow}", "C2,今天,F,2026-01-31"),
    )
    assert [(r.line, r.value) for r in result.rejected] == [(2, tomorrow.isoformat())]


# --- importing children -------------------------------------------------------------------


def test_import_saves_good_rows_creates_townships_and_records_the_run() -> None:
    repo = MemoryRepository()
    repo.ensure_townships(["城东街道"])
    data = csv_bytes(*children_lines(), "C3,张三,M,2024-02-30,,,,,新镇,,")
    result = import_children(repo, data)
    assert result.kind == "children"
    assert result.encoding == "utf-8"
    assert result.rows_read == 3
    assert result.imported == SaveCounts(created=2)
    assert result.townships_created == ("城西镇",)  # 新镇 was only on a rejected row
    assert shape(result.rejected) == [(4, "birth_date", "2024-02-30")]
    assert result.partial
    assert repo.townships() == ["城东街道", "城西镇"]
    child = repo.get_child("C1")
    assert child is not None
    assert child.categories == (
        yiyu.Category(kind="preterm"),
        yiyu.Category(kind="low_birth_weight"),
    )
    (run,) = repo.runs()
    assert run.job == "import_children"
    assert run.status == "partial"
    assert run.counts["created"] == 2
    assert run.counts["rejected"] == 1
    assert run.counts["townships_created"] == ["城西镇"]


def test_import_of_a_clean_file_succeeds() -> None:
    repo = MemoryRepository()
    result = import_children(repo, csv_bytes(*children_lines(ZH_HEADER), encoding="gb18030"))
    assert result.encoding == "gb18030"
    assert not result.partial
    assert result.townships_created == ("城东街道", "城西镇")
    assert repo.runs()[0].status == "succeeded"


def test_reimporting_the_same_file_changes_nothing() -> None:
    repo = AuditedRepository()
    data = csv_bytes(*children_lines())
    import_children(repo, data)
    before = {child_id: repo.get_child(child_id) for child_id in ("C1", "C2")}
    again = import_children(repo, data)
    assert again.imported == SaveCounts(unchanged=2)
    assert again.townships_created == ()
    assert repo.audits == []
    assert {child_id: repo.get_child(child_id) for child_id in ("C1", "C2")} == before


def test_an_updated_row_keeps_the_stored_history_and_is_audited() -> None:
    repo = AuditedRepository()
    case = yiyu.Case(condition="anaemia", opened_on="2024-09-01", severity="mild")
    stored = yiyu.Child(
        id="C2",
        name="李小红",
        sex="F",
        birth_date="2024-03-01",
        gestational_age="39",
        birth_weight_g=3200,
        township="城西镇",
        family_doctor="DR2",
        cases=[case],
        life_events=[yiyu.LifeEvent(kind="moved_out", on="2025-06-01")],
    )
    repo.save_children([stored])
    result = import_children(
        repo,
        csv_bytes(EN_HEADER, "C2,李小红,女,2024-03-01,39,3200,,,城西镇,DR9,孤儿"),
        actor="clerk-7",
    )
    assert result.imported == SaveCounts(updated=1)
    child = repo.get_child("C2")
    assert child is not None
    assert child.family_doctor == "DR9"
    assert child.categories == (yiyu.Category(kind="orphan"),)
    # Kept as stored: closed on the day the child moved out (it was open then).
    assert child.cases == stored.cases
    assert [(c.id, c.closed_on, c.close_reason) for c in child.cases] == [
        (case.id, pendulum.Date(2025, 6, 1), yiyu.CaseCloseReason.MOVED_OUT)
    ]
    assert child.life_events == stored.life_events
    assert repo.audits == [
        ("clerk-7", "update", "child", "C2", {"changed": ["family_doctor", "categories"]})
    ]


def test_importing_a_child_who_left_again_closes_its_case_once(repo: Repository) -> None:
    anaemia = yiyu.Case(condition="anaemia", opened_on="2024-09-01", severity="mild")
    child = yiyu.Child(id="C2", name="李小红", sex="F", birth_date="2024-03-01",
                       gestational_age="39", birth_weight_g=3200, township="城西镇",
                       family_doctor="DR2", cases=[anaemia])  # fmt: skip
    repo.save_children([child])
    # The host records the move; the registry file comes again, once and twice.
    moved = yiyu.LifeEvent(kind="moved_out", on="2025-06-01")
    repo.save_children([attrs.evolve(child, life_events=[moved])])
    data = csv_bytes(EN_HEADER, "C2,李小红,女,2024-03-01,39,3200,,,城西镇,DR9,")
    assert import_children(repo, data).imported == SaveCounts(updated=1)
    first = repo.get_child("C2")
    assert first is not None
    assert [(c.closed_on, c.close_reason) for c in first.cases] == [
        (D(2025, 6, 1), yiyu.CaseCloseReason.MOVED_OUT)
    ]
    assert import_children(repo, data).imported == SaveCounts(unchanged=1)
    assert repo.get_child("C2") == first
    assert facts_hash(first) == facts_hash(attrs.evolve(child, family_doctor="DR9",
                                                         life_events=[moved]))  # fmt: skip


def test_columns_the_file_lacks_keep_the_stored_fields() -> None:
    repo = MemoryRepository()
    stored = yiyu.Child(
        id="C1",
        name="王小明",
        sex="M",
        birth_date="2024-01-31",
        family_doctor="DR1",
        categories=[yiyu.Category(kind="orphan", start="2024-05-01", reason="父母双亡")],
    )
    repo.save_children([stored])
    result = import_children(repo, csv_bytes("编号,姓名,性别,出生日期", "C1,王小明,男,2024-01-31"))
    assert result.imported == SaveCounts(unchanged=1)
    # A bare kind does not erase the dates (and reason) the store has for it.
    again = import_children(
        repo, csv_bytes("编号,姓名,性别,出生日期,类别", "C1,王小明,男,2024-01-31,孤儿")
    )
    assert again.imported == SaveCounts(unchanged=1)
    # Dates in the file replace the stored period, keeping its reason when it starts alike.
    ended = import_children(
        repo,
        csv_bytes(
            "编号,姓名,性别,出生日期,类别", "C1,王小明,男,2024-01-31,孤儿:2024-05-01~2025-01-31"
        ),
    )
    assert ended.imported == SaveCounts(updated=1)
    child = repo.get_child("C1")
    assert child is not None
    assert child.family_doctor == "DR1"
    assert child.categories == (
        yiyu.Category(kind="orphan", start="2024-05-01", end="2025-01-31", reason="父母双亡"),
    )


def test_an_update_breaking_a_stored_fact_is_rejected_not_saved() -> None:
    repo = MemoryRepository()
    case = yiyu.Case(condition="anaemia", opened_on="2024-09-01")
    repo.save_children(
        [yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31", cases=[case])]
    )
    result = import_children(repo, csv_bytes("id,name,sex,birth_date", "C1,王小明,M,2024-10-01"))
    assert shape(result.rejected) == [(2, "cases[0].opened_on", "2024-09-01")]
    assert "before birth" in result.rejected[0].reason
    assert repo.get_child("C1") == yiyu.Child(
        id="C1", name="王小明", sex="M", birth_date="2024-01-31", cases=[case]
    )


def test_a_file_that_cannot_be_imported_saves_nothing_and_records_the_failure() -> None:
    repo = MemoryRepository()
    with pytest.raises(ImportFileError, match="required columns missing"):
        import_children(repo, csv_bytes("编号,姓名", "C1,王小明"))
    with pytest.raises(ImportFileError, match="GB18030"):
        import_children(repo, b"id,name\r\n\xff\xfe\x00")
    assert repo.subjects() == []
    assert [run.status for run in repo.runs()] == ["failed", "failed"]
    assert "GB18030" in (repo.runs()[0].error or "")


def test_import_reads_a_file_and_writes_the_report(tmp_path: Path) -> None:
    source = tmp_path / "儿童.csv"
    source.write_bytes(
        b"\xef\xbb\xbf"
        + csv_bytes(
            *children_lines(ZH_HEADER),
            "C3,张三,男,2024-02-30,,,,,城西镇,,",
            "C4,=HYPERLINK(1),男,2024-01-31,99,,,,城西镇,,",
        )
    )
    report = tmp_path / "rejected.csv"
    result = import_children(MemoryRepository(), source, report_path=report)
    assert result.encoding == "utf-8-sig"
    assert result.report_path == report
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        ["line", "field", "value", "reason"],
        ["4", "出生日期", "2024-02-30", "expected a date as YYYY-MM-DD"],
        ["5", "孕周", "99", "must be 22–45 weeks"],
    ]


def test_the_report_is_written_even_when_nothing_is_rejected(tmp_path: Path) -> None:
    report = tmp_path / "rejected.csv"
    report.write_text("stale", encoding="utf-8")
    result = import_children(MemoryRepository(), csv_bytes(*children_lines()), report_path=report)
    assert not result.partial
    assert report.read_text(encoding="utf-8-sig").splitlines() == ["line,field,value,reason"]


def test_report_values_cannot_become_formulas(tmp_path: Path) -> None:
    report = tmp_path / "rejected.csv"
    import_children(
        MemoryRepository(),
        csv_bytes("id,name,sex,birth_date", "C1,王小明,=1+1,2024-01-31"),
        report_path=report,
    )
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[1][:3] == ["2", "sex", "'=1+1"]


# --- daycares -----------------------------------------------------------------------------


DAYCARE_ZH = "编号,名称,镇街,托位数,健康指导员,开办日期,停办日期"


def test_daycares_with_chinese_headers_good_and_bad_rows() -> None:
    repo = MemoryRepository()
    result = import_daycares(
        repo,
        csv_bytes(
            DAYCARE_ZH,
            "K1,阳光托育园,城东街道,60,HI1,2023-09-01,",
            "K2,彩虹托育,城西镇,0,HI2,2023-09-01,",
            "K3,星星托育,城西镇,40,HI2,2023-09-01,2023-08-31",
            "K4,月亮托育,新镇,40.0,,2024-01-01,",
            encoding="gb18030",
        ),
    )
    assert result.imported == SaveCounts(created=2)
    assert result.townships_created == ("城东街道", "新镇")
    assert shape(result.rejected) == [(3, "托位数", "0"), (4, "停办日期", "2023-08-31")]
    assert "at least 1" in result.rejected[0].reason
    assert "before it opens" in result.rejected[1].reason
    daycare = repo.get_daycare("K4")
    assert daycare is not None
    assert daycare.capacity == 40


def test_a_daycare_update_keeps_its_corrections_and_is_audited() -> None:
    repo = AuditedRepository()
    correction = yiyu.Correction(item="hygiene", opened_on="2024-03-01")
    repo.save_daycares(
        [yiyu.Daycare(id="K1", name="阳光托育园", opened_on="2023-09-01", corrections=[correction])]
    )
    data = csv_bytes("id,name,opened_on,capacity", "K1,阳光托育园,2023-09-01,80")
    assert import_daycares(repo, data).imported == SaveCounts(updated=1)
    assert import_daycares(repo, data).imported == SaveCounts(unchanged=1)
    daycare = repo.get_daycare("K1")
    assert daycare is not None
    assert daycare.corrections == (correction,)
    assert repo.audits == [("import", "update", "daycare", "K1", {"changed": ["capacity"]})]


# --- enrolments ---------------------------------------------------------------------------


def stocked(repo: AuditedRepository | None = None) -> AuditedRepository:
    repo = AuditedRepository() if repo is None else repo
    repo.save_children(
        [
            yiyu.Child(id="C1", name="王小明", sex="M", birth_date="2024-01-31"),
            yiyu.Child(id="C2", name="李小红", sex="F", birth_date="2024-03-01"),
        ]
    )
    repo.save_daycares([yiyu.Daycare(id="K1", name="阳光托育园", opened_on="2023-09-01")])
    return repo


def test_enrolments_naming_unknown_children_or_daycares_are_rejected() -> None:
    repo = stocked()
    result = import_enrolments(
        repo,
        csv_bytes(
            "儿童编号,机构编号,入托日期,离托日期",
            "C1,K1,2025-09-01,",  # 2 good
            "C9,K1,2025-09-01,",  # 3 no such child
            "C2,K9,2025-09-01,",  # 4 no such daycare
            "C2,K1,2024-02-01,",  # 5 before the child was born
            "C1,K1,2025-09-01,2026-01-31",  # 6 the same enrolment again
            "C2,K1,2025-09-01,2025-08-01",  # 7 ends before it starts
            "C2,K1,2025-10-01,",  # 8 good
        ),
    )
    assert result.imported == SaveCounts(created=2)
    assert shape(result.rejected) == [
        (3, "儿童编号", "C9"),
        (4, "机构编号", "K9"),
        (5, "入托日期", "2024-02-01"),
        (6, "儿童编号", "C1"),
        (7, "离托日期", "2025-08-01"),
    ]
    reasons = [r.reason for r in result.rejected]
    assert "no such child" in reasons[0]
    assert "no such daycare" in reasons[1]
    assert "before the child's birth" in reasons[2]
    assert reasons[3] == "given again: first on line 2"
    child = repo.get_child("C1")
    assert child is not None
    assert child.enrolments == (yiyu.Enrolment(child_id="C1", daycare_id="K1", start="2025-09-01"),)


def test_reimporting_enrolments_is_unchanged_and_an_end_date_updates() -> None:
    repo = stocked()
    header = "child_id,daycare_id,start,end"
    data = csv_bytes(header, "C1,K1,2025-09-01,")
    assert import_enrolments(repo, data).imported == SaveCounts(created=1)
    assert import_enrolments(repo, data).imported == SaveCounts(unchanged=1)
    ended = csv_bytes(header, "C1,K1,2025-09-01,2026-01-31")
    assert import_enrolments(repo, ended).imported == SaveCounts(updated=1)
    # A file without the end column leaves the stored end alone.
    assert import_enrolments(
        repo, csv_bytes("child_id,daycare_id,start", "C1,K1,2025-09-01")
    ).imported == SaveCounts(unchanged=1)
    child = repo.get_child("C1")
    assert child is not None
    assert child.enrolments[0].end == D(2026, 1, 31)
    assert repo.audits == [
        ("import", "update", "enrolment", "C1/K1@2025-09-01", {"changed": ["end"]})
    ]


# --- one import, each stored subject read once per batch (#13, #14) -------------------------


class CountingRepository(AuditedRepository):
    """The in-memory store, counting how often each stored subject is read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get_child(self, child_id: str) -> yiyu.Child | None:
        self.reads.append(f"child:{child_id}")
        return super().get_child(child_id)

    def get_daycare(self, daycare_id: str) -> yiyu.Daycare | None:
        self.reads.append(f"daycare:{daycare_id}")
        return super().get_daycare(daycare_id)

    def get_children(self, ids: Sequence[str]) -> dict[str, yiyu.Child]:
        self.reads.extend(f"child:{child_id}" for child_id in ids)
        return super().get_children(ids)

    def get_daycares(self, ids: Sequence[str]) -> dict[str, yiyu.Daycare]:
        self.reads.extend(f"daycare:{daycare_id}" for daycare_id in ids)
        return super().get_daycares(ids)


def test_each_stored_subject_is_read_once_per_import() -> None:
    # A file of one batch (the default is IMPORT_BATCH_ROWS): a subject named in
    # several batches is read again by each, with what the earlier ones saved.
    repo = CountingRepository()
    stocked(repo)
    import_children(repo, csv_bytes(*children_lines()))
    assert sorted(repo.reads) == ["child:C1", "child:C2"]
    repo.reads.clear()
    import_daycares(repo, csv_bytes("id,name,opened_on,capacity", "K1,阳光托育园,2023-09-01,80"))
    assert repo.reads == ["daycare:K1"]
    repo.reads.clear()
    enrolments = csv_bytes(
        "child_id,daycare_id,start", "C1,K1,2025-09-01", "C1,K1,2026-03-01", "C2,K1,2025-09-01"
    )
    assert import_enrolments(repo, enrolments).imported == SaveCounts(created=3)
    assert sorted(repo.reads) == ["child:C1", "child:C2", "daycare:K1"]


def test_import_file_names_the_kind() -> None:
    repo = MemoryRepository()
    data = csv_bytes("id,name,opened_on", "K1,阳光托育园,2023-09-01")
    result = import_file(repo, "daycares", data)
    assert (result.kind, result.imported) == ("daycares", SaveCounts(created=1))
    assert repo.runs()[0].job == "import_daycares"
    assert importing.IMPORT_KINDS == ("children", "daycares", "enrolments")
    with pytest.raises(yiyu.ValidationError, match="kind"):
        import_file(repo, "clinicians", data)  # type: ignore[arg-type]
    # Birth-date bounds are a children file's: given for another kind, they are refused
    # before anything is read or recorded, not silently ignored.
    with pytest.raises(yiyu.ValidationError, match="as_of"):
        import_file(repo, "daycares", data, as_of=D(2026, 5, 6))
    with pytest.raises(yiyu.ValidationError, match="earliest_birth"):
        import_file(repo, "enrolments", data, earliest_birth=D(2020, 1, 1))
    assert len(repo.runs()) == 1


def test_the_options_are_the_same_for_every_import_and_a_misspelt_one_is_refused() -> None:
    # The options are written once (ChildImportOptions); a typo is not silently ignored.
    repo = MemoryRepository()
    data = csv_bytes("id,name,opened_on", "K1,阳光托育园,2023-09-01")
    result = import_daycares(repo, data, actor="registry", report_path=None)
    assert result.imported == SaveCounts(created=1)
    with pytest.raises(TypeError, match="'report'"):
        import_file(repo, "daycares", data, report="x.csv")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'report'"):
        import_daycares(repo, data, report="x.csv")  # type: ignore[call-arg]
    assert len(repo.runs()) == 1


def test_the_parsing_is_still_importable_from_the_job() -> None:
    # Hosts imported the parsing from yiyu.jobs.importing before it moved to the core.
    import yiyu.registry

    for name in yiyu.registry.__all__:
        assert getattr(importing, name) is getattr(yiyu.registry, name), name


# --- the guardian and the template --------------------------------------------------------


def test_a_bad_phone_is_masked_in_the_report_and_the_run(tmp_path: Path) -> None:
    repo = MemoryRepository()
    report = tmp_path / "rejected.csv"
    result = import_children(
        repo,
        csv_bytes(
            "编号,姓名,性别,出生日期,家长姓名,联系电话",
            "C1,王小明,男,2024-01-31,王建国,13800138000",
            "C2,李小红,女,2024-03-01,李华,1380013800099999",
        ),
        report_path=report,
        as_of=D(2026, 1, 1),
    )
    assert result.imported == SaveCounts(created=1)
    stored = repo.get_child("C1")
    assert stored is not None
    assert stored.guardian_phone == "13800138000"
    text = report.read_text(encoding="utf-8-sig")
    assert "138*********9999" in text
    assert "1380013800099999" not in text
    # Neither phone, good or bad, reaches the job record.
    [run] = repo.runs()
    assert "13800138000" not in repr(run)
    assert "1380013800099999" not in repr(run)


@pytest.mark.parametrize("kind", importing.IMPORT_KINDS)
def test_a_template_has_every_column_and_reads_back_as_an_empty_file(
    kind: importing.ImportKind, tmp_path: Path
) -> None:
    path = importing.write_template(kind, tmp_path / f"{kind}.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel and WPS read UTF-8 only with a BOM
    table = importing.read_csv(raw)
    assert table.headers == tuple(c.zh for c in importing.COLUMNS[kind])
    result = import_file(MemoryRepository(), kind, raw)
    assert (result.rows_read, result.rejected, result.unknown_columns) == (0, (), ())


def test_a_template_of_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(yiyu.ValidationError, match="kind"):
        importing.write_template("vaccines", tmp_path / "x.csv")  # type: ignore[arg-type]
