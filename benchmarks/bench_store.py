"""Stores to measure: an empty yiyu schema on SQLite or PostgreSQL, the cohort loaded into
it, the write limit of the machine (raw ``executemany`` / ``COPY`` of the plan's own rows),
and the hand-written SQL that the work list and coverage are compared with."""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import json
import pickle
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import pendulum
from sqlalchemy import Date, Engine, bindparam, insert, text
from sqlalchemy.engine import make_url

import yiyu
from yiyu.domain import Category, CategoryKind, Child, Daycare
from yiyu.jobs.collector import collector_paused
from yiyu.jobs.planning import DEFAULT_HORIZON_DAYS, HORIZON_SLACK_DAYS, assignees_for, plan
from yiyu.protocol import SubjectKind
from yiyu.scheduling import Obligation, schedule
from yiyu.store import ObligationFilter, StoredObligation, SubjectRange
from yiyu.store.database import BULK_CACHE_KIB, make_engine, upgrade
from yiyu.store.reconcile import assignee_of
from yiyu.store.rows import (
    child_rows,
    content_digest,
    content_of,
    content_values,
    obligation_values,
)
from yiyu.store.sql import SqlRepository
from yiyu.store.tables import (
    CaseRow,
    CategoryRow,
    ChildRow,
    EnrolmentRow,
    LifeEventRow,
    ReferralRow,
    metadata,
)
from yiyu.synthetic import History

OBLIGATION = metadata.tables["obligation"]
CONTENT = metadata.tables["obligation_content"]
# What the plan writes, in the order it must be written (obligations refer to contents).
TABLES = (CONTENT, OBLIGATION)
# The subjects plan() reads and schedules at once, by default (its batch_size).
PLAN_BATCH: int = inspect.signature(plan).parameters["batch_size"].default
COLUMNS = {t.name: [c.name for c in t.columns] for t in TABLES}
JSON_COLUMNS = frozenset(
    c.name for t in TABLES for c in t.columns if c.type.__class__.__name__ == "JSON"
)


# --- stores -------------------------------------------------------------------------------------


