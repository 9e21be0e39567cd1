"""Where the database is, how to connect, and how to bring its schema up to date.

The URL comes from ``--db``, else ``YIYU_DATABASE_URL``, else an SQLite file at
``$XDG_DATA_HOME/yiyu/yiyu.db`` (``~/.local/share/yiyu/yiyu.db``). PostgreSQL is
``postgresql+psycopg://user:password@host/db`` with the ``yiyu[postgres]`` extra. A
password in a URL is never shown: :func:`redact` is what logs, errors and ``yiyu status``
print.
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from yiyu.errors import ValidationError

__all__ = [
    "DATABASE_ENV",
    "database_url",
    "default_sqlite_path",
    "make_engine",
    "redact",
    "upgrade",
]

DATABASE_ENV = "YIYU_DATABASE_URL"


def default_sqlite_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "yiyu" / "yiyu.db"


def database_url(given: str | None = None) -> str:
    """The URL to use: ``given`` (``--db``), the environment, or the default SQLite file."""
    url = given or os.environ.get(DATABASE_ENV)
    if url:
        return url
    return f"sqlite:///{default_sqlite_path()}"


_SECRET_PARAMETERS = re.compile(r"((?:^|[?&;])[^=&;]*pass[^=&;]*=)[^&;]*", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL with any password (in the user part or a query parameter) as ``***``."""
    scheme, sep, rest = url.partition("://")
    if sep:
        path_start = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
        netloc, tail = rest[:path_start], rest[path_start:]
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)  # a password may itself hold an @
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:***@{host}" if ":" in userinfo else f"{user}@{host}"
        base, qmark, query = tail.partition("?")
        query = _SECRET_PARAMETERS.sub(r"\1***", query)
        url = f"{scheme}://{netloc}{base}{qmark}{query}"
    return url


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, the file's folder is created and WAL enabled.

    Raises:
        ValidationError: if the URL cannot be understood (the password is not shown).
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValidationError("database_url", redact(url), "not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _: Any) -> None:
            # pysqlite would begin a transaction only at the first write, leaving the reads
            # before it outside: take transactions in hand (BEGIN IMMEDIATE below).
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # SQLite has no SELECT … FOR UPDATE: a transaction takes the write lock when it
            # begins, so a read-then-write (plan, record) cannot interleave with another.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_pre_ping=True, **options)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` with the packaged migrations."""
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("yiyu.store") / "migrations"))
    return config
