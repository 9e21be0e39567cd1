"""Visits as ``Encounter``, their measurements as ``Observation`` (LOINC, UCUM, with the
WHO 2006 z-scores as components), and their answered forms as ``QuestionnaireResponse``.

LOINC codes (checked against the FHIR vital-signs profiles and value sets, whose
expansions come from LOINC; see docs/guide/exchange.md): body weight 29463-7, body length
(lying) 8306-3, body height 8302-2, head circumference 9843-4, haemoglobin in blood
718-7.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from yiyu.domain import Child, Encounter
from yiyu.exchange.fhir.naming import DEFAULT_NAMING, LOINC, UCUM, Naming
from yiyu.exchange.fhir.questionnaires import (
    rearing_risk_canonical,
    rearing_risk_items,
    warning_signs_canonical,
    warning_signs_items,
)
from yiyu.instruments.growth import GrowthZ, Indicator, zscores
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import assessment_age

__all__ = ["GROWTH_REFERENCE", "MEASURES", "encounter", "observations", "questionnaire_responses"]

_ACT: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
GROWTH_REFERENCE: Final = "WHO Child Growth Standards 2006"


class Measure(NamedTuple):
    """One measurement of a visit as an Observation: its LOINC code and UCUM unit."""

    loinc: str
    display: str
    unit: str
    category: str


MEASURES: Final[Mapping[str, Measure]] = {
    "weight_kg": Measure("29463-7", "Body weight", "kg", "vital-signs"),
    "length_cm": Measure("8306-3", "Body height --lying", "cm", "vital-signs"),
    "height_cm": Measure("8302-2", "Body height", "cm", "vital-signs"),
    "head_cm": Measure("9843-4", "Head Occipital-frontal circumference", "cm", "vital-signs"),
    "hb_g_l": Measure("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", "laboratory"),
}
# z-score → the measurement's Observation it is a component of.
_Z_OF: Final = {
    "weight_kg": ("waz", "whz", "baz"),
    "length_cm": ("haz",),
    "height_cm": ("haz",),
    "head_cm": ("hcz",),
}
_Z_NAME: Final = {
    "waz": (Indicator.WFA, "weight-for-age"),
    "haz": (Indicator.LHFA, "length/height-for-age"),
    "baz": (Indicator.BFA, "BMI-for-age"),
    "hcz": (Indicator.HCFA, "head-circumference-for-age"),
}
_Z_TEXT: Final = {
    table: f"{label} z-score ({GROWTH_REFERENCE})"
    for table, label in (
        *_Z_NAME.values(),
        (Indicator.WFL, "weight-for-length"),
        (Indicator.WFH, "weight-for-height"),
    )
}


def encounter(
    visit: Encounter, *, kind: SubjectKind = SubjectKind.CHILD, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """A visit as an Encounter: a child's is ambulatory (``AMB``) with the child as its
    subject; a daycare's is a field visit (``FLD``) at the daycare, referred to by its
    identifier (an Encounter's subject is a patient or a group, not an organisation)."""
    day = visit.on.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": naming.id("encounter", visit.id),
        "identifier": [naming.identifier("encounter", visit.id)],
        "status": "finished",
        "class": {"system": _ACT, "code": "AMB" if kind is SubjectKind.CHILD else "FLD"},
        "period": {"start": day, "end": day},
    }
    if kind is SubjectKind.CHILD:
        resource["subject"] = naming.reference("Patient", "child", visit.subject_id)
    else:
        resource["location"] = [
            {"location": naming.logical("Location", "daycare", visit.subject_id)}
        ]
    participant: dict[str, Any] = {
        "type": [{"coding": [naming.coding("role", visit.role.value, visit.role.label_zh)]}]
    }
    if visit.performer:
        participant["individual"] = naming.logical("Practitioner", "clinician", visit.performer)
    resource["participant"] = [participant]
    return resource


