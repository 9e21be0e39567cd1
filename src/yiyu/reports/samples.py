"""Sample documents: one of each printed form, from invented children and a daycare.

Used by the documentation's previews (``scripts/gen_previews.py``), the reference-image
tests and the installed-wheel test, and handy for a host trying its own templates. The
people are invented; the identity numbers are well formed but not real. Dates are
fixed, so the samples render to the same bytes every time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import attrs
import pendulum

import yiyu
from yiyu.domain import Child, Daycare, Encounter
from yiyu.domain.ids import check_character
from yiyu.outcomes import ChildRecord, DaycareRecord
from yiyu.reports.context import (
    PrintDocument,
    encounter_document,
    rearing_risk_document,
    referral_document,
    worklist_document,
)

__all__ = [
    "INSTITUTION",
    "SAMPLE_NAMES",
    "SampleVisit",
    "document",
    "documents",
    "resident_id",
    "visit",
]

D = pendulum.Date
INSTITUTION: Final = "城东街道社区卫生服务中心"
DOCTOR: Final = "周敏"
TOWNSHIP: Final = "城东街道"
SAMPLE_NAMES: Final = (
    "newborn",
    "infant",
    "toddler",
    "preschool",
    "daycare",
    "rearing_risk",
    "referral",
    "worklist",
)
"""The samples, one per printed form, in the order the documentation shows them."""


def resident_id(address: str, born: pendulum.Date, sequence: str) -> str:
    """A well-formed identity number (address code, birth date, sequence, check digit)."""
    body = f"{address}{born.format('YYYYMMDD')}{sequence}"
    return body + check_character(body)


@attrs.frozen(kw_only=True)
class SampleVisit:
    """A recorded sample visit and what the form needs besides the record.

    ``guardian`` and ``phone`` are the contact the form prints: a child's are its own
    ``guardian_name`` and ``guardian_phone``, which the documents print without being
    passed them; a daycare's contact is passed.
    """

    record: ChildRecord | DaycareRecord
    subject: Child | Daycare
    earlier: tuple[Encounter, ...] = ()
    guardian: str | None = None
    phone: str | None = None


def _protocol() -> yiyu.Protocol:
    return yiyu.load_protocol()


def _record(encounter: Encounter, subject: Child | Daycare) -> ChildRecord | DaycareRecord:
    return yiyu.record(encounter, subject, _protocol(), as_of=encounter.on)


def _newborn() -> SampleVisit:
    born = D(2026, 2, 20)
    child = Child(
        id="C2026-0031",
        name="王小宝",
        guardian_name="王建国",
        guardian_phone="13812345678",
        sex="M",
        birth_date=born,
        gestational_age="39+2",
        birth_weight_g=3350,
        discharge_date="2026-02-23",
        resident_id=resident_id("330102", born, "031"),
        township=TOWNSHIP,
    )
    encounter = Encounter(
        id="E-C2026-0031-NB",
        subject_id=child.id,
        on="2026-02-27",
        obligation_key=f"child:{child.id}/newborn_home_visit",
        performer=DOCTOR,
        measurements={"weight_kg": 3.52, "length_cm": 51.0, "head_cm": 35.0},
        guidance="按需母乳喂养；脐部保持干燥；注意观察黄疸消退情况。",
    )
    return SampleVisit(
        record=_record(encounter, child),
        subject=child,
        guardian=child.guardian_name,
        phone=child.guardian_phone,
    )


def _infant() -> SampleVisit:
    born = D(2025, 8, 15)
    child = Child(
        id="C2025-0412",
        name="李朵朵",
        guardian_name="李娜",
        guardian_phone="13900001111",
        sex="F",
        birth_date=born,
        gestational_age="38+4",
        birth_weight_g=3100,
        discharge_date="2025-08-18",
        resident_id=resident_id("330102", born, "042"),
        township=TOWNSHIP,
    )
    earlier = (
        Encounter(id="E-0412-1", subject_id=child.id, on="2025-09-14",
                  measurements={"weight_kg": 4.3, "length_cm": 54.5}),
        Encounter(id="E-0412-2", subject_id=child.id, on="2025-11-15",
                  measurements={"weight_kg": 5.9, "length_cm": 60.1}),
    )  # fmt: skip
    encounter = Encounter(
        id="E-0412-3",
        subject_id=child.id,
        on="2026-02-16",
        obligation_key=f"child:{child.id}/m6",
        performer=DOCTOR,
        measurements={"weight_kg": 7.3, "length_cm": 65.7, "head_cm": 42.0, "hb_g_l": 118},
        warning_signs={"m6_1": False, "m6_2": False, "m6_3": False, "m6_4": False},
        guidance="满6月龄起添加富含铁的泥糊状食物；每日户外活动1～2小时。",
    )
    return SampleVisit(
        record=_record(encounter, child),
        subject=child,
        earlier=earlier,
        guardian=child.guardian_name,
        phone=child.guardian_phone,
    )


def _toddler() -> SampleVisit:
    born = D(2024, 8, 10)
    child = Child(
        id="C2024-0377",
        name="张乐乐",
        guardian_name="张伟",
        guardian_phone="13566668888",
        sex="M",
        birth_date=born,
        gestational_age="34+3",
        birth_weight_g=2350,
        discharge_date="2024-08-24",
        resident_id=resident_id("330102", born, "377"),
        township=TOWNSHIP,
    )
    earlier = (
        Encounter(id="E-0377-1", subject_id=child.id, on="2024-11-20",
                  measurements={"weight_kg": 5.2, "length_cm": 58.0}),
        Encounter(id="E-0377-2", subject_id=child.id, on="2025-03-01",
                  measurements={"weight_kg": 7.4, "length_cm": 66.5}),
        Encounter(id="E-0377-3", subject_id=child.id, on="2025-08-12",
                  measurements={"weight_kg": 9.1, "length_cm": 74.2}),
    )  # fmt: skip
    encounter = Encounter(
        id="E-0377-4",
        subject_id=child.id,
        on="2026-02-12",
        obligation_key=f"child:{child.id}/m18",
        performer=DOCTOR,
        measurements={"weight_kg": 10.4, "length_cm": 80.2, "head_cm": 46.5, "hb_g_l": 102},
        # Born at 34+3 weeks: at the 18-month check the corrected age is 16 months, so
        # development is screened against the 12-month column (yiyu.assessment_age).
        warning_signs={"m12_1": True, "m12_2": False, "m12_3": False, "m12_4": False},
        guidance="铁剂治疗并复查血红蛋白；多呼唤孩子名字，与孩子说话、交流。",
    )
    return SampleVisit(
        record=_record(encounter, child),
        subject=child,
        earlier=earlier,
        guardian=child.guardian_name,
        phone=child.guardian_phone,
    )


def _preschool() -> SampleVisit:
    born = D(2022, 3, 5)
    child = Child(
        id="C2022-0150",
        name="陈可可",
        guardian_name="陈静",
        guardian_phone="0571-87654321",
        sex="F",
        birth_date=born,
        gestational_age="40+0",
        birth_weight_g=3400,
        discharge_date="2022-03-08",
        resident_id=resident_id("330102", born, "150"),
        township=TOWNSHIP,
    )
    earlier = (
        Encounter(id="E-0150-1", subject_id=child.id, on="2025-03-06",
                  measurements={"weight_kg": 15.6, "length_cm": 96.0, "measured": "standing"}),
    )  # fmt: skip
    encounter = Encounter(
        id="E-0150-2",
        subject_id=child.id,
        on="2026-03-06",
        obligation_key=f"child:{child.id}/y4",
        performer=DOCTOR,
        measurements={"weight_kg": 19.6, "length_cm": 103.0, "measured": "standing",
                      "hb_g_l": 124},
        warning_signs={"y4_1": False, "y4_2": False, "y4_3": False, "y4_4": False},
        guidance="控制含糖饮料，每日中高强度活动不少于1小时。",
    )  # fmt: skip
    return SampleVisit(
        record=_record(encounter, child),
        subject=child,
        earlier=earlier,
        guardian=child.guardian_name,
        phone=child.guardian_phone,
    )


def _rearing_risk() -> SampleVisit:
    born = D(2024, 5, 20)
    child = Child(
        id="C2024-0210",
        name="刘安安",
        guardian_name="刘奶奶",
        guardian_phone="13700002222",
        sex="F",
        birth_date=born,
        gestational_age="39+0",
        birth_weight_g=3000,
        discharge_date="2024-05-23",
        resident_id=resident_id("330102", born, "210"),
        township=TOWNSHIP,
        categories=["orphan"],
    )
    answers = {
        "health_checks_vaccination": 0, "danger_signs": 1, "hygiene": 0,
        "caregiver_health": 1, "feeding": 0, "food_security": 1, "growth": 0,
        "supervision": 2, "home_hazards": 1, "violence_neglect": 0, "guardianship": 1,
        "responds_to_needs": 1, "stable_caregiver": 2, "warm_interaction": 0, "play": 1,
        "reading": 2, "screen_outdoor": 1,
    }  # fmt: skip
    encounter = Encounter(
        id="E-0210-RR",
        subject_id=child.id,
        on="2026-03-03",
        obligation_key=f"child:{child.id}/vulnerable_risk_assessment/2026",
        performer=DOCTOR,
        risk_answers=answers,
        guidance="落实专人看护；每日亲子阅读15分钟；签约医生入户养育指导。",
    )
    return SampleVisit(
        record=_record(encounter, child),
        subject=child,
        guardian=child.guardian_name,
        phone=child.guardian_phone,
    )


def _daycare() -> SampleVisit:
    daycare = Daycare(
        id="D01",
        name="阳光托育园",
        township=TOWNSHIP,
        capacity=60,
        health_instructor=DOCTOR,
        opened_on="2024-09-01",
    )
    failed = {"observation_room", "disinfection"}
    from yiyu.instruments.daycare_review import load_review

    answers = {item.id: ("fail" if item.id in failed else "pass") for item in load_review().items}
    encounter = Encounter(
        id="E-D01-2026Q1",
        subject_id=daycare.id,
        on="2026-03-04",
        obligation_key=f"daycare:{daycare.id}/daycare_quarterly_visit/2026Q1",
        role="health_instructor",
        performer=DOCTOR,
        review_answers=answers,
        review_notes={
            "observation_room": "观察室兼作储物间，未配观察床",
            "disinfection": "玩具消毒记录缺2月下旬",
        },
        lecture="婴幼儿春季常见传染病的预防",
        guidance="一个月内完成整改，届时复查。",
    )
    return SampleVisit(
        record=_record(encounter, daycare), subject=daycare, guardian="吴园长", phone="13600003333"
    )


def visit(name: str) -> SampleVisit:
    """A recorded sample visit: ``newborn``, ``infant``, ``toddler``, ``preschool``,
    ``rearing_risk`` or ``daycare``."""
    builders: dict[str, Callable[[], SampleVisit]] = {
        "newborn": _newborn,
        "infant": _infant,
        "toddler": _toddler,
        "preschool": _preschool,
        "rearing_risk": _rearing_risk,
        "daycare": _daycare,
    }
    return builders[name]()


def _visit_document(sample: SampleVisit, show_full_ids: bool) -> PrintDocument:
    return encounter_document(
        sample.record,
        sample.subject,
        institution=INSTITUTION,
        # A child's guardian is its own (Child.guardian_name): printed without passing it.
        guardian=sample.guardian if isinstance(sample.subject, Daycare) else None,
        phone=sample.phone if isinstance(sample.subject, Daycare) else None,
        earlier=sample.earlier,
        show_full_ids=show_full_ids,
    )


def _worklist_document() -> PrintDocument:
    from yiyu.scheduling import StoredObligation, worklist_item, worklist_order

    as_of = D(2026, 3, 2)
    protocol = _protocol()
    subjects: list[Child | Daycare] = [
        visit(name).subject for name in ("newborn", "infant", "toddler", "preschool", "daycare")
    ]
    stored = (
        (
            StoredObligation(
                obligation=ob,
                township=subject.township,
                assignee=DOCTOR,
                done_on=None,
                skip=None,
                withdrawn_on=None,
            ),
            subject,
        )
        for subject in subjects
        for ob in yiyu.schedule(subject, protocol, until=as_of.add(days=60))
    )
    lines = (worklist_item(entry, subject, as_of=as_of) for entry, subject in stored)
    items = sorted((line for line in lines if line is not None), key=worklist_order)
    return worklist_document(
        items,
        title=f"{TOWNSHIP} 儿童保健工作清单",
        as_of=as_of,
        institution=INSTITUTION,
        township=TOWNSHIP,
    )


def document(name: str, *, show_full_ids: bool = False) -> PrintDocument:
    """The sample document ``name`` (one of :data:`SAMPLE_NAMES`)."""
    if name == "worklist":
        return _worklist_document()
    if name == "referral":
        sample = visit("toddler")
        assert isinstance(sample.record, ChildRecord)
        assert isinstance(sample.subject, Child)
        referral = sample.record.opened_referrals[0]
        return referral_document(
            referral,
            sample.subject,
            institution=INSTITUTION,
            record=sample.record,
            doctor=DOCTOR,
            doctor_phone="0571-86000000",
            show_full_ids=show_full_ids,
        )
    sample = visit(name)
    if name == "rearing_risk":
        assert isinstance(sample.record, ChildRecord)
        assert isinstance(sample.subject, Child)
        return rearing_risk_document(
            sample.record,
            sample.subject,
            institution=INSTITUTION,
            show_full_ids=show_full_ids,
        )
    return _visit_document(sample, show_full_ids)


def documents(names: Sequence[str] = SAMPLE_NAMES) -> dict[str, PrintDocument]:
    """The sample documents by name."""
    return {name: document(name) for name in names}
