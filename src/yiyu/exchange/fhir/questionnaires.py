"""Questionnaires generated from yiyu's instrument data: the 预警征象 table (one group per
key age, a yes/no item per sign) and the rearing-risk form (one group per domain, an item
scored 0–2 per question). Their url and version are the instrument's id and version, so
a QuestionnaireResponse names exactly the table its answers were given on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from yiyu.exchange.fhir.naming import DEFAULT_NAMING, Naming
from yiyu.instruments.rearing_risk import RiskForm, load_form
from yiyu.instruments.warning_signs import WarningSigns, load_warning_signs

__all__ = [
    "rearing_risk_canonical",
    "rearing_risk_questionnaire",
    "warning_signs_canonical",
    "warning_signs_questionnaire",
]

Groups = Iterator[tuple[str, str, list[tuple[str, str]]]]


def _url(naming: Naming, instrument: str) -> str:
    separator = ":" if naming.base.startswith("urn:") else "/"
    return f"{naming.system('questionnaire')}{separator}{instrument}"


def warning_signs_canonical(
    naming: Naming = DEFAULT_NAMING, data: WarningSigns | None = None
) -> str:
    """``urn:yiyu:questionnaire:warning_signs|2026.2``: the table's url and version."""
    header = (data or load_warning_signs()).header
    return f"{_url(naming, header.id)}|{header.version}"


def rearing_risk_canonical(naming: Naming = DEFAULT_NAMING, form: RiskForm | None = None) -> str:
    """The rearing-risk form's url and version (``…:rearing_risk_default|2026.1``)."""
    header = (form or load_form()).header
    return f"{_url(naming, header.id)}|{header.version}"


def warning_signs_items(answers: Mapping[str, object], data: WarningSigns | None = None) -> Groups:
    """The answered signs, grouped by key age in the table's order: (column id, label,
    [(item id, text)])."""
    data = data or load_warning_signs()
    for column in data.columns:
        items = [(item.id, item.text) for item in column.items if item.id in answers]
        if items:
            yield column.id, column.label_zh, items


def rearing_risk_items(answers: Mapping[str, object], form: RiskForm | None = None) -> Groups:
    """The answered questions, grouped by domain in the form's order."""
    form = form or load_form()
    for domain in form.domains:
        items = [(i.id, i.text) for i in form.items if i.domain == domain.id and i.id in answers]
        if items:
            yield domain.id, domain.name_zh, items


def _questionnaire(
    url: str, version: str, name: str, title: str, groups: list[dict[str, Any]], naming: Naming
) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": naming.id("questionnaire", f"{url}|{version}"),
        "url": url,
        "identifier": [naming.identifier("questionnaire", f"{url}|{version}")],
        "version": version,
        "name": name,
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }


def warning_signs_questionnaire(
    data: WarningSigns | None = None, *, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """The 预警征象 table as a Questionnaire: a group per key age, a boolean item per sign
    (``true``: the sign is present, 阳性)."""
    data = data or load_warning_signs()
    groups = [
        {
            "linkId": column.id,
            "text": column.label_zh,
            "type": "group",
            "item": [
                {"linkId": item.id, "text": item.text, "type": "boolean"} for item in column.items
            ],
        }
        for column in data.columns
    ]
    header = data.header
    return _questionnaire(
        _url(naming, header.id), header.version, "WarningSigns", header.title, groups, naming
    )


def rearing_risk_questionnaire(
    form: RiskForm | None = None, *, naming: Naming = DEFAULT_NAMING
) -> dict[str, Any]:
    """The rearing-risk form as a Questionnaire: a group per domain, an integer item
    (score 0–2) per question."""
    form = form or load_form()
    groups = [
        {
            "linkId": domain.id,
            "text": domain.name_zh,
            "type": "group",
            "item": [
                {"linkId": item.id, "text": item.text, "type": "integer"}
                for item in form.items
                if item.domain == domain.id
            ],
        }
        for domain in form.domains
    ]
    header = form.header
    return _questionnaire(
        _url(naming, header.id), header.version, "RearingRisk", header.title, groups, naming
    )
