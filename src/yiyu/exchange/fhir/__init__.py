"""FHIR R4 resources of what yiyu holds, as plain dicts (JSON-ready), one pure function
per resource: no model objects in the nightly path, and no store (the export job,
:mod:`yiyu.jobs.export_fhir`, reads it and writes NDJSON or a transaction Bundle).

The resources validate against FHIR R4B (the models of ``fhir.resources.R4B``, in the
tests), and use nothing R4B added to R4. The mapping tables are in
docs/guide/exchange.md.
"""

from __future__ import annotations

import json
from typing import Any

from yiyu.exchange.fhir.naming import DEFAULT_NAMING, LOINC, UCUM, Naming, resource_id
from yiyu.exchange.fhir.questionnaires import (
    rearing_risk_questionnaire,
    warning_signs_questionnaire,
)
from yiyu.exchange.fhir.subjects import (
    care_plan,
    condition,
    organization,
    patient,
    service_request,
)
from yiyu.exchange.fhir.tasks import TASK_STATUS, WITHDRAWN, rule_canonical, task
from yiyu.exchange.fhir.visits import (
    GROWTH_REFERENCE,
    MEASURES,
    encounter,
    observations,
    questionnaire_responses,
)

__all__ = [
    "DEFAULT_NAMING",
    "GROWTH_REFERENCE",
    "LOINC",
    "MEASURES",
    "TASK_STATUS",
    "UCUM",
    "WITHDRAWN",
    "Naming",
    "care_plan",
    "condition",
    "dumps",
    "encounter",
    "observations",
    "organization",
    "patient",
    "questionnaire_responses",
    "rearing_risk_questionnaire",
    "resource_id",
    "rule_canonical",
    "service_request",
    "task",
    "transaction_entry",
    "warning_signs_questionnaire",
]


# One encoder for every line: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(resource: dict[str, Any]) -> str:
    """One resource as one NDJSON line (without the newline): compact, UTF-8 text as is
    (FHIR JSON is UTF-8; Chinese names stay readable)."""
    return _ENCODER.encode(resource)


def transaction_entry(resource: dict[str, Any]) -> dict[str, Any]:
    """A transaction Bundle's entry for ``resource``: ``PUT Type/id``, an update that
    creates the resource with yiyu's id if the server has none (the ids are stable, so
    the references between the Bundle's resources hold)."""
    kind, rid = resource["resourceType"], resource["id"]
    return {"resource": resource, "request": {"method": "PUT", "url": f"{kind}/{rid}"}}
