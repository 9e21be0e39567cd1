"""Where the database is, how to connect, and how to bring its schema up to date.

The URL comes from ``--db``, else ``YIYU_DATABASE_URL``, else an SQLite file at
``$XDG_DATA_HOME/yiyu/yiyu.db`` (``~/.local/share/yiyu/yiyu.db``). PostgreSQL is
``postgresql+psycopg://user:password@host/db`` with the ``yiyu[postgres]`` extra. A
password in a URL is never shown: :func:`redact` is what logs, errors and ``yiyu status``
print.
"""

from __future__ import annotations

import functools
import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from yiyu.errors import ValidationError, YiyuError

__all__ = [
    "DATABASE_ENV",
    "MissingDriverError",
    "SchemaError",
    "SchemaUpgrade",
    "check_schema",
    "database_url",
    "default_sqlite_path",
    "head_revision",
    "make_engine",
    "redact",
    "schema_revision",
    "scrub",
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


MASK = "***"

# Query and keyword parameters whose value is a secret (password, sslpassword, …).
_SECRET_KEY = re.compile(r"pass|secret|token", re.IGNORECASE)
_SECRET_ASSIGNMENT = re.compile(r"[\w.-]*(?:pass|secret|token)[\w.-]*\s*=\s*", re.IGNORECASE)
# Shorter "secrets" are left in free text: hiding every "ab" would garble the message,
# and what yiyu itself prints of a URL (redact) hides the password whatever its length.
_MIN_SCRUBBED = 4


@attrs.frozen
class _Hidden:
    text: str  # the URL as it may be shown
    secrets: tuple[str, ...]  # every spelling of what was hidden, to scrub from messages


def redact(url: str) -> str:
    """``url`` as it may be shown: every password (in the user part, a query parameter or
    a libpq keyword string, percent-encoded or not) is ``***``.

    The URL is parsed with SQLAlchemy's :func:`~sqlalchemy.engine.make_url` (a keyword
    string with psycopg's ``conninfo_to_dict``); what cannot be parsed is masked from the
    first ``password=`` on and between the user name and the last ``@``.
    """
    return _hide(url).text


def scrub(text: str, url: str) -> str:
    """``text`` (an error message, a traceback) with ``url`` and its secrets hidden."""
    hidden = _hide(url)
    text = text.replace(url, hidden.text)
    for secret in sorted(set(hidden.secrets), key=len, reverse=True):
        if len(secret) >= _MIN_SCRUBBED:
            text = text.replace(secret, MASK)
    return text


def _parse(url: str) -> URL | None:
    """``url`` parsed by SQLAlchemy, or ``None`` if it is not an SQLAlchemy URL or cannot
    be read unambiguously."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return None
    if parsed.password is not None and url.partition("://")[2].count("@") > 1:
        # A raw "@" in the password: SQLAlchemy ends the password at the first "@" and
        # takes the rest for the host (which a resolver error would then print).
        return None
    return parsed


def _hide(url: str) -> _Hidden:
    parsed = _parse(url)
    if parsed is not None:
        secrets: list[str] = []
        if parsed.password is not None:
            userinfo = url.partition("://")[2].partition("@")[0]
            secrets += [str(parsed.password), userinfo.partition(":")[2]]  # decoded, as written
        masked: dict[str, str] = {}
        for key, value in parsed.query.items():
            if _SECRET_KEY.search(key):
                masked[key] = MASK
                secrets += [value] if isinstance(value, str) else list(value)
        text = parsed.update_query_dict(masked).render_as_string(hide_password=True)
        return _Hidden(text.replace(quote(MASK, safe=""), MASK), tuple(secrets))
    if "://" not in url:
        params = _conninfo(url)
        if params is not None:
            from psycopg.conninfo import make_conninfo

            secret_keys = [key for key in params if _SECRET_KEY.search(key)]
            shown = {key: MASK if key in secret_keys else value for key, value in params.items()}
            return _Hidden(make_conninfo("", **shown), tuple(params[k] for k in secret_keys))
    return _mask(url)


def _conninfo(text: str) -> dict[str, str] | None:
    """A libpq keyword string (``host=… password=…``) as a dict, if it is one."""
    if "=" not in text:
        return None
    try:
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # the postgres extra is not installed: mask by hand
        return None
    try:
        params = conninfo_to_dict(text)
    except Exception:  # psycopg.ProgrammingError and the like: not a keyword string
        return None
    return {key: str(value) for key, value in params.items()}


def _mask(text: str) -> _Hidden:
    """By hand, for what no parser could read: hide everything after the first secret
    parameter (where its value ends cannot be told) and between the user name and the
    last ``@`` (a password may hold any character)."""
    secrets: list[str] = []
    found = _SECRET_ASSIGNMENT.search(text)
    if found:
        secrets.append(text[found.end() :])
        text = text[: found.end()] + MASK
    scheme, sep, rest = text.partition("://")
    prefix, rest = (scheme + sep, rest) if sep else ("", text)
    at = rest.rfind("@")
    if at >= 0:
        user, colon, password = rest[:at].partition(":")
        if colon:
            secrets += [password, *password.split("@")]
            rest = f"{user}:{MASK}{rest[at:]}"
    return _Hidden(prefix + rest, tuple(s for s in secrets if s))


def make_engine(url: str, *, reader: bool = False, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, WAL and ``BEGIN IMMEDIATE`` transactions.

    ``reader=True``, for a process that only reads (a plan worker whose parent writes):
    on SQLite its transactions begin deferred and it may not write (``query_only``), so
    its reads run beside a writer instead of queueing for the write lock.

    Statements' parameters are never put in error messages (``hide_parameters``): they
    hold children's names and resident ids, and errors end up in job records and mail.
    Nothing is created on disk: :func:`upgrade` creates an SQLite file's folder.

    Raises:
        ValidationError: if the URL cannot be understood (the password is not shown).
        MissingDriverError: if its driver is not installed (PostgreSQL without the
            ``postgres`` extra).
    """
    parsed = _parse(url)
    if parsed is None:
        try:
            make_url(url)
        except (ArgumentError, ValueError, TypeError):
            raise ValidationError(
                "database_url", redact(url), "not a database URL (dialect+driver://user@host/db)"
            ) from None
        raise ValidationError(
            "database_url",
            redact(url),
            "more than one '@': write an '@' in the password as %40",
        )
    options = {**options, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, record: Any) -> None:
            # pysqlite would begin a transaction only at the first write, leaving the reads
            # before it outside: take transactions in hand (BEGIN IMMEDIATE below).
            connection.isolation_level = None
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # A writer waits for another (an import of a whole registry holds the write lock
            # for its one transaction) rather than failing: 5 minutes, a yiyu default.
            cursor.execute("PRAGMA busy_timeout=300000")
            if reader:
                cursor.execute("PRAGMA query_only=ON")
            record.info[_CACHE] = cursor.execute("PRAGMA cache_size").fetchone()[0]
            cursor.close()

        @event.listens_for(engine, "checkin")
        def _cache_back(connection: Any, record: Any) -> None:
            # A bulk writer's larger page cache (bulk_cache) ends with its checkout.
            if connection is not None and record.info.pop(_BULK, False):
                connection.execute(f"PRAGMA cache_size={int(record.info[_CACHE])}")

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # SQLite has no SELECT … FOR UPDATE: a transaction takes the write lock when it
            # begins, so a read-then-write (plan, record) cannot interleave with another.
            connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, **options)
    except ModuleNotFoundError as error:  # SQLAlchemy imports the driver here
        raise MissingDriverError(redact(url), parsed, error.name) from None


