"""Children as ``Patient`` and ``CarePlan``, daycares as ``Organization``, a child's
referrals as ``ServiceRequest`` and its cases (专案) as ``Condition``.

Facts dated after the export's ``as_of`` are left out, as everywhere in yiyu: a referral
opened later is not written, a case closed later is still active.
"""

from __future__ import annotations

from typing import Any, Final

import pendulum

from yiyu.domain import Case, Child, Daycare, LifeEventKind, Referral, Sex
from yiyu.domain.masking import mask_phone, mask_resident_id
from yiyu.exchange.fhir.naming import DEFAULT_NAMING, Naming

__all__ = ["care_plan", "condition", "organization", "patient", "service_request"]

_V2_0203: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
_V2_0131: Final = "http://terminology.hl7.org/CodeSystem/v2-0131"
_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
CARE_PLAN_TITLE: Final = "0～6岁儿童健康管理"


def _left(child: Child, as_of: pendulum.Date) -> pendulum.Date | None:
    left = child.left_on
    return left if left is not None and left <= as_of else None


def patient(
    child: Child, *, as_of: pendulum.Date, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """The child as a Patient.

    Identifiers: the registry's id (``urn:yiyu:child``, the one to match by) and, if the
    child has one, the resident identity number (公民身份号码): in full under
    ``urn:yiyu:resident-id`` only with ``naming.show_full_ids``; otherwise masked
    (``330102********1234``) under ``urn:yiyu:resident-id-masked``, for a clerk to read,
    never to match by. The guardian is a contact, the phone masked likewise.
    """
    identifiers: list[dict[str, Any]] = [{"use": "usual", **naming.identifier("child", child.id)}]
    if child.resident_id:
        full = naming.show_full_ids
        identifiers.append(
            {
                "use": "official" if full else "secondary",
                "type": {
                    "coding": [
                        {
                            "system": _V2_0203,
                            "code": "NI",
                            "display": "National unique individual identifier",
                        }
                    ],
                    "text": "公民身份号码" if full else "公民身份号码（已遮蔽）",
                },
                **naming.identifier(
                    "resident-id" if full else "resident-id-masked",
                    child.resident_id if full else mask_resident_id(child.resident_id) or "",
                ),
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": naming.id("child", child.id),
        "identifier": identifiers,
        "active": _left(child, as_of) is None,
        "name": [{"use": "official", "text": child.name}],
        "gender": "male" if child.sex is Sex.MALE else "female",
        "birthDate": child.birth_date.isoformat(),
    }
    died = [e.on for e in child.life_events if e.kind is LifeEventKind.DECEASED and e.on <= as_of]
    if died:
        resource["deceasedDateTime"] = min(died).isoformat()
    if child.township:
        resource["address"] = [{"use": "home", "text": child.township}]
    if child.family_doctor:
        resource["generalPractitioner"] = [
            naming.logical("Practitioner", "clinician", child.family_doctor)
        ]
    if child.guardian_name or child.guardian_phone:
        contact: dict[str, Any] = {
            "relationship": [
                {
                    "coding": [{"system": _V2_0131, "code": "N", "display": "Next-of-Kin"}],
                    "text": "监护人",
                }
            ],
        }
        if child.guardian_name:
            contact["name"] = {"text": child.guardian_name}
        if child.guardian_phone:
            phone = (
                child.guardian_phone if naming.show_full_ids else mask_phone(child.guardian_phone)
            )
            contact["telecom"] = [{"system": "phone", "value": phone}]
        resource["contact"] = [contact]
    return resource


def care_plan(
    child: Child, *, as_of: pendulum.Date, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """The child's plan: what every Task of the child is ``basedOn``; active from birth,
    revoked from the day the child moved out or died."""
    left = _left(child, as_of)
    period = {"start": child.birth_date.isoformat()}
    if left is not None:
        period["end"] = left.isoformat()
    return {
        "resourceType": "CarePlan",
        "id": naming.id("care-plan", child.id),
        "identifier": [naming.identifier("care-plan", child.id)],
        "status": "active" if left is None else "revoked",
        "intent": "plan",
        "title": CARE_PLAN_TITLE,
        "subject": naming.reference("Patient", "child", child.id),
        "period": period,
    }


def organization(
    daycare: Daycare, *, as_of: pendulum.Date, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """The daycare (托育机构) as an Organization; inactive from the day it closed."""
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": naming.id("daycare", daycare.id),
        "identifier": [naming.identifier("daycare", daycare.id)],
        "active": daycare.closed_on is None or daycare.closed_on > as_of,
        "type": [{"text": "托育机构"}],
        "name": daycare.name,
    }
    if daycare.township:
        resource["address"] = [{"text": daycare.township}]
    return resource


def service_request(
    child: Child, referral: Referral, *, as_of: pendulum.Date, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """A referral (转诊) as a ServiceRequest: active until its result is recorded."""
    key = f"{child.id}/{referral.id}"
    closed = referral.closed_on is not None and referral.closed_on <= as_of
    kind = referral.kind
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": naming.id("referral", key),
        "identifier": [naming.identifier("referral", key)],
        "status": "completed" if closed else "active",
        "intent": "order",
        "code": {
            "coding": [naming.coding("referral-kind", kind.value, kind.label_zh)],
            "text": kind.label_zh,
        },
        "subject": naming.reference("Patient", "child", child.id),
        "authoredOn": referral.opened_on.isoformat(),
        "reasonCode": [{"text": referral.reason}],
    }
    if referral.opened_by:
        resource["encounter"] = naming.reference("Encounter", "encounter", referral.opened_by)
    if referral.to:
        resource["performer"] = [{"display": referral.to}]
    if closed and referral.result:
        resource["note"] = [{"text": referral.result}]
    return resource


def condition(
    child: Child, case: Case, *, as_of: pendulum.Date, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """A managed case (专案) as a Condition.

    ``clinicalStatus`` is ``active`` while the case is open and ``resolved`` once it closed
    by its criteria (结案, with ``abatementDateTime``). A case closed because the child
    moved out or died stays ``active`` (what was last known of the condition), with the
    closing in a note: yiyu stopped managing it, nobody found it gone.
    """
    key = f"{child.id}/{case.id}"
    closed = case.closed_on is not None and case.closed_on <= as_of
    resolved = closed and not case.closed_by_leaving
    kind = case.condition
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": naming.id("case", key),
        "identifier": [naming.identifier("case", key)],
        "clinicalStatus": {
            "coding": [{"system": _CLINICAL, "code": "resolved" if resolved else "active"}]
        },
        "verificationStatus": {"coding": [{"system": _VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": _CATEGORY, "code": "problem-list-item"}]}],
        "code": {
            "coding": [naming.coding("condition", kind.value, kind.label_zh)],
            "text": kind.label_zh,
        },
        "subject": naming.reference("Patient", "child", child.id),
        "onsetDateTime": case.opened_on.isoformat(),
        "recordedDate": case.opened_on.isoformat(),
    }
    if case.severity:
        resource["severity"] = {"text": case.severity}
    if case.opened_by:
        resource["encounter"] = naming.reference("Encounter", "encounter", case.opened_by)
    if resolved and case.closed_on is not None:
        resource["abatementDateTime"] = case.closed_on.isoformat()
    elif closed and case.close_reason is not None and case.closed_on is not None:
        resource["note"] = [
            {"text": f"专案{case.close_reason.label_zh}结案 {case.closed_on.isoformat()}"}
        ]
    return resource
