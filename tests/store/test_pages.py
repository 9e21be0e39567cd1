"""A page of a work list on PostgreSQL reads the township's index in due order and stops
at the page's end, compiles nothing (JIT), and leaves the connection's settings as they
were (#14). The planner prices a page by the whole township's rows after the previous
page: it read all of them for every page (a list of n pages cost n²/2 pages), and above
the cost at which PostgreSQL compiles a query by default the compiling took 0.6 s of a
0.8 s first page at 100,000 children."""

from __future__ import annotations

from typing import Any

import pendulum
from sqlalchemy import Engine, event, text

import yiyu
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import iter_worklist, worklist
from yiyu.store.database import upgrade
from yiyu.store.sql import _PAGE_SETTINGS, SqlRepository
from yiyu.store.tables import ObligationRow, metadata
from yiyu.testing import make_child

AS_OF = pendulum.Date(2024, 6, 3)


_SETTINGS = ("jit", "enable_bitmapscan")


def _settings(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as connection:
        return tuple(
            str(connection.execute(text(f"SHOW {name}")).scalar_one()) for name in _SETTINGS
        )


def test_a_work_list_page_sets_its_plan_and_changes_no_setting(postgres: Any) -> None:
    engine: Engine = postgres.engine()
    upgrade(engine)
    default = _settings(engine)
    assert default == ("on", "on"), "this test needs the server's defaults"
    repo = SqlRepository(engine)
    repo.save_children([make_child(f"C{i}", born="2024-03-01") for i in range(5)])
    plan(repo, yiyu.load_protocol(), as_of=AS_OF)

    during: list[tuple[str, ...]] = []

    @event.listens_for(engine, "after_cursor_execute")
    def _look(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT obligation.key"):  # a page's query
            with connection.connection.dbapi_connection.cursor() as probe:
                shown = []
                for name in _SETTINGS:
                    probe.execute(f"SHOW {name}")
                    shown.append(probe.fetchone()[0])
                during.append(tuple(shown))

    items = worklist(repo, as_of=AS_OF, township=make_child("C0").township)
    event.remove(engine, "after_cursor_execute", _look)
    assert items  # the newborns' visits are due
    assert during, "no page was read"
    assert set(during) == {("off", "off")}
    assert _settings(engine) == default  # local to the page's transaction: gone with it


def _page_plan(engine: Engine, statement: str, parameters: Any, *, settings: bool) -> str:
    with engine.connect() as connection, connection.begin():
        if settings:
            connection.execute(_PAGE_SETTINGS)
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(row[0] for row in rows)


def test_a_page_reads_the_township_in_due_order_and_stops_at_its_end(postgres: Any) -> None:
    """Each page of a long list reads the township's index from the previous page's end
    and stops at its own: a plan that read the rest of the township for every page made
    a list of n pages cost n²/2 pages (0.14 s against 0.025 s a page at 100,000
    children). Here about 100,000 obligations in one township, a few thousand open on
    the day, as there."""
    engine: Engine = postgres.engine()
    upgrade(engine)
    repo = SqlRepository(engine)
    township = make_child("C0").township
    repo.save_children([make_child(f"C{i}", born="2024-03-01") for i in range(5)])
    plan(repo, yiyu.load_protocol(), as_of=AS_OF)
    with engine.begin() as connection:
        # Copies of the planned obligations, their windows moved up to 400 days either
        # side of the day: most are closed or not yet open on it, as in a township.
        table = metadata.tables[ObligationRow.__tablename__]
        columns = [c.name for c in table.columns if c.name != "key"]
        moved = {"opens", "due", "closes"}
        values = ", ".join(f"{c} + (mod(n, 800) - 400)" if c in moved else c for c in columns)
        connection.exec_driver_sql(
            f"INSERT INTO obligation (key, {', '.join(columns)}) "
            f"SELECT key || '#' || n, {values} FROM obligation, generate_series(1, 4000) n"
        )
        # This schema's tables only: an ANALYZE of the whole database in a transaction
        # locks every schema's tables, and another test's or a benchmark's at the same
        # time can deadlock with it.
        connection.exec_driver_sql(f"ANALYZE {', '.join(metadata.tables)}")
    pages: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(connection: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT obligation.key"):
            pages.append((statement, parameters))

    items = list(iter_worklist(repo, as_of=AS_OF, township=township))
    event.remove(engine, "before_cursor_execute", _keep)
    assert len(pages) > 2, len(items)
    statement, parameters = pages[1]  # a page after another: its keyset condition set
    unset = _page_plan(engine, statement, parameters, settings=False)
    assert "Bitmap" in unset, "the planner here reads the rest of the township anyway"
    page = _page_plan(engine, statement, parameters, settings=True)
    assert "Bitmap" not in page, page
    assert "Seq Scan on obligation" not in page, page
    assert "Index Scan using ix_obligation_township_due on obligation" in page, page
