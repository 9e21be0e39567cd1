"""SQL store: an obligation's content is stored once per distinct value and referred to
by digest; what a process remembers of the contents it wrote never outlives a rollback
(SQLite writes them in the plan's transaction, PostgreSQL commits them at once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from sqlalchemy import Engine, text

import yiyu
from yiyu.store import ObligationFilter, PlanState, SubjectRef
from yiyu.store.database import make_engine, upgrade
from yiyu.store.rows import OBLIGATION_COLUMNS, content_digest, content_of, planned_content
from yiyu.store.sql import SqlRepository
from yiyu.testing import make_child

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
UNTIL = D(2024, 12, 31)
CHILDREN = [make_child(f"C{i}", born="2024-01-31", township="城关街道") for i in (1, 2)]
REFS = [SubjectRef(kind="child", id=c.id) for c in CHILDREN]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'yiyu.db'}")
    else:
        engine = request.getfixturevalue("postgres").engine()
    upgrade(engine)
    SqlRepository(engine).save_children(CHILDREN)
    yield engine
    engine.dispose()


def _plan(repo: SqlRepository, index: int) -> list[yiyu.Obligation]:
    obligations = yiyu.schedule(CHILDREN[index], PROTOCOL, until=UNTIL)
    state = PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=UNTIL)
    repo.save_plan(REFS[index], obligations, state, as_of=D(2024, 6, 1), township="城关街道",
                   assignees={})  # fmt: skip
    return obligations


def _digests(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT digest FROM obligation_content")).scalars())


def test_children_of_one_age_share_their_contents(engine: Engine) -> None:
    repo = SqlRepository(engine)
    first = _plan(repo, 0)
    second = _plan(repo, 1)
    assert _digests(engine) == {content_digest(content_of(ob)) for ob in first}
    assert {content_digest(content_of(ob)) for ob in second} == _digests(engine)
    # Read by a process that never wrote them: the same obligations.
    stored = SqlRepository(engine).obligations(ObligationFilter())
    assert sorted((s.obligation for s in stored), key=lambda ob: ob.key) == sorted(
        [*first, *second], key=lambda ob: ob.key
    )


def test_contents_of_a_rolled_back_plan_are_written_again(engine: Engine) -> None:
    repo = SqlRepository(engine)

    def killed_halfway() -> None:
        with repo.transaction():
            _plan(repo, 0)
            raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        killed_halfway()
    planned = {content_digest(content_of(ob)) for ob in yiyu.schedule(CHILDREN[0], PROTOCOL,
               until=UNTIL)}  # fmt: skip
    # SQLite: rolled back with the plan; PostgreSQL: committed at once, and harmless.
    assert _digests(engine) == (set() if engine.dialect.name == "sqlite" else planned)
    obligations = _plan(repo, 0)  # the same repository: it must not take them for stored
    assert _digests(engine) == planned
    assert len(repo.obligations(ObligationFilter())) == len(obligations)


def test_a_digest_holding_another_content_fails_loudly(engine: Engine) -> None:
    ob = yiyu.schedule(CHILDREN[0], PROTOCOL, until=UNTIL)[0]
    other = attrs.evolve(content_of(ob), name="另一项")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO obligation_content (digest, name, contents, tests, checklist, "
                "sources, evidence, window_evidence, protocol, protocol_version, role) "
                "VALUES (:d, :n, '[]', '[]', NULL, '[]', 'D', 'D', :p, :v, :r)"
            ),
            {
                "d": content_digest(content_of(ob)),
                "n": other.name,
                "p": ob.protocol,
                "v": ob.protocol_version,
                "r": ob.role.value,
            },
        )
    with pytest.raises(RuntimeError, match="share the digest"):
        _plan(SqlRepository(engine), 0)


def test_a_key_taken_behind_the_stores_back_is_an_integrity_error_naming_no_data(
    engine: Engine,
) -> None:
    # A row with the child's key but another subject: the plan does not see it as the
    # child's and inserts the key again (PostgreSQL by COPY, SQLite by executemany). The
    # error is SQLAlchemy's, as everywhere else, and what a job run records of it holds
    # no key or name.
    from sqlalchemy.exc import IntegrityError

    from yiyu.store.api import describe_error

    key = yiyu.schedule(CHILDREN[0], PROTOCOL, until=UNTIL)[0].key
    _plan(SqlRepository(engine), 1)  # a content row to refer to
    copied = [c for c in OBLIGATION_COLUMNS if c not in ("key", "subject_id")]
    with engine.begin() as connection:
        connection.execute(
            text(
                f"INSERT INTO obligation (key, subject_id, {', '.join(copied)}) "
                f"SELECT :key, 'elsewhere', {', '.join(copied)} FROM obligation LIMIT 1"
            ),
            {"key": key},
        )
    with pytest.raises(IntegrityError) as raised:
        _plan(SqlRepository(engine), 0)
    described = describe_error(raised.value)
    assert key not in described
    assert CHILDREN[0].name not in described


def test_obligations_differing_only_in_role_or_version_read_back_their_own(
    engine: Engine,
) -> None:
    # The protocol, its version and the role are kept with the content (revision 0010):
    # a content shared by two rows that differ in them would give one row the other's.
    first = yiyu.schedule(CHILDREN[0], PROTOCOL, until=UNTIL)[0]
    by_nurse = attrs.evolve(first, key=f"{first.key}-nurse", role=yiyu.Role.HEALTH_INSTRUCTOR)
    older = attrs.evolve(first, key=f"{first.key}-older", protocol_version="2025.1")
    assert len({content_digest(content_of(ob)) for ob in (first, by_nurse, older)}) == 3
    state = PlanState(facts_hash="h", protocol=PROTOCOL.label, planned_until=UNTIL)
    repo = SqlRepository(engine)
    repo.save_plan(REFS[0], [first, by_nurse, older], state, as_of=D(2024, 1, 1),
                   township="城关街道", assignees={})  # fmt: skip
    stored = SqlRepository(engine).obligations(ObligationFilter())
    assert {s.obligation.key: s.obligation for s in stored} == {
        ob.key: ob for ob in (first, by_nurse, older)
    }
    nurses = repo.obligations(ObligationFilter(role="health_instructor"))
    assert [s.obligation for s in nurses] == [by_nurse]


def test_a_remembered_content_is_the_one_the_obligations_fields_make() -> None:
    obligations = yiyu.schedule(CHILDREN[0], PROTOCOL, until=UNTIL)
    for ob in obligations:
        assert planned_content(ob) == (content_digest(content_of(ob)), content_of(ob))
    # Looked up by its fields, not by rule: a catch-up check's carried tests, or a new
    # protocol version, make another content, even after the first was remembered.
    first = obligations[0]
    planned_content(first)
    for changed in (
        attrs.evolve(first, tests=(*first.tests, "血红蛋白（补查）")),
        attrs.evolve(first, protocol_version="2099.1"),
    ):
        digest, content = planned_content(changed)
        assert content == content_of(changed) != content_of(first)
        assert digest == content_digest(content) != planned_content(first)[0]
