"""What a doctor or health instructor does and records at one simulated visit."""

from __future__ import annotations

import functools
import random
from typing import Final

import attrs
import pendulum

from yiyu.dates import add_months
from yiyu.domain import (
    CategoryKind,
    Child,
    Correction,
    Daycare,
    Encounter,
    Measurements,
    ReferralKind,
    RicketsCheck,
    RicketsSigns,
    RicketsStage,
    Role,
)
from yiyu.instruments.daycare_review import load_review
from yiyu.instruments.rearing_risk import load_form
from yiyu.outcomes import screening_column
from yiyu.protocol import Protocol
from yiyu.scheduling import Obligation, assessment_age
from yiyu.synthetic._body import Body, haemoglobin, measure

__all__ = ["child_encounter", "correction_of", "daycare_encounter"]

_LECTURES: Final = (
    "婴幼儿合理喂养与营养", "常见传染病的预防", "婴幼儿意外伤害的预防", "回应性照护与早期发展",
    "婴幼儿口腔保健", "婴幼儿视力保护", "婴幼儿睡眠与作息",
)  # fmt: skip
_REFERRAL_RESULTS: Final = {
    ReferralKind.DEVELOPMENT: ("复查未见异常", "发育迟缓，已转康复训练", "继续随访观察"),
    ReferralKind.AUTISM_RESCREEN: ("复筛未见异常", "复筛阳性，已转诊断评估"),
    ReferralKind.NUTRITION: ("上级医院营养门诊管理中", "已治疗，好转"),
    ReferralKind.ANAEMIA: ("上级医院血液科治疗中", "已治疗，好转"),
    ReferralKind.OTHER: ("已就诊",),
}

_SIGN_POSITIVE: Final = 0.015
_REGRESSION: Final = 0.002
_RICKETS: Final = 0.004
_RICKETS_PERSISTS: Final = 0.35
_RESULT_BROUGHT: Final = 0.9
_RISK_SOME: Final = 0.15
_RISK_HIGH: Final = 0.02
_REVIEW_FAIL: Final = 0.006
_CORRECTED: Final = 0.85


@functools.cache
def _risk_items() -> tuple[tuple[str, bool], ...]:
    """(item id, in the safety domain) for each item of the default rearing-risk form."""
    return tuple((item.id, item.domain == "safety_and_security") for item in load_form().items)


@functools.cache
def _review_items() -> tuple[str, ...]:
    return load_review().item_ids


def _mentions(obligation: Obligation, *words: str) -> bool:
    return any(word in text for text in obligation.contents for word in words)


def _tested(obligation: Obligation, word: str) -> tuple[bool, bool]:
    """(mentions ``word`` in tests or contents, only if not done before: 未查者)."""
    texts = [text for text in (*obligation.tests, *obligation.contents) if word in text]
    return bool(texts), bool(texts) and all("未查" in text for text in texts)


def _performer(child: Child, role: Role) -> str | None:
    if role is Role.FAMILY_DOCTOR:
        return child.family_doctor
    if role is Role.CHILD_HEALTH_DOCTOR and child.township:
        return f"CHD-{child.township}-{1 + sum(map(ord, child.id)) % 2}"
    return None


