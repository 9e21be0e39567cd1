"""The demo runs end to end at a small size and what it writes holds together (#6)."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pendulum
import pytest

import yiyu
from yiyu.coverage import coverage
from yiyu.jobs.coverage import COVERAGE_BATCH, coverage_report
from yiyu.jobs.demo import DemoResult, run_demo
from yiyu.jobs.worklist import worklist
from yiyu.store import ObligationFilter
from yiyu.store.database import make_engine
from yiyu.store.sql import SqlRepository


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    pytest.importorskip("weasyprint")
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out=out, children=120, seed=7, as_of=pendulum.Date(2026, 11, 29))


def test_files_exist_and_pdfs_open(demo: DemoResult) -> None:
    files = demo.files
    pdfs = [p for p in files if p.suffix == ".pdf"]
    assert any(p.name.startswith("record-") for p in pdfs)
    assert any(p.name.startswith("worklist-") for p in pdfs)
    assert any(p.name.startswith("coverage-") for p in pdfs)
    for path in files:
        assert path.exists(), path
    for pdf in pdfs:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert "Pages:" in info.stdout


def test_coverage_is_in_range_and_consistent_with_the_database(demo: DemoResult) -> None:
    out: Path = demo.out
    period = demo.period
    written = json.loads((out / f"coverage-{period.label}.json").read_text(encoding="utf-8"))
    assert written
    for row in written:
        assert 0 <= row["numerator"] <= row["denominator"]
        assert row["rate"] is None or 0 <= row["rate"] <= 1
    engine = make_engine(f"sqlite:///{demo.database}")
    again = coverage_report(
        SqlRepository(engine), yiyu.load_protocol(), period=period,
        as_of=demo.as_of,
    )  # fmt: skip
    engine.dispose()
    assert [r.as_dict() for r in again] == written
    screening = next(r for r in written if r["indicator"] == "dev_screening_0_3")
    assert screening["denominator"] > 0
    assert screening["target"] == 0.95


def test_findings_opened_cases_and_the_same_seed_gives_the_same_demo(
    demo: DemoResult, tmp_path: Path
) -> None:
    assert demo.cases_opened > 0
    assert demo.encounters > 0
    again = run_demo(
        out=tmp_path, children=120, seed=7, as_of=pendulum.Date(2026, 11, 29), render=False
    )
    assert again.encounters == demo.encounters
    assert [r.as_dict() for r in again.coverage] == [r.as_dict() for r in demo.coverage]


def test_the_work_list_files_are_the_work_lists(demo: DemoResult) -> None:
    engine = make_engine(f"sqlite:///{demo.database}")
    repo = SqlRepository(engine)
    files = sorted((demo.out / "worklists").glob("*.csv"))
    assert files
    for path in files:
        expected = [item.as_row() for item in worklist(repo, as_of=demo.as_of, township=path.stem)]
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 by its BOM
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.reader(stream))
        assert rows[0] == (list(expected[0]) if expected else ["key"])
        assert rows[1:] == [list(row.values()) for row in expected]
    engine.dispose()


def test_coverage_counted_in_batches_is_the_coverage_of_everything_at_once(
    demo: DemoResult,
) -> None:
    """The job counts a province in batches of subjects (#14); whatever the batch size, the
    figures are those of every obligation, visit and child counted at once, as the job
    did before, with the shortfall in order of subject and key."""
    protocol = yiyu.load_protocol()
    period = demo.period
    engine = make_engine(f"sqlite:///{demo.database}")
    repo = SqlRepository(engine)
    try:
        everyone = repo.get_children([r.id for r in repo.subjects() if r.kind.value == "child"])
        for township in (None, *repo.townships()[:2]):
            stored = repo.obligations(
                ObligationFilter(
                    township=township,
                    opens_by=period.end,
                    closes_from=period.start.subtract(years=1),
                    include_withdrawn=True,
                )
            )
            named = {s.obligation.subject_id for s in stored}
            children = {
                i: c
                for i, c in everyone.items()
                if township is None or c.township == township or i in named
            }
            first = min(s.obligation.opens for s in stored)
            at_once = coverage(
                stored,
                period=period,
                as_of=demo.as_of,
                protocol=protocol,
                children=children,
                encounters=repo.encounters_between(first, min(period.end, demo.as_of)),
                area=township,
            )
            expected = [
                {**r.as_dict(), "shortfall": sorted(
                    r.as_dict()["shortfall"], key=lambda s: (s["subject_id"], s["key"] or "")
                )}
                for r in at_once
            ]  # fmt: skip
            assert any(r["shortfall"] for r in expected)
            for size in (1, 7, COVERAGE_BATCH):
                batched = coverage_report(
                    repo, protocol, period=period, as_of=demo.as_of, township=township,
                    batch_size=size,
                )  # fmt: skip
                assert [r.as_dict() for r in batched] == expected, (township, size)
    finally:
        engine.dispose()