# SQLite's page cache for a bulk write (a plan's batches): 64 MiB, a yiyu default. Each
# index of a large obligation table takes a plan's rows all over it, and with SQLite's own
# 2 MiB a transaction's pages are written out and read back many times before it commits:
# at 100k children the plan's writer took 42.6 s with it and 34.6 s with 64 MiB, and a raw
# executemany of the same rows 20.3 s and 13.9 s (measured on the benchmark machine).
BULK_CACHE_KIB = 65_536
_CACHE = "yiyu_cache_size"  # the connection's own cache size, restored after a bulk write
_BULK = "yiyu_bulk_cache"


def bulk_cache(connection: Connection) -> None:
    """Give this SQLite connection :data:`BULK_CACHE_KIB` of page cache until it goes back
    to the pool (its transaction's end): what a bulk writer's transaction needs, kept
    from the connections that only read, which a larger cache would make larger."""
    if connection.dialect.name != "sqlite" or connection.info.get(_BULK):
        return
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    connection.info[_BULK] = True


class MissingDriverError(YiyuError):
    """The database's driver is not installed: PostgreSQL needs yiyu's ``postgres`` extra
    (psycopg), which a plain ``pip install yiyu`` leaves out.

    Attributes:
        database: the database, as :func:`redact` shows it.
        module: the module that could not be imported (``"psycopg"``).
    """

    def __init__(self, database: str, url: URL, module: str | None) -> None:
        self.database = database
        self.module = module or url.get_driver_name()
        if url.get_backend_name() != "postgresql":
            advice = "install it, or use PostgreSQL (postgresql+psycopg://) or SQLite"
        elif url.get_driver_name() == "psycopg":
            advice = "install yiyu with its postgres extra, yiyu[postgres] (docs/guide/install.md)"
        else:  # postgresql:// means psycopg2 to SQLAlchemy; yiyu is tested with psycopg 3
            advice = (
                "yiyu connects to PostgreSQL with psycopg: write the URL as "
                "postgresql+psycopg://… and install yiyu's postgres extra (yiyu[postgres])"
            )
        super().__init__(
            f"database {database} needs the Python module {self.module}, "
            f"which is not installed: {advice}"
        )


