"""``yiyu export fhir`` (#16): files per type, the instant to pass as the next --since,
and one-line usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import yiyu
from yiyu.cli import app
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    assert runner.invoke(app, ["--db", url, "db", "upgrade"]).exit_code == 0
    engine = make_engine(url)
    SqlRepository(engine).save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")]
    )
    engine.dispose()
    assert runner.invoke(app, ["--db", url, "plan", "--as-of", "2026-05-06"]).exit_code == 0
    return url


def test_export_fhir_writes_ndjson_and_says_what_to_pass_next(db: str, tmp_path: Path) -> None:
    out = tmp_path / "fhir"
    day = ["--as-of", "2026-05-06"]
    first = runner.invoke(app, ["--db", db, "export", "fhir", "--out", str(out), *day, "--bundle"])
    assert first.exit_code == 0, first.output
    assert "1 Patient" in first.output
    [patient] = (out / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    assert json.loads(patient)["name"] == [{"use": "official", "text": "王小红"}]
    assert (out / "bundle.json").exists()
    since = first.output.split("next --since: ")[1].strip()
    again = runner.invoke(
        app, ["--db", db, "export", "fhir", "--out", str(tmp_path / "2"), *day, "--since", since]
    )
    assert again.exit_code == 0, again.output
    assert "nothing changed" in again.output
    by_date = runner.invoke(
        app, ["--db", db, "export", "fhir", "--out", str(tmp_path / "3"), "--since", "2026-01-01"]
    )
    assert by_date.exit_code == 0, by_date.output
    assert "1 Patient" in by_date.output


def test_a_bad_since_is_a_one_line_usage_error(db: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["--db", db, "export", "fhir", "--out", str(tmp_path), "--since", "yesterday"]
    )
    assert result.exit_code == 2
    assert "--since='yesterday'" in result.output
    assert len(result.output.strip().splitlines()) == 1
