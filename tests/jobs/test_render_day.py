"""Printing a day from the store (#5): records recomputed as the doctor saw them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pendulum
import pytest

import yiyu
from yiyu.jobs.planning import plan
from yiyu.jobs.recording import record_encounter
from yiyu.jobs.render import before_encounter, render_day
from yiyu.store import MemoryRepository, Repository

D = pendulum.Date
PROTOCOL = yiyu.load_protocol()
DAY = D(2026, 7, 31)


def setup(repo: Repository) -> None:
    repo.save_children(
        [yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2026-01-31",
                    discharge_date="2026-02-03", township="城关街道", family_doctor="FD-1")]
    )  # fmt: skip
    plan(repo, PROTOCOL, as_of=D(2026, 1, 1), horizon_days=300)
    visit = yiyu.Encounter(
        id="E1",
        subject_id="C1",
        on=DAY,
        obligation_key="child:C1/m6",
        measurements={"weight_kg": 5.6, "length_cm": 64.0, "hb_g_l": 100},
        warning_signs={"m6_1": False, "m6_2": False, "m6_3": False, "m6_4": True},
    )
    record_encounter(repo, PROTOCOL, visit, as_of=DAY)


def test_the_subject_before_the_visit_is_reconstructed() -> None:
    repo = MemoryRepository()
    setup(repo)
    after = repo.get_child("C1")
    assert after is not None
    assert after.cases  # the visit opened cases and referrals
    [encounter] = repo.encounters_on(DAY)
    before = before_encounter(after, encounter)
    assert isinstance(before, yiyu.Child)
    assert before.cases == ()
    assert before.referrals == ()
    again = yiyu.record(encounter, before, PROTOCOL, as_of=DAY)
    assert isinstance(again, yiyu.ChildRecord)
    assert {c.condition for c in again.opened_cases} == {c.condition for c in after.cases}


def test_a_case_the_visit_closed_is_open_again_before_it() -> None:
    # Closed by the visit (by its criteria), then the child moved out: the record of the
    # visit is printed again from the case as the doctor saw it, open, and closed by it.
    case = yiyu.Case(condition="anaemia", opened_on="2026-05-01", severity="mild",
                     normal_since="2026-05-20")  # fmt: skip
    moved = yiyu.LifeEvent(kind="moved_out", on="2026-09-01")
    child = yiyu.Child(id="C1", name="王小红", sex="F", birth_date="2025-07-31", cases=[case],
                       life_events=[moved])  # fmt: skip
    assert child.cases[0].close_reason is yiyu.CaseCloseReason.MOVED_OUT
    visit = yiyu.Encounter(id="E7", subject_id="C1", on=DAY, measurements={"hb_g_l": 121})
    done = yiyu.record(visit, child, PROTOCOL, as_of=DAY)
    assert isinstance(done, yiyu.ChildRecord)
    [closed] = done.child.cases
    assert (closed.closed_on, closed.close_reason) == (DAY, yiyu.CaseCloseReason.CRITERIA_MET)
    before = before_encounter(done.child, visit)
    assert isinstance(before, yiyu.Child)
    assert [(c.closed_on, c.closed_by, c.close_reason) for c in before.cases] == [
        (D(2026, 9, 1), None, yiyu.CaseCloseReason.MOVED_OUT)
    ]
    again = yiyu.record(visit, before, PROTOCOL, as_of=DAY)
    assert isinstance(again, yiyu.ChildRecord)
    assert again.closed_cases == (closed,)


def test_render_a_day(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    repo = MemoryRepository()
    setup(repo)
    done = render_day(
        repo, PROTOCOL, as_of=DAY, out=tmp_path, institution="城关街道社区卫生服务中心"
    )
    names = sorted(p.name for p in done.rendered)
    assert "record-E1.pdf" in names
    assert any(name.startswith("referral-E1-") for name in names)
    assert any(name.startswith("worklist-2026-07-31-") for name in names)
    assert done.bundles
    assert done.failed == {}
    text = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "record-E1.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "王小红" in text
    assert "不能扶坐" in text  # the positive warning sign, as the doctor ticked it
    rerun = render_day(repo, PROTOCOL, as_of=DAY, out=tmp_path, institution="x")
    assert rerun.rendered == ()  # finished files are not rendered again


def test_a_day_prints_the_growth_sections_the_host_asks_for(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    repo = MemoryRepository()
    setup(repo)
    default = render_day(repo, PROTOCOL, as_of=DAY, out=tmp_path / "a", institution="x")
    both = render_day(
        repo, PROTOCOL, as_of=DAY, out=tmp_path / "b", institution="x",
        growth_references=("ws_t_423_2022", "who_2006"),
    )  # fmt: skip
    assert default.failed == both.failed == {}

    def text(folder: Path) -> str:
        return subprocess.run(
            ["pdftotext", "-raw", str(folder / "record-E1.pdf"), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    assert "WS/T 423—2022" in text(tmp_path / "a")
    assert "年龄别体重（WAZ）" not in text(tmp_path / "a")  # the protocol's choice only
    assert "年龄别体重（WAZ）" in text(tmp_path / "b")  # and WHO's z-scores beside it


def test_an_unknown_growth_reference_is_refused_before_any_work(tmp_path: Path) -> None:
    repo = MemoryRepository()
    setup(repo)
    with pytest.raises(yiyu.ValidationError) as error:
        render_day(repo, PROTOCOL, as_of=DAY, out=tmp_path, institution="x",
                   growth_references=["cdc_2000"])  # fmt: skip
    assert error.value.field == "growth_references"
    assert not list(tmp_path.iterdir())
