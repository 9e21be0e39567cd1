"""Migrations: a model change without a migration fails here (``alembic check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from yiyu.store.database import alembic_config, make_engine, schema_revision, upgrade
from yiyu.store.tables import metadata


def _old_child(engine: Any) -> Any:
    """A child written as any revision's child table holds it (today's models may have
    columns an older revision lacks), with the facts hash yiyu computes for it."""
    import yiyu
    from yiyu.codec import facts_hash

    child = yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO child (id, name, sex, birth_date, facts_hash, updated_at) "
                "VALUES ('C1', '王小红', 'F', '2026-01-31', :hash, '2026-11-01 00:00:00')"
            ),
            {"hash": facts_hash(child)},
        )
    return child


def test_migrations_build_the_current_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)  # raises when the models and the migrations disagree
    assert set(inspect(engine).get_table_names()) >= set(metadata.tables)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    # The head as the packaged migration files name it, read here and not from yiyu's
    # own head_revision(), so that a wrong head there cannot hide a wrong upgrade.
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    assert upgrade(engine).after == head
    again = upgrade(engine)
    assert (again.before, again.after) == (head, head)
    assert schema_revision(engine) == head


def test_migrations_on_postgresql(postgres: Any) -> None:
    engine = postgres.engine()
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.check(config)
    engine.dispose()


def test_an_older_database_is_upgraded_with_its_data(tmp_path: Path) -> None:
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    assert "reschedule" not in inspect(engine).get_table_names()
    repo = SqlRepository(engine)
    child = _old_child(engine)
    upgrade(engine)
    assert "reschedule" in inspect(engine).get_table_names()
    assert repo.get_child("C1") == child


def test_a_database_from_before_holiday_years_is_upgraded(tmp_path: Path) -> None:
    import pendulum

    import yiyu
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    assert "holiday_year" not in inspect(engine).get_table_names()
    repo = SqlRepository(engine)
    child = _old_child(engine)
    upgrade(engine)
    assert "holiday_year" in inspect(engine).get_table_names()
    assert repo.get_child("C1") == child
    # An example year (not an official notice): the new table takes it.
    year = yiyu.HolidayYear(year=2027, holidays=[pendulum.Date(2027, 1, 1)], source="示例")
    repo.save_holiday_year(year)
    assert repo.holiday_calendar().years == (year,)
    engine.dispose()


def test_a_case_stored_before_its_course_was_kept_is_read_with_an_empty_course(
    tmp_path: Path,
) -> None:
    from sqlalchemy import text

    import yiyu
    from yiyu.store.sql import SqlRepository

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0003")
    assert "course" not in {c["name"] for c in inspect(engine).get_columns("care_case")}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO child (id, name, sex, birth_date, facts_hash, updated_at) "
                "VALUES ('C1', '王小红', 'F', '2026-01-31', 'x', '2026-11-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO care_case (child_id, condition, opened_on, severity, normal_checks)"
                " VALUES ('C1', 'anaemia', '2026-08-01', 'mild', 0)"
            )
        )
    upgrade(engine)
    [case] = SqlRepository(engine).get_child("C1").cases  # type: ignore[union-attr]
    assert (case.condition, case.opened_on.isoformat(), case.course) == (
        yiyu.CategoryKind.ANAEMIA,
        "2026-08-01",
        (),
    )
    engine.dispose()


def _database_at_0004(engine: Any) -> dict[str, Any]:
    """Children stored before cases recorded why they closed, written as 0004 wrote them;
    the children yiyu builds from them now, by id."""
    import yiyu
    from yiyu.codec import facts_hash

    upgrade(engine, "0004")
    moved = [yiyu.LifeEvent(kind="moved_out", on="2026-10-01")]
    both = [yiyu.LifeEvent(kind="moved_out", on="2026-10-05"),
            yiyu.LifeEvent(kind="deceased", on="2026-10-05")]  # fmt: skip
    cases = {  # in the order yiyu reads them back: by opening day
        "C1": [
            ("rickets", "2026-06-01", "2026-09-01", "E2"),  # closed by a visit before
            ("anaemia", "2026-08-01", None, None),  # open when the child moved out
            ("overweight", "2026-11-01", None, None),  # opened after the move
        ],
        "C2": [("anaemia", "2026-08-01", None, None)],  # the child died the day it moved
        "C3": [  # never left
            ("rickets", "2026-06-01", "2026-09-01", "E2"),
            ("anaemia", "2026-08-01", None, None),
        ],
    }
    events = {"C1": moved, "C2": both, "C3": []}
    children = {
        child_id: yiyu.Child(
            id=child_id,
            name="王小红",
            sex="F",
            birth_date="2026-01-31",
            life_events=events[child_id],
            cases=[
                yiyu.Case(condition=condition, opened_on=opened, closed_on=closed, closed_by=by)
                for condition, opened, closed, by in cases[child_id]
            ],
        )
        for child_id in cases
    }
    with engine.begin() as connection:
        for child_id, child in children.items():
            connection.execute(
                text(
                    "INSERT INTO child (id, name, sex, birth_date, facts_hash, updated_at) "
                    "VALUES (:id, '王小红', 'F', '2026-01-31', :hash, '2026-11-01 00:00:00')"
                ),
                {"id": child_id, "hash": facts_hash(child)},
            )
            for event in child.life_events:
                connection.execute(
                    text('INSERT INTO life_event (child_id, kind, "on") VALUES (:c, :k, :on)'),
                    {"c": child_id, "k": event.kind.value, "on": event.on.isoformat()},
                )
            for condition, opened, closed, by in cases[child_id]:
                connection.execute(
                    text(
                        "INSERT INTO care_case (child_id, condition, opened_on, closed_on, "
                        "closed_by, normal_checks) VALUES (:c, :condition, :opened, :closed, "
                        ":by, 0)"
                    ),
                    {"c": child_id, "condition": condition, "opened": opened, "closed": closed,
                     "by": by},
                )  # fmt: skip
    return children


def _stored_closings(engine: Any) -> set[tuple[str, str, str | None, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT child_id, condition, closed_on, close_reason FROM care_case")
        ).all()
    return {
        (child, condition, None if closed is None else str(closed), reason)
        for child, condition, closed, reason in rows
    }


def _check_0005(engine: Any) -> None:
    from yiyu.codec import facts_hash
    from yiyu.store.sql import SqlRepository

    children = _database_at_0004(engine)
    upgrade(engine)
    # Closed cases met their criteria; open ones of a child who left are closed that day.
    assert _stored_closings(engine) == {
        ("C1", "anaemia", "2026-10-01", "moved_out"),
        ("C1", "rickets", "2026-09-01", "criteria_met"),
        ("C1", "overweight", None, None),
        ("C2", "anaemia", "2026-10-05", "deceased"),
        ("C3", "anaemia", None, None),
        ("C3", "rickets", "2026-09-01", "criteria_met"),
    }
    repo = SqlRepository(engine)
    with engine.connect() as connection:
        stored_hashes = dict(connection.execute(text("SELECT id, facts_hash FROM child")).all())
    for child_id, child in children.items():
        stored = repo.get_child(child_id)
        assert stored == child
        # The stored hash is still the facts' hash: plans are not taken for stale.
        assert facts_hash(stored) == stored_hashes[child_id]


def test_a_case_open_when_its_child_left_is_closed_by_the_upgrade(tmp_path: Path) -> None:
    _check_0005(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_a_case_open_when_its_child_left_is_closed_by_the_upgrade_on_postgresql(
    postgres: Any,
) -> None:
    _check_0005(postgres.engine())


def test_the_downgrade_reopens_what_leaving_closed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _database_at_0004(engine)
    before = _stored_closings_0004(engine)
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert "close_reason" not in {c["name"] for c in inspect(engine).get_columns("care_case")}
    assert _stored_closings_0004(engine) == before
    engine.dispose()


def _stored_closings_0004(engine: Any) -> set[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT child_id, condition, closed_on FROM care_case"))
        return {(c, k, None if d is None else str(d)) for c, k, d in rows.all()}


# The obligation table as revision 0006 wrote it: every row held its rule's content.
_OBLIGATION_0006 = sa.table(
    "obligation",
    *(sa.column(name) for name in ("key", "subject_kind", "subject_id", "rule", "name",
      "occurrence", "protocol", "protocol_version", "variant", "role", "daycare_id",
      "township", "assignee", "checklist", "evidence", "window_evidence", "cancel_reason")),
    *(sa.column(name, sa.Date) for name in ("opens", "due", "closes", "cancelled_on",
                                            "withdrawn_on")),
    *(sa.column(name, sa.JSON) for name in ("contents", "tests", "sources")),
    sa.column("catch_up", sa.Boolean),
    sa.column("updated_at", sa.DateTime),
)  # fmt: skip


def _obligations_at_0006(engine: Any) -> dict[str, Any]:
    """Three children's plans written as 0006 wrote them (one on time, one caught up, one
    registered at seven months), one of them withdrawn and one skipped; the obligations."""
    import datetime as dt

    import pendulum

    import yiyu

    upgrade(engine, "0006")
    protocol = yiyu.load_protocol()
    children = [
        yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31"),
        yiyu.Child(id="C2", name="李明", sex="M", birth_date="2026-01-31",
                   registered_on="2026-02-14"),
        yiyu.Child(id="C3", name="张伟", sex="M", birth_date="2025-06-01",
                   registered_on="2026-01-05"),
    ]  # fmt: skip
    obligations = {
        ob.key: ob
        for child in children
        for ob in yiyu.schedule(child, protocol, until=pendulum.Date(2026, 12, 31))
    }
    same = ("key", "subject_id", "rule", "name", "occurrence", "protocol", "protocol_version",
            "variant", "daycare_id", "checklist", "cancel_reason", "catch_up", "opens", "due",
            "closes", "cancelled_on")  # fmt: skip
    rows = [
        {
            **{name: getattr(ob, name) for name in same},
            "subject_kind": ob.subject.value,
            "role": ob.role.value,
            "contents": list(ob.contents),
            "tests": list(ob.tests),
            "sources": list(ob.sources),
            "evidence": ob.evidence.value,
            "window_evidence": ob.window_evidence.value,
            "township": "城关街道",
            "assignee": "FD1" if ob.subject_id == "C1" else None,
            "withdrawn_on": dt.date(2026, 6, 1) if ob.key == "child:C3/m3" else None,
            "updated_at": dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC),
        }
        for ob in obligations.values()
    ]
    with engine.begin() as connection:
        connection.execute(_OBLIGATION_0006.insert(), rows)
        connection.execute(
            text("INSERT INTO skip (obligation_key, \"on\", reason) "
                 "VALUES ('child:C1/m3', '2026-05-01', 'family_refused')")
        )  # fmt: skip
    return obligations


def _check_0007(engine: Any) -> None:
    from yiyu.store.api import ObligationFilter
    from yiyu.store.sql import SqlRepository

    obligations = _obligations_at_0006(engine)
    assert any(ob.catch_up for ob in obligations.values())
    assert {ob.checklist is None for ob in obligations.values()} == {True, False}
    upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("obligation")}
    assert "content" in columns
    assert not columns & {"name", "contents", "tests", "checklist", "sources", "evidence"}
    stored = SqlRepository(engine).obligations(ObligationFilter(include_withdrawn=True))
    assert {s.obligation.key: s.obligation for s in stored} == obligations
    by_key = {s.obligation.key: s for s in stored}
    assert by_key["child:C3/m3"].withdrawn_on is not None
    assert by_key["child:C1/m3"].skip is not None
    assert {(s.township, s.assignee) for s in stored if s.obligation.subject_id == "C1"} == {
        ("城关街道", "FD1")
    }
    with engine.connect() as connection:
        digests = set(connection.execute(text("SELECT digest FROM obligation_content")).scalars())
    # Fewer contents than obligations, and each under the digest yiyu writes now: the
    # next plan writes no content again.
    from yiyu.store.rows import content_digest, content_of

    assert digests == {content_digest(content_of(ob)) for ob in obligations.values()}
    assert len(digests) < len(obligations)
    engine.dispose()


def test_obligations_keep_their_content_through_the_upgrade(tmp_path: Path) -> None:
    _check_0007(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_obligations_keep_their_content_through_the_upgrade_on_postgresql(
    postgres: Any,
) -> None:
    _check_0007(postgres.engine())


def _check_downgrade_0007(engine: Any) -> None:
    import json

    obligations = _obligations_at_0006(engine)
    upgrade(engine)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    assert "obligation_content" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT key, name, contents, tests, checklist, sources, evidence, "
                "window_evidence FROM obligation"
            )
        ).all()
        skipped = connection.execute(text("SELECT obligation_key FROM skip")).scalars().all()

    def listed(value: Any) -> tuple[str, ...]:  # JSON text on SQLite, decoded by psycopg
        return tuple(json.loads(value) if isinstance(value, str) else value)

    assert {
        key: (name, listed(contents), listed(tests), checklist, listed(sources), evidence,
              window_evidence)
        for key, name, contents, tests, checklist, sources, evidence, window_evidence in rows
    } == {
        ob.key: (ob.name, ob.contents, ob.tests, ob.checklist, ob.sources, ob.evidence.value,
                 ob.window_evidence.value)
        for ob in obligations.values()
    }  # fmt: skip
    assert skipped == ["child:C1/m3"]
    engine.dispose()


def test_the_downgrade_puts_the_contents_back_in_each_row(tmp_path: Path) -> None:
    _check_downgrade_0007(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_the_downgrade_puts_the_contents_back_on_postgresql(postgres: Any) -> None:
    _check_downgrade_0007(postgres.engine())


def _check_0008(engine: Any) -> None:
    import yiyu
    from yiyu.store.sql import SqlRepository

    upgrade(engine, "0007")
    child = _old_child(engine)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT facts_hash FROM child")).scalar_one()
    upgrade(engine)
    repo = SqlRepository(engine)
    # A child stored before has no guardian, and its hash is the one it had: nothing
    # is re-planned for the new columns.
    assert repo.get_child("C1") == child
    with engine.connect() as connection:
        assert connection.execute(text("SELECT facts_hash FROM child")).scalar_one() == before
    with_guardian = yiyu.Child(
        id="C1",
        name="王小红",
        sex="F",
        birth_date="2026-01-31",
        guardian_name="王建国",
        guardian_phone="13800138000",
    )
    repo.save_children([with_guardian])
    assert repo.get_child("C1") == with_guardian
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    columns = {c["name"] for c in inspect(engine).get_columns("child")}
    assert not columns & {"guardian_name", "guardian_phone"}
    engine.dispose()


def test_the_guardian_columns_are_added_and_dropped(tmp_path: Path) -> None:
    _check_0008(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_the_guardian_columns_are_added_and_dropped_on_postgresql(postgres: Any) -> None:
    _check_0008(postgres.engine())


def _check_0009(engine: Any) -> None:
    upgrade(engine)
    indexes = {index["name"] for index in inspect(engine).get_indexes("obligation")}
    # The work list's and coverage's indexes stay; the two no query reads are gone.
    assert {"ix_obligation_township_due", "ix_obligation_assignee_due"} <= indexes
    assert not indexes & {"ix_obligation_due", "ix_obligation_rule"}
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    indexes = {index["name"] for index in inspect(engine).get_indexes("obligation")}
    assert {"ix_obligation_due", "ix_obligation_rule"} <= indexes
    engine.dispose()


def test_the_unread_obligation_indexes_are_dropped(tmp_path: Path) -> None:
    _check_0009(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_the_unread_obligation_indexes_are_dropped_on_postgresql(postgres: Any) -> None:
    _check_0009(postgres.engine())


def _rows(engine: Any, table: str) -> list[dict[str, Any]]:
    """A table's rows by name (the column order of a rebuilt SQLite table may differ)."""
    key = "key" if table == "obligation" else "digest"
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}")).mappings()
        return [dict(row) for row in rows]


