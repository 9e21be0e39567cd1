"""Print a day: the records of the encounters recorded on a date, and the work lists.

``yiyu render --as-of DATE --out DIR [--township …]`` renders, in worker processes:

* the record of every encounter of that day (the visit record form of its age band or
  the daycare's; a rearing-risk record and a referral slip where the visit made them);
* the work list of every clinician with something due or overdue on that day, and of
  each township for what falls to the child-health doctors;
* a bundle per township and day for printing.

A run that is stopped resumes without re-rendering finished files. Each call is recorded
as a ``render`` job run (``yiyu status``): ``partial`` if some documents failed.

A visit's record is recomputed from the stored encounter and the subject as it was just
before it: the facts the visit itself changed (cases and referrals it opened, closed or
got a result for) are taken back first, so the form shows what the doctor saw.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pendulum

from yiyu.domain import Child, Daycare, Encounter
from yiyu.jobs.runs import finish_failed
from yiyu.jobs.worklist import worklist
from yiyu.outcomes import ChildRecord, record
from yiyu.protocol import Protocol
from yiyu.scheduling import WorklistItem
from yiyu.store import Repository

__all__ = ["RenderDay", "before_encounter", "render_day"]


@attrs.frozen(kw_only=True)
class RenderDay:
    """What a day's render did."""

    encounters: int
    worklists: int
    rendered: tuple[Path, ...]
    skipped: tuple[Path, ...]
    bundles: tuple[Path, ...]
    failed: dict[str, str]


def before_encounter(subject: Child | Daycare, encounter: Encounter) -> Child | Daycare:
    """The subject as it was just before ``encounter``, as far as the visit changed it."""
    if isinstance(subject, Daycare):
        corrections = tuple(
            attrs.evolve(c, closed_on=None) if c.closed_on == encounter.on else c
            for c in subject.corrections
            if c.opened_by != encounter.id
        )
        return attrs.evolve(subject, corrections=corrections)
    cases = tuple(
        attrs.evolve(c, closed_on=None, closed_by=None, close_reason=None)
        if c.closed_by == encounter.id
        else c
        for c in subject.cases
        if c.opened_by != encounter.id
    )
    referrals = tuple(
        attrs.evolve(r, closed_on=None, result=None)
        if r.id in encounter.referral_results and r.closed_on == encounter.on
        else r
        for r in subject.referrals
        if r.opened_by != encounter.id
    )
    return attrs.evolve(subject, cases=cases, referrals=referrals)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-@" else "_" for ch in name)


def render_day(
    repo: Repository,
    protocol: Protocol,
    *,
    as_of: pendulum.Date,
    out: Path,
    institution: str,
    township: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    growth_references: Sequence[str] | None = None,
) -> RenderDay:
    """Render the day ``as_of`` into ``out`` (see the module docstring).

    ``growth_references`` chooses the growth sections of the children's records, in order
    (``("ws_t_423_2022", "who_2006")`` prints both); ``None``: the protocol's choice.

    Raises:
        ValidationError: if ``growth_references`` names a reference yiyu does not carry.
    """
    from yiyu.reports import check_growth_references

    if growth_references is not None:
        check_growth_references(growth_references)  # before any work, not at the first child
    run_id = repo.start_run(
        "render",
        parameters={"as_of": as_of.isoformat(), "township": township, "out": os.fspath(out)},
    )
    try:
        done = _render_day(
            repo, protocol, as_of=as_of, out=out, institution=institution, township=township,
            workers=workers, progress=progress, growth_references=growth_references,
        )  # fmt: skip
    except BaseException as error:
        finish_failed(repo, run_id, error)
        raise
    repo.finish_run(
        run_id,
        # Some documents failed (named in the result): the rest are written and resumable.
        status="partial" if done.failed else "succeeded",
        counts={
            "encounters": done.encounters,
            "worklists": done.worklists,
            "rendered": len(done.rendered),
            "skipped": len(done.skipped),
            "bundles": len(done.bundles),
            "failed": len(done.failed),
        },
    )
    return done


def _render_day(
    repo: Repository,
    protocol: Protocol,
    *,
    as_of: pendulum.Date,
    out: Path,
    institution: str,
    township: str | None,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    growth_references: Sequence[str] | None,
) -> RenderDay:
    from yiyu.reports import (
        RenderJob,
        encounter_document,
        referral_document,
        render_batch,
        worklist_document,
    )

    jobs: list[RenderJob] = []
    encounters = repo.encounters_on(as_of)
    for encounter in encounters:
        subject: Child | Daycare | None = repo.get_child(encounter.subject_id)
        if subject is None:
            subject = repo.get_daycare(encounter.subject_id)
        if subject is None or (township is not None and subject.township != township):
            continue
        before = before_encounter(subject, encounter)
        result = record(encounter, before, protocol, as_of=as_of)
        jobs.append(
            RenderJob(
                name=_safe(f"record-{encounter.id}"),
                document=encounter_document(
                    result, before, institution=institution, growth_references=growth_references
                ),
            )
        )
        if isinstance(result, ChildRecord) and isinstance(before, Child):
            for referral in result.opened_referrals:
                jobs.append(
                    RenderJob(
                        name=_safe(f"referral-{encounter.id}-{referral.kind.value}"),
                        document=referral_document(
                            referral, before, institution=institution, record=result
                        ),
                    )
                )
    lists = 0
    items = worklist(repo, as_of=as_of, township=township)
    groups: dict[str, list[WorklistItem]] = {}
    for item in items:
        owner = item.assignee or f"{item.township or '未分配'}-{item.obligation.role.label_zh}"
        groups.setdefault(owner, []).append(item)
    for owner, owned in sorted(groups.items()):
        lists += 1
        first = owned[0]
        jobs.append(
            RenderJob(
                name=_safe(f"worklist-{as_of}-{owner}"),
                document=worklist_document(
                    owned,
                    title=f"{owner} {as_of} 工作清单",
                    as_of=as_of,
                    institution=institution,
                    township=first.township,
                ),
            )
        )
    batch = render_batch(jobs, out, workers=workers, progress=progress, bundles=True)
    return RenderDay(
        encounters=len(encounters),
        worklists=lists,
        rendered=batch.rendered,
        skipped=batch.skipped,
        bundles=batch.bundles,
        failed=batch.failed,
    )
