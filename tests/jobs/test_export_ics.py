"""iCalendar feeds from the store: whose obligations each feed holds, and the files."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pendulum
import pytest

import yiyu
from yiyu.jobs.export_ics import export_child_feeds, export_ics, feed_token
from yiyu.jobs.planning import plan
from yiyu.jobs.worklist import worklist
from yiyu.store import Repository

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
AS_OF = D(2026, 5, 6)
SECRET = b"an operator's secret of some length"


def setup(repo: Repository) -> None:
    repo.save_children(
        [
            yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31",
                       discharge_date="2026-02-03", township="城关街道", family_doctor="FD-1"),
            yiyu.Child(id="C2", name="李小明", sex="M", birth_date="2025-11-30",
                       discharge_date="2025-12-02", township="东城街道", family_doctor="FD-2"),
        ]
    )  # fmt: skip
    repo.save_daycares(
        [yiyu.Daycare(id="D1", name="阳光托育园", township="城关街道", opened_on="2025-01-01",
                      health_instructor="HI-1")]
    )  # fmt: skip
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1))


def todos(path: Path) -> dict[str, icalendar.Todo]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(todo["UID"]): todo for todo in cal.walk("VTODO")}


def test_a_clinicians_feed_holds_their_work_list_and_what_comes_next(
    repo: Repository, tmp_path: Path
) -> None:
    setup(repo)
    out = tmp_path / "hi1.ics"
    done = export_ics(repo, as_of=AS_OF, out=out, clinician="HI-1")
    found = todos(out)
    assert done.items == len(found) > 0
    listed = {i.obligation.key for i in worklist(repo, as_of=AS_OF, clinician="HI-1")}
    assert {f"{key}@yiyu" for key in listed} <= set(found)  # everything due or overdue
    # The next 60 days (to 5 July): the third quarter's visit opens on 1 July.
    assert "daycare:D1/daycare_quarterly_visit/2026Q2@yiyu" in found
    assert "daycare:D1/daycare_quarterly_visit/2026Q3@yiyu" in found
    assert "daycare:D1/daycare_quarterly_visit/2026Q1@yiyu" not in found  # window closed
    assert all(uid.startswith("daycare:D1/") for uid in found)  # HI-1's work only
    visit = found["daycare:D1/daycare_quarterly_visit/2026Q2@yiyu"]
    assert D(2026, 6, 30) == visit.DUE
    assert "阳光托育园" in str(visit["SUMMARY"])  # staff see the name
    assert "HI-1" in str(visit["DESCRIPTION"])
    shorter = export_ics(repo, as_of=AS_OF, out=tmp_path / "30.ics", clinician="HI-1", days=30)
    assert "daycare:D1/daycare_quarterly_visit/2026Q3@yiyu" not in todos(tmp_path / "30.ics")
    assert shorter.items < done.items


def test_a_township_feed_holds_its_children_and_daycares(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    out = tmp_path / "town.ics"
    export_ics(repo, as_of=AS_OF, out=out, township="城关街道")
    found = todos(out)
    assert "daycare:D1/daycare_quarterly_visit/2026Q2@yiyu" in found
    assert not any(uid.startswith("child:C2/") for uid in found)
    m3 = found["child:C1/m3@yiyu"]
    assert D(2026, 4, 30) == m3.DUE  # the clamped due date, not a suggestion
    assert str(m3["STATUS"]) == "NEEDS-ACTION"  # overdue, still owed
    assert str(m3["SUMMARY"]) == "王小红 · 3月龄健康检查"
    assert not found["child:C1/m3@yiyu"].walk("VALARM")  # overdue: no alarm in the past
    assert found["child:C1/m6@yiyu"].walk("VALARM")  # upcoming: an alarm


def test_a_familys_feed_holds_its_own_child_only(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    out = tmp_path / "c1.ics"
    export_ics(repo, as_of=AS_OF, out=out, child="C1")
    data = out.read_bytes().decode()
    assert todos(out)
    assert all(uid.startswith("child:C1/") for uid in todos(out))
    for other in ("C2", "李小明", "D1", "阳光托育园", "FD-1", "东城街道"):
        assert other not in data, other
    assert "王小红" in data  # the child as the family gave it


def test_two_runs_write_the_same_bytes_once(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    out = tmp_path / "c1.ics"
    first = export_ics(repo, as_of=AS_OF, out=out, child="C1")
    data = out.read_bytes()
    second = export_ics(repo, as_of=AS_OF, out=out, child="C1")
    assert out.read_bytes() == data
    assert (first.written, second.written, second.unchanged) == ((out,), (), 1)


def test_a_skip_cancels_the_todo(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    repo.save_skip("child:C1/m3", yiyu.Skip(on=D(2026, 5, 1), reason="done_elsewhere"))
    out = tmp_path / "c1.ics"
    export_ics(repo, as_of=AS_OF, out=out, child="C1")
    assert str(todos(out)["child:C1/m3@yiyu"]["STATUS"]) == "CANCELLED"


def test_bad_selectors_and_unknown_subjects(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    out = tmp_path / "x.ics"
    with pytest.raises(yiyu.ValidationError, match="exactly one"):
        export_ics(repo, as_of=AS_OF, out=out)
    with pytest.raises(yiyu.ValidationError, match="exactly one"):
        export_ics(repo, as_of=AS_OF, out=out, child="C1", township="城关街道")
    with pytest.raises(yiyu.ValidationError, match="child='C9'"):
        export_ics(repo, as_of=AS_OF, out=out, child="C9")
    with pytest.raises(yiyu.ValidationError, match="township"):
        export_ics(repo, as_of=AS_OF, out=out, township="无此镇")
    assert not out.exists()
    assert repo.runs(limit=1)[0].status == "failed"


def test_every_child_gets_an_unguessable_file_of_its_own(repo: Repository, tmp_path: Path) -> None:
    setup(repo)
    web, index = tmp_path / "web", tmp_path / "index.csv"
    done = export_child_feeds(repo, as_of=AS_OF, out_dir=web, secret=SECRET, index=index)
    assert done.feeds == 2
    files = {path.name for path in web.iterdir()}
    assert files == {f"{feed_token(SECRET, c)}.ics" for c in ("C1", "C2")}
    assert not any("C1" in name or "C2" in name for name in files)
    rows = index.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0] == "child_id,file"
    assert f"C1,{feed_token(SECRET, 'C1')}.ics" in rows
    c1 = (web / f"{feed_token(SECRET, 'C1')}.ics").read_text(encoding="utf-8")
    assert "王小红" in c1
    assert "李小明" not in c1
    assert "child:C2/" not in c1
    # The run records counts, never an id or a name.
    run = repo.runs(limit=1)[0]
    assert (run.job, run.status) == ("export_ics", "succeeded")
    assert "C1" not in repr(run.counts)
    assert "王小红" not in repr(run.counts)
    again = export_child_feeds(repo, as_of=AS_OF, out_dir=web, secret=SECRET, index=index)
    assert (again.written, again.unchanged) == ((), 2)


def test_tokens_depend_on_the_secret() -> None:
    assert feed_token(SECRET, "C1") == feed_token(SECRET, "C1")
    assert feed_token(SECRET, "C1") != feed_token(SECRET, "C2")
    assert feed_token(SECRET, "C1") != feed_token(b"another secret, also long", "C1")
    assert len(feed_token(SECRET, "C1")) == 32


def test_each_child_refuses_a_short_secret_or_an_index_it_would_publish(
    repo: Repository, tmp_path: Path
) -> None:
    web = tmp_path / "web"
    with pytest.raises(yiyu.ValidationError, match="secret"):
        export_child_feeds(repo, as_of=AS_OF, out_dir=web, secret=b"short", index=tmp_path / "i")
    with pytest.raises(yiyu.ValidationError, match="index"):
        export_child_feeds(repo, as_of=AS_OF, out_dir=web, secret=SECRET, index=web / "i.csv")