def _check_0010(engine: Any) -> None:
    import datetime as dt

    import pendulum

    import yiyu
    from yiyu.store.api import ObligationFilter, SubjectRange
    from yiyu.store.rows import content_digest, content_of, instant_ms
    from yiyu.store.sql import SqlRepository

    obligations = _obligations_at_0006(engine)
    upgrade(engine, "0009")
    # One row written at a time with a fraction of a millisecond, one rescheduled.
    written = dt.datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            sa.update(_OBLIGATION_0006)
            .where(_OBLIGATION_0006.c.key == "child:C2/m3")
            .values(updated_at=written)
        )
        connection.execute(
            text("INSERT INTO reschedule (obligation_key, \"to\", reason) "
                 "VALUES ('child:C2/m6', '2026-08-20', 'temporarily_away')")
        )  # fmt: skip
    before = _rows(engine, "obligation")
    contents_before = _rows(engine, "obligation_content")
    upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("obligation")}
    assert not columns & {"protocol", "protocol_version", "role"}
    repo = SqlRepository(engine)
    stored = repo.obligations(ObligationFilter(include_withdrawn=True))
    assert {s.obligation.key: s.obligation for s in stored} == obligations
    by_key = {s.obligation.key: s for s in stored}
    assert by_key["child:C1/m3"].skip is not None
    assert by_key["child:C2/m6"].rescheduled is not None
    assert by_key["child:C3/m3"].withdrawn_on is not None
    doctors = repo.obligations(ObligationFilter(role="family_doctor", include_withdrawn=True))
    assert {s.obligation.key for s in doctors} == {
        ob.key for ob in obligations.values() if ob.role is yiyu.Role.FAMILY_DOCTOR
    }
    # Each content under the digest yiyu writes now: the next plan writes none again.
    with engine.connect() as connection:
        digests = set(connection.execute(text("SELECT digest FROM obligation_content")).scalars())
        stamps = dict(connection.execute(text("SELECT key, updated_at FROM obligation")).all())
    assert digests == {content_digest(content_of(ob)) for ob in obligations.values()}
    # The time as milliseconds, rounded down: an incremental export still finds the row.
    assert stamps["child:C2/m3"] == instant_ms(written)
    assert set(stamps.values()) == {
        instant_ms(written),
        instant_ms(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)),
    }
    children = SubjectRange(kind="child", first="C1", last="C9")
    at = pendulum.datetime(2026, 6, 1, 12, 0, 0, 123000)
    assert repo.changed_subjects(children, since=at) == ["C2"]
    assert repo.changed_subjects(children, since=at.add(microseconds=1000)) == []
    # And back: the rows as 0009 held them, the time to the millisecond it kept.
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0009")
    after = _rows(engine, "obligation")
    expected = [dict(row) for row in before]
    for row in expected:
        if row["key"] == "child:C2/m3":
            stamp = before[[r["key"] for r in before].index("child:C2/m3")]["updated_at"]
            row["updated_at"] = (
                stamp.replace(microsecond=123000)
                if isinstance(stamp, dt.datetime)
                else stamp.replace("123456", "123000")
            )
    assert after == expected
    assert _rows(engine, "obligation_content") == contents_before
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM skip")).scalar_one() == 1
        assert connection.execute(text("SELECT count(*) FROM reschedule")).scalar_one() == 1
    engine.dispose()


