"""What changed since an instant (#16): the subjects an incremental export sends again.
Part of the repository contract: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import time

import attrs
import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan
from yiyu.store import Repository, SubjectRange
from yiyu.testing import make_child, make_daycare, make_encounter

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
CHILDREN = SubjectRange(kind="child", first="C1", last="C9")
DAYCARES = SubjectRange(kind="daycare", first="C1", last="C9")


def instant(repo: Repository) -> pendulum.DateTime:
    """Now, after everything written so far (a clock tick apart on every backend)."""
    time.sleep(0.002)
    now = pendulum.now("UTC")
    time.sleep(0.002)
    return now


@pytest.fixture
def stocked(repo: Repository) -> Repository:
    repo.save_children([make_child(i, born="2026-01-10") for i in ("C1", "C2", "C3")])
    repo.save_daycares([make_daycare("C1")])  # a daycare may share a child's id
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    return repo


def test_nothing_written_since_is_nothing_changed(stocked: Repository) -> None:
    since = instant(stocked)
    assert stocked.changed_subjects(CHILDREN, since=since) == []
    assert stocked.changed_subjects(DAYCARES, since=since) == []
    plan(stocked, PROTOCOL, as_of=D(2026, 3, 1))  # a re-plan that changes nothing
    assert stocked.changed_subjects(CHILDREN, since=since) == []


def test_everything_written_after_the_instant_is_changed(stocked: Repository) -> None:
    before = pendulum.DateTime(2000, 1, 1, tzinfo=pendulum.UTC)
    assert stocked.changed_subjects(CHILDREN, since=before) == ["C1", "C2", "C3"]
    assert stocked.changed_subjects(DAYCARES, since=before) == ["C1"]
    assert stocked.changed_subjects(SubjectRange(kind="child", first="C2", last="C2"),
                                    since=before) == ["C2"]  # fmt: skip


def test_facts_visits_skips_and_reschedules_each_change_their_subject(
    stocked: Repository,
) -> None:
    since = instant(stocked)
    child = stocked.get_child("C1")
    assert child is not None
    stocked.save_children([attrs.evolve(child, guardian_name="李华")])
    stocked.save_encounter(make_encounter(id="E2", subject_id="C2", on=D(2026, 2, 1)), [])
    assert stocked.changed_subjects(CHILDREN, since=since) == ["C1", "C2"]
    since = instant(stocked)
    stocked.save_skip("child:C3/m3", yiyu.Skip(on="2026-02-01", reason="child_ill"))
    assert stocked.changed_subjects(CHILDREN, since=since) == ["C3"]
    since = instant(stocked)
    moved = yiyu.Reschedule(to="2026-04-20", reason="temporarily_away")
    stocked.save_reschedule("child:C2/m3", moved)
    assert stocked.changed_subjects(CHILDREN, since=since) == ["C2"]
    assert stocked.changed_subjects(DAYCARES, since=since) == []
