"""A work list read a page at a time (#14): the same lines, in the same order, as the whole
list, whatever the page size; each page is a query of its own (memory, SQLite,
PostgreSQL)."""

from __future__ import annotations

import gc

import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import iter_worklist, worklist
from yiyu.store import ObligationFilter, Repository
from yiyu.synthetic import CohortSpec, generate_cohort

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
AS_OF = D(2026, 6, 30)


def cohort(repo: Repository) -> str:
    """Sixty children and their daycares, planned; the most populous township."""
    spec = CohortSpec(children=60, seed=7, as_of=AS_OF)
    made = generate_cohort(spec)
    repo.save_daycares(list(made.daycares))
    repo.save_children(list(made.children()))
    plan(repo, PROTOCOL, as_of=AS_OF)
    return spec.townships[0]


@pytest.mark.parametrize("page", [1, 7, 10_000])
def test_pages_make_the_whole_list(repo: Repository, page: int) -> None:
    township = cohort(repo)
    whole = worklist(repo, as_of=AS_OF, township=township)
    assert len(whole) >= 15  # pages of 1 and 7 lines, and the whole
    assert {i.status for i in whole} == {yiyu.Status.OVERDUE, yiyu.Status.DUE}
    paged = list(iter_worklist(repo, as_of=AS_OF, township=township, page=page))
    assert paged == whole
    everyone = list(iter_worklist(repo, as_of=AS_OF, page=page))
    assert everyone == worklist(repo, as_of=AS_OF)


def test_a_page_is_read_in_order_of_due_date_after_the_last_one(repo: Repository) -> None:
    cohort(repo)
    where = ObligationFilter(closes_from=AS_OF)
    expected = sorted(repo.obligations(where), key=lambda s: (s.obligation.due, s.obligation.key))
    pages, after = [], None
    while page := repo.obligations_due(where, after=after, limit=25):
        pages.append(page)
        after = (page[-1].obligation.due, page[-1].obligation.key)
    assert [s for p in pages for s in p] == expected
    assert {len(p) for p in pages[:-1]} == {25}


@pytest.mark.parametrize("limit", [0, -1, 2_000_000, "10"])
def test_a_page_needs_a_size(repo: Repository, limit: object) -> None:
    with pytest.raises(yiyu.ValidationError, match="limit"):
        repo.obligations_due(ObligationFilter(), limit=limit)  # type: ignore[arg-type]
    with pytest.raises(yiyu.ValidationError, match="page"):
        iter_worklist(repo, as_of=AS_OF, page=limit)  # type: ignore[arg-type]


def test_a_page_is_read_with_the_collector_paused_and_its_lines_given_with_it_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector is off while a page is read and its lines made (``jobs.collector``),
    and on while the caller handles them."""
    repo = yiyu.store.MemoryRepository()
    township = cohort(repo)
    reading = repo.obligations_due
    while_read: list[bool] = []

    def read(*args: object, **kwargs: object) -> object:
        while_read.append(gc.isenabled())
        return reading(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "obligations_due", read)
    while_handled = [gc.isenabled() for _ in iter_worklist(repo, as_of=AS_OF, township=township,
                                                          page=7)]  # fmt: skip
    assert len(while_read) >= 3
    assert not any(while_read)
    assert all(while_handled)
    assert gc.isenabled()
