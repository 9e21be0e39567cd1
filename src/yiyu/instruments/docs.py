"""Render the instruments as the Markdown reference in ``docs/instruments.md``.

Every section is generated from the instruments' packaged data (and, for growth, from the
cut-offs in :mod:`yiyu.instruments.growth`), so the reference cannot drift from what yiyu
computes. The output is deterministic: no dates, no environment.
"""

from __future__ import annotations

from yiyu.instruments import anaemia, daycare_review, rearing_risk, warning_signs
from yiyu.instruments._data import evidence_legend
from yiyu.instruments.growth import (
    CN_2012_THRESHOLDS,
    MAX_AGE_DAYS,
    WHO_THRESHOLDS,
    GrowthThresholds,
    Indicator,
)

__all__ = ["growth_markdown", "instruments_markdown"]

_INDICATORS = {
    Indicator.WFA: "weight-for-age (年龄别体重), by day of age",
    Indicator.LHFA: "length/height-for-age (年龄别身长/身高), by day of age",
    Indicator.WFL: "weight-for-length (身长别体重), 45–110 cm, before day 731",
    Indicator.WFH: "weight-for-height (身高别体重), 65–120 cm, from day 731",
    Indicator.BFA: "BMI-for-age (年龄别BMI), by day of age",
    Indicator.HCFA: "head-circumference-for-age (年龄别头围), by day of age",
}


def _threshold_row(name: str, thresholds: GrowthThresholds) -> str:
    return (
        f"| {name} | z < {thresholds.moderate_below:g} | z < {thresholds.severe_below:g} | "
        f"{thresholds.overweight_above:g} < z ≤ {thresholds.obese_above:g} | "
        f"z > {thresholds.obese_above:g} | {thresholds.source} |"
    )


def growth_markdown() -> str:
    """The growth section: WHO 2006, its indicators and the two sets of cut-offs.

    Returns:
        A Markdown section (level-2 heading).
    """
    lines = [
        "## Growth z-scores: WHO Child Growth Standards (2006) (`growth`)",
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
        "Classification compares the rounded z strictly with the cut-offs (deficits use",
        "weight-for-age 低体重, length/height-for-age 生长迟缓 and weight-for-length/height",
        "消瘦; overweight and obesity use weight-for-length/height).",
        "",
        "| cut-offs | moderate deficit | severe deficit | overweight 超重 | obesity 肥胖 "
        "| source |",
        "|---|---|---|---|---|---|",
        _threshold_row("`WHO_THRESHOLDS`", WHO_THRESHOLDS),
        _threshold_row("`CN_2012_THRESHOLDS`", CN_2012_THRESHOLDS),
        "",
        "Sources: WHO Child Growth Standards (2006), WHO Multicentre Growth Reference Study",
        "Group; S4 儿童营养性疾病管理技术规范 (digest §5) for the Chinese cut-offs.",
        "",
    ]
    return "\n".join(lines)


def instruments_markdown() -> str:
    """The instruments reference page, in Markdown.

    Returns:
        A title, the evidence tags, then one section per instrument: growth, warning
        signs, anaemia, the daycare review and the rearing-risk form.
    """
    lines = [
        "# Instruments reference",
        "",
        "<!-- Generated from the instruments' data; do not edit by hand. -->",
        "",
        "Each instrument keeps its items and thresholds as versioned data in",
        "`src/yiyu/instruments/data/`. Every fact names its sources (the ids are listed at",
        "the end of each section; the sections are those of the standards digest) and an",
        "evidence tag. Facts tagged M or D are defaults a region can override with its own",
        "file.",
        "",
        *evidence_legend(),
        "",
    ]
    sections = [
        growth_markdown(),
        warning_signs.markdown(),
        anaemia.markdown(),
        daycare_review.markdown(),
        rearing_risk.markdown(),
    ]
    return "\n".join(lines) + "\n" + "\n".join(sections)
