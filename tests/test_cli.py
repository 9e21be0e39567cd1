"""The command line, in process (typer's CliRunner): exit codes, one-line errors, no
passwords, and the jobs end to end on an SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import yiyu
from yiyu.cli import app
from yiyu.jobs.planning import plan
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository
from yiyu.testing import EXAMPLE_HOLIDAY_FILE

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    result = runner.invoke(app, ["--db", url, "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return url


def seed(url: str) -> None:
    engine = make_engine(url)
    repo = SqlRepository(engine)
    repo.save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31",
                    discharge_date="2026-02-03", township="城关街道", family_doctor="FD-1")]
    )  # fmt: skip
    engine.dispose()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert "zj-city@2026.2" in result.output


def test_plan_worklist_record_status(db: str, tmp_path: Path) -> None:
    seed(db)
    planned = runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-05-06"])
    assert planned.exit_code == 0, planned.output
    assert "planned 1 of 1 subjects" in planned.output
    day = ["--as-of", "2026-05-06"]
    listed = runner.invoke(app, ["--db", db, "worklist", *day, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert rows[0]["key"] == "child:C1/m3"  # overdue first
    assert rows[0]["status_zh"] == "已逾期"
    as_csv = runner.invoke(app, ["--db", db, "worklist", *day, "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("key,status,")
    table = runner.invoke(app, ["--db", db, "worklist", "--as-of", "2026-05-06"])
    assert "王小红" in table.output
    visit = tmp_path / "visit.json"
    visit.write_text(
        json.dumps(
            {"id": "E1", "subject_id": "C1", "on": "2026-05-06", "obligation_key": "child:C1/m3",
             "measurements": {"weight_kg": 6.1, "length_cm": 61.0}},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    recorded = runner.invoke(app, ["--db", db, "record", str(visit), "--as-of", "2026-05-06"])
    assert recorded.exit_code == 0, recorded.output
    assert "recorded E1" in recorded.output
    # The evaluation the protocol prints (WS/T 423—2022 in the national layer, #11).
    assert "growth (WS/T 423—2022): 年龄别体重 6.1 kg: 百分位数法" in recorded.output
    again = runner.invoke(app, ["--db", db, "record", str(visit), "--as-of", "2026-05-06"])
    assert "already recorded" in again.output
    status = runner.invoke(app, ["--db", db, "status"])
    assert status.exit_code == 0
    assert "plan" in status.output
    assert "succeeded" in status.output


def test_errors_are_one_line_with_exit_code_1(db: str, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-02-30"])
    assert bad.exit_code == 1
    assert bad.output.strip().startswith("error:")
    assert "--as-of" in bad.output
    assert "Traceback" not in bad.output
    visit = tmp_path / "visit.json"
    visit.write_text('{"id": "E1", "subject_id": "C9", "on": "2026-05-06"}', encoding="utf-8")
    missing = runner.invoke(app, ["--db", db, "record", str(visit)])
    assert missing.exit_code == 1
    assert "subject_id='C9'" in missing.output


def test_usage_errors_exit_2(db: str) -> None:
    assert runner.invoke(app, ["--db", db, "worklist", "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["--db", db, "plan", "--horizon", "0"]).exit_code == 2
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2


def test_a_password_never_appears(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nurse:s3cret-pw@127.0.0.1:1/nowhere"
    result = runner.invoke(app, ["--db", url, "status"])
    assert result.exit_code == 1
    assert "s3cret-pw" not in result.output
    assert "nurse:***@" in result.output


def test_debug_shows_the_traceback(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "--debug", "plan", "--as-of", "2026-02-30"])
    assert result.exit_code == 1
    # The frames, then the error (a printed traceback: a raised one would print the
    # driver's whole message, parameters and all).
    assert "Traceback (most recent call last):" in result.output
    assert "in plan_command" in result.output
    assert "ValidationError: --as-of='2026-02-30'" in result.output


def test_plan_prints_log_lines_when_not_on_a_terminal(db: str) -> None:
    seed(db)
    result = runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-05-06"])
    assert "plan: 1/1" in result.output  # CliRunner is not a terminal
    engine = make_engine(db)
    assert plan(SqlRepository(engine), yiyu.load_protocol(),
                as_of=yiyu.to_date("2026-05-06")).planned == 0  # fmt: skip
    engine.dispose()


def test_import_exit_codes(db: str, tmp_path: Path) -> None:
    good = tmp_path / "children.csv"
    good.write_text(
        "编号,姓名,性别,出生日期,镇街\nC1,王小红,女,2026-01-31,城关街道\n", encoding="utf-8-sig"
    )
    ok = runner.invoke(app, ["--db", db, "import", "children", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "1 new" in ok.output
    assert "townships created: 城关街道" in ok.output
    mixed = tmp_path / "more.csv"
    mixed.write_bytes(
        "编号,姓名,性别,出生日期,镇街\nC2,李小明,男,2026-02-30,城关街道\nC3,赵小雨,女,2026-03-01,城关街道\n".encode(
            "gb18030"
        )
    )
    partial = runner.invoke(app, ["--db", db, "import", "children", str(mixed)])
    assert partial.exit_code == 3, partial.output
    assert "line 2" in partial.output
    assert (tmp_path / "more.rejected.csv").exists()
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe\x00\x00\x81")
    assert runner.invoke(app, ["--db", db, "import", "children", str(broken)]).exit_code == 1


@pytest.mark.parametrize("kind", ["children", "daycares", "enrolments"])
def test_import_template_writes_the_headers_to_fill_in(kind: str, tmp_path: Path) -> None:
    target = tmp_path / f"{kind}.csv"
    written = runner.invoke(app, ["import", kind, "--template", str(target)])
    assert written.exit_code == 0, written.output
    header = target.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("儿童编号," if kind == "enrolments" else "编号,")
    # The help says where the full tables are.
    assert "importing.md" in runner.invoke(app, ["import", kind, "--help"]).output


def test_import_needs_a_file_or_a_template(tmp_path: Path) -> None:
    neither = runner.invoke(app, ["import", "children"])
    assert neither.exit_code == 2
    assert "missing FILE" in neither.output
    source = tmp_path / "c.csv"
    source.write_text("编号\n", encoding="utf-8")
    both = runner.invoke(
        app, ["import", "children", str(source), "--template", str(tmp_path / "t")]
    )
    assert both.exit_code == 2
    assert not (tmp_path / "t").exists()


def test_coverage_formats(db: str) -> None:
    seed(db)
    runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-02-01", "--horizon", "400"])
    args = ["--db", db, "coverage", "--period", "2026Q2", "--as-of", "2026-07-15"]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    by_id = {row["indicator"]: row for row in rows}
    screening = by_id["dev_screening_0_3"]
    assert (screening["numerator"], screening["denominator"]) == (0, 1)  # m3 missed
    assert screening["target"] == 0.95
    contract, guidance = by_id["family_doctor_contract"], by_id["parenting_knowledge"]
    assert (contract["numerator"], contract["denominator"], contract["met"]) == (1, 1, True)
    assert (guidance["numerator"], guidance["denominator"]) == (0, 1)  # no visit recorded
    assert guidance["shortfall"] == [{"subject_id": "C1", "key": None, "reason": "no_guidance"}]
    assert by_id["daycare_entry_check"]["rate"] is None  # no enrolment: nothing owed
    assert all(set(row) >= {"indicator", "name", "area", "period", "rate", "definition"}
               for row in rows)  # fmt: skip
    table = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert "0—3岁儿童发育监测筛查率" in table.output
    assert "0—6岁儿童家庭医生签约率" in table.output
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    assert as_csv.output.startswith("indicator,name,area,period")
    assert (
        "\nfamily_doctor_contract,0—6岁儿童家庭医生签约率,全市,2026Q2,period,2026-04-01,"
        "2026-06-30,1,1,1.0," in as_csv.output
    )
    # The yearly rates count the year to date, and say so (#17).
    assert "\nnewborn_visit,新生儿访视率,全市,2026Q2,year,2026-01-01,2026-06-30,0,1," in (
        as_csv.output
    )
    assert by_id["newborn_visit"]["shortfall"] == [
        {"subject_id": "C1", "key": "child:C1/newborn_home_visit", "reason": "not_visited"}
    ]
    assert table.output.index("年度指标") < table.output.index("本期指标")
    assert runner.invoke(app, [*args[:-4], "--period", "2026Q5"]).exit_code == 1
    assert all(row["final"] is True and row["small"] in (True, False) for row in rows)
    # A quarter judged before it ends says so, and gives no verdict (#17).
    early = ["--db", db, "coverage", "--period", "2026Q3", "--as-of", "2026-08-15"]
    unfinished = runner.invoke(app, early, env={"COLUMNS": "250"})
    assert "统计期未结束" in unfinished.output
    as_json_early = json.loads(runner.invoke(app, [*early, "--format", "json"]).output)
    assert {row["final"] for row in as_json_early} == {False}


def test_demo_without_pdfs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "--children", "60", "--as-of", "2026-11-29", "--no-pdf"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "60 children" in result.output
    assert "0—3岁儿童发育监测筛查率" in result.output
    assert (out / "yiyu-demo.db").exists()
    assert (out / "coverage-2026Q3.json").exists()


def test_render_and_coverage_pdf(db: str, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    seed(db)
    runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-02-01", "--horizon", "400"])
    pdf = tmp_path / "coverage.pdf"
    args = ["--db", db, "coverage", "--period", "2026Q2", "--as-of", "2026-07-15"]
    made = runner.invoke(app, [*args, "--format", "pdf", "--out", str(pdf)])
    assert made.exit_code == 0, made.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert runner.invoke(app, [*args, "--format", "pdf"]).exit_code == 2
    rendered = runner.invoke(
        app,
        ["--db", db, "render", "--as-of", "2026-05-06", "--out", str(tmp_path / "day"),
         "--institution", "城关街道社区卫生服务中心"],
    )  # fmt: skip
    assert rendered.exit_code == 0, rendered.output
    assert "PDFs written" in rendered.output
    assert list((tmp_path / "day").glob("worklist-*.pdf"))
    unknown = runner.invoke(
        app,
        ["--db", db, "render", "--as-of", "2026-05-06", "--out", str(tmp_path / "x"),
         "--institution", "城关街道社区卫生服务中心", "--growth-reference", "cdc_2000"],
    )  # fmt: skip
    assert unknown.exit_code == 1
    assert unknown.output.startswith("error: growth_references='cdc_2000'")


HOLIDAYS_2027 = EXAMPLE_HOLIDAY_FILE  # made up: 2027's official dates are not known


def stored_years(url: str) -> list[yiyu.HolidayYear]:
    engine = make_engine(url)
    years = list(SqlRepository(engine).holiday_calendar().years)
    engine.dispose()
    return years


def test_holidays_add_and_list(db: str, tmp_path: Path) -> None:
    empty = runner.invoke(app, ["--db", db, "holidays", "list"])
    assert empty.exit_code == 0, empty.output
    assert "no holiday years entered" in empty.output
    file = tmp_path / "2027.toml"
    file.write_text(HOLIDAYS_2027, encoding="utf-8")
    added = runner.invoke(app, ["--db", db, "holidays", "add", str(file)])
    assert added.exit_code == 0, added.output
    assert "holidays 2027 added: 9 days off, 1 weekend days worked" in added.output
    again = runner.invoke(app, ["--db", db, "holidays", "add", str(file)])
    assert "holidays 2027 unchanged" in again.output
    file.write_text(HOLIDAYS_2027.replace("2027-02-14", "2027-02-13"), encoding="utf-8")
    replaced = runner.invoke(app, ["--db", db, "holidays", "add", str(file)])
    assert "holidays 2027 replaced: 8 days off" in replaced.output
    listed = runner.invoke(app, ["--db", db, "holidays", "list"])
    assert listed.exit_code == 0, listed.output
    [line] = [line for line in listed.output.splitlines() if "│ 2027" in line]
    assert [cell.strip() for cell in line.split("│")[1:4]] == ["2027", "8", "1"]
    assert "示例" in listed.output
    [year] = stored_years(db)
    assert len(year.holidays) == 8


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (HOLIDAYS_2027.replace('["2027-02-20"]', '["2027-02-17"]'), "workdays[0]='2027-02-17'"),
        (HOLIDAYS_2027.replace('to = "2027-02-14"', 'to = "2028-02-14"'),
         "holidays[0].to='2028-02-14'"),
        (HOLIDAYS_2027.replace("source =", "# source ="), "source=None"),
        (HOLIDAYS_2027.replace('name = "春节"', 'name = "春节"\ndays = 9'), "holidays[0].days=9"),
        (HOLIDAYS_2027.replace('"2027-02-06"', '2027-02-06"'), "toml="),
    ],
)  # fmt: skip
def test_a_bad_holidays_file_is_one_line_and_stores_nothing(
    db: str, tmp_path: Path, text: str, named: str
) -> None:
    file = tmp_path / "2027.toml"
    file.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "holidays", "add", str(file)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("error:")
    assert result.output.count("error:") == 1  # one message (rich wraps it at 80 columns)
    assert "Traceback" not in result.output
    assert named in " ".join(line.strip() for line in result.output.splitlines())
    assert stored_years(db) == []


def test_a_holidays_file_not_in_utf8(db: str, tmp_path: Path) -> None:
    file = tmp_path / "2027.toml"
    file.write_bytes(HOLIDAYS_2027.encode("gb18030"))
    result = runner.invoke(app, ["--db", db, "holidays", "add", str(file)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
    assert stored_years(db) == []
    missing = runner.invoke(app, ["--db", db, "holidays", "add", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2


def test_the_worklist_marks_a_suggestion_after_the_window(db: str) -> None:
    # Born 19 Jan 2026: the 满月 window, 16–18 Feb, is inside the Spring Festival holiday.
    engine = make_engine(db)
    SqlRepository(engine).save_children(
        [yiyu.Child(id="C5", name="赵小满", sex="F", birth_date="2026-01-19",
                    township="城关街道")]
    )  # fmt: skip
    engine.dispose()
    assert runner.invoke(app, ["--db", db, "plan", "--as-of", "2026-01-20"]).exit_code == 0
    day = ["--as-of", "2026-02-16"]
    rows = json.loads(runner.invoke(app, ["--db", db, "worklist", *day, "--format", "json"]).output)
    [one_month] = [row for row in rows if row["rule"] == "one_month"]
    assert (one_month["suggested"], one_month["suggested_outside_window"]) == (
        "2026-02-24",
        "true",
    )
    table = runner.invoke(app, ["--db", db, "worklist", *day])
    assert "时限外" in table.output


# --- the encounter file's format (#15) ----------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "schema" / "examples"


def test_record_schema_prints_the_published_schema() -> None:
    printed = runner.invoke(app, ["record", "--schema"])
    assert printed.exit_code == 0, printed.output
    published = EXAMPLES.parent / "encounter.schema.json"
    assert printed.output == published.read_text(encoding="utf-8")
    assert "docs/guide/recording.md" in runner.invoke(app, ["record", "--help"]).output


def test_record_needs_a_file_or_schema() -> None:
    result = runner.invoke(app, ["record"])
    assert result.exit_code == 2
    assert "missing FILE" in result.output


def test_an_example_file_is_recorded_as_the_guide_shows(db: str, tmp_path: Path) -> None:
    children = tmp_path / "children.csv"
    children.write_text(
        "编号,姓名,性别,出生日期,孕周,出生体重,出院日期\n"
        "C2026-0031,王小宝,男,2026-02-20,39+2,3350,2026-02-23\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["--db", db, "import", "children", str(children)]).exit_code == 0
    example = EXAMPLES / "newborn_home_visit.json"
    recorded = runner.invoke(app, ["--db", db, "record", str(example), "--as-of", "2026-02-27"])
    assert recorded.exit_code == 0, recorded.output
    assert "recorded E-C2026-0031-NB" in recorded.output


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('{"id": "E1", "subject_id": "C1", "on": "2026-05-06", "measurements": '
         '{"weight_kg": "5"}}', "measurements.weight_kg='5'"),
        ('{"id": "E1", "subject_id": "C1", "on": "2026-05-06", "warning_signs": '
         '{"m3_1": "yes"}}', "warning_signs['m3_1']='yes'"),
        ('{"id": "E1", "subject_id": "C1", "on": "2026-05-06", "weight_kg": 5}', "weight_kg=5"),
        ('[{"id": "E1"}]', "encounter='list'"),
        ("{", "not UTF-8 JSON"),
    ],
)  # fmt: skip
def test_a_bad_encounter_file_is_one_line_naming_the_file_and_the_field(
    db: str, tmp_path: Path, text: str, named: str
) -> None:
    seed(db)
    visit = tmp_path / "visit.json"
    visit.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--db", db, "record", str(visit)])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert len(result.output.strip().splitlines()) == 1
    assert named in result.output
    assert "visit.json" in result.output
