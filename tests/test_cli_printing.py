"""The printing commands' settings (yiyu.toml, --config, $YIYU_CONFIG, --institution) and
``yiyu status`` listing every job in local time, in process (typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest
from typer.testing import CliRunner

import yiyu
from yiyu.cli import app
from yiyu.dates import TIMEZONE
from yiyu.jobs.settings import CONFIG_ENV
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

runner = CliRunner()
DAY = ["--as-of", "2026-05-06"]
CLINIC = "城关街道社区卫生服务中心"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A planned store with one child, the working directory an empty folder and no
    $YIYU_CONFIG: no settings file unless a test writes one."""
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    assert runner.invoke(app, ["--db", url, "db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    SqlRepository(engine).save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31",
                    discharge_date="2026-02-03", township="城关街道", family_doctor="FD-1")]
    )  # fmt: skip
    engine.dispose()
    assert runner.invoke(app, ["--db", url, "plan", *DAY]).exit_code == 0
    return url


def authors(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.pdf"):
        with pikepdf.open(path) as pdf:
            found.add(str(pdf.docinfo.get("/Author")))
    return found


def test_render_refuses_to_print_without_an_institution(db: str, tmp_path: Path) -> None:
    out = tmp_path / "day"
    result = runner.invoke(app, ["--db", db, "render", *DAY, "--out", str(out)])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith("error: no institution name")
    assert "--institution" in line
    assert "yiyu.toml" in line
    assert not out.exists()  # nothing printed with a made-up name


def test_the_institution_comes_from_yiyu_toml_in_the_working_directory(
    db: str, tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint")
    Path("yiyu.toml").write_text(f'[institution]\nname = "{CLINIC}"\n', encoding="utf-8")
    out = tmp_path / "day"
    result = runner.invoke(app, ["--db", db, "render", *DAY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert authors(out) == {CLINIC}
    # The option beats the file.
    again = tmp_path / "again"
    args = ["--db", db, "render", *DAY, "--out", str(again), "--institution", "城西卫生院"]
    assert runner.invoke(app, args).exit_code == 0
    assert authors(again) == {"城西卫生院"}


@pytest.mark.parametrize("how", ["--config", CONFIG_ENV])
def test_the_file_named_by_the_option_or_the_variable(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pytest.importorskip("weasyprint")
    path = tmp_path / "clinic.toml"
    path.write_text(f'[institution]\nname = "{CLINIC}"\n', encoding="utf-8")
    front = ["--config", str(path)] if how == "--config" else []
    if how == CONFIG_ENV:
        monkeypatch.setenv(CONFIG_ENV, str(path))
    out = tmp_path / "day"
    result = runner.invoke(app, [*front, "--db", db, "render", *DAY, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert authors(out) == {CLINIC}


def test_a_misspelt_key_is_one_line_naming_the_key_and_the_file(db: str, tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(f'[institution]\nnmae = "{CLINIC}"\n', encoding="utf-8")
    args = ["--config", str(path), "--db", db, "render", *DAY, "--out", str(tmp_path / "day")]
    result = runner.invoke(app, [*args, "--institution", CLINIC])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"error: {path}: institution.nmae: unknown key")
    missing = runner.invoke(app, ["--config", str(tmp_path / "none.toml"), "--db", db, "render",
                                  *DAY, "--out", str(tmp_path / "day")])  # fmt: skip
    assert missing.exit_code == 2
    assert "none.toml: no such file (named by --config)" in missing.output


def test_status_lists_record_and_render_runs_in_local_time(db: str, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    visit = tmp_path / "visit.json"
    visit.write_text(
        json.dumps({"id": "E1", "subject_id": "C1", "on": "2026-05-06",
                    "obligation_key": "child:C1/m3",
                    "measurements": {"weight_kg": 6.1, "length_cm": 61.0}}),
        encoding="utf-8",
    )  # fmt: skip
    assert runner.invoke(app, ["--db", db, "record", str(visit), *DAY]).exit_code == 0
    rendered = runner.invoke(
        app, ["--db", db, "render", *DAY, "--out", str(tmp_path / "day"), "--institution", CLINIC]
    )
    assert rendered.exit_code == 0, rendered.output
    status = runner.invoke(app, ["--db", db, "status"])
    assert status.exit_code == 0, status.output
    engine = make_engine(db)
    runs = SqlRepository(engine).runs(limit=10)
    engine.dispose()
    assert [run.job for run in runs][:3] == ["render", "record", "plan"]
    lines = status.output.splitlines()
    assert f"local time, {TIMEZONE}" in status.output
    for run in runs:
        [line] = [line for line in lines if f" {run.job} " in line and f"│ {run.id} " in line]
        local = run.started_at.in_timezone(TIMEZONE).to_datetime_string()
        assert local in line, (run.job, line)
        assert run.started_at.in_timezone("UTC").to_datetime_string() not in line
    render_line = next(line for line in lines if " render " in line)
    assert '"encounters": 1' in render_line
    assert "succeeded" in render_line
    assert "王小红" not in status.output  # no personal data in a run