def child_encounter(
    child: Child,
    obligation: Obligation,
    on: pendulum.Date,
    body: Body,
    rng: random.Random,
    protocol: Protocol,
) -> Encounter:
    """What a doctor does and records at one visit, drawn for this child."""
    measurements = Measurements()
    if _mentions(obligation, "体重"):
        measurements = measure(
            child,
            body,
            rng,
            on,
            length=_mentions(obligation, "身长", "身高"),
            head=_mentions(obligation, "头围"),
        )
    hb_test, only_if_not_done = _tested(obligation, "血红蛋白")
    if hb_test and not (only_if_not_done and body.last_hb is not None):
        measurements = attrs.evolve(measurements, hb_g_l=haemoglobin(child, body, rng, on))

    signs: dict[str, bool] = {}
    regression: bool | None = None
    if obligation.checklist is not None:
        # The column yiyu.record will screen against: a preterm child's by corrected age.
        column = screening_column(assessment_age(child, on, protocol), obligation)
        items = column.item_ids if column is not None else ()
        signs = dict.fromkeys(items, False)
        if rng.random() < _SIGN_POSITIVE:
            which = rng.random()  # drawn even with no column: the same seed, the same cohort
            if items:
                signs[items[int(which * len(items))]] = True
        regression = rng.random() < _REGRESSION

    risk: dict[str, int] = {}
    if _mentions(obligation, "养育风险评估"):
        for item, safety in _risk_items():
            draw = rng.random()
            high = _RISK_HIGH if safety else _RISK_HIGH / 2
            risk[item] = 2 if draw < high else 1 if draw < high + _RISK_SOME else 0

    diagnoses: list[CategoryKind] = []
    rickets: RicketsCheck | None = None
    if obligation.rule == "rickets_follow_up":
        # Treated rickets: still active with symptoms but better, or in recovery without
        # them; two symptom-free checks a month apart close the case.
        body.rickets = rng.random() < _RICKETS_PERSISTS
        rickets = RicketsCheck(
            stage=RicketsStage.ACTIVE if body.rickets else RicketsStage.RECOVERY,
            symptoms=body.rickets,
            signs=RicketsSigns.IMPROVED,
        )
    elif (
        obligation.checklist is not None
        and on < add_months(child.birth_date, 24)
        and rng.random() < _RICKETS
    ):
        body.rickets = True
        diagnoses.append(CategoryKind.RICKETS)
        rickets = RicketsCheck(stage=RicketsStage.ACTIVE, symptoms=True)

    results: dict[str, str] = {}
    for referral in child.referrals:
        if (
            referral.is_open
            and obligation.occurrence == referral.id
            and rng.random() < _RESULT_BROUGHT
        ):
            options = _REFERRAL_RESULTS[referral.kind]
            results[referral.id] = options[int(rng.random() * len(options))]

    return Encounter(
        id=f"enc:{obligation.key}",
        subject_id=child.id,
        on=on,
        obligation_key=obligation.key,
        role=obligation.role,
        performer=_performer(child, obligation.role),
        measurements=measurements,
        warning_signs=signs,
        regression=regression,
        risk_answers=risk,
        diagnoses=diagnoses,
        rickets=rickets,
        referral_results=results,
        guidance="养育照护指导" if _mentions(obligation, "养育照护指导") else None,
        notes="已建立健康档案" if _mentions(obligation, "健康档案") else None,
    )


def daycare_encounter(
    daycare: Daycare, obligation: Obligation, on: pendulum.Date, rng: random.Random
) -> Encounter:
    answers: dict[str, str] = {}
    notes: dict[str, str] = {}
    lecture = None
    correction = correction_of(daycare, obligation)
    if correction is not None:
        answers[correction.item] = "pass" if rng.random() < _CORRECTED else "fail"
    elif _mentions(obligation, "讲座"):
        lecture = _LECTURES[int(rng.random() * len(_LECTURES))]
    else:
        for item in _review_items():
            draw = rng.random()
            answers[item] = "fail" if draw < _REVIEW_FAIL else "pass"
            if answers[item] == "fail":
                notes[item] = "现场检查不合格，已提出整改意见"
    return Encounter(
        id=f"enc:{obligation.key}",
        subject_id=daycare.id,
        on=on,
        obligation_key=obligation.key,
        role=obligation.role,
        performer=daycare.health_instructor,
        review_answers=answers,
        review_notes=notes,
        lecture=lecture,
    )


def correction_of(daycare: Daycare, obligation: Obligation) -> Correction | None:
    """The correction an obligation hangs from (its occurrence is the correction's id)."""
    for correction in daycare.corrections:
        if correction.id == obligation.occurrence:
            return correction
    return None
