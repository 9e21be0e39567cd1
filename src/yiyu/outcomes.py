"""Recording a visit: validate it, compute what it found, and change the plan.

This is where child health care and child care join (医育结合): what a doctor measures
and ticks opens cases (专案), referrals (转诊) and daycare corrections, and closes them by
rule. The protocol's rules then schedule their follow-ups from those facts, so
:func:`record` returns the subject as it is after the visit and the new obligations.

Pure: the date comes in as ``as_of``; nothing is stored here (the store records the
encounter and the changed facts in one transaction).

Every check of an open case (专案) is kept in its course (:class:`yiyu.CaseCheck`), and the
referral and closing criteria read the course. They are data with their sources
(``instruments/data/case_management.toml`` and ``anaemia.toml``; docs/guide/recording.md
says which are the standard's and which are yiyu's):

* 低体重 / 生长迟缓 / 消瘦: severe → refer; moderate with two consecutive checks of poor
  weight gain, or length/height still growing poorly 3 months into care → refer (S4);
  closed when the index is back at or above −2 SD.
* 贫血: severe → refer; not better (Hb up by less than 10 g/L) or worse after a month of
  iron → refer (S4); closed when Hb is normal and still normal two months later.
* 佝偻病: active rickets not better after a month of vitamin D → refer; closed when the
  symptoms have been gone a month and the signs are better or normal.
* 超重 / 肥胖: judged by the growth scheme's index (BMI-for-age by default, 2024); closed
  after two consecutive checks at or below the overweight cut-off (D).

Growth is judged by the reference the protocol chooses (``[growth]`` in the protocol
data, :meth:`yiyu.Protocol.growth_reference`): the national layer evaluates every visit
with WS/T 423—2022 (the 五等级 and the nutrition status printed on the record) and, as the
2012 nutritional-disease standard (S4) says, opens and closes cases by WHO 2006 z-scores;
a region that chooses ``ws_t_423_2022`` for ``case_management`` has the standard's 表3
open them, and the courses of its cases keep the SD positions interpolated from the
standard's tables instead of z-scores.
* 养育风险高: a later assessment that is not high (D).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import overload

import attrs
import pendulum

from yiyu.dates import add_months, to_date
from yiyu.domain import (
    Case,
    CaseCheck,
    CaseCloseReason,
    CategoryKind,
    Child,
    Correction,
    Daycare,
    Encounter,
    Referral,
    ReferralKind,
    RicketsSigns,
    RicketsStage,
)
from yiyu.domain._convert import check_type
from yiyu.errors import ValidationError
from yiyu.instruments import anaemia as hb_rules
from yiyu.instruments import case_management as case_rules
from yiyu.instruments import daycare_review, wst423
from yiyu.instruments import growth as growth_z
from yiyu.instruments import rearing_risk as risk_form
from yiyu.instruments import warning_signs as signs_table
from yiyu.instruments.anaemia import AnaemiaResult
from yiyu.instruments.case_management import CaseManagement
from yiyu.instruments.daycare_review import ReviewResult
from yiyu.instruments.growth import GrowthFinding, GrowthThresholds, GrowthZ
from yiyu.instruments.rearing_risk import RiskAssessment, RiskForm
from yiyu.instruments.warning_signs import WarningSignResult
from yiyu.protocol import Protocol
from yiyu.scheduling import AssessmentAge, Obligation, assessment_age, schedule
from yiyu.scheduling.engine import DEFAULT_HORIZON_DAYS, check_horizon_days

__all__ = ["ChildRecord", "DaycareRecord", "Finding", "record", "screening_column"]

_GROWTH_CONDITIONS = {
    GrowthFinding.UNDERWEIGHT: CategoryKind.UNDERWEIGHT,
    GrowthFinding.SEVERE_UNDERWEIGHT: CategoryKind.UNDERWEIGHT,
    GrowthFinding.STUNTING: CategoryKind.STUNTING,
    GrowthFinding.SEVERE_STUNTING: CategoryKind.STUNTING,
    GrowthFinding.WASTING: CategoryKind.WASTING,
    GrowthFinding.SEVERE_WASTING: CategoryKind.WASTING,
    GrowthFinding.OVERWEIGHT: CategoryKind.OVERWEIGHT,
    GrowthFinding.OBESITY: CategoryKind.OBESITY,
    GrowthFinding.SEVERE_OBESITY: CategoryKind.OBESITY,
}
# Which z-score decides whether an undernutrition case still holds.
_INDEX = {
    CategoryKind.UNDERWEIGHT: "waz",
    CategoryKind.STUNTING: "haz",
    CategoryKind.WASTING: "whz",
}
_UNDERNUTRITION = frozenset(_INDEX)
_WEIGHT_EXCESS = frozenset({CategoryKind.OVERWEIGHT, CategoryKind.OBESITY})
# The rounded z-scores a growth check keeps in the course of a case.
_Z_KEYS = ("waz", "haz", "whz", "baz")
# The same indices under WS/T 423—2022 (its SD positions stand in for z-scores).
_NATIONAL_KEYS = {"waz": "wfa", "haz": "lhfa", "whz": "wlh", "baz": "bfa"}
_EXCESS_KEYS = {"whz": ("whz",), "baz": ("baz",), "either": ("whz", "baz")}


@attrs.frozen(kw_only=True)
class Finding:
    """One thing a visit found, in words a doctor prints."""

    code: str
    label_zh: str
    severity: str | None = None
    detail: str | None = None


@attrs.frozen(kw_only=True)
class ChildRecord:
    """What recording a child's visit found and changed.

    ``age`` is the age the visit was assessed by (corrected for a preterm child, see
    :func:`yiyu.assessment_age`); ``growth_thresholds`` the classification scheme used,
    which also says which z-score judged 超重/肥胖.

    ``growth`` holds the WHO 2006 z-scores and ``evaluation`` WS/T 423—2022's evaluation
    (grades by percentile and by SD, nutrition status), both computed whenever the visit
    measured something; ``evaluation_reference`` is the one the protocol prints and
    ``case_reference`` the one whose findings (``nutrition``) opened and closed cases.
    """

    encounter: Encounter
    obligation: Obligation | None
    in_window: bool | None
    age: AssessmentAge
    age_days: int
    assessed_age_days: int | None
    growth: GrowthZ | None
    growth_thresholds: GrowthThresholds
    nutrition: frozenset[GrowthFinding]
    evaluation: wst423.GrowthEvaluation | None = None
    evaluation_reference: str = "who_2006"
    case_reference: str = "who_2006"
    anaemia: AnaemiaResult | None
    warning_signs: WarningSignResult | None
    rearing_risk: RiskAssessment | None
    findings: tuple[Finding, ...]
    opened_cases: tuple[Case, ...]
    updated_cases: tuple[Case, ...]
    closed_cases: tuple[Case, ...]
    opened_referrals: tuple[Referral, ...]
    closed_referrals: tuple[Referral, ...]
    child: Child
    follow_ups: tuple[Obligation, ...]


@attrs.frozen(kw_only=True)
class DaycareRecord:
    """What recording a daycare visit found and changed."""

    encounter: Encounter
    obligation: Obligation | None
    in_window: bool | None
    review: ReviewResult | None
    findings: tuple[Finding, ...]
    opened_corrections: tuple[Correction, ...]
    closed_corrections: tuple[Correction, ...]
    daycare: Daycare
    follow_ups: tuple[Obligation, ...]


# A child's visit gives a ChildRecord and a daycare's a DaycareRecord: the overloads let
# a host's type checker know which, without an isinstance check.
@overload
def record(
    encounter: Encounter,
    subject: Child,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int = ...,
    growth_thresholds: GrowthThresholds | None = ...,
    anaemia_scheme: str | None = ...,
    rearing_form: RiskForm | None = ...,
    case_management: CaseManagement | None = ...,
) -> ChildRecord: ...


@overload
def record(
    encounter: Encounter,
    subject: Daycare,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int = ...,
    growth_thresholds: GrowthThresholds | None = ...,
    anaemia_scheme: str | None = ...,
    rearing_form: RiskForm | None = ...,
    case_management: CaseManagement | None = ...,
) -> DaycareRecord: ...


@overload
def record(
    encounter: Encounter,
    subject: Child | Daycare,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int = ...,
    growth_thresholds: GrowthThresholds | None = ...,
    anaemia_scheme: str | None = ...,
    rearing_form: RiskForm | None = ...,
    case_management: CaseManagement | None = ...,
) -> ChildRecord | DaycareRecord: ...


def record(
    encounter: Encounter,
    subject: Child | Daycare,
    protocol: Protocol,
    *,
    as_of: dt.date | str,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    growth_thresholds: GrowthThresholds | None = None,
    anaemia_scheme: str | None = None,
    rearing_form: RiskForm | None = None,
    case_management: CaseManagement | None = None,
) -> ChildRecord | DaycareRecord:
    """Validate a visit, compute its findings and the facts and follow-ups they cause.

    Args:
        encounter: what was done, measured and ticked.
        subject: the child or daycare as it was before the visit.
        protocol: from :func:`yiyu.load_protocol`.
        as_of: today (a ``datetime.date`` or ``YYYY-MM-DD``); an encounter dated after
            it is refused.
        horizon_days: how far ahead to list the new follow-ups (0 to
            :data:`~yiyu.scheduling.engine.MAX_HORIZON_DAYS`).
        growth_thresholds: the classification cut-offs; ``None``: the growth data's
            default scheme (``cn_2024``: S4's deficits, overweight and obesity by
            BMI-for-age after the 2024 体重管理指导原则).
        anaemia_scheme: the Hb cut-offs (``cn_2012`` or ``who_2024``); ``None``: the
            anaemia data's default (``cn_2012``).
        rearing_form: a region's own rearing-risk form instead of the default.
        case_management: a region's referral and closing criteria of managed cases
            (:func:`yiyu.instruments.case_management.load_case_management`); ``None``:
            the packaged ones.

    Returns:
        A :class:`ChildRecord` for a child or a :class:`DaycareRecord` for a daycare
        (typed so: no ``isinstance`` check is needed) with the findings, the opened
        and closed cases, referrals or corrections, the subject after the visit, and
        the obligations that did not exist before it.

    Raises:
        ValidationError: naming the field and value, if anything in the encounter or
            an argument is invalid: nothing is half-recorded, since nothing is recorded
            here at all.
    """
    check_type("encounter", encounter, Encounter, "an Encounter")
    check_type("subject", subject, (Child, Daycare), "a Child or a Daycare")
    check_type("protocol", protocol, Protocol, "a Protocol (from yiyu.load_protocol)")
    today = to_date(as_of, field="as_of")
    horizon = check_horizon_days(horizon_days)
    for field, value, kind, what in (
        ("growth_thresholds", growth_thresholds, GrowthThresholds, "GrowthThresholds"),
        ("anaemia_scheme", anaemia_scheme, str, "a scheme id (cn_2012, who_2024)"),
        ("rearing_form", rearing_form, RiskForm, "a RiskForm"),
        ("case_management", case_management, CaseManagement, "a CaseManagement"),
    ):
        if value is not None:
            check_type(field, value, kind, f"{what} or None")
    if anaemia_scheme is not None:
        try:  # an unknown scheme fails here, before any work, not at the first Hb
            hb_rules.load_anaemia().scheme(anaemia_scheme)
        except ValidationError as error:
            raise ValidationError("anaemia_scheme", error.value, error.rule) from None
    if encounter.subject_id != subject.id:
        raise ValidationError(
            "subject_id", encounter.subject_id, f"the encounter is not for {subject.id}"
        )
    if encounter.on > today:
        raise ValidationError("on", encounter.on.isoformat(), f"after today ({today})")
    until = max(today, encounter.on).add(days=horizon)
    before = schedule(subject, protocol, until=until)
    obligation = _obligation(encounter, subject, before)
    in_window = obligation.in_window(encounter.on) if obligation is not None else None
    if isinstance(subject, Child):
        return _record_child(
            encounter,
            subject,
            protocol,
            obligation=obligation,
            in_window=in_window,
            before=before,
            until=until,
            growth_thresholds=growth_thresholds or growth_z.load_growth_classification().scheme(),
            anaemia_scheme=anaemia_scheme,
            rearing_form=rearing_form,
            rules=case_management or case_rules.load_case_management(),
        )
    return _record_daycare(
        encounter, subject, protocol, obligation=obligation, in_window=in_window,
        before=before, until=until,
    )  # fmt: skip


def _obligation(
    encounter: Encounter, subject: Child | Daycare, planned: Iterable[Obligation]
) -> Obligation | None:
    if encounter.obligation_key is None:
        return None
    for obligation in planned:
        if obligation.key == encounter.obligation_key:
            return obligation
    raise ValidationError(
        "obligation_key", encounter.obligation_key, f"not an obligation of {subject.id}"
    )


def _new_follow_ups(
    before: Iterable[Obligation], after: Iterable[Obligation]
) -> tuple[Obligation, ...]:
    known = {obligation.key for obligation in before}
    return tuple(obligation for obligation in after if obligation.key not in known)


# --- children -------------------------------------------------------------------------------


@attrs.define
class _Changes:
    """The facts a visit changes, gathered while the rules run.

    Only the resulting cases and referrals are kept; what was opened, updated or closed
    is derived at the end by comparing with the child as it was.
    """

    cases: dict[str, Case]
    referrals: dict[str, Referral]
    findings: list[Finding] = attrs.Factory(list)

    def open_case(self, condition: CategoryKind) -> Case | None:
        for case in self.cases.values():
            if case.condition is condition and case.is_open:
                return case
        return None

    def ensure_case(
        self, condition: CategoryKind, encounter: Encounter, severity: str | None
    ) -> None:
        """Open a case of ``condition``, or refresh the open one (never a second one)."""
        case = self.open_case(condition)
        if case is None:
            new = Case(
                condition=condition,
                opened_on=encounter.on,
                opened_by=encounter.id,
                severity=severity,
            )
            # A case closed and found again on the same day keeps the closed record.
            self.cases.setdefault(new.id, new)
        else:
            self.cases[case.id] = attrs.evolve(
                case, severity=severity or case.severity, normal_since=None, normal_checks=0
            )

    def close_case(self, case: Case, encounter: Encounter) -> None:
        self.cases[case.id] = attrs.evolve(
            case,
            closed_on=encounter.on,
            closed_by=encounter.id,
            close_reason=CaseCloseReason.CRITERIA_MET,
        )

    def note(self, condition: CategoryKind, check: CaseCheck) -> Case | None:
        """Add ``check`` to the course of the open case of ``condition``, if there is one.

        One visit is one check: what it adds later (the Hb after the growth) joins it.
        """
        case = self.open_case(condition)
        if case is None:
            return None
        course = list(case.course)
        if course and course[-1].by == check.by and course[-1].on == check.on:
            last = course.pop()
            check = attrs.evolve(
                last,
                values={**last.values, **check.values},
                stage=check.stage or last.stage,
                symptoms=last.symptoms if check.symptoms is None else check.symptoms,
                signs=check.signs or last.signs,
            )
        updated = attrs.evolve(case, course=(*course, check))
        self.cases[case.id] = updated
        return updated

    def refer(self, kind: ReferralKind, encounter: Encounter, reason: str) -> None:
        if any(r.kind is kind and r.is_open for r in self.referrals.values()):
            return  # already referred and not back yet
        referral = Referral(
            kind=kind, opened_on=encounter.on, reason=reason, opened_by=encounter.id
        )
        self.referrals.setdefault(referral.id, referral)


def _compare_cases(
    before: Iterable[Case], after: Iterable[Case]
) -> tuple[tuple[Case, ...], tuple[Case, ...], tuple[Case, ...]]:
    """(opened, updated, closed) by this visit."""
    old = {case.id: case for case in before}
    opened = tuple(case for case in after if case.id not in old)
    closed = tuple(case for case in after if case.id in old and old[case.id].is_open
                   and not case.is_open)  # fmt: skip
    updated = tuple(case for case in after if case.id in old and case.is_open
                    and case != old[case.id])  # fmt: skip
    return opened, updated, closed


def _record_child(
    encounter: Encounter,
    child: Child,
    protocol: Protocol,
    *,
    obligation: Obligation | None,
    in_window: bool | None,
    before: list[Obligation],
    until: pendulum.Date,
    growth_thresholds: GrowthThresholds,
    anaemia_scheme: str | None,
    rearing_form: RiskForm | None,
    rules: CaseManagement,
) -> ChildRecord:
    on = encounter.on
    if on < child.birth_date:
        raise ValidationError(
            "on", on.isoformat(), f"before the child's birth ({child.birth_date})"
        )
    leaving = child.leaving
    if leaving is not None and on > leaving.on:
        # No longer this area's child (a visit on the day itself still happened here):
        # a case it opened would stay open for ever, with no one to follow it.
        raise ValidationError(
            "on", on.isoformat(), f"after the child left ({leaving.kind.label_zh} {leaving.on})"
        )
    # The rules see a case the child's leaving closed as the visits left it (a visit
    # before the move, entered late or printed again): building the child after the visit
    # closes it again, unless the visit closed it first.
    recorded = tuple(case.as_recorded() for case in child.cases)
    changes = _Changes(
        cases={case.id: case for case in recorded},
        referrals={referral.id: referral for referral in child.referrals},
    )
    age = assessment_age(child, on, protocol)
    # Before term-equivalent age there is no z-score to compute (WHO's tables start at 0).
    assessed_days = age.days if age.days >= 0 else None

    case_reference = protocol.growth_reference("case_management")
    z, national, nutrition = _growth(
        encounter, child, assessed_days, growth_thresholds, changes, rules, case_reference
    )
    hb = _anaemia(encounter, age, anaemia_scheme, changes)
    signs = _warning_signs(encounter, age, obligation, changes)
    risk = _rearing_risk(encounter, rearing_form, changes)
    _diagnoses(encounter, changes)
    _rickets(encounter, changes, rules)
    _referral_results(encounter, changes)

    after = attrs.evolve(
        child,
        cases=tuple(changes.cases.values()),
        referrals=tuple(changes.referrals.values()),
    )
    final = {case.id: case for case in after.cases}
    opened, updated, closed = (
        tuple(final[case.id] for case in group)
        for group in _compare_cases(recorded, [case.as_recorded() for case in after.cases])
    )
    old_referrals = {referral.id: referral for referral in child.referrals}
    return ChildRecord(
        encounter=encounter,
        obligation=obligation,
        in_window=in_window,
        age=age,
        age_days=age.chronological_days,
        assessed_age_days=assessed_days,
        growth=z,
        growth_thresholds=growth_thresholds,
        nutrition=nutrition,
        evaluation=national,
        evaluation_reference=protocol.growth_reference("evaluation"),
        case_reference=case_reference,
        anaemia=hb,
        warning_signs=signs,
        rearing_risk=risk,
        findings=tuple(changes.findings),
        opened_cases=opened,
        updated_cases=updated,
        closed_cases=closed,
        opened_referrals=tuple(r for r in after.referrals if r.id not in old_referrals),
        closed_referrals=tuple(
            r
            for r in after.referrals
            if r.id in old_referrals and old_referrals[r.id].is_open and not r.is_open
        ),
        child=after,
        follow_ups=_new_follow_ups(before, schedule(after, protocol, until=until)),
    )


@attrs.frozen(kw_only=True)
class _Judged:
    """A visit's growth as the case-management reference judges it.

    ``scores``: the indices a case's course keeps (``waz``, ``haz``, ``whz``, ``baz``):
    WHO z-scores, or WS/T 423's SD positions. ``excess_normal``: whether the index that
    judges 超重/肥胖 was measured and is below the overweight band (``None``: not measured).
    """

    found: frozenset[GrowthFinding]
    scores: Mapping[str, float]
    excess_normal: bool | None
    details: Mapping[CategoryKind, str]


def _growth(
    encounter: Encounter,
    child: Child,
    assessed_days: int | None,
    thresholds: GrowthThresholds,
    changes: _Changes,
    rules: CaseManagement,
    case_reference: str,
) -> tuple[GrowthZ | None, wst423.GrowthEvaluation | None, frozenset[GrowthFinding]]:
    m = encounter.measurements
    if assessed_days is None or (m.weight_kg is None and m.length_cm is None and m.head_cm is None):
        return None, None, frozenset()
    z = growth_z.zscores(
        child.sex,
        assessed_days,
        weight_kg=m.weight_kg,
        length_cm=m.length_cm,
        measured=m.measured,
        head_cm=m.head_cm,
    )
    national = wst423.evaluate(
        child.sex,
        age_days=assessed_days,
        weight_kg=m.weight_kg,
        length_cm=m.length_cm,
        measured=m.measured,
        head_cm=m.head_cm,
    )
    judged = (
        _judged_national(national, thresholds)
        if case_reference == wst423.REFERENCE
        else _judged_who(z, thresholds)
    )
    found = judged.found
    present: dict[CategoryKind, GrowthFinding] = {}
    for finding in sorted(found, key=lambda f: f.value):  # a frozenset: fix the order
        condition = _GROWTH_CONDITIONS[finding]
        present[condition] = finding
        changes.findings.append(
            Finding(
                code=condition.value,
                label_zh=finding.label_zh,
                severity="severe" if finding.is_severe else "moderate",
                detail=judged.details.get(condition),
            )
        )
    for condition, finding in present.items():
        if condition is CategoryKind.OBESITY:
            overweight = changes.open_case(CategoryKind.OVERWEIGHT)
            if overweight is not None:  # reclassified upwards: one case per condition
                changes.close_case(overweight, encounter)
        if condition is CategoryKind.OVERWEIGHT and changes.open_case(CategoryKind.OBESITY):
            continue  # an obesity case improving to overweight stays one case
        changes.ensure_case(condition, encounter, "severe" if finding.is_severe else "moderate")
        if finding.is_severe and condition in _UNDERNUTRITION:
            # S4 (digest §5, V): severe undernutrition is referred.
            changes.refer(ReferralKind.NUTRITION, encounter, f"重度{condition.label_zh}")
    check = CaseCheck(on=encounter.on, by=encounter.id, values=dict(judged.scores))
    for condition in (*_UNDERNUTRITION, *_WEIGHT_EXCESS):
        changes.note(condition, check)
    _undernutrition_trends(encounter, changes, rules)
    for case in list(changes.cases.values()):
        if not case.is_open or case.condition in present:
            continue
        if case.condition in _UNDERNUTRITION:
            if _INDEX[case.condition] in judged.scores:  # measured, and back at or above −2 SD
                changes.close_case(case, encounter)
        elif case.condition in _WEIGHT_EXCESS:
            _weight_excess_course(case, judged.excess_normal, encounter, changes, present, rules)
    return z, national, found


def _judged_who(z: GrowthZ, thresholds: GrowthThresholds) -> _Judged:
    excess = thresholds.excess_z(z)
    found = growth_z.classify(z, thresholds)
    return _Judged(
        found=found,
        scores={key: value for key in _Z_KEYS if (value := getattr(z, key)) is not None},
        excess_normal=None if excess is None else excess <= thresholds.overweight_above,
        details={
            _GROWTH_CONDITIONS[finding]: _z_detail(z, _GROWTH_CONDITIONS[finding], thresholds)
            for finding in found
        },
    )


def _judged_national(evaluation: wst423.GrowthEvaluation, thresholds: GrowthThresholds) -> _Judged:
    found = evaluation.findings(thresholds.excess_index)
    items = {key: evaluation.get(name) for key, name in _NATIONAL_KEYS.items()}
    scores = {key: item.sd_position for key, item in items.items() if item is not None}
    excess_items = [
        item for key in _EXCESS_KEYS[thresholds.excess_index] if (item := items[key]) is not None
    ]
    excess_normal = (
        None
        if not excess_items
        else all(
            item.status is None or item.status.from_sd is None or item.status.from_sd < 1
            for item in excess_items
        )
    )
    details: dict[CategoryKind, str] = {}
    for finding in found:
        condition = _GROWTH_CONDITIONS[finding]
        keys = (
            _EXCESS_KEYS[thresholds.excess_index]
            if condition in _WEIGHT_EXCESS
            else (_INDEX[condition],)
        )
        details[condition] = "，".join(
            f"{_NATIONAL_NAMES[key]} {item.value:g}：{item.status.label if item.status else '—'}"
            f"（{item.rows_label}，SD位置 {item.sd_position:+.2f}）"
            for key in keys
            if (item := items[key]) is not None
        )
    return _Judged(found=found, scores=scores, excess_normal=excess_normal, details=details)


_NATIONAL_NAMES = {
    "waz": "年龄别体重",
    "haz": "年龄别身长/身高",
    "whz": "身长/身高别体重",
    "baz": "年龄别BMI",
}


def _undernutrition_trends(encounter: Encounter, changes: _Changes, rules: CaseManagement) -> None:
    """Refer a moderate undernutrition case that does not respond to care (S4, V).

    Two consecutive checks of poor weight gain (the weight-for-age z falling, a yiyu
    reading), or the length/height-for-age z below its value at the case's opening after
    3 months of care (S4: 3–6 months), refer the child; a severe case is referred already.
    """
    for condition in sorted(_UNDERNUTRITION, key=lambda c: c.value):
        case = changes.open_case(condition)
        if case is None or case.severity == "severe":
            continue
        if case_rules.falling_run(case.course, "waz") >= rules.refer_poor_gain_checks.value:
            changes.refer(
                ReferralKind.NUTRITION,
                encounter,
                f"中度{condition.label_zh}，连续{rules.refer_poor_gain_checks.value}次体重增长不良",
            )
        months = rules.refer_length_after_months.value
        change = case_rules.change_since_opening(case, "haz")
        if encounter.on >= add_months(case.opened_on, months) and change is not None and change < 0:
            changes.refer(
                ReferralKind.NUTRITION,
                encounter,
                f"中度{condition.label_zh}，管理{months}个月后身长（身高）仍增长不良",
            )


def _weight_excess_course(
    case: Case,
    normal: bool | None,
    encounter: Encounter,
    changes: _Changes,
    present: Mapping[CategoryKind, GrowthFinding],
    rules: CaseManagement,
) -> None:
    """Count the checks at or below the overweight cut-off; enough in a row close it (D)."""
    if normal is None:
        return
    if case.condition is CategoryKind.OBESITY and CategoryKind.OVERWEIGHT in present:
        return  # improving to overweight: still one case, still managed
    case = changes.cases[case.id]  # with this visit's check in its course
    if normal:
        checks = case.normal_checks + 1
        if checks >= rules.excess_close_checks.value:
            changes.close_case(case, encounter)
        else:
            changes.cases[case.id] = attrs.evolve(case, normal_checks=checks)
    elif case.normal_checks:
        changes.cases[case.id] = attrs.evolve(case, normal_checks=0)


def _z_detail(z: GrowthZ, condition: CategoryKind, thresholds: GrowthThresholds) -> str:
    names = {"waz": "WAZ", "haz": "LAZ/HAZ", "whz": "WLZ/WHZ", "baz": "BAZ"}
    indices: tuple[str, ...]
    if condition in _WEIGHT_EXCESS:
        indices = (
            ("whz", "baz") if thresholds.excess_index == "either" else (thresholds.excess_index,)
        )
    else:
        indices = (_INDEX[condition],)
    return "，".join(
        f"{names[index]} {value:+.2f}"
        for index in indices
        if (value := getattr(z, index)) is not None
    )


def _anaemia(
    encounter: Encounter, age: AssessmentAge, scheme: str | None, changes: _Changes
) -> AnaemiaResult | None:
    hb = encounter.measurements.hb_g_l
    if hb is None:
        return None
    # Hb cut-offs are by chronological age, also for a preterm child (S4: 6 months–6
    # years < 110 g/L): corrected age is for growth and development only.
    result = hb_rules.classify_hb(hb, age.chronological_months, scheme=scheme)
    if not result.assessed:
        return result
    follow = hb_rules.load_anaemia().follow_up
    if result.anaemic:
        severity = result.severity.value if result.severity is not None else None
        label = result.severity.label_zh if result.severity is not None else ""
        changes.findings.append(
            Finding(
                code="anaemia",
                label_zh=f"{label}贫血",
                severity=severity,
                detail=f"Hb {hb:g} g/L < {result.threshold:g}",
            )
        )
        changes.ensure_case(CategoryKind.ANAEMIA, encounter, severity)
        if result.severity is hb_rules.Severity.SEVERE and follow.refer_if_severe.value:
            # S4 (V): severe anaemia is referred.
            changes.refer(ReferralKind.ANAEMIA, encounter, f"重度贫血 Hb {hb:g} g/L")
    case = changes.note(
        CategoryKind.ANAEMIA, CaseCheck(on=encounter.on, by=encounter.id, values={"hb_g_l": hb})
    )
    if case is None:
        return result
    if result.anaemic:
        _anaemia_response(case, hb, encounter, changes, follow)
    elif case.normal_since is None:
        changes.cases[case.id] = attrs.evolve(case, normal_since=encounter.on)
    elif encounter.on >= add_months(case.normal_since, follow.continue_iron_months.value):
        changes.close_case(case, encounter)
    return result


def _anaemia_response(
    case: Case, hb: float, encounter: Encounter, changes: _Changes, follow: hb_rules.FollowUp
) -> None:
    """Refer an anaemia not better, or worse, after a month of iron (S4, V).

    "Better" is read from the course of the case: Hb up by at least the 疗效标准's 10 g/L
    since the Hb that opened it.
    """
    months = follow.refer_no_improvement_months.value
    opening = case_rules.opening_value(case, "hb_g_l")
    if opening is None or encounter.on < add_months(case.opened_on, months):
        return
    rise = hb - opening
    if rise >= follow.improvement_g_l.value:
        return
    how = "加重" if rise < 0 else "无改善"
    changes.refer(
        ReferralKind.ANAEMIA,
        encounter,
        f"贫血经铁剂治疗{months}个月{how}（Hb {opening:g} → {hb:g} g/L）",
    )


def _warning_signs(
    encounter: Encounter,
    age: AssessmentAge,
    obligation: Obligation | None,
    changes: _Changes,
) -> WarningSignResult | None:
    if not encounter.warning_signs and encounter.warning_sign_column is None:
        if encounter.regression:
            changes.refer(ReferralKind.AUTISM_RESCREEN, encounter, "语言或社交能力倒退")
            changes.findings.append(
                Finding(code="autism_screen_positive", label_zh="孤独症初筛阳性：能力倒退")
            )
        return None
    column = encounter.warning_sign_column
    if column is None:
        found = screening_column(age, obligation)
        if found is None:
            which = "corrected age" if age.corrected else "age"
            raise ValidationError(
                "warning_signs",
                dict(encounter.warning_signs),
                f"no 预警征象 column applies at {which} {age.months} months (the first is at 3)",
            )
        column = found.id
    result = signs_table.screen(
        column, encounter.warning_signs, regression=bool(encounter.regression)
    )
    if result.positive:
        changes.findings.append(
            Finding(
                code="warning_signs_positive",
                label_zh="预警征象阳性",
                detail="、".join(
                    signs_table.load_warning_signs().item(item).text
                    for item in result.positive_items
                ),
            )
        )
        changes.refer(ReferralKind.DEVELOPMENT, encounter, "预警征象阳性")
    if result.autism_referral:
        changes.findings.append(Finding(code="autism_screen_positive", label_zh="孤独症初筛阳性"))
        # S6 (digest §3, V): refer to the county MCH institution for re-screening.
        changes.refer(ReferralKind.AUTISM_RESCREEN, encounter, "孤独症初筛阳性")
    return result


def screening_column(
    age: AssessmentAge, obligation: Obligation | None
) -> signs_table.Column | None:
    """The 预警征象 column a visit screens against, unless the doctor names another.

    At a scheduled check it is the check's own column (the record forms print each
    visit's column, digest §2); off schedule, the latest key age not after the child's
    age. A preterm child is screened by corrected age while it applies
    (:func:`yiyu.assessment_age`), scheduled or not: at the 6-month check a child born at
    28 weeks (corrected 3 months) gets the 3-month column.

    Args:
        age: from :func:`yiyu.assessment_age` on the day of the visit.
        obligation: the check the visit fulfils, if any.

    Returns:
        The column, or ``None`` when none applies (before 3 months of assessed age).
    """
    if obligation is not None and obligation.checklist is not None and not age.corrected:
        return signs_table.load_warning_signs().column(obligation.checklist)
    return signs_table.column_for(age_months=age.months)


def _rearing_risk(
    encounter: Encounter, form: RiskForm | None, changes: _Changes
) -> RiskAssessment | None:
    if not encounter.risk_answers:
        return None
    result = risk_form.assess(encounter.risk_answers, form)
    case = changes.open_case(CategoryKind.REARING_RISK_HIGH)
    if result.level is risk_form.RiskLevel.HIGH:
        changes.findings.append(
            Finding(code="rearing_risk_high", label_zh="养育风险高", severity="high")
        )
        changes.ensure_case(CategoryKind.REARING_RISK_HIGH, encounter, "high")
    elif case is not None:
        changes.close_case(case, encounter)
    return result


def _diagnoses(encounter: Encounter, changes: _Changes) -> None:
    for condition in encounter.diagnoses:
        changes.findings.append(Finding(code=condition.value, label_zh=condition.label_zh))
        changes.ensure_case(condition, encounter, None)


def _rickets(encounter: Encounter, changes: _Changes, rules: CaseManagement) -> None:
    """A rickets check: opens the case, sets its stage (the cadence), refers, closes.

    活动期 is followed monthly and 恢复期 every 2 months (the protocol's rickets_follow_up
    reads the stages in the course). Active rickets not better after a month of vitamin D
    is referred to rule out other rickets (S4, M); the case closes once the symptoms have
    been gone a month (S4: 1–3) and the signs are better or normal.
    """
    found = encounter.rickets
    if found is None:
        return
    active = found.stage is not RicketsStage.SEQUELAE
    if active and CategoryKind.RICKETS not in encounter.diagnoses:
        changes.findings.append(
            Finding(code="rickets", label_zh=f"佝偻病（{found.stage.label_zh}）")
        )
        changes.ensure_case(CategoryKind.RICKETS, encounter, None)
    check = CaseCheck(
        on=encounter.on,
        by=encounter.id,
        stage=found.stage,
        symptoms=found.symptoms,
        signs=found.signs,
    )
    case = changes.note(CategoryKind.RICKETS, check)
    if case is None:
        return
    months = rules.rickets_refer_after_months.value
    better = found.signs in (RicketsSigns.IMPROVED, RicketsSigns.NORMAL)
    if (
        found.stage is RicketsStage.ACTIVE
        and found.signs in (RicketsSigns.UNCHANGED, RicketsSigns.WORSE)
        and encounter.on >= add_months(case.opened_on, months)
    ):
        changes.refer(
            ReferralKind.NUTRITION,
            encounter,
            f"活动期佝偻病维生素D治疗{months}个月无改善，需排除其他原因",
        )
    since = case_rules.symptom_free_since(case.course)
    free = rules.rickets_symptom_free_months.value
    if better and since is not None and encounter.on >= add_months(since, free):
        changes.close_case(case, encounter)


def _referral_results(encounter: Encounter, changes: _Changes) -> None:
    for referral_id, result in encounter.referral_results.items():
        referral = changes.referrals.get(referral_id)
        if referral is None:
            raise ValidationError(
                f"referral_results[{referral_id!r}]", result, "no such referral for this child"
            )
        if not referral.is_open:
            raise ValidationError(
                f"referral_results[{referral_id!r}]", result, "the referral is already closed"
            )
        changes.referrals[referral_id] = attrs.evolve(
            referral, closed_on=encounter.on, result=result
        )


# --- daycares -------------------------------------------------------------------------------


def _record_daycare(
    encounter: Encounter,
    daycare: Daycare,
    protocol: Protocol,
    *,
    obligation: Obligation | None,
    in_window: bool | None,
    before: list[Obligation],
    until: pendulum.Date,
) -> DaycareRecord:
    if encounter.on < daycare.opened_on:
        raise ValidationError(
            "on", encounter.on.isoformat(), f"before the daycare opened ({daycare.opened_on})"
        )
    corrections = {correction.id: correction for correction in daycare.corrections}
    opened: list[Correction] = []
    closed: list[Correction] = []
    findings: list[Finding] = []
    result: ReviewResult | None = None
    answers = encounter.review_answers
    open_items = {c.item: c for c in corrections.values() if c.is_open}
    corrective = obligation is not None and obligation.rule == "daycare_correction_visit"
    partial = set(answers) <= set(open_items) and len(answers) < _item_count()
    if answers and (corrective or partial):
        # A corrective follow-up checks only the items that failed (even one put right in
        # the meantime, at a quarterly visit after its own re-check window had closed).
        checked = _checked_items(answers, encounter.review_notes)
    else:
        result = daycare_review.review(answers, encounter.review_notes) if answers else None
        checked = _results_of(result) if result is not None else {}
    for item, passed in checked.items():
        current = open_items.get(item)
        if passed and current is not None:
            done = attrs.evolve(current, closed_on=encounter.on)
            corrections[current.id] = done
            closed.append(done)
        elif not passed:
            findings.append(
                Finding(
                    code="review_item_failed",
                    label_zh=f"不合格：{daycare_review.item_text(item)}",
                    detail=encounter.review_notes.get(item),
                )
            )
            if current is None:
                new = Correction(
                    item=item,
                    opened_on=encounter.on,
                    note=encounter.review_notes.get(item),
                    opened_by=encounter.id,
                )
                if new.id not in corrections:
                    corrections[new.id] = new
                    opened.append(new)
    after = attrs.evolve(daycare, corrections=tuple(corrections.values()))
    return DaycareRecord(
        encounter=encounter,
        obligation=obligation,
        in_window=in_window,
        review=result,
        findings=tuple(findings),
        opened_corrections=tuple(opened),
        closed_corrections=tuple(closed),
        daycare=after,
        follow_ups=_new_follow_ups(before, schedule(after, protocol, until=until)),
    )


def _item_count() -> int:
    return len(daycare_review.load_review().items)


def _checked_items(answers: Mapping[str, str], notes: Mapping[str, str]) -> dict[str, bool]:
    known = {item.id for item in daycare_review.load_review().items}
    checked: dict[str, bool] = {}
    for item, answer in answers.items():
        if item not in known:
            raise ValidationError(f"review_answers[{item!r}]", answer, "not a checklist item")
        value = daycare_review.ReviewAnswer.parse(answer, field=f"review_answers[{item!r}]")
        if value is not daycare_review.ReviewAnswer.NOT_APPLICABLE:
            checked[item] = value is daycare_review.ReviewAnswer.PASS
    return checked


def _results_of(result: ReviewResult) -> dict[str, bool]:
    checked = dict.fromkeys(result.failed, False)
    checked.update(dict.fromkeys(result.passed, True))
    return checked
