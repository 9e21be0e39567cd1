"""A PostgreSQL URL without the ``postgres`` extra says which extra to install.

``pip install yiyu`` (no extra) brings no psycopg; the installed wheel is checked the same
way in tests/reports/test_wheel.py. Here the module is hidden (``None`` in ``sys.modules``
makes ``import psycopg`` fail as if it were not installed).
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from yiyu.cli import app
from yiyu.errors import YiyuError
from yiyu.store.database import MissingDriverError, make_engine

URL = "postgresql+psycopg://nurse:s3cret-pw@db.example/yiyu"


@pytest.fixture
def no_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] in ("psycopg", "psycopg2")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setitem(sys.modules, "psycopg2", None)


@pytest.mark.usefixtures("no_psycopg")
def test_a_postgresql_url_without_psycopg_names_the_extra() -> None:
    with pytest.raises(MissingDriverError) as raised:
        make_engine(URL)
    message = str(raised.value)
    assert isinstance(raised.value, YiyuError)
    assert "yiyu[postgres]" in message
    assert "psycopg" in message
    assert "s3cret-pw" not in message
    assert "\n" not in message
    assert raised.value.module == "psycopg"


@pytest.mark.usefixtures("no_psycopg")
def test_the_psycopg2_spelling_is_told_to_use_psycopg() -> None:
    # psycopg2 (SQLAlchemy 2.0's default for postgresql://) is not what the extra brings.
    with pytest.raises(MissingDriverError, match=r"postgresql\+psycopg://.*yiyu\[postgres\]"):
        make_engine("postgresql+psycopg2://nurse@db.example/yiyu")


@pytest.mark.usefixtures("no_psycopg")
def test_the_command_line_prints_one_line_and_fails() -> None:
    result = CliRunner().invoke(app, ["--db", URL, "worklist"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: database postgresql+psycopg://nurse:***@db.example/yiyu")
    assert "yiyu[postgres]" in lines[0]
    assert "ModuleNotFoundError" not in result.output
    assert "s3cret-pw" not in result.output


def test_with_psycopg_installed_the_engine_is_made() -> None:
    pytest.importorskip("psycopg")
    engine = make_engine(URL)  # nothing connects until it is used
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
