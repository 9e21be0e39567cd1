"""What a work list reads of the subjects it names (#14): names and a child's referrals,
the same as the whole child gives. Part of the repository contract (memory, SQLite,
PostgreSQL)."""

from __future__ import annotations

import yiyu
from yiyu.store import Repository
from yiyu.testing import make_child, make_daycare

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
