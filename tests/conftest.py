"""Backends for the store and job tests: memory, SQLite, and the PostgreSQL on
127.0.0.1:5432 (database ``test``, user ``postgres``, trust auth).

Each test run gets its own PostgreSQL schema and drops it at the end. With ``CI=true`` a
PostgreSQL that cannot be reached fails the run instead of skipping its tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from yiyu.store import MemoryRepository, Repository
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository

POSTGRES_URL = os.environ.get(
    "YIYU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class PostgresSchemas:
    """Creates an empty schema per test in the test database; drops them all at the end."""

    def __init__(self, admin: Engine) -> None:
        self.admin = admin
        self.prefix = f"yiyu_test_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []
        self.engines: list[Engine] = []

    def engine(self) -> Engine:
        schema = f"{self.prefix}_{len(self.created)}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.created.append(schema)
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        self.engines.append(engine)  # disposed with the schemas: no connection left open
        return engine

    def drop_all(self) -> None:
        for engine in self.engines:
            engine.dispose()
        for schema in self.created:
            # One transaction per schema: dropping them all in one takes a lock per table
            # of every schema, and a whole suite's worth exhausts max_locks_per_transaction.
            with self.admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchemas]:
    try:
        admin = make_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach it is the same to us
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and could not be reached: {error}")
        pytest.skip(f"PostgreSQL not reachable: {error}")
    schemas = PostgresSchemas(admin)
    try:
        yield schemas
    finally:
        schemas.drop_all()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    if request.param == "memory":
        yield MemoryRepository()
        return
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
        upgrade(engine)
    else:
        engine = request.getfixturevalue("postgres").engine()
        upgrade(engine)
    try:
        yield SqlRepository(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A database at the current schema: its URL (for the CLI or a subprocess) and an
    engine on it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'yiyu.db'}"
        engine = make_engine(url)
    else:
        postgres = request.getfixturevalue("postgres")
        engine = postgres.engine()
        url = engine.url.update_query_dict(
            {"options": f"-csearch_path={postgres.created[-1]}"}
        ).render_as_string(hide_password=False)
    upgrade(engine)
    yield url, engine
    engine.dispose()
