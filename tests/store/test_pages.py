"""A page of a work list on PostgreSQL is read without the server's query compiling (JIT),
and leaves the connection's settings as they were (#14): the planner prices a page by
the whole township's rows, above the cost at which PostgreSQL compiles a query by default,
and the compiling took 0.6 s of a 0.8 s first page at 100,000 children."""

from __future__ import annotations

from typing import Any

import pendulum
from sqlalchemy import Engine, event, text

import yiyu
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import worklist
from yiyu.store.database import upgrade
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child

AS_OF = pendulum.Date(2024, 6, 3)


def _jit(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SHOW jit")).scalar_one())


def test_a_work_list_page_compiles_nothing_and_changes_no_setting(postgres: Any) -> None:
    engine: Engine = postgres.engine()
    upgrade(engine)
    default = _jit(engine)
    assert default == "on", "this test needs a server that compiles queries (jit = on)"
    repo = SqlRepository(engine)
    repo.save_children([make_child(f"C{i}", born="2024-03-01") for i in range(5)])
    plan(repo, yiyu.load_protocol(), as_of=AS_OF)

    during: list[str] = []

    @event.listens_for(engine, "after_cursor_execute")
    def _look(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT obligation.key"):  # a page's query
            with connection.connection.dbapi_connection.cursor() as probe:
                probe.execute("SHOW jit")
                during.append(probe.fetchone()[0])

    items = worklist(repo, as_of=AS_OF, township=make_child("C0").township)
    event.remove(engine, "after_cursor_execute", _look)
    assert items  # the newborns' visits are due
    assert during, "no page was read"
    assert set(during) == {"off"}
    assert _jit(engine) == default  # SET LOCAL: gone with the page's transaction