def observations(
    visit: Encounter, child: Child, protocol: Protocol, *, naming: Naming = DEFAULT_NAMING
) -> list[dict[str, Any]]:
    """One Observation per measurement of a child's visit.

    Weight, length/height and head circumference carry their WHO 2006 z-scores as
    components (weight: weight-for-age, weight-for-length/height and BMI-for-age;
    length/height: length/height-for-age; head: head-circumference-for-age), computed at
    the age the protocol assesses the child by (corrected for a preterm child), as the
    printed record does. A z-score the tables cannot give (an age past 5 years, a length
    outside the table) is left out.
    """
    m = visit.measurements
    if m.empty:
        return []
    values = {
        "weight_kg": m.weight_kg,
        "length_cm" if m.measured == "recumbent" else "height_cm": m.length_cm,
        "head_cm": m.head_cm,
        "hb_g_l": m.hb_g_l,
    }
    growth = _growth(visit, child, protocol)
    day = visit.on.isoformat()
    subject = naming.reference("Patient", "child", child.id)
    context = naming.reference("Encounter", "encounter", visit.id)
    result: list[dict[str, Any]] = []
    for field, value in values.items():
        if value is None:
            continue
        measure = MEASURES[field]
        key = f"{visit.id}/{measure.loinc}"
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": naming.id("observation", key),
            "identifier": [naming.identifier("observation", key)],
            "status": "final",
            "category": [{"coding": [{"system": _CATEGORY, "code": measure.category}]}],
            "code": {
                "coding": [{"system": LOINC, "code": measure.loinc, "display": measure.display}]
            },
            "subject": subject,
            "encounter": context,
            "effectiveDateTime": day,
            "valueQuantity": {
                "value": value,
                "unit": measure.unit,
                "system": UCUM,
                "code": measure.unit,
            },
        }
        components = _components(growth, field, naming) if growth is not None else []
        if components:
            resource["method"] = {"text": f"z-scores: {GROWTH_REFERENCE}"}
            resource["component"] = components
        result.append(resource)
    return result


def _growth(visit: Encounter, child: Child, protocol: Protocol) -> GrowthZ | None:
    m = visit.measurements
    if m.weight_kg is None and m.length_cm is None and m.head_cm is None:
        return None
    days = assessment_age(child, visit.on, protocol).days
    if days < 0:  # a preterm child before term-equivalent age: no table applies
        return None
    return zscores(
        child.sex,
        days,
        weight_kg=m.weight_kg,
        length_cm=m.length_cm,
        measured=m.measured,
        head_cm=m.head_cm,
    )


def _components(growth: GrowthZ, field: str, naming: Naming) -> list[dict[str, Any]]:
    result = []
    for name in _Z_OF.get(field, ()):
        z: float | None = getattr(growth, name)
        if z is None:
            continue
        table = (growth.whz_table or Indicator.WFL) if name == "whz" else _Z_NAME[name][0]
        text = _Z_TEXT[table]
        result.append(
            {
                "code": {"coding": [naming.coding("growth-z", table.value, text)], "text": text},
                "valueQuantity": {"value": z, "unit": "SD", "system": UCUM, "code": "{SD}"},
            }
        )
    return result


def questionnaire_responses(
    visit: Encounter, *, kind: SubjectKind = SubjectKind.CHILD, naming: Naming = DEFAULT_NAMING
) -> list[dict[str, Any]]:
    """A child's visit's 预警征象 answers and rearing-risk scores, each as a
    QuestionnaireResponse to the Questionnaire yiyu generates from the instrument's data
    (:func:`~yiyu.exchange.fhir.questionnaires.warning_signs_questionnaire`), with the
    instrument's version in the canonical."""
    if kind is not SubjectKind.CHILD:
        return []
    result = []
    forms = (
        (
            "warning_signs",
            visit.warning_signs,
            warning_signs_canonical(naming),
            warning_signs_items,
            "valueBoolean",
        ),
        (
            "rearing_risk",
            visit.risk_answers,
            rearing_risk_canonical(naming),
            rearing_risk_items,
            "valueInteger",
        ),
    )
    for form, answers, canonical, grouped, value in forms:
        if not answers:
            continue
        key = f"{visit.id}/{form}"
        groups = [
            {
                "linkId": group_id,
                "text": group_text,
                "item": [
                    {"linkId": item_id, "text": text, "answer": [{value: answers[item_id]}]}
                    for item_id, text in items
                ],
            }
            for group_id, group_text, items in grouped(answers)
        ]
        result.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": naming.id("questionnaire-response", key),
                "identifier": naming.identifier("questionnaire-response", key),
                "questionnaire": canonical,
                "status": "completed",
                "subject": naming.reference("Patient", "child", visit.subject_id),
                "encounter": naming.reference("Encounter", "encounter", visit.id),
                "authored": visit.on.isoformat(),
                "item": groups,
            }
        )
    return result
