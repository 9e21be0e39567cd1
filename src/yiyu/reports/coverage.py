"""The coverage report: each indicator against its target, per area, with the shortfall.

For the health bureau and the townships: a chart of every indicator's rate against the
plan's target (the whole city first, then each township), the numbers and definitions,
and for each township the subjects and obligations that fell short, so it can act on
them. The chart is SVG drawn here from the numbers; the only text in it are indicator
names, escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import pendulum
from markupsafe import Markup, escape

from yiyu.coverage import SMALL_DENOMINATOR, IndicatorResult, Shortfall
from yiyu.coverage.results import SHORTFALL_REASONS
from yiyu.reports.context import PrintDocument, _attachment
from yiyu.reports.fonts import FONT_FAMILY
from yiyu.scheduling import Obligation

__all__ = ["SHORTFALL_SHOWN", "coverage_chart", "coverage_document"]

_BAR_WIDTH = 300
_ROW = 18
_LABEL = 210
SHORTFALL_SHOWN: Final = 25
"""The shortfall lines printed per indicator and area (the rest are counted: 另有 n 项)."""


def coverage_chart(results: Sequence[IndicatorResult]) -> Markup:
    """Horizontal bars: each indicator's rate, with its target as a black mark (SVG).

    Bars below their target are dark grey, the others light; print is black and white. A
    rate that can bear no verdict (a small denominator, a period not over) is light, and
    a small denominator is said beside it.
    """
    shown = [r for r in results if r.rate is not None]
    height = _ROW * len(shown) + 24
    width = _LABEL + _BAR_WIDTH + 100  # room for "100.0%（n=19）" after a full bar
    parts = [
        f'<svg class="coverage-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="{FONT_FAMILY}" font-size="10">'
    ]
    for tick in (0, 25, 50, 75, 100):
        x = _LABEL + _BAR_WIDTH * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}" '
            f'stroke="#d0d0d0" stroke-width="0.5"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{tick}%</text>'
        )
    for row, result in enumerate(shown):
        assert result.rate is not None
        y = row * _ROW + 4
        bar = _BAR_WIDTH * result.rate
        fill = "#555555" if result.verdict is False else "#bbbbbb"
        label = f"{result.rate:.1%}" + (f"（n={result.denominator}）" if result.small else "")
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + 10}" text-anchor="end">{escape(result.name)}</text>'
            f'<rect x="{_LABEL}" y="{y}" width="{bar:.1f}" height="{_ROW - 6}" fill="{fill}"/>'
            f'<text x="{_LABEL + bar + 4:.1f}" y="{y + 10}">{label}</text>'
        )
        if result.target is not None:
            x = _LABEL + _BAR_WIDTH * result.target
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + _ROW - 4}" '
                f'stroke="#000" stroke-width="1.5"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def _row(result: IndicatorResult) -> dict[str, Any]:
    target = None
    if result.target is not None:
        target = f"{'>' if result.target_strict else '≥'}{result.target:.0%}"
    return {
        "indicator": result.indicator,
        "name": result.name,
        "numerator": result.numerator,
        "denominator": result.denominator,
        "rate": "—" if result.rate is None else f"{result.rate:.1%}",
        "target": target or "",
        "met": _verdict(result),
        "late": result.late,
        "skipped": result.skipped,
        "elsewhere": result.elsewhere,
        "pending": result.pending,
        "definition": result.definition,
        "source": result.source,
    }


def _verdict(result: IndicatorResult) -> str:
    """达标 / 未达标 where the figures bear a verdict; otherwise why they do not."""
    if result.target is None or result.rate is None:
        return ""
    if not result.final:
        return "待判断" if result.pending else "未结束"
    if result.small:
        return f"分母<{result.small_below}"
    return "达标" if result.met else "未达标"


def _sections(results: Sequence[IndicatorResult]) -> list[dict[str, Any]]:
    """The yearly rates first, against the plan's targets; the per-period rates beneath."""
    sections = []
    for basis, title in (
        ("year", "年度指标（年初至今）"),
        ("period", "本期指标：及时率与工作指标"),
    ):
        part = [r for r in results if r.basis == basis]
        if not part:
            continue
        spans = sorted({r.span for r in part})
        sections.append(
            {
                "basis": basis,
                "title": f"{title} · {'、'.join(spans)}",
                "chart": coverage_chart(part),
                "rows": [_row(r) for r in part],
            }
        )
    return sections


