"""An obligation read back from the store is the obligation planned, in every field's own
type.

The store makes what it reads without running the values' checks again
(:func:`yiyu.domain._trusted.trusted_maker`, #14), passing each field by position: a
field passed in another's place, or a date left as the driver's, would read wrongly far
from here. Equality alone would not show the second: a ``datetime.date`` equals
pendulum's.
"""

from __future__ import annotations

import pendulum

import yiyu
from yiyu.store import ObligationFilter, Repository, SubjectRef
from yiyu.testing import make_encounter

from .test_child_read import same_types
from .test_contract import CHILD, PROTOCOL, plan

D = pendulum.Date
UNTIL = D(2026, 12, 31)


def test_every_obligation_comes_back_as_planned_from_every_store(repo: Repository) -> None:
    # CHILD moved out on 2026-05-01: the windows open then are cancelled, with a reason.
    repo.save_children([CHILD])
    plan(repo, CHILD, UNTIL)
    planned = {ob.key: ob for ob in yiyu.schedule(CHILD, PROTOCOL, until=UNTIL)}
    stored = repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id=CHILD.id)))
    assert {s.obligation.key for s in stored} == planned.keys()
    for entry in stored:
        same_types(entry.obligation, planned[entry.obligation.key], entry.obligation.key)
    cancelled = [s.obligation for s in stored if s.obligation.cancelled_on is not None]
    assert cancelled, "the child left: some windows were cancelled"
    assert {ob.cancel_reason for ob in cancelled} == {"moved_out"}


def test_a_visit_and_a_skip_come_back_on_the_entry_in_their_own_types(
    repo: Repository,
) -> None:
    repo.save_children([CHILD])
    plan(repo, CHILD, UNTIL)
    planned = {ob.rule: ob for ob in yiyu.schedule(CHILD, PROTOCOL, until=UNTIL)}
    m3, m6 = planned["m3"].key, planned["m6"].key
    repo.save_encounter(make_encounter(planned["m6"], on=D(2024, 8, 10)), [])
    repo.save_skip(m3, yiyu.Skip(on="2024-05-20", reason="done_elsewhere", note="外院"))
    read = {
        s.obligation.key: s
        for s in repo.obligations(ObligationFilter(subject=SubjectRef(kind="child", id=CHILD.id)))
    }
    assert type(read[m6].done_on) is D
    assert read[m6].done_on == D(2024, 8, 10)
    same_types(read[m3].skip, yiyu.Skip(on="2024-05-20", reason="done_elsewhere", note="外院"))
    assert (read[m3].township, read[m3].assignee, read[m3].withdrawn_on) == (
        CHILD.township,
        None,
        None,
    )