@dataclass
class Store:
    """An empty (then loaded) yiyu database: a SQLite file or a PostgreSQL schema."""

    backend: str
    url: str
    schema: str | None
    engine: Engine
    path: Path | None = None
    admin: Engine | None = None

    @property
    def repo(self) -> SqlRepository:
        return SqlRepository(self.engine)

    def child_args(self) -> list[str]:
        """How a subprocess opens the same store."""
        return ["--url", self.url, *(["--schema", self.schema] if self.schema else [])]

    def scalar(self, sql: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def analyze(self) -> None:
        """Planner statistics, as a database in use has them (autovacuum, PRAGMA optimize)."""
        with self.engine.begin() as connection:
            connection.execute(text("ANALYZE"))

    def drop(self) -> None:
        self.engine.dispose()
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        if self.admin is not None and self.schema is not None:
            with self.admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self.admin.dispose()  # no connection left open on a shared server


def engine_for(url: str, schema: str | None) -> Engine:
    if schema is None:
        return make_engine(url)
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def url_with_schema(url: str, schema: str | None) -> str:
    """The store's URL naming its schema too: worker processes open the database from
    the URL alone, not from the engine's connect arguments."""
    if schema is None:
        return url
    query = {"options": f"-csearch_path={schema}"}
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def schema_part(name: str) -> str:
    """``name`` as a part of a PostgreSQL schema name that needs no quoting: the schema
    reaches the server unquoted, in ``search_path`` (``1.2M`` → ``1_2m``: with the dot and
    the capital, the province run's stores found no schema to create their tables in)."""
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def open_store(backend: str, name: str, *, workdir: Path, postgres_url: str) -> Store:
    """A fresh store with yiyu's schema (the packaged Alembic migrations)."""
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        url = f"sqlite:///{path}"
        store = Store(backend, url, None, make_engine(url), path=path)
    else:
        admin = make_engine(postgres_url)
        schema = f"yiyu_bench_{uuid.uuid4().hex[:8]}_{schema_part(name)}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        store = Store(backend, postgres_url, schema, engine_for(postgres_url, schema), admin=admin)
    upgrade(store.engine)
    return store


def postgres_version(url: str) -> str | None:
    try:
        engine = make_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except Exception:  # unreachable: the PostgreSQL parts are skipped and say so
        return None


# --- the cohort in the store ----------------------------------------------------------------------

_PART_TABLES: tuple[type[Any], ...] = (
    ChildRow,
    CategoryRow,
    LifeEventRow,
    EnrolmentRow,
    CaseRow,
    ReferralRow,
)


def _dump(row: Any) -> dict[str, Any]:
    values: dict[str, Any] = row.model_dump()
    if "id" in values and values["id"] is None and not isinstance(row, ChildRow):
        del values["id"]  # autoincrement: let the database number it
    return values


def load(
    store: Store,
    children: Iterable[Child],
    daycares: Sequence[Daycare],
    townships: Sequence[str],
    histories: Sequence[History],
    *,
    chunk: int = 5000,
) -> int:
    """Daycares, children and the sample's encounters into the store (not what is measured:
    children go in as Core inserts of the rows ``yiyu.store.rows`` makes)."""
    repo = store.repo
    repo.ensure_townships(townships)
    repo.save_daycares(list(daycares))
    now = dt.datetime.now(dt.UTC)
    pending: list[list[dict[str, Any]]] = [[] for _ in _PART_TABLES]
    count = 0

    def flush() -> None:
        with store.engine.begin() as connection:
            for table, rows in zip(_PART_TABLES, pending, strict=True):
                if rows:
                    connection.execute(insert(metadata.tables[table.__tablename__]), rows)
                    rows.clear()

    for child in children:
        row, *parts = child_rows(child, now)
        pending[0].append(_dump(row))
        for group, part in zip(pending[1:], parts, strict=True):
            group.extend(_dump(r) for r in part)  # type: ignore[attr-defined]
        count += 1
        if count % chunk == 0:
            flush()
    flush()
    with repo.transaction():
        for history in histories:
            for encounter in history.encounters:
                # Findings are not stored: neither the plan, the work list nor coverage
                # reads them, and recomputing them would cost a second simulation.
                repo.save_encounter(encounter, [])
    return count


def with_histories(children: Iterable[Child], histories: Sequence[History]) -> Iterator[Child]:
    """The cohort with each simulated child as it is after its visits (cases, referrals)."""
    after = {h.child.id: h.child for h in histories}
    for child in children:
        yield after.get(child.id, child)


def changed(child: Child, as_of: pendulum.Date) -> Child:
    """The child with one more category (a vulnerable one it does not have yet), from ten
    days ago: the kind of change a registry update brings, and one that adds obligations."""
    start = max(child.birth_date, as_of.subtract(days=10))
    for kind in (CategoryKind.DISABLED, CategoryKind.ORPHAN, CategoryKind.DE_FACTO_UNSUPPORTED):
        if not child.has_category(kind):
            return attrs.evolve(
                child, categories=(*child.categories, Category(kind=kind, start=start))
            )
    return attrs.evolve(child, family_doctor=f"{child.family_doctor or 'FD'}-new")


def change_one_percent(store: Store, offset: int, as_of: pendulum.Date) -> int:
    """Change every hundredth child (starting at ``offset``) through ``save_children``."""
    repo = store.repo
    ids = [r.id for r in repo.subjects() if r.kind is SubjectKind.CHILD][offset::100]
    for start in range(0, len(ids), 1000):
        batch = repo.get_children(ids[start : start + 1000])
        repo.save_children([changed(c, as_of) for c in batch.values()])
    return len(ids)


def seed_statistics(store: Store, planned: Store) -> None:
    """PostgreSQL: give the empty plan tables the planner statistics of a planned cohort.

    Autovacuum is off on the test server, so nothing would analyze the tables while the
    plan fills them; without statistics the planner judges ``subject_id IN (… 500 ids)``
    to match the whole table and scans it for every batch: the plan turns quadratic
    (measured: 191 s instead of about 25 s at 30,000 children). A database in service
    has statistics (autovacuum's analyze). ``planned`` holds the same rows the plan will
    write (the write-limit baseline's table): they are copied in, analyzed and removed.
    """
    if store.backend != "postgresql" or planned.schema is None:
        return
    with store.engine.begin() as connection:
        for table in TABLES:
            planned_rows = f'SELECT * FROM "{planned.schema}".{table.name}'
            connection.execute(text(f"INSERT INTO {table.name} {planned_rows}"))
        connection.execute(
            text(
                "INSERT INTO plan_state (subject_kind, subject_id, facts_hash, protocol, "
                "planned_until, planned_at) "
                "SELECT 'child', id, facts_hash, '', birth_date, updated_at FROM child "
                "UNION ALL SELECT 'daycare', id, facts_hash, '', opened_on, updated_at "
                "FROM daycare"
            )
        )
    store.analyze()
    clear_plans(store)


def clear_plans(store: Store) -> None:
    """Back to an unplanned store (between repetitions of the full plan).

    On PostgreSQL ``TRUNCATE``, which keeps the column statistics and lets the planner
    see the table grow: after ``DELETE`` and ``VACUUM`` it takes the table for empty for
    good and scans it whole for every batch as it fills (measured: 2x slower at 10k).
    """
    with store.engine.begin() as connection:
        if store.backend == "postgresql":
            connection.execute(
                text("TRUNCATE obligation, obligation_content, plan_state, skip, reschedule")
            )
        else:
            connection.execute(text("DELETE FROM obligation"))
            connection.execute(text("DELETE FROM obligation_content"))
            connection.execute(text("DELETE FROM plan_state"))


# --- what it takes on disk ------------------------------------------------------------------------


@dataclass(frozen=True)
class Footprint:
    """An SQLite database compacted (``VACUUM INTO`` a copy: the database measured is left
    as it is): its size, and the pages of the obligations (the table, their contents and
    the indexes of both; ``None`` where SQLite is built without ``dbstat``)."""

    file_bytes: int
    obligation_bytes: int | None
    obligations: int


def sqlite_footprint(store: Store) -> Footprint:
    assert store.path is not None
    copy = store.path.with_name(f"{store.path.stem}-compacted.db")
    copy.unlink(missing_ok=True)
    store.engine.dispose()  # its connections would hold the WAL
    source = sqlite3.connect(store.path)
    try:
        source.execute("VACUUM INTO ?", (str(copy),))
    finally:
        source.close()
    compacted = sqlite3.connect(copy)
    try:
        obligations = compacted.execute("SELECT count(*) FROM obligation").fetchone()[0]
        try:
            obligation_bytes = compacted.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master "
                "WHERE tbl_name IN ('obligation', 'obligation_content'))"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # no dbstat in this SQLite
            obligation_bytes = None
    finally:
        compacted.close()
    size = copy.stat().st_size
    copy.unlink()
    return Footprint(file_bytes=size, obligation_bytes=obligation_bytes, obligations=obligations)


# --- the write limit ------------------------------------------------------------------------------


def _sqlite_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in JSON_COLUMNS:
        return json.dumps(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteSink:
    """``sqlite3.executemany`` into the obligation table of a fresh yiyu database."""

    label = "sqlite"

    def __init__(self, store: Store) -> None:
        assert store.path is not None
        self.connection = sqlite3.connect(store.path)
        pragmas = ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000",
                   f"cache_size=-{BULK_CACHE_KIB}")  # fmt: skip
        for pragma in pragmas:  # as yiyu's engine sets them for a plan's writes
            self.connection.execute(f"PRAGMA {pragma}")
        self.sql = {
            table: f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
            for table, columns in COLUMNS.items()
        }
        self.seconds = 0.0
        self.rows = 0

    def write(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        params = {
            table: [tuple(_sqlite_value(c, row[c]) for c in COLUMNS[table]) for row in rows]
            for table, rows in tables.items()
        }
        started = time.perf_counter()
        for table, values in params.items():
            self.connection.executemany(self.sql[table], values)
        self.seconds += time.perf_counter() - started
        self.rows += len(params[OBLIGATION.name])

    def finish(self) -> None:
        started = time.perf_counter()
        self.connection.commit()
        self.seconds += time.perf_counter() - started
        self.connection.close()


class CopySink:
    """psycopg ``cursor.copy`` (``COPY … FROM STDIN``) into a fresh yiyu schema's table."""

    label = "postgresql"

    def __init__(self, store: Store) -> None:
        import psycopg

        url = make_url(store.url).set(drivername="postgresql")
        self.connection = psycopg.connect(
            url.render_as_string(hide_password=False), options=f"-csearch_path={store.schema}"
        )
        self.sql = {
            table: f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            for table, columns in COLUMNS.items()
        }
        self.seconds = 0.0
        self.rows = 0

    def write(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        params = {
            table: [
                tuple(json.dumps(row[c]) if c in JSON_COLUMNS else row[c] for c in COLUMNS[table])
                for row in rows
            ]
            for table, rows in tables.items()
        }
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            for table, values in params.items():
                with cursor.copy(self.sql[table]) as copy:
                    for row in values:
                        copy.write_row(row)
        self.seconds += time.perf_counter() - started
        self.rows += len(params[OBLIGATION.name])

    def finish(self) -> None:
        started = time.perf_counter()
        self.connection.commit()
        self.seconds += time.perf_counter() - started
        self.connection.close()


Sink = SqliteSink | CopySink


@dataclass
class RowsPass:
    subjects: int = 0
    obligations: int = 0
    schedule_seconds: float = 0.0  # as the plan schedules: the collector paused per batch
    sinks: dict[str, tuple[float, int]] = field(default_factory=dict)


def rows_pass(
    children: Iterable[Child],
    daycares: Sequence[Daycare],
    protocol: yiyu.Protocol,
    *,
    as_of: pendulum.Date,
    sinks: Sequence[Sink],
    chunk: int = 2000,
    spool: Path | None = None,
) -> RowsPass:
    """The plan's rows, made once and written raw: ``schedule`` timed alone (the engine
    benchmark), then each chunk's rows timed through every sink (the write limit). With
    ``spool``, each chunk's rows are also kept in that file, for :func:`rewrite`.

    ``schedule`` is timed as ``plan`` runs it: a batch of its default size at a time,
    with Python's cyclic collector paused for each (``yiyu.jobs.collector``). Otherwise
    the collector's passes, which free nothing here, walk the whole benchmark process
    (its cohorts and samples) and are charged to the engine; :func:`schedule_pass`
    measures it that way, as a host calling ``schedule`` child by child would run it.

    The rows are what ``plan`` writes for an empty store: the same horizon, township
    and assignees (``yiyu.jobs.planning``, ``yiyu.store.reconcile.assignee_of``), made by
    ``yiyu.store.rows.obligation_values``, and before them each content the first time an
    obligation refers to it (``yiyu.store.rows.content_values``), as the plan does.
    """
    until = as_of.add(days=DEFAULT_HORIZON_DAYS + HORIZON_SLACK_DAYS)
    forget_remembered()  # an engine as a fresh process has it, not warm from a smaller run
    by_id = {d.id: d for d in daycares}
    now = dt.datetime.now(dt.UTC)
    result = RowsPass()
    written: set[int] = set()

    def subjects() -> Iterator[Child | Daycare]:
        yield from children
        yield from daycares

    batch: list[Child | Daycare] = []
    spooled = None if spool is None else spool.open("wb")

    def flush() -> None:
        started = time.perf_counter()
        planned: list[list[Obligation]] = []
        for start in range(0, len(batch), PLAN_BATCH):
            with collector_paused():
                part = batch[start : start + PLAN_BATCH]
                planned += [schedule(subject, protocol, until=until) for subject in part]
        result.schedule_seconds += time.perf_counter() - started
        rows: list[dict[str, object]] = []
        contents: list[dict[str, object]] = []
        for subject, obligations in zip(batch, planned, strict=True):
            township, assignees = assignees_for(subject, by_id)
            for ob in obligations:
                content = content_of(ob)
                if content_digest(content) not in written:
                    written.add(content_digest(content))
                    contents.append(content_values(content))
                rows.append(
                    obligation_values(
                        ob, township=township, assignee=assignee_of(assignees, ob), now=now
                    )
                )
        tables = {CONTENT.name: contents, OBLIGATION.name: rows}
        for sink in sinks:
            sink.write(tables)
        if spooled is not None:
            pickle.dump(tables, spooled, protocol=pickle.HIGHEST_PROTOCOL)
        result.subjects += len(batch)
        result.obligations += len(rows)
        batch.clear()

    try:
        for subject in subjects():
            batch.append(subject)
            if len(batch) >= chunk:
                flush()
        if batch:
            flush()
    finally:
        if spooled is not None:
            spooled.close()
    for sink in sinks:
        sink.finish()
        result.sinks[sink.label] = (sink.seconds, sink.rows)
    return result


def schedule_pass(
    children: Iterable[Child],
    daycares: Sequence[Daycare],
    protocol: yiyu.Protocol,
    *,
    as_of: pendulum.Date,
) -> tuple[float, int]:
    """``schedule`` of every subject with the collector running, as a host calling it
    child by child runs it (nothing kept): the seconds and the obligations. The engine
    starts cold, as in :func:`rows_pass`: what it remembered there is forgotten first."""
    until = as_of.add(days=DEFAULT_HORIZON_DAYS + HORIZON_SLACK_DAYS)
    forget_remembered()
    seconds, count = 0.0, 0
    for subject in itertools.chain[Child | Daycare](children, daycares):
        started = time.perf_counter()
        count += len(schedule(subject, protocol, until=until))
        seconds += time.perf_counter() - started
    return seconds, count


def forget_remembered() -> None:
    """The engine's memories (its private caches: the benchmark's business only) emptied,
    as in a fresh process: the schedule shapes, the windows by day, the shifted days."""
    from yiyu.scheduling import engine

    for memo in (engine._SHAPES, engine._SUFFIXES, engine._DAY_WINDOWS):
        memo.clear()
    engine._shifted.cache_clear()


def rewrite(spool: Path, sink: Sink) -> tuple[float, int]:
    """The rows :func:`rows_pass` kept in ``spool``, written raw again through ``sink``,
    chunk by chunk as that pass wrote them: the seconds the sink timed (its driver calls
    and the commit; reading the file is not timed) and the obligations written."""
    with spool.open("rb") as spooled:
        while True:
            try:
                tables = pickle.load(spooled)  # the benchmark's own file, written above
            except EOFError:
                break
            sink.write(tables)
    sink.finish()
    return sink.seconds, sink.rows


# --- hand-written SQL -----------------------------------------------------------------------------

# Due or overdue on :as_of (yiyu.status): the window is open, it is not done or skipped by
# then, not cancelled by then, and not withdrawn; overdue first, then by due date and key,
# as yiyu.jobs.worklist orders them. With its content, the subject's name and any
# reschedule.
WORKLIST_SQL = """
SELECT o.*, oc.*, COALESCE(c.name, d.name, o.subject_id) AS subject_name, r."to" AS moved_to
FROM obligation o
JOIN obligation_content oc ON oc.digest = o.content
LEFT JOIN child c ON o.subject_kind = 'child' AND c.id = o.subject_id
LEFT JOIN daycare d ON o.subject_kind = 'daycare' AND d.id = o.subject_id
LEFT JOIN reschedule r ON r.obligation_key = o.key
WHERE o.township = :township
  AND o.opens <= :as_of AND o.closes >= :as_of
  AND o.withdrawn_on IS NULL
  AND (o.cancelled_on IS NULL OR o.cancelled_on > :as_of)
  AND NOT EXISTS (SELECT 1 FROM encounter e WHERE e.obligation_key = o.key AND e."on" <= :as_of)
  AND NOT EXISTS (SELECT 1 FROM skip s WHERE s.obligation_key = o.key AND s."on" <= :as_of)
ORDER BY CASE WHEN o.due < :as_of THEN 0 ELSE 1 END, o.due, o.key
"""

# The obligations a job asked for (an ObligationFilter, as the job passed it), with their
# contents, when each was first done and any skip and reschedule: what
# SqlRepository.obligations returns.
OBLIGATIONS_SQL = """
SELECT o.*, oc.*, done.done_on, s."on" AS skipped_on, s.reason AS skip_reason,
       s.note AS skip_note, r."to" AS moved_to, r.reason AS move_reason, r.note AS move_note
FROM obligation o
JOIN obligation_content oc ON oc.digest = o.content
LEFT JOIN (SELECT obligation_key, MIN("on") AS done_on FROM encounter
           WHERE obligation_key IS NOT NULL GROUP BY obligation_key) done
       ON done.obligation_key = o.key
LEFT JOIN skip s ON s.obligation_key = o.key
LEFT JOIN reschedule r ON r.obligation_key = o.key
WHERE {conditions}
ORDER BY o.key
"""

# ... and the children with their facts (categories, life events, enrolments, cases,
# referrals): coverage needs birth, registration, leaving, township and cases.
CHILD_SQL = (
    "SELECT * FROM child ORDER BY id",
    "SELECT * FROM child_category ORDER BY child_id, id",
    "SELECT * FROM life_event ORDER BY child_id, id",
    "SELECT * FROM enrolment ORDER BY child_id",
    "SELECT * FROM care_case ORDER BY child_id",
    "SELECT * FROM referral ORDER BY child_id",
)


def worklist_sql(store: Store, *, township: str, as_of: pendulum.Date) -> list[Any]:
    query = text(WORKLIST_SQL).bindparams(bindparam("as_of", type_=Date))
    with store.engine.connect() as connection:
        rows = connection.execute(
            query, {"township": township, "as_of": dt.date(as_of.year, as_of.month, as_of.day)}
        )
        return list(rows.all())


def _day(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def obligations_sql(store: Store, where: ObligationFilter) -> list[Any]:
    """:data:`OBLIGATIONS_SQL` for the filter a job used (the fields coverage sets)."""
    conditions = ["1 = 1"]
    params: dict[str, Any] = {}
    binds = []
    for name, column, op in (
        ("township", "o.township", "="),
        ("assignee", "o.assignee", "="),
        ("daycare_id", "o.daycare_id", "="),
        ("role", "oc.role", "="),  # the content's: it changes with the rule version
        ("opens_by", "o.opens", "<="),
        ("closes_from", "o.closes", ">="),
        ("closes_by", "o.closes", "<="),
    ):
        value = getattr(where, name)
        if value is None:
            continue
        conditions.append(f"{column} {op} :{name}")
        if isinstance(value, dt.date):
            params[name] = _day(value)
            binds.append(bindparam(name, type_=Date))
        else:
            params[name] = value
    if where.acted_since is not None:  # yiyu.store.api.acted_on_since
        conditions.append(
            "(o.closes >= :acted_since OR done.done_on >= :acted_since"
            " OR s.\"on\" >= :acted_since OR o.occurrence LIKE '%@%')"
        )
        params["acted_since"] = _day(where.acted_since)
        binds.append(bindparam("acted_since", type_=Date))
    if where.subject is not None or where.rules is not None or where.to_do_on is not None:
        raise NotImplementedError("a filter on subject, rules or what is to do: add it here")
    if not where.include_withdrawn:
        conditions.append("o.withdrawn_on IS NULL")
    query = text(OBLIGATIONS_SQL.format(conditions=" AND ".join(conditions))).bindparams(*binds)
    with store.engine.connect() as connection:
        return list(connection.execute(query, params).all())


def children_sql(store: Store) -> list[list[Any]]:
    """Every child's rows, in the six tables a child is stored in."""
    with store.engine.connect() as connection:
        return [list(connection.execute(text(sql)).all()) for sql in CHILD_SQL]


class Recording:
    """A repository that remembers which obligations and children a job read."""

    def __init__(self, repo: SqlRepository) -> None:
        self.repo = repo
        self.filters: list[ObligationFilter] = []
        self.obligations_read = 0
        self.children_read = 0

    def obligations(self, where: ObligationFilter) -> list[StoredObligation]:
        self.filters.append(where)
        rows = self.repo.obligations(where)
        self.obligations_read += len(rows)
        return rows

    def get_children(self, ids: Sequence[str]) -> dict[str, Child]:
        children = self.repo.get_children(ids)
        self.children_read += len(children)
        return children

    def children_in(self, subjects: SubjectRange) -> dict[str, Child]:
        children = self.repo.children_in(subjects)
        self.children_read += len(children)
        return children

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repo, name)


# --- the cohort as a registry file ----------------------------------------------------------------

REGISTRY_HEADER = (
    "id", "name", "sex", "birth_date", "gestational_weeks", "birth_weight_g", "discharge_date",
    "resident_id", "township", "family_doctor", "categories", "registered_on",
)  # fmt: skip


def _category_cell(child: Child) -> str:
    """The registry's category syntax: ``kind``, ``kind:start``, ``kind:start~end``."""
    cells = []
    for category in child.categories:
        start = "" if category.start is None else category.start.isoformat()
        end = "" if category.end is None else f"~{category.end.isoformat()}"
        dates = start + end
        cells.append(category.kind.value + (f":{dates}" if dates else ""))
    return ";".join(cells)


def write_registry_csv(children: Iterable[Child], path: Path) -> int:
    """The children as the registry exports them for ``yiyu import children`` (UTF-8)."""
    import csv

    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REGISTRY_HEADER)
        for child in children:
            ga = child.gestational_age
            writer.writerow((
                child.id, child.name, child.sex.value, child.birth_date.isoformat(),
                "" if ga is None else f"{ga.weeks}+{ga.days}",
                "" if child.birth_weight_g is None else child.birth_weight_g,
                "" if child.discharge_date is None else child.discharge_date.isoformat(),
                child.resident_id or "", child.township or "", child.family_doctor or "",
                _category_cell(child),
                "" if child.registered_on is None else child.registered_on.isoformat(),
            ))  # fmt: skip
            count += 1
    return count
