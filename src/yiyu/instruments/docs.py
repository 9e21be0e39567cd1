"""Render the instruments as the Markdown pages in ``docs/instruments/``.

One page per instrument (what it measures, its items and thresholds, its sources) and an
index listing them with the evidence tags. Every page is generated from the instruments'
packaged data, so the reference cannot drift from what yiyu computes. The output is
deterministic: no dates, no environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from yiyu.instruments import (
    anaemia,
    case_management,
    daycare_review,
    rearing_risk,
    warning_signs,
    wst423,
)
from yiyu.instruments._markdown import cell, evidence_legend, sources_line
from yiyu.instruments.growth import (
    MAX_AGE_DAYS,
    ClassificationScheme,
    GrowthClassification,
    Indicator,
    Sex,
    age_days_from_months,
    lms_value,
    load_growth_classification,
    reference_lms,
)
from yiyu.protocol import load_protocol

__all__ = ["growth_markdown", "instrument_pages"]

_GENERATED: Final = "<!-- Generated from the instruments' data; do not edit by hand. -->"

_INDICATORS: Final = {
    Indicator.WFA: "weight-for-age (年龄别体重), by day of age",
    Indicator.LHFA: "length/height-for-age (年龄别身长/身高), by day of age",
    Indicator.WFL: "weight-for-length (身长别体重), 45–110 cm, before day 731",
    Indicator.WFH: "weight-for-height (身高别体重), 65–120 cm, from day 731",
    Indicator.BFA: "BMI-for-age (年龄别BMI), by day of age",
    Indicator.HCFA: "head-circumference-for-age (年龄别头围), by day of age",
}


def _bands(scheme: ClassificationScheme) -> list[tuple[str, str, str]]:
    """(finding, field, z band) for each cut-off of a scheme."""
    moderate = scheme.moderate_below.value
    severe = scheme.severe_below.value
    overweight = scheme.overweight_above.value
    obese = scheme.obese_above.value
    return [
        ("moderate deficit 中度", "moderate_below", f"{severe:g} ≤ z < {moderate:g}"),
        ("severe deficit 重度", "severe_below", f"z < {severe:g}"),
        ("overweight 超重", "overweight_above", f"{overweight:g} < z ≤ {obese:g}"),
        ("obesity 肥胖", "obese_above", f"z > {obese:g}"),
    ]


def growth_markdown(data: GrowthClassification | None = None) -> str:
    """The growth section: WHO 2006, its indicators and the classification cut-offs.

    Args:
        data: the classification cut-offs, or ``None`` for the packaged data.

    Returns:
        A Markdown section (level-2 heading); the cut-offs table has one row per cut-off
        of every scheme, with its source and evidence.
    """
    data = data or load_growth_classification()
    lines = [
        "## Growth: WHO Child Growth Standards (2006) and WS/T 423—2022",
        "",
        "yiyu carries two growth references. **WHO 2006** (`who_2006`,",
        "`yiyu.instruments.growth`) gives LMS z-scores, computed as WHO's software does;",
        "China's 2012 nutritional-disease standard (S4) judges 低体重, 生长迟缓, 消瘦, 超重",
        "and 肥胖 by them. **WS/T 423—2022** (`ws_t_423_2022`, `yiyu.instruments.wst423`),",
        "China's national growth standard since 2023-03-01, evaluates children under 7 by",
        "its own printed tables: the growth level in five grades and the nutrition status.",
        "The protocol says which one is used for what (`[growth]` in the protocol data,",
        "`Protocol.growth_reference`); `yiyu.record` computes both at every visit.",
        "",
        *_protocol_choice(),
        "",
        *_differences(),
        "",
        "### WHO 2006 z-scores (`growth`)",
        "",
        "What it measures: how a child's weight, length/height, BMI and head circumference",
        "compare with the WHO 2006 standards, as z-scores computed as WHO's anthro software",
        f"does (age in whole days, 0–{MAX_AGE_DAYS}; restricted z beyond ±3 SD for the",
        "weight-based indicators; z rounded to 2 decimals).",
        "",
        "| indicator | table |",
        "|---|---|",
    ]
    lines += [f"| `{indicator.value}` | {text} |" for indicator, text in _INDICATORS.items()]
    lines += [
        "",
        "Classification compares the rounded z strictly with the cut-offs of a scheme.",
        "Deficits use weight-for-age (低体重), length/height-for-age (生长迟缓) and",
        "weight-for-length/height (消瘦); overweight and obesity use the scheme's",
        "`excess_index`: weight-for-length/height (`whz`), BMI-for-age (`baz`) or the",
        "higher of the two (`either`).",
        "",
        f"Cut-offs: {data.header.title} (`{data.header.label}`). Schemes: "
        + "; ".join(
            f"`{scheme.id}` {scheme.title}"
            + (" (default)" if scheme.id == data.default_scheme else "")
            for scheme in data.schemes
        )
        + ".",
        "",
        "| scheme | finding | field | z | source | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for scheme in data.schemes:
        for finding, field, band in _bands(scheme):
            fact = scheme.cut_offs[field]
            lines.append(
                f"| `{scheme.id}` | {finding} | `{field}` | {band} | "
                f"{cell('; '.join(fact.source))} | {fact.evidence.value} |"
            )
        excess = scheme.excess_index
        lines.append(
            f"| `{scheme.id}` | 超重/肥胖 judged by | `excess_index` | `{excess.value}` | "
            f"{cell('; '.join(excess.source))} | {excess.evidence.value} |"
        )
    lines += [
        "",
        'In code: `load_growth_classification().scheme("cn_2024")`, or the constants',
        "`CN_2024_THRESHOLDS`, `CN_2012_THRESHOLDS` and `WHO_THRESHOLDS` (the packaged",
        "schemes), passed to",
        "`classify`. A region changes a cut-off with its own file that `extends` this data",
        "(see `yiyu.instruments.growth`; the format: [Data files](../data-format.md)).",
        "",
        sources_line(data.sources),
        "",
        wst423.markdown(),
        sources_line(wst423.load_ws_t_423().sources),
        "",
    ]
    return "\n".join(lines)


def _protocol_choice() -> list[str]:
    """Which reference the packaged protocol uses for what, from its ``[growth]`` data."""
    protocol = load_protocol()
    purposes = {
        "evaluation": "printed evaluation and growth charts",
        "case_management": "findings that open and close cases",
    }
    lines = [
        f"The packaged protocol (`{protocol.label}`):",
        "",
        "| purpose | reference | why | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for purpose, words in purposes.items():
        choice = protocol.growth.get(purpose)
        if choice is None:
            lines.append(f"| {words} | `who_2006` | (no `[growth]` table) | | |")
            continue
        lines.append(
            f"| {words} (`{purpose}`) | `{choice.reference}` | {cell(choice.description)} | "
            f"{cell('; '.join(choice.sources))} | {choice.evidence.value} |"
        )
    lines += [
        "",
        "A region switches with a layer of its own, for example to manage cases by the",
        "national standard:",
        "",
        "```toml",
        "[growth.case_management]",
        "override = true",
        'reference = "ws_t_423_2022"',
        'description = "营养性疾病专案按 WS/T 423—2022 表3 判定"',
        'source = ["LOCAL (the region\'s document and section)"]',
        'evidence = "LOCAL"',
        "```",
    ]
    return lines


_COMPARED_AGES: Final = (6, 12, 24, 36, 60)


def _differences() -> list[str]:
    """The two references side by side at a few ages: where they differ, from the data."""
    lines = [
        "Where the two differ: the −2 SD line (the cut-off of 低体重 and 生长迟缓) and the",
        "median, WHO 2006 (from its L, M and S at the age in days) beside WS/T 423—2022",
        "(its appendix B at the printed age). The national standard's children are taller",
        "and heavier, so the same child is more often 低体重 or 生长迟缓 by it.",
        "",
        "| indicator | sex | months | WHO −2SD | WS/T 423 −2SD | WHO median | WS/T 423 median |",
        "|---|---|---|---|---|---|---|",
    ]
    for indicator, unit in ((Indicator.WFA, "kg"), (Indicator.LHFA, "cm")):
        sexes = ((Sex.MALE, "boys"), (Sex.FEMALE, "girls"))
        for sex, word in sexes:
            rows = dict(wst423.table_rows(indicator, sex, "B"))
            for months in _COMPARED_AGES:
                day = age_days_from_months(months)
                lms = reference_lms(indicator, sex, day)
                if lms is None:
                    continue
                national = rows[months]
                lines.append(
                    f"| {indicator.value} ({unit}) | {word} | {months} | "
                    f"{lms_value(lms, -2):.1f} | {national[1]:.1f} | {lms_value(lms, 0):.1f} | "
                    f"{national[3]:.1f} |"
                )
    return lines


# Each page: its file, its section, and one line for the index.
_PAGES: Final[tuple[tuple[str, Callable[[], str], str], ...]] = (
    (
        "growth.md",
        growth_markdown,
        "the two growth references: WHO 2006 z-scores with the cut-offs for 低体重, 生长迟缓, "
        "消瘦, 超重 and 肥胖, and WS/T 423—2022's five grades and nutrition status; which the "
        "protocol uses for what.",
    ),
    (
        "warning_signs.md",
        warning_signs.markdown,
        "the 44 development warning signs (预警征象) by key age, the referral rules and the "
        "autism first screen.",
    ),
    (
        "anaemia.md",
        anaemia.markdown,
        "anaemia and its severity by haemoglobin and age, and the follow-up of a case.",
    ),
    (
        "case_management.md",
        case_management.markdown,
        "when a managed case (专案) of undernutrition, rickets or overweight is referred or "
        "closed.",
    ),
    (
        "daycare_review.md",
        daycare_review.markdown,
        "the checklist of a daycare's health-care review (托育机构卫生保健工作检查).",
    ),
    (
        "rearing_risk.md",
        rearing_risk.markdown,
        "yiyu's default rearing-risk form (养育风险评估), not a national standard.",
    ),
)


def _page(section: str) -> str:
    heading, _, body = section.partition("\n")
    if not heading.startswith("## "):
        raise ValueError(f"a section starts with a level-2 heading, got {heading!r}")
    return "\n".join(
        [
            heading[1:],
            "",
            _GENERATED,
            "",
            body.strip("\n"),
            "",
            "Evidence tags (V, V3, M, D, LOCAL): see [the instruments index](index.md).",
            "",
        ]
    )


def _index(sections: dict[str, str]) -> str:
    lines = [
        "# Instruments reference",
        "",
        _GENERATED,
        "",
        "Each instrument keeps its items and thresholds as versioned data in",
        "`src/yiyu/instruments/data/`. Every fact names its sources (listed at the end of",
        "each page; the sections are those of the standards digest) and an evidence tag.",
        "Facts tagged M or D are defaults a region can override with its own file, in the",
        "format of every data file, protocol or instrument ([Data files](../data-format.md)).",
        "",
    ]
    for name, _, summary in _PAGES:
        title = sections[name].partition("\n")[0].removeprefix("## ")
        lines.append(f"- [{title}]({name}): {summary}")
    lines += ["", "## Evidence tags", "", *evidence_legend(), ""]
    return "\n".join(lines)


def instrument_pages() -> dict[str, str]:
    """The instruments reference: one Markdown page per instrument, and an index.

    Returns:
        The pages by file name under ``docs/instruments/``: ``growth.md``,
        ``warning_signs.md``, ``anaemia.md``, ``daycare_review.md``, ``rearing_risk.md``
        and ``index.md`` (one line per instrument, and the evidence tags).
    """
    sections = {name: render() for name, render, _ in _PAGES}
    pages = {name: _page(section) for name, section in sections.items()}
    pages["index.md"] = _index(sections)
    return pages