class SchemaError(YiyuError):
    """The database does not have the schema this yiyu needs: it was never created, is
    behind (``yiyu db upgrade``), or was written by a newer yiyu.

    Attributes:
        database: the database, as :func:`redact` shows it.
        revision: its schema revision (``None``: no yiyu schema at all).
        head: the revision this yiyu needs.
    """

    def __init__(self, database: str, revision: str | None, head: str, problem: str) -> None:
        self.database = database
        self.revision = revision
        self.head = head
        super().__init__(f"database {database} {problem}")


@attrs.frozen(kw_only=True)
class SchemaUpgrade:
    """What :func:`upgrade` did: the revision before (``None``: there was no schema) and
    after."""

    before: str | None
    after: str | None

    def __str__(self) -> str:
        if self.before is None:
            return f"created the schema at revision {self.after}"
        if self.before == self.after:
            return f"already at revision {self.after}"
        return f"upgraded from revision {self.before} to {self.after}"


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    """The packaged migrations' head and every revision they know (read once: they are
    package data)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None  # the packaged migrations are one line of revisions
    return head, frozenset(revision.revision for revision in script.walk_revisions())


def head_revision() -> str:
    """The schema revision this yiyu's migrations end at."""
    return _revisions()[0]


def schema_revision(engine: Engine) -> str | None:
    """The database's schema revision (``None``: no yiyu schema), without creating it.

    An SQLite file that does not exist is not created (connecting would create it).
    """
    from alembic.runtime.migration import MigrationContext

    if _missing_sqlite_file(engine):
        return None
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine) -> str:
    """Make sure the database has the schema this yiyu needs, before anything is written.

    Returns:
        The revision.

    Raises:
        SchemaError: with what to do (``run yiyu db upgrade``), if the schema is missing,
            behind, or newer than this yiyu; nothing is created, not even an SQLite file.
    """
    shown = redact(engine.url.render_as_string(hide_password=False))
    head = head_revision()
    revision = schema_revision(engine)
    if revision == head:
        return revision
    if revision is None:
        problem = "has no yiyu schema: run yiyu db upgrade"
        if _missing_sqlite_file(engine):
            problem = "does not exist: run yiyu db upgrade to create it"
        raise SchemaError(shown, None, head, problem)
    if revision in _revisions()[1]:
        raise SchemaError(
            shown, revision, head, f"is at schema revision {revision}, yiyu needs {head}: "
            "run yiyu db upgrade"
        )  # fmt: skip
    raise SchemaError(
        shown, revision, head, f"is at schema revision {revision}, which this yiyu (at "
        f"{head}) does not know: it was upgraded by a newer yiyu, upgrade yiyu"
    )  # fmt: skip


def _missing_sqlite_file(engine: Engine) -> bool:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return False
    if database.startswith("file:"):  # a URI filename: sqlite decides; it is no plain path
        return False
    return not Path(database).expanduser().exists()


def upgrade(engine: Engine, revision: str = "head") -> SchemaUpgrade:
    """Bring the database's schema to ``revision`` with the packaged migrations.

    An SQLite file (and its folder) is created if it does not exist.

    Returns:
        The revision before and after.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return SchemaUpgrade(before=before, after=after)


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("yiyu.store") / "migrations"))
    return config
