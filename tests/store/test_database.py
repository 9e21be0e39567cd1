"""The database URL: a password never shows, and a malformed URL names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

import yiyu
from yiyu.store.database import make_engine, redact, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_daycare


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        ("postgresql+psycopg://u@h/test?password=TopSecret", "TopSecret"),
        ("postgresql+psycopg://nurse:ss@ss@h/db", "ss@ss"),
    ],
)
def test_passwords_in_urls_are_hidden(url: str, hidden: str) -> None:
    assert hidden not in redact(url)


def test_a_malformed_url_is_a_validation_error() -> None:
    with pytest.raises(yiyu.ValidationError, match="database_url"):
        make_engine("postgresql://h:notaport/x")


def test_a_reader_on_sqlite_reads_beside_a_writer_and_cannot_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'yiyu.db'}"
    writer = make_engine(url)
    upgrade(writer)
    writing = SqlRepository(writer)
    writing.save_daycares([make_daycare("D1")])
    reader = SqlRepository(make_engine(url, reader=True))
    with writing.transaction():  # holds the write lock
        writing.save_daycares([make_daycare("D2")])
        assert list(reader.get_daycares(["D1", "D2"])) == ["D1"]  # not kept waiting
    with pytest.raises(OperationalError, match="readonly"):
        reader.save_daycares([make_daycare("D3")])
    reader.engine.dispose()
    writer.dispose()
