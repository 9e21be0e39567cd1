"""No password is ever printed: not by a successful ``yiyu status`` (whose output lands in
cron mail), not in an error, not with ``--debug``, whatever the URL's shape and however
it is given (``--db`` or ``YIYU_DATABASE_URL``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from conftest import POSTGRES_URL
from yiyu.cli import app
from yiyu.store.database import DATABASE_ENV, redact, scrub, upgrade

runner = CliRunner()

# Each password is made of these two words, so a leak of either half shows.
HEAD, TAIL = "Hush7Head", "Mum8Tail"

_PG = make_url(POSTGRES_URL)
_USER = _PG.username or "postgres"


def _where(host_port: str, query: str) -> dict[str, str]:
    return {"hp": host_port, "db": _PG.database or "test", "q": query, "user": _USER}


# (shape, URL template, whether a server that trusts any password accepts it)
SHAPES: list[tuple[str, Callable[[dict[str, str]], str], bool]] = [
    ("userinfo with ? and /",
     lambda w: f"postgresql+psycopg://{w['user']}:{HEAD}?x/{TAIL}@{w['hp']}/{w['db']}?{w['q']}",
     True),
    ("userinfo percent-encoded",
     lambda w: f"postgresql+psycopg://{w['user']}:{HEAD}%40%2F%3F{TAIL}@{w['hp']}/{w['db']}?{w['q']}",
     True),
    ("query parameter",
     lambda w: f"postgresql+psycopg://{w['user']}@{w['hp']}/{w['db']}?password={HEAD}%3F{TAIL}&{w['q']}",
     True),
    ("userinfo with a raw @",
     lambda w: f"postgresql+psycopg://{w['user']}:{HEAD}@{TAIL}@{w['hp']}/{w['db']}?{w['q']}",
     False),
    ("userinfo with a raw @ and /",
     lambda w: f"postgresql+psycopg://{w['user']}:{HEAD}@x/{TAIL}@{w['hp']}/{w['db']}?{w['q']}",
     False),
    ("no scheme",
     lambda w: f"{w['user']}:{HEAD}/{TAIL}@{w['hp']}/{w['db']}",
     False),
    ("libpq keywords",
     lambda w: f"host={w['hp'].split(':')[0]} port={w['hp'].split(':')[1]} user={w['user']} "
               f"password={HEAD}?{TAIL} dbname={w['db']}",
     False),
    ("libpq keywords, quoted",
     lambda w: f"host={w['hp'].split(':')[0]} password='{HEAD} {TAIL}' dbname={w['db']}",
     False),
    ("libpq keywords, unparseable",
     lambda w: f"host={w['hp'].split(':')[0]} password={HEAD} {TAIL} dbname={w['db']}",
     False),
    ("invalid port",
     lambda w: f"postgresql+psycopg://{w['user']}:{HEAD}/{TAIL}@{w['hp']}x/{w['db']}",
     False),
]  # fmt: skip
SHAPE_IDS = [shape for shape, _, _ in SHAPES]


def _hidden(output: str) -> bool:
    # Also across wrapped lines: a password split by a line break is still printed.
    flat = re.sub(r"\s", "", output)
    return not any(word in text for word in (HEAD, TAIL) for text in (output, flat))


@pytest.fixture(scope="module")
def schema(postgres: Any) -> str:
    """A schema of the test database at the current revision, for a status that works."""
    engine = postgres.engine()
    upgrade(engine)
    return str(postgres.created[-1])


def _invoke(url: str, given: str, debug: bool, *args: str) -> Any:
    options = ["--debug"] if debug else []
    if given == "--db":
        return runner.invoke(app, [*options, "--db", url, *args])
    return runner.invoke(app, [*options, *args], env={DATABASE_ENV: url})


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("given", ["--db", "env"])
@pytest.mark.parametrize(("shape", "template", "works"), SHAPES, ids=SHAPE_IDS)
def test_a_successful_status_prints_no_password(
    schema: str,
    shape: str,
    template: Callable[[dict[str, str]], str],
    works: bool,
    given: str,
    debug: bool,
) -> None:
    host_port = f"{_PG.host}:{_PG.port or 5432}"
    url = template(_where(host_port, f"options=-csearch_path%3D{schema}"))
    result = _invoke(url, given, debug, "status")
    assert _hidden(result.output), result.output
    if works:
        assert result.exit_code == 0, result.output
        assert "***" in result.output  # the URL is shown, its password masked
    else:
        assert result.exit_code != 0
        assert result.output.count("error:") == 1


@pytest.fixture(scope="module")
def empty_schema(postgres: Any) -> str:
    """A schema of the test database without yiyu's tables."""
    postgres.engine()
    return str(postgres.created[-1])


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("given", ["--db", "env"])
@pytest.mark.parametrize(("shape", "template", "works"), SHAPES, ids=SHAPE_IDS)
def test_a_database_without_the_schema_prints_no_password(
    empty_schema: str,
    shape: str,
    template: Callable[[dict[str, str]], str],
    works: bool,
    given: str,
    debug: bool,
) -> None:
    host_port = f"{_PG.host}:{_PG.port or 5432}"
    url = template(_where(host_port, f"options=-csearch_path%3D{empty_schema}"))
    result = _invoke(url, given, debug, "worklist")
    assert _hidden(result.output), result.output
    if works:  # the error names the database, its password masked
        assert result.exit_code == 2, result.output
        assert "***" in result.output
        assert "run yiyu db upgrade" in result.output


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("given", ["--db", "env"])
@pytest.mark.parametrize("command", [["status"], ["plan", "--as-of", "2026-05-06"]])
@pytest.mark.parametrize(("shape", "template", "works"), SHAPES, ids=SHAPE_IDS)
def test_a_failing_command_prints_no_password(
    shape: str,
    template: Callable[[dict[str, str]], str],
    works: bool,
    command: list[str],
    given: str,
    debug: bool,
) -> None:
    url = template(_where("127.0.0.1:1", "connect_timeout=2"))  # nothing listens on port 1
    result = _invoke(url, given, debug, *command)
    assert result.exit_code == 1
    assert _hidden(result.output), result.output
    if debug:
        assert "Traceback" in result.output


@pytest.mark.parametrize(("shape", "template", "works"), SHAPES, ids=SHAPE_IDS)
def test_redact_keeps_where_and_hides_the_password(
    shape: str, template: Callable[[dict[str, str]], str], works: bool
) -> None:
    url = template(_where("db.example:5432", "sslmode=require"))
    shown = redact(url)
    assert _hidden(shown), shown
    assert "db.example" in shown
    assert "***" in shown
    assert _hidden(scrub(f"could not connect to {url}: refused", url))


def test_scrub_hides_the_password_as_written_and_decoded() -> None:
    url = f"postgresql+psycopg://nurse:{HEAD}%40{TAIL}@db.example/yiyu?sslpassword={TAIL}x"
    message = f"auth failed for {HEAD}@{TAIL} ({HEAD}%40{TAIL}), key {TAIL}x"
    assert scrub(message, url) == "auth failed for *** (***), key ***"


def test_a_url_without_a_password_is_shown_as_given() -> None:
    url = "postgresql+psycopg://nurse@db.example:5432/yiyu?sslmode=require"
    assert redact(url) == url
    assert redact("sqlite:////var/lib/yiyu/yiyu.db") == "sqlite:////var/lib/yiyu/yiyu.db"
