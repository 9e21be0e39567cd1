"""The indicators: what each counts, over which span, and where its definition comes from.

Two kinds, printed in this order:

* **yearly rates** (``basis = "year"``): the national indicators and the city plan's named
  targets, by their published definitions, over the children resident in the area. The
  definitions are yearly; for a month, quarter or half-year they are computed **year to
  date** (1 January to the period's end, or to the as-of date for a period not over);
* **per-period rates** (``basis = "period"``): yiyu's timeliness rates (及时率: an
  obligation belongs to the period its window closes in, done means done in the window)
  and the plan's work indicators (daycare visits, vulnerable children, cases), which are
  per period by their nature.
"""

from __future__ import annotations

import attrs

__all__ = ["INDICATORS", "SMALL_DENOMINATOR", "Indicator"]

ROUTINE = ("m3", "m6", "m8", "m12", "m18", "m24", "m30", "m36")
"""The health checks of the first three years (4:2:2), each with a 预警征象 screen."""
ROUTINE_0_6 = (*ROUTINE, "y4", "y5", "y6")
"""The 11 checks at which the autism initial screen is done (S6)."""
NEWBORN_VISIT = "newborn_home_visit"
CHILD_VISITS = (NEWBORN_VISIT, "one_month", *ROUTINE)
# ``daycare_recheck`` (S11: 离园3个月以上重新体检) is listed before the protocol has it,
# so the indicator counts it as soon as a protocol layer adds the rule.
DAYCARE_ENTRY = ("daycare_entry_check", "daycare_recheck")
CASE_FOLLOW_UPS = (
    "nutrition_case_follow_up", "anaemia_recheck", "anaemia_follow_up",
    "overweight_follow_up", "rickets_follow_up",
)  # fmt: skip
# The mark of a planned health guidance in an obligation's contents: S1 lists 健康指导 in
# every check, and the newborn, high-risk and rearing visits name their 指导.
GUIDANCE = "指导"
NEWBORN_DAYS = 28
"""The newborn period: a visit counts for 新生儿访视率 within 28 days of birth."""
SEVEN_YEARS_MONTHS = 84
THREE_YEARS_MONTHS = 36
SMALL_DENOMINATOR = 20
"""Below this many, a rate says little: it is printed without a verdict (a yiyu default)."""


@attrs.frozen(kw_only=True)
class Indicator:
    """How one indicator is counted, and where that definition comes from.

    ``unit`` says what is counted: ``obligation`` (each obligation of ``rules``),
    ``child`` (the children with one of ``rules`` falling due), ``resident`` (every child
    living in the area; ``rules`` is empty), ``birth`` (live births), ``screening`` (each
    screening owed) or ``case``. ``basis`` is ``year`` (year to date, by the published
    yearly definition) or ``period``.
    """

    id: str
    name: str
    unit: str
    rules: tuple[str, ...]
    definition: str
    source: str
    basis: str = "period"


_YEAR = "年初至统计期末（统计期未结束的，至统计日）"
_RESIDENT = "曾在本辖区居住（本期内出生、迁入或已登记在册，且未在期初前迁出或死亡）"

