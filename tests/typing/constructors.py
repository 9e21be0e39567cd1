"""The public values' constructors and the growth API as a host's mypy sees them (#15).

Checked by ``mypy --strict`` (``files`` in pyproject.toml), not collected by pytest.
Each ``# type: ignore[...]`` line is a call that must stay a type error: with
``warn_unused_ignores`` (part of ``--strict``) a parameter that became ``Any``, or
accepted a wrong type, makes its ignore unused and the check fails.
"""

from __future__ import annotations

import datetime as dt

import pendulum

import yiyu
from yiyu.instruments.growth import WHO_THRESHOLDS

born = dt.date(2026, 1, 31)

# Dates as date objects or ISO text; kinds as the enum or their text.
child = yiyu.Child(
    id="C1",
    name="王小明",
    sex=yiyu.Sex.MALE,
    birth_date=born,
    categories=[yiyu.CategoryKind.PRETERM, "孤儿"],
    guardian_name="王大明",
    guardian_phone="13800000000",
)
girl = yiyu.Child(id="C2", name="李小红", sex="女", birth_date="2026-02-01")
daycare = yiyu.Daycare(id="D1", name="阳光托育园", opened_on=born, capacity=40)
visit = yiyu.Encounter(
    id="E1",
    subject_id="C1",
    on=pendulum.Date(2026, 7, 31),
    role="签约家庭医生",
    measurements=yiyu.Measurements(weight_kg=7.1, length_cm=66.0, measured="recumbent"),
)
case = yiyu.Case(condition=yiyu.CategoryKind.ANAEMIA, opened_on="2026-08-01")
referral = yiyu.Referral(kind=yiyu.ReferralKind.DEVELOPMENT, opened_on=born, reason="筛查阳性")
category = yiyu.Category(kind="orphan", start=born)
skip = yiyu.Skip(on=born, reason=yiyu.SkipReason.CHILD_ILL)
in_category: bool = child.has_category("preterm") and girl.has_category(yiyu.CategoryKind.ORPHAN)

# Wrong types stay errors: each ignore below must be needed.
yiyu.Child(id="C3", name="x", sex="M", birth_date=20260131)  # type: ignore[arg-type]
yiyu.Child(id="C3", name="x", sex=1, birth_date=born)  # type: ignore[arg-type]
yiyu.Child(id="C3", name="x", sex="M")  # type: ignore[call-arg]
yiyu.Child(id=3, name="x", sex="M", birth_date=born)  # type: ignore[arg-type]
yiyu.Child(id="C3", name="x", sex="M", birth_date=born, birth_weight_g="3 kg")  # type: ignore[arg-type]
yiyu.Daycare(id="D2", name="x", opened_on=None)  # type: ignore[arg-type]
yiyu.Encounter(id="E2", subject_id="C1", on=born, role=1)  # type: ignore[arg-type]
yiyu.Measurements(weight=5.0)  # type: ignore[call-arg]
yiyu.Measurements(weight_kg="5.0")  # type: ignore[arg-type]
yiyu.Case(condition=7, opened_on=born)  # type: ignore[arg-type]
yiyu.Skip(on=born, reason=None)  # type: ignore[arg-type]
child.has_category(1)  # type: ignore[arg-type]

# Growth: one Sex, the enum the child carries or any of its spellings.
z: yiyu.GrowthZ = yiyu.zscores(child.sex, 365, weight_kg=9.6, length_cm=75.7)
same: yiyu.GrowthZ = yiyu.zscores("男", 365.0, weight_kg=9.6, length_cm=75.7, measured="recumbent")
waz: float | None = z.waz
findings: frozenset[yiyu.GrowthFinding] = yiyu.classify(z) | yiyu.classify(same, WHO_THRESHOLDS)
labels: list[str] = sorted(finding.label_zh for finding in findings)
scheme: yiyu.GrowthThresholds = WHO_THRESHOLDS
national: yiyu.GrowthEvaluation = yiyu.evaluate_growth(girl.sex, age_days=200, weight_kg=7.0)
national_findings: frozenset[yiyu.GrowthFinding] = national.findings()

yiyu.zscores(1, 365)  # type: ignore[arg-type]
yiyu.zscores("M", "365")  # type: ignore[arg-type]
yiyu.zscores("M", 365, measured="lying")  # type: ignore[arg-type]
yiyu.classify(national)  # type: ignore[arg-type]
yiyu.evaluate_growth(None, age_days=200)  # type: ignore[arg-type]

# record() is typed by its subject: a child's visit gives a ChildRecord, no isinstance.
protocol = yiyu.load_protocol()
as_of = pendulum.Date(2026, 8, 1)
after: yiyu.Child = yiyu.record(visit, child, protocol, as_of=as_of).child
growth_z: yiyu.GrowthZ | None = yiyu.record(visit, child, protocol, as_of=as_of).growth
review = yiyu.Encounter(id="E3", subject_id="D1", on=as_of, role=yiyu.Role.HEALTH_INSTRUCTOR)
reviewed: yiyu.DaycareRecord = yiyu.record(review, daycare, protocol, as_of=as_of)
subject: yiyu.Child | yiyu.Daycare = child
either: yiyu.ChildRecord | yiyu.DaycareRecord = yiyu.record(visit, subject, protocol, as_of=as_of)
not_a_daycare = yiyu.record(visit, child, protocol, as_of=as_of).daycare  # type: ignore[attr-defined]
not_a_child = yiyu.record(review, daycare, protocol, as_of=as_of).child  # type: ignore[attr-defined]
