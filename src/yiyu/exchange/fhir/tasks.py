"""Obligations as FHIR ``Task`` resources.

A Task's identifier is the obligation's key, so a re-export updates the host's Task; its
status is yiyu's derived status (:func:`yiyu.status`) on the export's ``as_of`` date,
mapped by :data:`TASK_STATUS`, and the derived status itself is kept in
``businessStatus``, whose codes are :class:`yiyu.Status`'s values.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, Final

import pendulum

from yiyu.domain import Referral, Role
from yiyu.exchange.fhir.naming import DEFAULT_NAMING, Naming
from yiyu.protocol import SubjectKind
from yiyu.scheduling import Status, StoredObligation
from yiyu.scheduling.worklist_item import stored_status

__all__ = ["TASK_STATUS", "WITHDRAWN", "task"]

# yiyu's derived status → Task.status (R4 task-status). The window's dates are in the
# Task (restriction.period), so "requested" and "ready" differ only in whether it is
# open yet; overdue stays "ready" (it is still to be done), a closed window undone is
# "failed", and a skip (with its reason) or a child's leaving "cancelled".
TASK_STATUS: Final[Mapping[Status, str]] = {
    Status.UPCOMING: "requested",
    Status.DUE: "ready",
    Status.OVERDUE: "ready",
    Status.MISSED: "failed",
    Status.DONE: "completed",
    Status.SKIPPED: "cancelled",
    Status.CANCELLED: "cancelled",
}
# An obligation the plan no longer produces (withdrawn, reason no_longer_planned): not a
# yiyu Status, since it is no longer owed at all; "cancelled" with this business status.
WITHDRAWN: Final = "withdrawn"
_WITHDRAWN_ZH: Final = "已撤销（不再计划）"
_ROLE_ZH: Final = {role: role.label_zh for role in Role}  # read for every Task


def task(
    entry: StoredObligation,
    *,
    as_of: pendulum.Date,
    referrals: Iterable[Referral] = (),
    encounter_id: str | None = None,
    naming: Naming = DEFAULT_NAMING,
) -> dict[str, Any]:
    """The Task of a stored obligation on ``as_of``.

    Args:
        entry: the obligation as stored.
        as_of: the day its status is judged on.
        referrals: the child's referrals: an obligation that tracks one is done when its
            result is recorded (:func:`yiyu.tracked_referral`), not by a visit.
        encounter_id: the visit that fulfilled it, if any (``Task.encounter``).
        naming: systems and masking.

    Returns:
        The Task as a plain dict (JSON-ready).
    """
    ob = entry.obligation
    state, done_on = stored_status(entry, referrals, as_of=as_of)
    withdrawn = entry.withdrawn_on is not None and entry.withdrawn_on <= as_of
    if withdrawn and state is not Status.DONE:
        fhir_status, business = (
            "cancelled",
            naming.coding("obligation-status", WITHDRAWN, _WITHDRAWN_ZH),
        )
    else:
        fhir_status = TASK_STATUS[state]
        business = naming.coding("obligation-status", state.value, state.label_zh)
    window = {"start": ob.opens.isoformat(), "end": ob.closes.isoformat()}
    child = ob.subject is SubjectKind.CHILD
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": naming.id("obligation", ob.key),
        "extension": [
            {"url": naming.system("extension:due-date"), "valueDate": ob.due.isoformat()}
        ],
        "identifier": [naming.identifier("obligation", ob.key)],
        "instantiatesCanonical": rule_canonical(ob.protocol, ob.rule, ob.protocol_version, naming),
        "status": fhir_status,
        "businessStatus": {"coding": [business], "text": business["display"]},
        "intent": "plan",
        "priority": "routine",
        "code": {"coding": [naming.coding("rule", ob.rule, ob.name)], "text": ob.name},
        "description": ob.name,
        "for": naming.reference(
            "Patient" if child else "Organization", "child" if child else "daycare", ob.subject_id
        ),
        "executionPeriod": window,
        "performerType": [{"coding": [naming.coding("role", ob.role.value, _ROLE_ZH[ob.role])]}],
        "owner": (
            naming.logical("Practitioner", "clinician", entry.assignee)
            if entry.assignee
            else {"display": _ROLE_ZH[ob.role]}
        ),
        "restriction": {"period": window},
    }
    if child:
        resource["basedOn"] = [naming.reference("CarePlan", "care-plan", ob.subject_id)]
    reason = _status_reason(entry, state, withdrawn, naming)
    if reason is not None:
        resource["statusReason"] = reason
    if encounter_id is not None and state is Status.DONE:
        resource["encounter"] = naming.reference("Encounter", "encounter", encounter_id)
    if state is Status.DONE and done_on is not None:
        resource["output"] = [{"type": {"text": "done_on"}, "valueDate": done_on.isoformat()}]
    return resource


@functools.lru_cache(maxsize=4096)  # a few hundred rules and versions, on every Task
def rule_canonical(protocol: str, rule: str, version: str, naming: Naming = DEFAULT_NAMING) -> str:
    """The canonical URL of a protocol rule at a version: ``urn:yiyu:protocol:
    cn-national/m3|2026.2`` (FHIR's ``url|version``), what a Task instantiates."""
    return (
        f"{naming.system('protocol')}:{protocol}/{rule}|{version}"
        if naming.base.startswith("urn:")
        else f"{naming.system('protocol')}/{protocol}/{rule}|{version}"
    )


def _status_reason(
    entry: StoredObligation, state: Status, withdrawn: bool, naming: Naming
) -> dict[str, Any] | None:
    if state is Status.SKIPPED and entry.skip is not None:
        reason = entry.skip.reason
        return {
            "coding": [naming.coding("skip-reason", reason.value, reason.label_zh)],
            "text": reason.label_zh,
        }
    if state is Status.CANCELLED and entry.obligation.cancel_reason:
        return {"text": entry.obligation.cancel_reason}
    if withdrawn and state is not Status.DONE:
        return {"text": "no_longer_planned"}
    return None