NATIONAL: tuple[Indicator, ...] = (
    Indicator(
        id="newborn_visit",
        name="新生儿访视率",
        unit="birth",
        rules=(NEWBORN_VISIT,),
        basis="year",
        definition=(
            f"{_YEAR}在本辖区出生的活产儿（含出生28天后才登记的、此后迁出或死亡的）中，出生"
            "28天内接受新生儿家庭访视的比例（已在他处访视的计入，单列）。出生未满28天的新生儿"
            "待满28天后计入（此前为“待判断”）"
        ),
        source=(
            "S1 (digest §1.3: 新生儿访视率 = 按规范要求接受≥1次访视的新生儿数/活产数, "
            "yearly, V); the visit within 28 days of birth: Guangxi's monthly report "
            "(digest §1.3, V3)"
        ),
    ),
    Indicator(
        id="child_health_management",
        name="0～6岁儿童健康管理率",
        unit="resident",
        rules=(),
        basis="year",
        definition=(
            f"{_YEAR}{_RESIDENT}、其间曾未满7周岁的儿童中，这段时间内接受≥1次随访（任一"
            "儿童保健或家庭医生面访记录，逾期的也算；已在他处完成的计入，单列）的比例"
        ),
        source=(
            "S1 (digest §1.3: 儿童健康管理率 = 接受≥1次随访的0～6岁儿童数/0～6岁儿童数, yearly, V)"
        ),
    ),
    Indicator(
        id="infant_health_management",
        name="婴幼儿健康管理率",
        unit="resident",
        rules=(),
        basis="year",
        definition=(
            f"{_YEAR}{_RESIDENT}、其间曾未满3周岁的儿童中，这段时间内接受≥1次随访（任一"
            "儿童保健或家庭医生面访记录，逾期的也算；已在他处完成的计入，单列）的比例"
        ),
        source=(
            "LOCAL (city plan 三(三): 婴幼儿健康管理率超过95%; target only, no definition); "
            "S1's 儿童健康管理率 (digest §1.3, V) read for children under 3: yiyu (D)"
        ),
    ),
    Indicator(
        id="under3_systematic_management",
        name="3岁以下儿童系统管理率",
        unit="child",
        rules=ROUTINE,
        basis="year",
        definition=(
            f"{_YEAR}到龄（应查日期在此期间）的3岁以下健康检查（4:2:2：1岁内3、6、8、12月龄，"
            "2岁内18、24月龄，3岁内30、36月龄）中，每一次都在时间窗内完成（已在他处完成的计入）"
            "的儿童比例。分母为有到龄检查、已可判断的本辖区儿童；时间窗未结束且尚未完成的"
            "检查待判断，其儿童暂不计入"
        ),
        source=(
            "S1 (digest §1.3: 3岁以下儿童系统管理率 = 按年龄要求接受4:2:2体格检查的3岁以下"
            "儿童数/3岁以下儿童数, yearly, V3); a check belongs to the year its age falls "
            "in (the 36-month check included): yiyu's reading (D)"
        ),
    ),
    Indicator(
        id="dev_screening_0_3",
        name="0—3岁儿童发育监测筛查率",
        unit="screening",
        rules=ROUTINE,
        basis="year",
        definition=(
            f"{_YEAR}到龄的3—36月龄健康检查（按检查月龄归属：36月龄检查计入，4岁及以上的"
            "检查不计）中，在时间窗内完成且记录了预警征象筛查结果的比例（已在他处完成的计入）。"
            "时间窗未结束且尚未完成的待判断"
        ),
        source=(
            "LOCAL (city plan 二: 0—3岁儿童发育监测筛查率达到95%; target only, no "
            "definition, digest §9 q6): yiyu's definition (D), per screening, by the "
            "child's age at the check"
        ),
    ),
    Indicator(
        id="autism_initial_screening",
        name="孤独症初筛率",
        unit="child",
        rules=ROUTINE_0_6,
        basis="year",
        definition=(
            f"{_YEAR}有到龄初筛（3、6、8、12、18、24、30、36月龄及4、5、6岁健康检查）的本辖区"
            "0～6岁儿童中，这段时间内按2022年规范的方法接受初筛（预警征象筛查并询问语言、社交"
            "能力倒退）至少1次的儿童比例（已在他处完成的计入）。到龄检查的时间窗均未结束且尚"
            "未初筛的待判断"
        ),
        source=(
            "S6 (digest §3: 初筛 with the 11 health checks by 预警征象筛查表 + asking about "
            "regression; 初筛率 named as an indicator, V): its formula was not available, "
            "yiyu's reading for a year (D)"
        ),
    ),
)

TIMELINESS: tuple[Indicator, ...] = (
    Indicator(
        id="newborn_visit_timely",
        name="新生儿访视及时率",
        unit="obligation",
        rules=(NEWBORN_VISIT,),
        definition="新生儿家庭访视中时间窗在本期结束且在窗内完成的比例（按应做事项计）",
        source="yiyu's, for timeliness (the window: protocol rule newborn_home_visit)",
    ),
    Indicator(
        id="routine_checks_timely",
        name="3—36月龄健康检查及时率",
        unit="obligation",
        rules=ROUTINE,
        definition="3—36月龄健康检查（含预警征象筛查）中时间窗在本期结束且在窗内完成的比例",
        source="yiyu's, for timeliness (the windows: protocol rules m3–m36)",
    ),
    Indicator(
        id="infant_visit_timely",
        name="婴幼儿随访及时率",
        unit="child",
        rules=CHILD_VISITS,
        definition=(
            "本期有随访到期（时间窗在本期结束）的3岁以下儿童中，至少1次到期随访按时（窗内）完成的"
            "儿童比例（逾期完成不计）"
        ),
        source="yiyu's, for timeliness (by the visits falling due in the period)",
    ),
)

PLAN: tuple[Indicator, ...] = (
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
        id="autism_referral_completion",
        name="孤独症初筛阳性转诊完成率",
        unit="obligation",
        rules=("autism_rescreen_referral",),
        definition="初筛阳性转诊追踪中，时间窗在本期结束且窗内记录了复筛结果的比例",
        source="S6 (digest §3: 复筛率): yiyu",
    ),
)

INDICATORS: tuple[Indicator, ...] = (*NATIONAL, *TIMELINESS, *PLAN)
"""Every indicator, in the order reports print them: yearly rates first."""
