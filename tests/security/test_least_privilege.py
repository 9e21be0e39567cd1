"""The least-privilege setup of docs/guide/jobs.md works: one role owns the schema and
runs the migrations, the nightly jobs log in as a role that can only read and write
yiyu's tables (#12)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

import yiyu
from yiyu.jobs.planning import plan
from yiyu.store.database import make_engine, upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child


@pytest.fixture
def roles(postgres: Any) -> Iterator[tuple[str, str, str]]:
    """A database with an owner role and an application role, as the guide sets them up."""
    admin: Engine = postgres.admin
    tag = uuid.uuid4().hex[:8]
    owner, app, database = f"yiyu_owner_{tag}", f"yiyu_app_{tag}", f"yiyu_lp_{tag}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE ROLE {owner} LOGIN"))
        connection.execute(text(f"CREATE ROLE {app} LOGIN"))
        connection.execute(text(f"CREATE DATABASE {database} OWNER {owner} ENCODING 'UTF8'"))
    url = make_url(str(admin.url))
    try:
        yield (
            url.set(username=owner, database=database).render_as_string(hide_password=False),
            url.set(username=app, database=database).render_as_string(hide_password=False),
            app,
        )
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            connection.execute(text(f"DROP ROLE IF EXISTS {app}"))
            connection.execute(text(f"DROP ROLE IF EXISTS {owner}"))


def test_the_jobs_run_as_a_role_that_can_only_read_and_write_yiyus_tables(
    roles: tuple[str, str, str],
) -> None:
    owner_url, app_url, app = roles
    owner = make_engine(owner_url)
    with owner.begin() as connection:  # the guide's grants, run as the owner
        for statement in (
            "REVOKE ALL ON SCHEMA public FROM PUBLIC",
            f"GRANT USAGE ON SCHEMA public TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        ):
            connection.execute(text(statement))
    upgrade(owner)  # yiyu db upgrade, as the owner
    owner.dispose()

    engine = make_engine(app_url)
    try:
        repo = SqlRepository(engine)
        repo.save_children([make_child(id="C1", birth_date="2026-01-31")])
        result = plan(repo, yiyu.load_protocol(), as_of=pendulum.Date(2026, 3, 1))
        assert result.planned == 1
        assert repo.runs()[0].status == "succeeded"
        for statement in ("DROP TABLE obligation", "CREATE TABLE intruder (x int)"):
            with (
                pytest.raises(ProgrammingError, match="InsufficientPrivilege"),
                engine.begin() as connection,
            ):
                connection.execute(text(statement))
    finally:
        engine.dispose()
