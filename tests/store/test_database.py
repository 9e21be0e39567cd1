"""The database URL: a password never shows, and a malformed URL names the setting."""

from __future__ import annotations

import pytest

import yiyu
from yiyu.store.database import make_engine, redact


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
