"""Coverage indicators: the city plan's targets, computed from the obligations themselves.

Nothing here is a counter kept on the side: every number is derived from the stored
obligations, their completion dates and the subjects' facts, for a period and an area,
so the health bureau reads the same facts the doctors work from. Pure: the store's
contents come in, results go out.

Counting rules, common to every indicator unless its definition says otherwise:

* an obligation belongs to the period its window **closes** in (a 3-month check closing
  on 30 June belongs to the second quarter), so a period is judged once it is over;
* **done** means done inside the window; done after it is counted as **late**, apart;
* a **skipped** obligation counts by its reason, as the protocol's ``[skip_reasons]`` say
  (:meth:`yiyu.Protocol.skip_effect`): ``done_elsewhere`` is done (counted, and reported
  apart as ``elsewhere``), ``not_applicable`` leaves the denominator, the others (family
  refused …) stay in it: the service was not delivered; a **cancelled** one (the child
  moved out or died, or the case closed, while it was open) and a **withdrawn** one (no
  longer planned) are not counted;
* everything is judged as it stood on ``as_of``: an encounter, a skip or a result dated
  after it has not happened yet;
* a period that has not ended on ``as_of`` is reported ``final = False`` (its figures will
  change), and a denominator under 20 (``SMALL_DENOMINATOR``, a yiyu default) is
  ``small``: its rate is printed without a verdict;
* an obligation whose window closed before the child was registered here is not
  counted: it was another area's;
* the area is the subject's township (镇街) as stored; ``None`` is the whole city.

Indicators over resident children (unit ``resident``: 家庭医生签约率, the 科学育儿 proxy)
count children, not obligations: the children who live in the area at the period's end
(born by then, registered here by then, not moved out or dead by then), whether or not
anything fell due for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import pendulum

from yiyu.dates import Period, add_months
from yiyu.domain import Case, Child
from yiyu.errors import ValidationError
from yiyu.protocol import Protocol
from yiyu.scheduling import tracked_referral
from yiyu.store.api import StoredObligation

__all__ = [
    "INDICATORS",
    "SMALL_DENOMINATOR",
    "Indicator",
    "IndicatorResult",
    "Shortfall",
    "coverage",
    "indicators_markdown",
]

ROUTINE = ("m3", "m6", "m8", "m12", "m18", "m24", "m30", "m36")
ROUTINE_0_6 = (*ROUTINE, "y4", "y5", "y6")
CHILD_VISITS = ("newborn_home_visit", "one_month", *ROUTINE)
# ``daycare_recheck`` (S11: 离园3个月以上重新体检) is listed before the protocol has it,
# so the indicator counts it as soon as a protocol layer adds the rule.
DAYCARE_ENTRY = ("daycare_entry_check", "daycare_recheck")
# The mark of a planned health guidance in an obligation's contents: S1 lists 健康指导 in
# every check, and the newborn, high-risk and rearing visits name their 指导.
GUIDANCE = "指导"
SEVEN_YEARS_MONTHS = 84
SMALL_DENOMINATOR = 20
"""Below this many, a rate says little: it is printed without a verdict (a yiyu default)."""
CASE_FOLLOW_UPS = (
    "nutrition_case_follow_up", "anaemia_recheck", "anaemia_follow_up",
    "overweight_follow_up", "rickets_follow_up",
)  # fmt: skip


@attrs.frozen(kw_only=True)
class Indicator:
    """How one indicator is counted, and where that definition comes from.

    ``unit`` says what is counted: ``obligation`` (each obligation of ``rules``),
    ``child`` (the children with one of ``rules`` falling due in the period), ``resident``
    (every child living in the area at the period's end; ``rules`` is empty) or ``case``.
    """

    id: str
    name: str
    unit: str  # "obligation", "child", "resident" or "case"
    rules: tuple[str, ...]
    definition: str
    source: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        id="newborn_visit",
        name="新生儿访视率",
        unit="obligation",
        rules=("newborn_home_visit",),
        definition="新生儿家庭访视中时间窗在本期结束且在窗内完成的比例（按应做事项计）",
        source="S1 (digest §1.3: 接受≥1次访视的新生儿数/活产数); counted per planned visit: yiyu",
    ),
    Indicator(
        id="dev_screening_0_3",
        name="0—3岁儿童发育监测筛查率",
        unit="obligation",
        rules=ROUTINE,
        definition="3—36月龄健康检查（含预警征象筛查）中时间窗在本期结束且在窗内完成的比例",
        source="LOCAL (target only; the plan gives no definition, digest §9 q6): yiyu's definition",
    ),
    Indicator(
        id="infant_health_management",
        name="婴幼儿健康管理率",
        unit="child",
        rules=CHILD_VISITS,
        definition=(
            "本期有随访到期（时间窗在本期结束）的3岁以下儿童中，至少1次到期随访按时（窗内）完成的"
            "儿童比例（逾期完成不计）"
        ),
        source=(
            "S1 (digest §1.3: 儿童健康管理率 = 接受≥1次随访的儿童数/儿童数, yearly); per period, "
            "by the visits falling due in it: yiyu"
        ),
    ),
    Indicator(
        id="under3_systematic_management",
        name="3岁以下儿童系统管理率",
        unit="child",
        rules=ROUTINE,
        definition="本期有健康检查到期的3岁以下儿童中，到期检查全部按时（窗内）完成的儿童比例（4:2:2）",
        source="S1 (digest §1.3: 3岁以下儿童系统管理率, V3): yiyu's reading per period",
    ),
    Indicator(
        id="family_doctor_contract",
        name="0—6岁儿童家庭医生签约率",
        unit="resident",
        rules=(),
        definition=(
            "本期末居住在本辖区的0—6岁儿童（期末未满7周岁；期末前已登记在册，期末未迁出、"
            "未死亡；本期内迁出者不计）中，已签约家庭医生的儿童比例。签约情况按登记库当前"
            "记录判断（登记库不保存签约日期），往期的数字也按当前签约计算"
        ),
        source=(
            "LOCAL (city plan 三(三)10: 完善0—6岁儿童家庭医生签约服务，做到应签尽签; "
            "target only, no definition): yiyu's definition, read from the registry's "
            "family_doctor as stored now"
        ),
    ),
    Indicator(
        id="parenting_knowledge",
        # The plan's name, marked: the table and chart show names only, and this number
        # is a proxy for it (see the definition).
        name="婴幼儿家长科学育儿知识普及率（替代指标）",
        unit="resident",
        rules=(),
        definition=(
            "替代指标（yiyu 自定义，证据 D）：yiyu 不记录家长育儿知识调查，以“本期获得健康指导”"
            "代替“知识普及”，衡量的是指导已送达，而非家长已掌握知识。分母：本期内曾未满3周岁"
            "（36月龄）、期末前已登记且期末仍居住在本辖区的儿童；分子：其中本期内（完成日期在本期）"
            "至少完成1次计划内容含“指导”的随访或检查的儿童（逾期完成的也算）。宜按年度统计："
            "1岁后健康检查间隔6个月，按季度或月统计时，本期没有检查到期的儿童也计为未获指导"
        ),
        source=(
            "LOCAL (city plan 二: 婴幼儿家长科学育儿知识普及率90%以上; target only, no "
            "definition, and yiyu records no knowledge survey): yiyu's proxy, evidence D: "
            "guidance delivered (S1: 健康指导 in every check, the newborn and family-doctor "
            "visits), not knowledge measured"
        ),
    ),
    Indicator(
        id="daycare_quarterly_visit",
        name="托育机构季度实地指导覆盖率",
        unit="obligation",
        rules=("daycare_quarterly_visit",),
        definition="开办的托育机构中，本期各季度由健康指导员实地指导（窗内完成）的比例",
        source="LOCAL (city plan 三(三)9)",
    ),
    Indicator(
        id="daycare_lecture",
        name="托育机构半年健康讲座覆盖率",
        unit="obligation",
        rules=("daycare_lecture",),
        definition="本期结束的半年度中组织了婴幼儿健康知识讲座的托育机构比例",
        source="LOCAL (city plan 三(三)9)",
    ),
    Indicator(
        id="daycare_annual_review",
        name="托育机构年度卫生保健梳理覆盖率",
        unit="obligation",
        rules=("daycare_annual_review",),
        definition="本期结束的年度中完成卫生保健工作梳理的托育机构比例",
        source="LOCAL (city plan 三(三)9)",
    ),
    Indicator(
        id="daycare_entry_check",
        name="入托（园）健康检查率",
        unit="obligation",
        rules=DAYCARE_ENTRY,
        definition=(
            "入托（园）健康检查及离园3个月以上重新入园的体检中，时间窗在本期结束且在窗内完成的比例"
        ),
        source=(
            "S11 (digest §6 item 4: entry check; re-check if away > 3 months), "
            "counted per planned check: yiyu"
        ),
    ),
    Indicator(
        id="vulnerable_assessment",
        name="困境儿童养育风险评估覆盖率",
        unit="obligation",
        rules=("vulnerable_risk_assessment",),
        definition="孤儿、事实无人抚养儿童、残疾儿童中，本期结束的年度评估按时完成的比例",
        source="LOCAL (city plan 三(二)8)",
    ),
    Indicator(
        id="high_risk_case_management",
        name="高危儿专案管理率",
        unit="child",
        rules=("high_risk_follow_up",),
        definition="本期有高危儿（早产儿）随访到期的儿童中，本期至少按时随访1次的儿童比例",
        source="S9 (digest §4: 专案管理率, V3): yiyu's reading per period",
    ),
    Indicator(
        id="high_risk_follow_up",
        name="高危儿随访完成率",
        unit="obligation",
        rules=("high_risk_follow_up",),
        definition="高危儿（早产儿）随访中时间窗在本期结束且在窗内完成的比例",
        source="S9, S10 (digest §4): yiyu",
    ),
    Indicator(
        id="nutrition_case_follow_up",
        name="营养性疾病专案随访率",
        unit="obligation",
        rules=CASE_FOLLOW_UPS,
        definition="营养不良、贫血、超重肥胖、佝偻病专案随访中时间窗在本期结束且按时完成的比例",
        source="S4 (digest §5): yiyu",
    ),
    Indicator(
        id="case_closing",
        name="专案结案率",
        unit="case",
        rules=(),
        definition=(
            "本期内处于管理中的专案（期初在管或本期新建）中，本期结案的比例"
            "（儿童迁出、死亡而结束的专案不计入）"
        ),
        source="S4 (digest §5: 结案): yiyu",
    ),
    Indicator(
        id="autism_initial_screening",
        name="孤独症初筛率",
        unit="obligation",
        rules=ROUTINE_0_6,
        definition="3月龄—6岁健康检查（预警征象及能力倒退询问）中时间窗在本期结束且按时完成的比例",
        source="S6 (digest §3: 初筛率): counted per planned screen: yiyu",
    ),
    Indicator(
        id="autism_referral_completion",
        name="孤独症初筛阳性转诊完成率",
        unit="obligation",
        rules=("autism_rescreen_referral",),
        definition="初筛阳性转诊追踪中，时间窗在本期结束且窗内记录了复筛结果的比例",
        source="S6 (digest §3: 复筛率): yiyu",
    ),
)


@attrs.frozen(kw_only=True)
class Shortfall:
    """One subject or obligation counted in the denominator but not the numerator."""

    subject_id: str
    key: str | None
    reason: str  # missed, late, skipped, not_seen, open, not_contracted, no_guidance


@attrs.frozen(kw_only=True)
class IndicatorResult:
    indicator: str
    name: str
    area: str
    period: str
    numerator: int
    denominator: int
    late: int
    skipped: int
    target: float | None
    target_strict: bool
    definition: str
    source: str
    shortfall: tuple[Shortfall, ...]
    elsewhere: int = 0
    final: bool = True
    small_below: int = SMALL_DENOMINATOR

    @property
    def rate(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator

    @property
    def met(self) -> bool | None:
        if self.target is None or self.rate is None:
            return None
        return self.rate > self.target if self.target_strict else self.rate >= self.target

    @property
    def small(self) -> bool:
        """Whether the denominator is too small for the rate to be read as a verdict."""
        return 0 < self.denominator < self.small_below

    @property
    def verdict(self) -> bool | None:
        """:attr:`met`, where the figures can bear one: ``None`` for a small denominator or
        a period that has not ended."""
        return None if self.small or not self.final else self.met

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "name": self.name,
            "area": self.area,
            "period": self.period,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "target": self.target,
            "met": self.met,
            "late": self.late,
            "skipped": self.skipped,
            "elsewhere": self.elsewhere,
            "final": self.final,
            "small": self.small,
            "definition": self.definition,
            "source": self.source,
            "shortfall": [attrs.asdict(s) for s in self.shortfall],
        }


def _completed(entry: StoredObligation, as_of: pendulum.Date) -> pendulum.Date | None:
    """When it was completed, as far as was known on ``as_of``: an encounter, or (for a
    referral or a correction) the recorded result."""
    if entry.done_on is not None and entry.done_on <= as_of:
        return entry.done_on
    ob = entry.obligation
    if (
        ob.cancel_reason in ("referral_closed", "corrected")
        and ob.cancelled_on is not None
        and ob.cancelled_on <= as_of
    ):
        return ob.cancelled_on
    return None


def _as_counted(entry: StoredObligation, children: Mapping[str, Child]) -> StoredObligation:
    """The entry as coverage reads it: a referral's tracking is completed when the
    referral's result was recorded (its ``closed_on``), never by a visit that recorded
    none."""
    ob = entry.obligation
    child = children.get(ob.subject_id) if ob.subject.value == "child" else None
    referral = tracked_referral(ob, child)
    if referral is None or referral.closed_on == entry.done_on:
        return entry
    return attrs.evolve(entry, done_on=referral.closed_on)


def _skip_effect(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> str | None:
    """How the entry's skip counts (``done``, ``excluded``, ``not_done``), if it was
    skipped by ``as_of``."""
    skip = entry.skip
    if skip is None or skip.on > as_of:
        return None
    return protocol.skip_effect(skip.reason.value)


def _in_period(entry: StoredObligation, period: Period) -> bool:
    return period.start <= entry.obligation.closes <= period.end


def _counted(
    entry: StoredObligation,
    period: Period,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
) -> bool:
    ob = entry.obligation
    if entry.withdrawn_on is not None or not _in_period(entry, period):
        return False
    if ob.closes > as_of:
        return False  # not over yet: judged once its window has closed
    if _skip_effect(entry, as_of, protocol) == "excluded":
        return False  # not owed (不适用)
    # Cancelled while open (moved out, died, case closed) and not done first is not
    # counted; a referral's result or a correction closes its own tracking: that is done.
    if (
        ob.cancelled_on is not None
        and ob.cancelled_on <= ob.closes
        and (entry.done_on is None or entry.done_on > as_of)
        and ob.cancel_reason not in ("referral_closed", "corrected")
    ):
        return False
    child = children.get(ob.subject_id) if ob.subject.value == "child" else None
    return not (
        child is not None and child.registered_on is not None and ob.closes < child.registered_on
    )


def _present_under_3(child: Child, period: Period, as_of: pendulum.Date) -> bool:
    """Under 3 at some time in the period, and here then: born and registered by its end
    (or by ``as_of``, for a period not over: later births and registrations are not facts
    yet), and not gone by its start."""
    last = min(period.end, as_of)
    if child.birth_date > last:
        return False
    if add_months(child.birth_date, 36) <= period.start:
        return False
    left = child.left_on
    if left is not None and left <= min(period.start, as_of):
        return False
    return not (child.registered_on is not None and child.registered_on > last)


def _resident_at_end(child: Child, period: Period, area: str | None, as_of: pendulum.Date) -> bool:
    """Whether the child lives in ``area`` at the period's end (at ``as_of`` for a period
    not over: what happens after it is not a fact yet).

    Born and registered here by then, and not gone by then: a child who moved out or died
    during the period is no longer this area's to serve, so it leaves the denominator.
    """
    last = min(period.end, as_of)
    if area is not None and child.township != area:
        return False
    if child.birth_date > last:
        return False
    if child.registered_on is not None and child.registered_on > last:
        return False
    left = child.left_on
    return left is None or left > last


def coverage(
    stored: Iterable[StoredObligation],
    *,
    period: Period,
    as_of: pendulum.Date,
    protocol: Protocol,
    children: Mapping[str, Child],
    area: str | None = None,
    indicators: Sequence[Indicator] = INDICATORS,
    small_below: int = SMALL_DENOMINATOR,
) -> list[IndicatorResult]:
    """Every indicator for ``period`` in ``area`` (a township; ``None``: the whole city).

    Args:
        stored: the stored obligations (with completion, skips and withdrawal).
        period: the month, quarter or year.
        as_of: today: obligations whose window has not closed yet are not judged.
        protocol: for the targets (``protocol.targets``).
        children: the children by id (birth dates, registration, cases).
        area: a township, or ``None`` for the whole city.
        indicators: the indicators to compute (default: :data:`INDICATORS`).
        small_below: a denominator under this is ``small``: its rate gets no verdict
            (a yiyu default, :data:`SMALL_DENOMINATOR`).

    Returns:
        One result per indicator, in the order of ``indicators``.

    Raises:
        ValidationError: an indicator of unit ``resident`` that yiyu has no counting rule
            for.
    """
    local = [_as_counted(e, children) for e in stored if area is None or e.township == area]
    entries = [e for e in local if _counted(e, period, as_of, children, protocol)]

    results = []
    area_label = area or "全市"
    for indicator in indicators:
        if indicator.unit == "obligation":
            counts = _by_obligation(entries, indicator.rules, as_of, protocol)
        elif indicator.unit == "child":
            counts = _by_child(entries, local, indicator, period, as_of, children, protocol)
        elif indicator.unit == "resident":
            counts = _residents(indicator, local, period, as_of, children, area)
        else:
            counts = _cases(children.values(), period, as_of, area)
        numerator, denominator, late, skipped, shortfall, elsewhere = counts
        target = protocol.targets.get(indicator.id)
        results.append(
            IndicatorResult(
                indicator=indicator.id,
                name=indicator.name,
                area=area_label,
                period=period.label,
                numerator=numerator,
                denominator=denominator,
                late=late,
                skipped=skipped,
                target=target.value if target else None,
                target_strict=target.strict if target else False,
                definition=indicator.definition,
                source=indicator.source,
                shortfall=tuple(shortfall),
                elsewhere=elsewhere,
                final=as_of > period.end,
                small_below=small_below,
            )
        )
    return results


# numerator, denominator, late, skipped, shortfall, done elsewhere
_Counts = tuple[int, int, int, int, list[Shortfall], int]


def _in_time(entry: StoredObligation, as_of: pendulum.Date, protocol: Protocol) -> bool:
    """Done in its window, or skipped as done elsewhere (已在他处完成)."""
    completed = _completed(entry, as_of)
    ob = entry.obligation
    if completed is not None and ob.opens <= completed <= ob.closes:
        return True
    return _skip_effect(entry, as_of, protocol) == "done"


def _by_obligation(
    entries: Sequence[StoredObligation],
    rules: Sequence[str],
    as_of: pendulum.Date,
    protocol: Protocol,
) -> _Counts:
    numerator = late = skipped = elsewhere = 0
    denominator = 0
    shortfall: list[Shortfall] = []
    for entry in entries:
        ob = entry.obligation
        if ob.rule not in rules:
            continue
        denominator += 1
        completed = _completed(entry, as_of)
        effect = _skip_effect(entry, as_of, protocol)
        if completed is not None and ob.opens <= completed <= ob.closes:
            numerator += 1
            continue
        if effect == "done":
            numerator += 1
            elsewhere += 1
            continue
        if completed is not None and completed > ob.closes:
            late += 1
            reason = "late"
        elif effect is not None:
            skipped += 1
            reason = "skipped"
        else:
            reason = "missed"
        shortfall.append(Shortfall(subject_id=ob.subject_id, key=ob.key, reason=reason))
    return numerator, denominator, late, skipped, shortfall, elsewhere


def _by_child(
    entries: Sequence[StoredObligation],
    everything: Sequence[StoredObligation],
    indicator: Indicator,
    period: Period,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    protocol: Protocol,
) -> _Counts:
    per_child: dict[str, list[StoredObligation]] = {}
    for entry in entries:
        if entry.obligation.rule in indicator.rules and entry.obligation.subject.value == "child":
            per_child.setdefault(entry.obligation.subject_id, []).append(entry)
    numerator = late = skipped = 0
    shortfall: list[Shortfall] = []
    denominator = 0
    if indicator.id == "infant_health_management":
        # The period owns the visits whose window closes in it, and late visits do not
        # count (#17): a child is counted when at least one visit falling due in the
        # period was done in its window (wherever its date falls: a check done on time in
        # June for a window closing in August counts for the third quarter).
        for child_id, owed in sorted(per_child.items()):
            child = children.get(child_id)
            if child is None or not _present_under_3(child, period, as_of):
                continue
            denominator += 1
            if any(_in_time(e, as_of, protocol) for e in owed):
                numerator += 1
            else:
                shortfall.append(
                    Shortfall(subject_id=child_id, key=owed[0].obligation.key, reason="not_seen")
                )
        return numerator, denominator, late, skipped, shortfall, 0
    for child_id, owed in sorted(per_child.items()):
        subject = children.get(child_id)
        if indicator.id == "under3_systematic_management" and (
            subject is None or not _present_under_3(subject, period, as_of)
        ):
            continue
        denominator += 1
        in_time = [e for e in owed if _in_time(e, as_of, protocol)]
        ok = (
            len(in_time) == len(owed)
            if indicator.id != "high_risk_case_management"
            else bool(in_time)
        )
        if ok:
            numerator += 1
        else:
            first = next(e for e in owed if e not in in_time)
            shortfall.append(
                Shortfall(subject_id=child_id, key=first.obligation.key, reason="missed")
            )
    return numerator, denominator, late, skipped, shortfall, 0


def _residents(
    indicator: Indicator,
    local: Sequence[StoredObligation],
    period: Period,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    area: str | None,
) -> _Counts:
    if indicator.id == "family_doctor_contract":
        return _family_doctor(children, period, area, as_of)
    if indicator.id == "parenting_knowledge":
        return _guidance(local, period, as_of, children, area)
    raise ValidationError(
        "indicator",
        indicator.id,
        "yiyu counts residents only for family_doctor_contract and parenting_knowledge",
    )


def _family_doctor(
    children: Mapping[str, Child], period: Period, area: str | None, as_of: pendulum.Date
) -> _Counts:
    # The registry keeps the contract, not its dates: the contract as stored now stands
    # for every period, so a past period's rate reads today's contracts.
    return _share(
        (child for child in children.values() if _resident_at_end(child, period, area, as_of)
         and add_months(child.birth_date, SEVEN_YEARS_MONTHS) > period.end),  # under 7
        lambda child: child.family_doctor is not None,
        "not_contracted",
    )  # fmt: skip


def _guidance(
    local: Sequence[StoredObligation],
    period: Period,
    as_of: pendulum.Date,
    children: Mapping[str, Child],
    area: str | None,
) -> _Counts:
    # A proxy: yiyu records no knowledge survey, so a family counts once it was given
    # guidance in the period: a visit whose planned contents include 指导, done (with an
    # encounter) in the period, late or not: guidance given is guidance given. Encounters
    # dated after as_of are not yet facts.
    last = min(period.end, as_of)
    guided = {
        e.obligation.subject_id
        for e in local
        if e.obligation.subject.value == "child"
        and e.done_on is not None
        and period.start <= e.done_on <= last
        and any(GUIDANCE in item for item in e.obligation.contents)
    }
    return _share(
        (child for child in children.values()
         if _present_under_3(child, period, as_of)
         and _resident_at_end(child, period, area, as_of)),
        lambda child: child.id in guided,
        "no_guidance",
    )  # fmt: skip


def _share(counted: Iterable[Child], holds: Callable[[Child], bool], reason: str) -> _Counts:
    """The children ``counted`` for whom ``holds``; the others are the shortfall, by id."""
    numerator = denominator = 0
    shortfall: list[Shortfall] = []
    for child in sorted(counted, key=lambda child: child.id):
        denominator += 1
        if holds(child):
            numerator += 1
        else:
            shortfall.append(Shortfall(subject_id=child.id, key=None, reason=reason))
    return numerator, denominator, 0, 0, shortfall, 0


def _cases(
    children: Iterable[Child], period: Period, as_of: pendulum.Date, area: str | None
) -> _Counts:
    numerator = denominator = 0
    shortfall: list[Shortfall] = []
    last = min(period.end, as_of)
    for child in children:
        if area is not None and child.township != area:
            continue
        left = child.left_on
        if left is not None and left <= min(period.start, as_of):
            continue  # no longer ours: its open cases are another area's to close
        for case in child.cases:
            if not _managed_during(case, period.start, last):
                continue
            if case.closed_by_leaving and case.closed_on is not None and case.closed_on <= last:
                continue  # ended by the child's leaving (迁出/死亡), not closed by its criteria
            denominator += 1
            if case.closed_on is not None and period.start <= case.closed_on <= last:
                numerator += 1
            else:
                shortfall.append(Shortfall(subject_id=child.id, key=case.id, reason="open"))
    return numerator, denominator, 0, 0, shortfall, 0


def _managed_during(case: Case, first: pendulum.Date, last: pendulum.Date) -> bool:
    return case.opened_on <= last and (case.closed_on is None or case.closed_on >= first)


def indicators_markdown(protocol: Protocol) -> str:
    """The coverage page (``docs/coverage.md``): every indicator's definition and target."""
    lines = [
        "# 覆盖率指标 · Coverage indicators",
        "",
        "<!-- Generated from yiyu.coverage and the protocol's targets by `nox -s docs`. -->",
        "",
        "`yiyu coverage --period 2026Q3 [--township 城关街道]` computes each indicator from",
        "the stored obligations: nothing is counted on the side. 计算规则 (counting rules):",
        "",
        "- 指标按应做事项的时间窗结束日期归属统计期（3月龄检查窗口6月30日结束，计入第二季度）；",
        "  an obligation belongs to the period its window closes in; a period is judged once",
        "  it is over.",
        "- 窗内完成计入分子；窗后完成单列为“逾期完成”，不计入分子。Done inside the window counts;",
        "  done after it is reported as late, apart.",
        "- 跳过的事项按跳过原因计（方案 `[skip_reasons]`，见 [规范参考](protocol.md)）：已在他处",
        "  完成的计为完成（单列“他处完成”）；不适用的不计入分母；家长拒绝等其余原因仍计入分母。",
        "  A skip counts by its reason, as the protocol's `[skip_reasons]` say: done",
        "  elsewhere is done (reported apart), not applicable leaves the denominator, the",
        "  others stay in it.",
        "- 儿童迁出、死亡或专案结案时尚未完成而取消的，以及不再计划的事项不计入。Cancelled and",
        "  withdrawn obligations are not counted.",
        "- 一切按统计日（as-of）当天的事实判断：统计日之后的随访、跳过、结果都还没有发生。",
        "  Everything is judged as it stood on the as-of date: a visit, skip or result dated",
        "  after it has not happened yet.",
        "- 统计日时尚未结束的统计期标为“未结束”（JSON `final: false`，PDF 和表格有提示），",
        "  不作达标判断；分母小于 20 的比例只列数字，不作达标判断（`small`，yiyu 默认）。",
        "  A period not over on the as-of date is `final: false` and gets no verdict; nor does",
        f"  a denominator under {SMALL_DENOMINATOR} (`small`, a yiyu default).",
        "- 迁入前已结束的时间窗不计入。Windows that closed before the child was registered here",
        "  are not counted.",
        "- 地区按儿童或托育机构登记的镇街；不指定镇街即全市。The area is the subject's township.",
        "- 单位为 resident 的指标按居住儿童计，不按应做事项计：期末前出生并已登记、期末未迁出",
        "  或死亡的本辖区儿童，不论本期有无事项到期。Indicators of unit `resident` count the",
        "  children living in the area at the period's end, not obligations.",
        "",
        "| indicator | 名称 | unit | target | definition 定义 | source |",
        "|---|---|---|---|---|---|",
    ]
    for indicator in INDICATORS:
        target = protocol.targets.get(indicator.id)
        lines.append(
            f"| `{indicator.id}` | {indicator.name} | {indicator.unit} | "
            f"{target if target else ''} | {indicator.definition} | {indicator.source} |"
        )
    lines += [
        "",
        "Sources: S1, S4, S6, S9, S10, S11 are the national documents of the standards digest",
        "(docs/protocol.md lists them); LOCAL is the city plan. Where a definition is marked",
        "yiyu's, no public text defines the indicator for a period and area: the note on it",
        "says how yiyu reads it.",
        "",
        "`parenting_knowledge` is a proxy, not the plan's measure: 科学育儿知识普及率 would",
        "need a survey of parents' knowledge, which yiyu does not record. yiyu counts instead",
        "the families of children under 3 who were given health guidance (a completed visit",
        "whose planned contents include 指导) in the period: guidance delivered, not knowledge",
        "measured (a yiyu definition, evidence D). Read it for a year, as the plan's target",
        "is: after 12 months the checks are 6 months apart, so over a quarter or a month a",
        "child with no check falling in it counts as not guided however good the service.",
        "A survey's figure, where a district has one, is the better number for the target.",
        "",
        "`family_doctor_contract` reads the contract as the registry stores it now: the",
        "registry keeps no contract dates, so a past period's rate uses today's contracts.",
        "",
    ]
    return "\n".join(lines)
