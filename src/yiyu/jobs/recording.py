"""Record an encounter in the store: validate, apply the outcome rules, save, re-plan.

Everything happens in one transaction: the encounter, the facts it changed (cases,
referrals, corrections) and the subject's re-planned obligations. Invalid input raises
before anything is written; recording the same encounter twice changes nothing. Each
call is recorded as a ``record`` job run (``yiyu status``), outside that transaction.
"""

from __future__ import annotations

import attrs
import pendulum

from yiyu.codec import encounter_from_data, to_data
from yiyu.dates import to_date
from yiyu.domain import Child, Daycare, Encounter
from yiyu.errors import ValidationError
from yiyu.jobs.planning import DEFAULT_HORIZON_DAYS, plan_item
from yiyu.jobs.runs import finish_failed
from yiyu.outcomes import ChildRecord, DaycareRecord, record
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling.obligation import key_subject_kind
from yiyu.store import Repository, SubjectRef

# encounter_from_data moved to yiyu.codec (beside the format it reads); hosts imported it
# from here, so it stays importable from here.
__all__ = ["Recorded", "encounter_from_data", "record_encounter"]


@attrs.frozen(kw_only=True)
class Recorded:
    """The outcome of recording, and whether it was new."""

    result: ChildRecord | DaycareRecord
    new: bool


def record_encounter(
    repo: Repository,
    protocol: Protocol,
    encounter: Encounter,
    *,
    as_of: pendulum.Date,
    actor: str = "record",
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Recorded:
    """Record ``encounter`` for its subject, with the follow-ups it causes.

    Raises:
        ValidationError: if the subject does not exist or the encounter is invalid.
    """
    as_of = to_date(as_of, field="as_of")
    # Recorded as a run like the nightly jobs, outside the transaction that writes the
    # visit: a visit that cannot be recorded still leaves its failed run.
    run_id = repo.start_run(
        "record", parameters={"encounter": encounter.id, "as_of": as_of.isoformat(),
                              "actor": actor},
    )  # fmt: skip
    try:
        recorded = _record(repo, protocol, encounter, as_of=as_of, actor=actor,
                           horizon_days=horizon_days)  # fmt: skip
    except BaseException as error:
        finish_failed(repo, run_id, error)
        raise
    result = recorded.result
    repo.finish_run(
        run_id,
        status="succeeded",
        counts={
            "new": recorded.new,
            "findings": len(result.findings) if recorded.new else 0,
            "follow_ups": len(result.follow_ups) if recorded.new else 0,
        },
    )
    return recorded


def _record(
    repo: Repository,
    protocol: Protocol,
    encounter: Encounter,
    *,
    as_of: pendulum.Date,
    actor: str,
    horizon_days: int,
) -> Recorded:
    with repo.transaction():
        # Read the subject under its lock, in the transaction that writes it: a visit
        # recorded at the same time waits, and no one's findings overwrite another's.
        ref = _subject(repo, encounter)
        repo.lock(ref)
        subject = _get(repo, ref)
        if subject is None:
            raise ValidationError("subject_id", encounter.subject_id, "no such child or daycare")
        result = record(encounter, subject, protocol, as_of=as_of, horizon_days=horizon_days)
        after: Child | Daycare = result.child if isinstance(result, ChildRecord) else result.daycare
        findings = [to_data(f) for f in result.findings]
        if not repo.save_encounter(encounter, findings, kind=ref.kind):
            return Recorded(result=result, new=False)
        if isinstance(after, Child):
            repo.save_children([after])
        else:
            repo.save_daycares([after])
        daycare_ids = [e.daycare_id for e in after.enrolments] if isinstance(after, Child) else []
        item = plan_item(
            after,
            protocol,
            as_of=as_of,
            horizon_days=horizon_days,
            known=repo.plan_states([ref]).get(ref),
            full=True,
            daycares=repo.get_daycares(daycare_ids),
        )
        assert item is not None  # full=True always plans
        repo.save_plans([item], as_of=as_of)
        repo.audit(
            actor,
            "record",
            "encounter",
            encounter.id,
            {"subject": after.id, "findings": [f.code for f in result.findings]},
        )
    return Recorded(result=result, new=True)


def _subject(repo: Repository, encounter: Encounter) -> SubjectRef:
    """The child or daycare a visit is for: the kind its obligation key names.

    An unscheduled visit (no obligation) names no kind: it is the child's with its
    subject's id if there is one, else the daycare's (as in yiyu 0.1).
    """
    if encounter.obligation_key is not None:
        return SubjectRef(kind=key_subject_kind(encounter.obligation_key), id=encounter.subject_id)
    child = SubjectRef(kind=SubjectKind.CHILD, id=encounter.subject_id)
    if _get(repo, child) is not None:
        return child
    return SubjectRef(kind=SubjectKind.DAYCARE, id=encounter.subject_id)


def _get(repo: Repository, ref: SubjectRef) -> Child | Daycare | None:
    if ref.kind is SubjectKind.CHILD:
        return repo.get_child(ref.id)
    return repo.get_daycare(ref.id)
