"""The coverage page (``docs/coverage.md``), generated from the indicators themselves."""

from __future__ import annotations

from yiyu.coverage.indicators import INDICATORS, SMALL_DENOMINATOR
from yiyu.coverage.results import SHORTFALL_REASONS
from yiyu.protocol import Protocol

__all__ = ["indicators_markdown"]


def indicators_markdown(protocol: Protocol) -> str:
    """The coverage page (``docs/coverage.md``): every indicator's definition, target and
    source, and the worked example computed on :mod:`yiyu.coverage.example`."""
    lines = [
        "# 覆盖率指标 · Coverage indicators",
        "",
        "<!-- Generated from yiyu.coverage and the protocol's targets by `nox -s docs`. -->",
        "",
        "`yiyu coverage --period 2026Q3 [--township 城关街道]` computes each indicator from",
        "the stored obligations and the visits recorded: nothing is counted on the side.",
        "The report prints two kinds, in this order:",
        "",
        "1. **年度指标（年初至今）· Yearly rates**: the national indicators and the city plan's",
        "   named targets, by their published yearly definitions, over every child resident",
        "   in the area during the year. For a month, quarter or half-year they are computed",
        "   year to date: 1 January to the period's end (to the as-of date if the period is",
        "   not over). 国家指标按年度定义计算；按月、季、半年统计时为年初至今的累计数。",
        "2. **本期指标 · Per-period rates**: yiyu's timeliness rates (及时率) and the plan's",
        "   work indicators, per period by their nature. 及时率是 yiyu 自定义的工作指标，",
        "   不是国家指标，不与市方案的目标比较。",
        "",
        "## 计算规则 · Counting rules",
        "",
        "- 年度指标的人群：统计期内曾在本辖区居住的儿童（本期内出生、迁入或已登记在册，且未在",
        "  期初前迁出或死亡），含出生后才登记的新生儿。The yearly rates count every child",
        "  resident in the area at some time in the span: born, moved in or registered, and",
        "  not gone before it began; newborns registered late included.",
        "- 年度指标按检查月龄归属：到龄日期（应查日期）在统计期内的检查计入本年（36月龄检查计入",
        "  0—3岁，4岁及以上的检查不计）。A yearly rate counts a check in the year its age",
        "  falls in (its due date).",
        "- 本期指标按时间窗结束日期归属统计期（3月龄检查窗口6月30日结束，计入第二季度），统计期",
        "  结束后才判断。A per-period obligation belongs to the period its window closes in.",
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
        "- 结果还会变化的标为“未结束”（JSON `final: false`，PDF 和表格有提示），不作达标判断：",
        "  统计期尚未结束，或年度指标中还有“待判断”的对象（`pending`：时间窗未结束且尚未完成，",
        "  或新生儿未满28天）。分母小于 20 的比例只列数字，不作达标判断（`small`，yiyu 默认）。",
        "  Figures that can still change are `final: false` and get no verdict: the period",
        "  is not over, or a yearly rate still has something `pending` (a window open, a",
        f"  newborn under 28 days); nor does a denominator under {SMALL_DENOMINATOR} (`small`,",
        "  a yiyu default).",
        "- 迁入前已结束的时间窗不计入。Windows that closed before the child was registered here",
        "  are not counted.",
        "- 地区按儿童或托育机构登记的镇街；不指定镇街即全市。The area is the subject's township.",
        "",
    ]
    for title, basis in (("## 年度指标（年初至今）· Yearly rates", "year"),
                         ("## 本期指标 · Per-period rates", "period")):  # fmt: skip
        lines += [
            title,
            "",
            "| indicator | 名称 | unit | target | definition 定义 | source |",
            "|---|---|---|---|---|---|",
        ]
        for indicator in INDICATORS:
            if indicator.basis != basis:
                continue
            target = protocol.targets.get(indicator.id)
            lines.append(
                f"| `{indicator.id}` | {indicator.name} | {indicator.unit} | "
                f"{target if target else ''} | {indicator.definition} | {indicator.source} |"
            )
        lines.append("")
    lines += [
        "Sources: S1, S4, S6, S9, S10, S11 are the national documents of the standards digest",
        "(docs/protocol.md lists them); LOCAL is the city plan. Where a definition is marked",
        "yiyu's (D), no public text available to yiyu defines the indicator for a period",
        "and area: the definition says how yiyu reads it. The national texts define",
        "新生儿访视率 and 儿童健康管理率 for a year; 3岁以下儿童系统管理率 (4:2:2) is read",
        "from the maternal and child health statistics; 孤独症初筛率 is named by the 2022",
        "standard, whose formula yiyu could not read, so yiyu counts the children owed a",
        "screen in the year who were screened by the standard's method at least once.",
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
        *_worked_example(protocol),
    ]
    return "\n".join(lines)


def _worked_example(protocol: Protocol) -> list[str]:
    # Computed, not written by hand: the page cannot drift from the code, and the tests
    # (tests/test_coverage_national.py) check the same figures against a hand computation.
    from yiyu.coverage import coverage
    from yiyu.coverage.example import STORIES, coverage_example

    example = coverage_example(protocol)
    results = coverage(
        example.stored,
        period=example.period,
        as_of=example.as_of,
        protocol=protocol,
        children=example.children,
        encounters=example.encounters,
    )
    lines = [
        "## 算例 · Worked example",
        "",
        f"城关街道的 {len(STORIES)} 名儿童，统计期 {example.period.label}，统计日",
        f"{example.as_of.isoformat()}：年度指标统计 {example.period.start.year}-01-01 至",
        f"{example.period.end.isoformat()}。N1、N4、A1、A2、A3、A6 签约了家庭医生。The cohort is",
        "`yiyu.coverage.example`; the tests compute every figure below by hand from these",
        "stories.",
        "",
        "| 儿童 | 经过 |",
        "|---|---|",
        *(f"| {child} | {story} |" for child, story in STORIES.items()),
        "",
        "| 指标 | 分子/分母 | 比例 | 未计入分子（原因） | 他处完成 | 待判断 | 结果 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.denominator == 0 and r.pending == 0:
            continue
        rate = "—" if r.rate is None else f"{r.rate:.1%}"
        short = "、".join(
            f"{s.subject_id}（{SHORTFALL_REASONS.get(s.reason, s.reason)}）" for s in r.shortfall
        ) + (f"，另有 {r.shortfall_more} 项" if r.shortfall_more else "")
        state = "最终" if r.final else "未结束"
        lines.append(
            f"| {r.name} | {r.numerator}/{r.denominator} | {rate} | {short} | {r.elsewhere} "
            f"| {r.pending} | {state} |"
        )
    lines += [
        "",
        "Indicators with nothing owed in the example (daycares, cases, high-risk follow-up)",
        "are left out of the table; tests/test_coverage.py has their hand-built cohorts.",
        "",
    ]
    return lines