def _service(obligation: Obligation | None) -> str:
    """What fell short, in words: the obligation's name (``—`` when not given; the key,
    printed beside it, still names it)."""
    return obligation.name if obligation is not None else "—"


def _shortfall_item(
    shortfall: Shortfall, names: Mapping[str, str], obligations: Mapping[str, Obligation]
) -> dict[str, str]:
    """One line of 未完成明细: who, which service (in words), when it was due, its status;
    the obligation's key printed small, for finding it in the store."""
    obligation = obligations.get(shortfall.key) if shortfall.key is not None else None
    return {
        "subject": names.get(shortfall.subject_id, shortfall.subject_id),
        "subject_id": shortfall.subject_id,
        "service": _service(obligation),
        "due": obligation.due.isoformat() if obligation is not None else "",
        "reason": SHORTFALL_REASONS.get(shortfall.reason, shortfall.reason),
        "key": shortfall.key or "",
    }


def coverage_document(
    by_area: Mapping[str, Sequence[IndicatorResult]],
    *,
    period: str,
    as_of: pendulum.Date,
    institution: str | None = None,
    names: Mapping[str, str] | None = None,
    obligations: Mapping[str, Obligation] | None = None,
) -> PrintDocument:
    """The coverage report of ``period``: the first area (the city) first, then the rest;
    in each, the yearly rates (year to date) first, then the per-period rates.

    Args:
        by_area: area name → its indicator results (from :func:`yiyu.coverage.coverage`).
        period: the period's label (``2026Q3``).
        as_of: the date the indicators were judged on (the PDF's date).
        institution: printed under the title, and the PDF's author.
        names: subject id → name, to print in the shortfall lists.
        obligations: obligation key → the obligation, to print each shortfall's service
            name and due date (:func:`yiyu.jobs.coverage.shortfall_details` reads those
            a report prints); a key not given prints only the key.
    """
    names = names or {}
    obligations = obligations or {}
    areas = []
    for area, results in by_area.items():
        shortfalls = []
        for result in results:
            if not result.shortfall_count:
                continue
            items = [
                _shortfall_item(s, names, obligations) for s in result.shortfall[:SHORTFALL_SHOWN]
            ]
            shortfalls.append(
                {
                    "name": result.name,
                    "items": items,
                    "more": result.shortfall_count - len(items),
                }
            )
        areas.append(
            {
                "name": area,
                "sections": _sections(results),
                "rows": [_row(r) for r in results],
                "shortfalls": shortfalls,
            }
        )
    title = f"{period} 覆盖率报告"
    everything = [r for results in by_area.values() for r in results]
    context: dict[str, Any] = {
        # Not final because the period is not over, or because a yearly rate still waits
        # on something owed (a window open, a newborn under 28 days).
        "unfinished": any(not r.final and not r.pending for r in everything),
        "pending": any(not r.final and r.pending for r in everything),
        "small_below": next((r.small_below for r in everything), SMALL_DENOMINATOR),
        "form": {"title": title, "band": "coverage"},
        "as_of": as_of.isoformat(),
        "institution": institution,
        "period": period,
        "areas": areas,
    }
    data = _attachment(
        "coverage",
        period=period,
        as_of=as_of.isoformat(),
        results={area: [r.as_dict() for r in results] for area, results in by_area.items()},
    )
    return PrintDocument(
        kind="coverage",
        template="coverage.html",
        title=title,
        author=institution or "yiyu",
        day=as_of,
        township=None,
        context=context,
        data=data,
        attachment_name=f"coverage-{period}.json",
    )