def test_the_protocol_and_role_move_to_the_content(tmp_path: Path) -> None:
    _check_0010(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_the_protocol_and_role_move_to_the_content_on_postgresql(postgres: Any) -> None:
    _check_0010(postgres.engine())


_PARTIAL = ("ix_obligation_assignee_due", "ix_obligation_daycare_id")
# What a work list by assignee and a daycare's obligations ask (yiyu.store.sql: "=" with
# a bound value), each with the partial index it must be able to use.
_SELECTS = {
    "ix_obligation_assignee_due": "SELECT key FROM obligation WHERE assignee = :value "
    "AND due >= '2026-01-01' ORDER BY due",
    "ix_obligation_daycare_id": "SELECT key FROM obligation WHERE daycare_id = :value",
}


def _index_sql(connection: Any, name: str) -> str:
    if connection.dialect.name == "sqlite":
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    else:
        query = (  # this test's schema: others hold indexes of the same name
            "SELECT indexdef FROM pg_indexes WHERE indexname = :name "
            "AND schemaname = current_schema()"
        )
    return str(connection.execute(text(query), {"name": name}).scalar_one())


def _plan(connection: Any, select: str) -> str:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(f"EXPLAIN QUERY PLAN {select}"), {"value": "x"})
        return " ".join(str(row[-1]) for row in rows)
    # An empty table is scanned whatever its indexes; what matters is that the index
    # can serve the query, so the planner is told not to scan.
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(
        str(r[0]) for r in connection.execute(text(f"EXPLAIN {select}"), {"value": "x"})
    )


def _check_0011(engine: Any) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        for name in _PARTIAL:
            assert "IS NOT NULL" in _index_sql(connection, name), name
            assert name in _plan(connection, _SELECTS[name]), name
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")
    with engine.begin() as connection:
        for name in _PARTIAL:  # whole again, as before
            assert "IS NOT NULL" not in _index_sql(connection, name), name
    engine.dispose()


def test_the_assignee_and_daycare_indexes_hold_only_the_rows_that_have_one(
    tmp_path: Path,
) -> None:
    _check_0011(make_engine(f"sqlite:///{tmp_path / 'old.db'}"))


def test_the_assignee_and_daycare_indexes_are_partial_on_postgresql(postgres: Any) -> None:
    _check_0011(postgres.engine())
