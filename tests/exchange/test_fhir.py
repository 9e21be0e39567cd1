"""The FHIR mapping (#16): every resource yiyu writes validates against the FHIR R4B
models of fhir.resources, and the fields a host relies on say what yiyu means."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pendulum
import pytest
from fhir.resources.R4B import get_fhir_model_class

import yiyu
from exchange.fhir_examples import AS_OF, CHILD, M3, PROTOCOL, VISIT, examples
from yiyu.exchange import fhir
from yiyu.scheduling import Status, StoredObligation
from yiyu.testing import make_child, make_encounter

D = pendulum.Date
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def validate(resource: dict[str, Any]) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.mark.parametrize("kind", sorted(examples()))
def test_each_resource_validates_against_the_r4b_model(kind: str) -> None:
    resource = examples()[kind]
    assert resource["resourceType"] == kind
    validate(resource)
    assert FHIR_ID.fullmatch(resource["id"])


def test_the_generated_questionnaires_validate_and_carry_the_instruments_version() -> None:
    signs = fhir.warning_signs_questionnaire()
    risk = fhir.rearing_risk_questionnaire()
    for questionnaire in (signs, risk):
        validate(questionnaire)
    assert (signs["url"], signs["version"]) == ("urn:yiyu:questionnaire:warning_signs", "2026.2")
    m3 = next(group for group in signs["item"] if group["linkId"] == "m3")
    assert [item["linkId"] for item in m3["item"]] == ["m3_1", "m3_2", "m3_3", "m3_4"]
    [response] = fhir.questionnaire_responses(VISIT)
    assert response["questionnaire"] == f"{signs['url']}|{signs['version']}"
    [group] = response["item"]
    assert {i["linkId"]: i["answer"][0]["valueBoolean"] for i in group["item"]}["m3_3"] is True


def test_a_rearing_risk_form_is_a_response_of_scores() -> None:
    visit = make_encounter(
        id="E9", subject_id="C1", on="2026-04-05", risk_answers={"health_checks_vaccination": 2}
    )
    [response] = fhir.questionnaire_responses(visit)
    validate(response)
    assert response["questionnaire"].startswith("urn:yiyu:questionnaire:rearing_risk_default|")
    assert response["item"][0]["item"][0]["answer"] == [{"valueInteger": 2}]


def stored(**overrides: Any) -> StoredObligation:
    values: dict[str, Any] = {
        "obligation": M3,
        "township": None,
        "assignee": None,
        "done_on": None,
        "skip": None,
        "withdrawn_on": None,
    }
    values.update(overrides)
    return StoredObligation(**values)


SKIP = yiyu.Skip(on="2026-04-01", reason="family_refused")


@pytest.mark.parametrize(
    ("entry", "as_of", "task_status", "business"),
    [
        (stored(), M3.opens.subtract(days=1), "requested", "upcoming"),
        (stored(), M3.due, "ready", "due"),
        (stored(), M3.due.add(days=1), "ready", "overdue"),
        (stored(), M3.closes.add(days=1), "failed", "missed"),
        (stored(done_on=M3.due), M3.closes.add(days=1), "completed", "done"),
        (stored(skip=SKIP), M3.closes, "cancelled", "skipped"),
        (
            stored(obligation=attrs.evolve(M3, cancelled_on=M3.due, cancel_reason="moved_out")),
            M3.due,
            "cancelled",
            "cancelled",
        ),
        (stored(withdrawn_on=M3.opens), M3.due, "cancelled", "withdrawn"),
    ],
)
def test_a_tasks_status_is_yius_derived_status_on_the_day(
    entry: StoredObligation, as_of: pendulum.Date, task_status: str, business: str
) -> None:
    resource = fhir.task(entry, as_of=as_of)
    validate(resource)
    assert resource["status"] == task_status
    assert resource["businessStatus"]["coding"][0]["code"] == business


def test_every_status_has_a_task_status() -> None:
    assert set(fhir.TASK_STATUS) == set(Status)


def test_a_task_is_identified_by_the_obligation_key_and_names_its_rule_and_window() -> None:
    resource = fhir.task(stored(assignee="CHD-2"), as_of=AS_OF)
    assert resource["identifier"] == [{"system": "urn:yiyu:obligation", "value": M3.key}]
    assert resource["id"] == fhir.resource_id("urn:yiyu:obligation", M3.key)
    assert (
        resource["instantiatesCanonical"]
        == f"urn:yiyu:protocol:{M3.protocol}/m3|{M3.protocol_version}"
    )
    window = {"start": M3.opens.isoformat(), "end": M3.closes.isoformat()}
    assert resource["restriction"]["period"] == resource["executionPeriod"] == window
    assert resource["extension"] == [
        {"url": "urn:yiyu:extension:due-date", "valueDate": M3.due.isoformat()}
    ]
    assert resource["owner"]["identifier"] == {"system": "urn:yiyu:clinician", "value": "CHD-2"}
    assert resource["for"] == {"reference": f"Patient/{fhir.patient(CHILD, as_of=AS_OF)['id']}"}
    assert resource["basedOn"] == [
        {"reference": f"CarePlan/{fhir.care_plan(CHILD, as_of=AS_OF)['id']}"}
    ]


def test_a_referrals_tracking_is_done_by_its_result_not_by_a_visit() -> None:
    referral = yiyu.Referral(
        kind="development",
        opened_on="2026-04-05",
        reason="阳性",
        closed_on="2026-04-20",
        result="正常",
    )
    tracking = attrs.evolve(
        M3, key="child:C1/referral_follow_up/development@2026-04-05", occurrence=referral.id
    )
    entry = stored(obligation=tracking, done_on=D(2026, 4, 6))
    assert fhir.task(entry, as_of=D(2026, 4, 10), referrals=[referral])["status"] != "completed"
    assert fhir.task(entry, as_of=D(2026, 4, 20), referrals=[referral])["status"] == "completed"


def test_resident_ids_and_phones_are_masked_unless_asked_for() -> None:
    masked = fhir.patient(CHILD, as_of=AS_OF)
    full = fhir.patient(CHILD, as_of=AS_OF, naming=fhir.Naming(show_full_ids=True))
    assert CHILD.resident_id is not None
    assert CHILD.guardian_phone is not None
    assert CHILD.resident_id not in str(masked)
    assert CHILD.guardian_phone not in str(masked)
    assert masked["identifier"][1]["system"] == "urn:yiyu:resident-id-masked"
    assert masked["contact"][0]["telecom"][0]["value"] == "138****8000"
    assert full["identifier"][1] | {"type": None} == {
        "use": "official",
        "type": None,
        "system": "urn:yiyu:resident-id",
        "value": CHILD.resident_id,
    }
    assert full["contact"][0]["telecom"][0]["value"] == CHILD.guardian_phone
    assert masked["id"] == full["id"]  # the same Patient either way


def test_measurements_carry_loinc_ucum_and_who_z_scores() -> None:
    found = {o["code"]["coding"][0]["code"]: o for o in fhir.observations(VISIT, CHILD, PROTOCOL)}
    assert set(found) == {"29463-7", "8306-3", "9843-4", "718-7"}
    assert found["718-7"]["valueQuantity"] == {
        "value": 102.0,
        "unit": "g/L",
        "system": "http://unitsofmeasure.org",
        "code": "g/L",
    }
    weight = found["29463-7"]
    assert [c["code"]["coding"][0]["code"] for c in weight["component"]] == ["wfa", "wfl", "bfa"]
    assert all("WHO Child Growth Standards 2006" in c["code"]["text"] for c in weight["component"])
    z = yiyu.zscores(CHILD.sex, (VISIT.on - CHILD.birth_date).days, weight_kg=6.1, length_cm=60.2)
    assert weight["component"][0]["valueQuantity"]["value"] == z.waz
    assert "component" not in found["718-7"]
    standing = attrs.evolve(
        VISIT, measurements=yiyu.Measurements(length_cm=60.2, measured="standing")
    )
    [height] = fhir.observations(standing, CHILD, PROTOCOL)
    assert height["code"]["coding"][0]["code"] == "8302-2"


def test_cases_and_referrals_say_whether_they_are_still_open() -> None:
    case = CHILD.cases[0]
    closed = attrs.evolve(case, closed_on="2026-06-01")
    assert (
        fhir.condition(CHILD, case, as_of=AS_OF)["clinicalStatus"]["coding"][0]["code"] == "active"
    )
    resolved = fhir.condition(CHILD, closed, as_of=D(2026, 6, 1))
    validate(resolved)
    assert resolved["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert resolved["abatementDateTime"] == "2026-06-01"
    # Judged on the day: a closing after it is not yet known.
    assert (
        fhir.condition(CHILD, closed, as_of=AS_OF)["clinicalStatus"]["coding"][0]["code"]
        == "active"
    )
    referral = attrs.evolve(CHILD.referrals[0], closed_on="2026-05-01", result="未见异常")
    assert fhir.service_request(CHILD, referral, as_of=AS_OF)["status"] == "active"
    assert fhir.service_request(CHILD, referral, as_of=D(2026, 5, 1))["status"] == "completed"


def test_a_child_who_left_is_inactive_and_its_plan_revoked() -> None:
    child = make_child(
        "C2", born="2025-01-01", life_events=[yiyu.LifeEvent(kind="deceased", on="2026-02-01")]
    )
    resource = fhir.patient(child, as_of=AS_OF)
    validate(resource)
    assert resource["active"] is False
    assert resource["deceasedDateTime"] == "2026-02-01"
    plan = fhir.care_plan(child, as_of=AS_OF)
    assert plan["status"] == "revoked"
    assert plan["period"]["end"] == "2026-02-01"
    assert fhir.patient(child, as_of=D(2026, 1, 31))["active"] is True


def test_a_hosts_base_names_every_system_and_a_bad_one_is_refused() -> None:
    naming = fhir.Naming(base="https://fhir.example.cn/yiyu")
    resource = fhir.task(stored(), as_of=AS_OF, naming=naming)
    assert resource["identifier"][0]["system"] == "https://fhir.example.cn/yiyu/obligation"
    assert resource["instantiatesCanonical"].startswith("https://fhir.example.cn/yiyu/protocol/")
    assert resource["id"] != fhir.task(stored(), as_of=AS_OF)["id"]
    with pytest.raises(yiyu.ValidationError, match="base"):
        fhir.Naming(base="yiyu")


def test_a_daycare_visit_is_a_field_visit_at_the_daycare() -> None:
    visit = make_encounter(id="E-D1", subject_id="D1", on="2026-04-01", role="health_instructor")
    resource = fhir.encounter(visit, kind=yiyu.SubjectKind.DAYCARE)
    validate(resource)
    assert resource["class"]["code"] == "FLD"
    assert "subject" not in resource
    assert fhir.questionnaire_responses(visit, kind=yiyu.SubjectKind.DAYCARE) == []


def test_a_transaction_entry_puts_the_resource_at_its_own_id() -> None:
    patient = fhir.patient(CHILD, as_of=AS_OF)
    entry = fhir.transaction_entry(patient)
    assert entry["request"] == {"method": "PUT", "url": f"Patient/{patient['id']}"}
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry]}
    validate(bundle)
    assert "\n" not in fhir.dumps(patient)
    assert "陈子睿" in fhir.dumps(patient)
