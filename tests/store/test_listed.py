"""What a work list reads of the subjects it names (#14): names and a child's referrals,
the same as the whole child gives. Part of the repository contract (memory, SQLite,
PostgreSQL)."""

from __future__ import annotations

import attrs
import pendulum

import yiyu
from yiyu.jobs.planning import plan
from yiyu.store import ObligationFilter, Repository
from yiyu.store.api import may_be_to_do
from yiyu.testing import make_child, make_daycare, make_encounter

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()

REFERRALS = [
    yiyu.Referral(kind="development", opened_on="2024-04-10", reason="预警征象阳性"),
    yiyu.Referral(
        kind="anaemia", opened_on="2024-03-01", reason="中度贫血", closed_on="2024-03-20",
        result="已就诊",
    ),
]  # fmt: skip


def test_listed_subjects_are_the_names_and_referrals_of_the_whole(repo: Repository) -> None:
    children = [
        make_child("C1", name="王小明", born="2024-01-31", referrals=REFERRALS),
        make_child("C2", name="李小红", born="2024-02-01"),
    ]
    repo.save_children(children)
    repo.save_daycares([make_daycare("D1", name="阳光托育园")])
    listed = repo.listed(yiyu.SubjectKind.CHILD, ["C1", "C2", "C9"])
    assert listed == {c.id: yiyu.ListedSubject.of(repo.get_child(c.id)) for c in children}  # type: ignore[arg-type]
    assert listed["C1"].name == "王小明"
    assert {r.kind.value for r in listed["C1"].referrals} == {"anaemia", "development"}
    assert listed["C2"].referrals == ()
    assert repo.listed("daycare", ["D1"]) == {"D1": yiyu.ListedSubject(name="阳光托育园")}
    assert repo.listed(yiyu.SubjectKind.DAYCARE, []) == {}


def test_a_work_list_reads_only_what_may_be_to_do(repo: Repository) -> None:
    """``ObligationFilter(to_do_on=…)`` drops, in the store, what is done by a visit,
    skipped or cancelled by that day, and keeps a referral's tracking however visited (its
    result completes it): the same rows as reading all and keeping ``may_be_to_do``."""
    referral = yiyu.Referral(kind="development", opened_on="2024-04-10", reason="预警征象阳性")
    moving = make_child(
        "C3", born="2024-01-31", life_events=[yiyu.LifeEvent(kind="moved_out", on="2024-05-05")]
    )
    repo.save_children([make_child("C1", born="2024-01-31", referrals=[referral]),
                        make_child("C2", born="2024-01-31"), moving])  # fmt: skip
    plan(repo, PROTOCOL, as_of=D(2024, 4, 1), horizon_days=120)
    day = D(2024, 5, 10)
    tracking = f"child:C1/referral_follow_up/{referral.id}"
    keys = {s.obligation.key for s in repo.obligations(ObligationFilter())}
    assert tracking in keys
    repo.save_encounter(make_encounter(id="V1", subject_id="C1", on=D(2024, 5, 1),
                                       obligation_key="child:C1/m3"), [])  # fmt: skip
    repo.save_encounter(make_encounter(id="V2", subject_id="C1", on=D(2024, 5, 2),
                                       obligation_key=tracking), [])  # fmt: skip
    repo.save_encounter(make_encounter(id="V3", subject_id="C2", on=D(2024, 5, 20),
                                       obligation_key="child:C2/m3"), [])  # fmt: skip
    repo.save_skip("child:C2/m3", yiyu.Skip(on=D(2024, 5, 9), reason="family_refused"))
    everything = repo.obligations(ObligationFilter())
    expected = sorted(s.obligation.key for s in everything if may_be_to_do(s, day))
    read = repo.obligations(ObligationFilter(to_do_on=day))
    assert sorted(s.obligation.key for s in read) == expected
    assert tracking in expected  # visited, but its result is not recorded
    assert "child:C1/m3" not in expected  # done by a visit
    assert "child:C2/m3" not in expected  # skipped (the later visit is not yet)
    assert "child:C3/m3" not in expected  # cancelled by the move
    window_open = [s for s in everything if s.obligation.opens <= day <= s.obligation.closes]
    assert len(expected) < len(window_open)


def test_obligations_read_with_names_carry_their_subjects_names(repo: Repository) -> None:
    """``obligations(…, names=True)``: each obligation with its child's or daycare's name,
    read in the same query, by the subject's kind (a child and a daycare may share an id);
    without ``names`` none is read."""
    repo.save_children([make_child("X1", name="王小明", born="2024-01-31"),
                        make_child("C2", name="李小红", born="2024-02-01")])  # fmt: skip
    repo.save_daycares([make_daycare("X1", name="阳光托育园", opened_on="2023-09-01")])
    plan(repo, PROTOCOL, as_of=D(2024, 4, 1), horizon_days=120)
    named = repo.obligations(ObligationFilter(), names=True)
    by_subject = {(s.obligation.subject.value, s.obligation.subject_id): s.subject_name
                  for s in named}  # fmt: skip
    assert by_subject == {
        ("child", "X1"): "王小明",
        ("child", "C2"): "李小红",
        ("daycare", "X1"): "阳光托育园",
    }
    plain = repo.obligations(ObligationFilter())
    assert [s.obligation.key for s in plain] == [s.obligation.key for s in named]
    assert {s.subject_name for s in plain} == {None}
    assert [attrs.evolve(s, subject_name=None) for s in named] == plain
