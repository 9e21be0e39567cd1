"""One example of each resource yiyu exports, built from yiyu.testing's values: what
docs/guide/exchange.md shows (test_fhir_docs checks the page still matches) and what the
validation tests parse."""

from __future__ import annotations

from typing import Any

import pendulum

import yiyu
from yiyu.exchange import fhir
from yiyu.scheduling import StoredObligation
from yiyu.testing import make_child, make_daycare, make_encounter, make_resident_id

AS_OF = pendulum.Date(2026, 4, 10)
PROTOCOL = yiyu.load_protocol()
CHILD = make_child(
    "C1",
    born="2026-01-05",
    sex="F",
    resident_id=make_resident_id("2026-01-05", "002"),
    family_doctor="FD-7",
    guardian_name="王建国",
    guardian_phone="13800138000",
    cases=[yiyu.Case(condition="anaemia", opened_on="2026-04-05", severity="mild")],
    referrals=[
        yiyu.Referral(
            kind="development",
            opened_on="2026-04-05",
            reason="预警征象阳性",
            opened_by="E-m3",
            to="县妇幼保健院",
        )
    ],
)
DAYCARE = make_daycare("D1")
[M3] = [ob for ob in yiyu.schedule(CHILD, PROTOCOL, until=AS_OF) if ob.rule == "m3"]
VISIT = make_encounter(
    M3,
    id="E-m3",
    on="2026-04-05",
    performer="CHD-2",
    measurements={"weight_kg": 6.1, "length_cm": 60.2, "head_cm": 39.8, "hb_g_l": 102},
    warning_signs={"m3_1": False, "m3_2": False, "m3_3": True, "m3_4": False},
)


def examples() -> dict[str, dict[str, Any]]:
    """Resource type → its example."""
    stored = StoredObligation(
        obligation=M3,
        township="城关街道",
        assignee="CHD-2",
        done_on=VISIT.on,
        skip=None,
        withdrawn_on=None,
    )
    [weight, *_] = fhir.observations(VISIT, CHILD, PROTOCOL)
    [response] = fhir.questionnaire_responses(VISIT)
    return {
        "Patient": fhir.patient(CHILD, as_of=AS_OF),
        "CarePlan": fhir.care_plan(CHILD, as_of=AS_OF),
        "Organization": fhir.organization(DAYCARE, as_of=AS_OF),
        "Task": fhir.task(stored, as_of=AS_OF, encounter_id=VISIT.id),
        "Encounter": fhir.encounter(VISIT),
        "Observation": weight,
        "QuestionnaireResponse": response,
        "ServiceRequest": fhir.service_request(CHILD, CHILD.referrals[0], as_of=AS_OF),
        "Condition": fhir.condition(CHILD, CHILD.cases[0], as_of=AS_OF),
    }
