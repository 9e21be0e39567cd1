"""Walking every subject in batches (#14): a page of ids at a time, and the obligations and
visits of one page's range. Part of the repository contract: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan
from yiyu.store import ObligationFilter, Repository, SubjectRange
from yiyu.testing import make_child, make_daycare, make_encounter

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
IDS = ["C1", "C10", "C2", "C20", "C3"]


@pytest.fixture
def stocked(repo: Repository) -> Repository:
    repo.save_children([make_child(i, born="2026-01-10") for i in IDS])
    repo.save_daycares([make_daycare("C1")])  # a daycare may share a child's id
    plan(repo, PROTOCOL, as_of=D(2026, 3, 1))
    for i in IDS:
        repo.save_encounter(make_encounter(id=f"E-{i}", subject_id=i, on=D(2026, 2, 1)), [])
    return repo


def test_the_pages_of_ids_cover_every_subject_once_in_order(stocked: Repository) -> None:
    pages, after = [], None
    while ids := stocked.subject_ids(yiyu.SubjectKind.CHILD, after=after, limit=2):
        pages.append(ids)
        after = ids[-1]
    walked = [i for page in pages for i in page]
    assert walked == sorted(IDS)  # "C1" < "C10" < "C2": the order of ids as text
    assert [len(page) for page in pages] == [2, 2, 1]
    assert stocked.subject_ids(yiyu.SubjectKind.DAYCARE, limit=10) == ["C1"]
    assert stocked.subject_ids("child", after="C3", limit=10) == []


def test_a_range_reads_the_obligations_and_visits_of_its_subjects_only(
    stocked: Repository,
) -> None:
    batch = SubjectRange(kind="child", first="C10", last="C2")
    obligations = stocked.obligations(ObligationFilter(subjects=batch))
    assert obligations
    assert {s.obligation.subject_id for s in obligations} == {"C10", "C2"}
    assert all(s.obligation.subject is yiyu.SubjectKind.CHILD for s in obligations)
    visits = stocked.encounters_between(D(2026, 1, 1), D(2026, 12, 31), subjects=batch)
    assert [e.subject_id for e in visits] == ["C10", "C2"]
    everything = stocked.encounters_between(D(2026, 1, 1), D(2026, 12, 31))
    assert len(everything) == len(IDS)
    daycare = SubjectRange(kind="daycare", first="C1", last="C1")
    kinds = {s.obligation.subject for s in stocked.obligations(ObligationFilter(subjects=daycare))}
    assert kinds == {yiyu.SubjectKind.DAYCARE}
    assert stocked.encounters_between(D(2026, 1, 1), D(2026, 12, 31), subjects=daycare) == []


def test_a_range_reads_its_children_whole_as_their_ids_would(stocked: Repository) -> None:
    # The page of "C10" to "C20" holds "C10", "C2" and "C20" in the order of ids as text.
    page = SubjectRange(kind="child", first="C10", last="C20")
    read = stocked.children_in(page)
    assert list(read) == ["C10", "C2", "C20"]
    assert read == stocked.get_children(["C10", "C2", "C20"])
    assert stocked.children_in(SubjectRange(kind="child", first="C4", last="C9")) == {}


def test_every_page_of_children_together_is_every_child_once(repo: Repository) -> None:
    children = [make_child(f"C{n:03d}", born="2025-06-01") for n in range(7)]
    repo.save_children(children)
    walked: dict[str, yiyu.Child] = {}
    after = None
    while ids := repo.subject_ids(yiyu.SubjectKind.CHILD, after=after, limit=3):
        page = repo.children_in(SubjectRange(kind="child", first=ids[0], last=ids[-1]))
        assert list(page) == ids
        walked.update(page)
        after = ids[-1]
    assert walked == {c.id: c for c in children}


def test_a_range_of_daycares_is_not_read_as_children(stocked: Repository) -> None:
    with pytest.raises(yiyu.ValidationError, match="subjects"):
        stocked.children_in(SubjectRange(kind="daycare", first="C1", last="C1"))
