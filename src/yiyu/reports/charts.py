"""Growth charts as SVG, drawn by yiyu from the reference's own tables (no plotting library).

A chart shows the curves at −3, −2, −1, 0, +1, +2 and +3 SD for one indicator and sex,
from the growth reference the record is evaluated by, and the child's own measurements
as points joined by a line. The axis is the age the evaluation uses: corrected age for a
preterm child until 24 months. Its title names the reference.

* **WHO 2006** (``who_2006``): the curves are computed from the same L, M and S values
  the z-scores use (:func:`yiyu.instruments.growth.reference_lms`,
  :func:`~yiyu.instruments.growth.lms_value`). The span is 0–24 months while every point
  is within it, else 0–60 months (the WHO standards end at 1856 days; later points are
  left out). Length-for-age changes from lying length to standing height at 731 days
  (24 months): the curves break there, as on WHO's own charts.
* **WS/T 423—2022** (``ws_t_423_2022``): the standard publishes no L, M and S, only
  printed rows; the curves join appendix B's −3 SD … +3 SD values at the printed ages
  (each month to 2 years, then every 3 months), converted to days at 30.4375 days a
  month, and stop at the last printed row: 0–24 months while every point is within it,
  else 0–81 months (head circumference 0–36 months). Nothing is extrapolated; a point
  after the last printed row is left out. Length-for-age breaks between the 23-month row
  (身长, lying) and the 24-month row (身高, standing).

Everything in the SVG is computed numbers and yiyu's own labels, escaped; no value
from a record is placed in an attribute other than as a formatted number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import attrs
from markupsafe import Markup, escape

from yiyu.errors import ValidationError
from yiyu.instruments import wst423
from yiyu.instruments.growth import (
    DAYS_PER_MONTH,
    MAX_AGE_DAYS,
    Indicator,
    Sex,
    lms_value,
    reference_lms,
)
from yiyu.reports.fonts import FONT_FAMILY

__all__ = ["CHARTED", "CHART_REFERENCES", "ChartPoint", "growth_chart"]

CHARTED: Final = {
    Indicator.WFA: ("年龄别体重", "体重（kg）"),
    Indicator.LHFA: ("年龄别身长/身高", "身长/身高（cm）"),
    Indicator.HCFA: ("年龄别头围", "头围（cm）"),
}
"""The indicators a chart can show: title and axis label."""

CHART_REFERENCES: Final = {"who_2006": "WHO 2006", "ws_t_423_2022": "WS/T 423—2022"}
"""The references a chart can be drawn from, and the name its title gives each."""

_SD_LINES: Final = (-3, -2, -1, 0, 1, 2, 3)
_HEIGHT_FROM_DAY: Final = 731
# WS/T 423—2022: the printed ages (months) of the length table from which it is height.
_WST_HEIGHT_FROM_MONTH: Final = 24
_WIDTH: Final = 640
_HEIGHT: Final = 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 30, 30, 40


@attrs.frozen(kw_only=True)
class ChartPoint:
    """One measurement: the age in days the evaluation used, and the value in the table's
    unit (kg or cm; for length, after the reference's lying/standing conversion)."""

    age_days: int
    value: float
    current: bool = False


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _nice_step(span: float) -> float:
    raw = span / 8
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


Segment = list[tuple[float, float]]


def _curve(indicator: Indicator, sex: Sex, z: int, days: Sequence[int]) -> Segment:
    points: Segment = []
    for day in days:
        lms = reference_lms(indicator, sex, day)
        if lms is not None:
            points.append((day, lms_value(lms, z)))
    return points


@attrs.frozen
class _Frame:
    """What a chart spans and the curves it draws: each SD line as one or two segments."""

    months: int
    last_day: float
    shown: list[ChartPoint]
    curves: dict[int, list[Segment]]


def _who_frame(indicator: Indicator, sex: Sex, points: Sequence[ChartPoint]) -> _Frame:
    shown = sorted((p for p in points if 0 <= p.age_days <= MAX_AGE_DAYS), key=lambda p: p.age_days)
    months = 24 if all(p.age_days < _HEIGHT_FROM_DAY for p in shown) else 60
    last_day = min(MAX_AGE_DAYS, round(months * DAYS_PER_MONTH))
    step = 7 if months == 24 else 14
    days = sorted({*range(0, last_day + 1, step), last_day, _HEIGHT_FROM_DAY - 1})
    days = [d for d in days if d <= last_day]
    curves: dict[int, list[Segment]] = {}
    for z in _SD_LINES:
        curve = _curve(indicator, sex, z, days)
        # Length before day 731, height from it: two lines, as WHO draws them.
        curves[z] = (
            [
                [p for p in curve if p[0] < _HEIGHT_FROM_DAY],
                [p for p in curve if p[0] >= _HEIGHT_FROM_DAY],
            ]
            if indicator is Indicator.LHFA
            else [curve]
        )
    return _Frame(months=months, last_day=last_day, shown=shown, curves=curves)


def _wst_frame(indicator: Indicator, sex: Sex, points: Sequence[ChartPoint]) -> _Frame:
    # Appendix B's printed rows only: no LMS, nothing drawn past the last printed age.
    rows = wst423.table_rows(indicator, sex, "B")
    last_month = rows[-1][0]
    shown = sorted(
        (p for p in points if 0 <= p.age_days <= last_month * DAYS_PER_MONTH),
        key=lambda p: p.age_days,
    )
    months = 24 if all(p.age_days < _HEIGHT_FROM_DAY for p in shown) else last_month
    used = [(month, values) for month, values in rows if month <= months]
    parts = (
        [
            [row for row in used if row[0] < _WST_HEIGHT_FROM_MONTH],
            [row for row in used if row[0] >= _WST_HEIGHT_FROM_MONTH],
        ]
        if indicator is Indicator.LHFA
        else [used]
    )
    curves = {
        z: [[(month * DAYS_PER_MONTH, values[z + 3]) for month, values in part] for part in parts]
        for z in _SD_LINES
    }
    return _Frame(months=months, last_day=months * DAYS_PER_MONTH, shown=shown, curves=curves)


def _span_text(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years}岁内" if rest == 0 else f"{years}岁{rest}月内"


def growth_chart(
    indicator: Indicator,
    sex: Sex | str,
    points: Sequence[ChartPoint],
    *,
    sex_label: str,
    reference: str = "who_2006",
) -> Markup:
    """An SVG growth chart.

    Args:
        indicator: ``Indicator.WFA``, ``LHFA`` or ``HCFA`` (charts are by age).
        sex: which table: :class:`yiyu.Sex` or a string :meth:`yiyu.Sex.parse` accepts.
        points: the child's measurements, in any order.
        sex_label: 男 or 女, for the title.
        reference: the growth reference whose curves are drawn: ``"who_2006"`` (from
            the LMS tables) or ``"ws_t_423_2022"`` (through appendix B's printed rows).

    Returns:
        The ``<svg>`` element, safe to place in a template.

    Raises:
        ValidationError: for an indicator that is not by age, or an unknown reference.
    """
    if indicator not in CHARTED:
        raise ValidationError("indicator", indicator.value, "charts are drawn by age only")
    if reference not in CHART_REFERENCES:
        raise ValidationError("reference", reference, f"one of {', '.join(CHART_REFERENCES)}")
    title, axis = CHARTED[indicator]
    sex = Sex.parse(sex)
    frame = (
        _who_frame(indicator, sex, points)
        if reference == "who_2006"
        else _wst_frame(indicator, sex, points)
    )
    months, last_day, shown = frame.months, frame.last_day, frame.shown

    values = [v for segments in frame.curves.values() for seg in segments for _, v in seg]
    values += [p.value for p in shown]
    y_step = _nice_step(max(values) - min(values))
    y_low = math.floor(min(values) / y_step) * y_step
    y_high = math.ceil(max(values) / y_step) * y_step
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM

    def x_of(day: float) -> float:
        return _LEFT + plot_w * day / last_day

    def y_of(value: float) -> float:
        return _TOP + plot_h * (y_high - value) / (y_high - y_low)

    parts: list[str] = [
        f'<svg class="growth-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}" '
        f'font-family="{FONT_FAMILY}" font-size="11">',
        f'<text x="{_LEFT}" y="18" font-size="13">'
        f"{escape(title)}（{CHART_REFERENCES[reference]}，{escape(sex_label)}，"
        f"{_span_text(months)}）</text>",
    ]
    # Grid: a line each month (each 3 months on the longer charts), labelled less often;
    # the last month is labelled too where it falls between labels (81 months).
    grid_every, label_every = (1, 3) if months <= 36 else (3, 6)
    for month in range(0, months + 1, grid_every):
        x = _fmt(x_of(month * DAYS_PER_MONTH if month < months else last_day))
        parts.append(
            f'<line x1="{x}" y1="{_TOP}" x2="{x}" y2="{_TOP + plot_h}" '
            f'stroke="#d0d0d0" stroke-width="0.5"/>'
        )
        if month % label_every == 0 or month == months:
            parts.append(
                f'<text x="{x}" y="{_TOP + plot_h + 14}" text-anchor="middle">{month}</text>'
            )
    y = y_low
    while y <= y_high + 1e-9:
        yy = _fmt(y_of(y))
        parts.append(
            f'<line x1="{_LEFT}" y1="{yy}" x2="{_LEFT + plot_w}" y2="{yy}" '
            f'stroke="#d0d0d0" stroke-width="0.5"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 4}" y="{_fmt(y_of(y) + 4)}" text-anchor="end">{y:g}</text>'
        )
        y += y_step
    parts.append(
        f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" '
        f'fill="none" stroke="#000" stroke-width="0.8"/>'
    )
    parts.append(
        f'<text x="{_LEFT + plot_w / 2:.1f}" y="{_HEIGHT - 6}" text-anchor="middle">月龄</text>'
    )
    parts.append(
        f'<text x="14" y="{_TOP + plot_h / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_TOP + plot_h / 2:.1f})">{escape(axis)}</text>'
    )

    for z, segments in frame.curves.items():
        stroke, width, dash = _STYLE[abs(z)]
        drawn = [segment for segment in segments if len(segment) >= 2]
        for segment in drawn:
            coords = " ".join(f"{_fmt(x_of(d))},{_fmt(y_of(v))}" for d, v in segment)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{stroke}" '
                f'stroke-width="{width}"{dash_attr}/>'
            )
        if drawn:
            end_day, end_value = drawn[-1][-1]
            label = "0" if z == 0 else f"{z:+d}".replace("-", "−")
            parts.append(
                f'<text x="{_fmt(x_of(end_day) + 3)}" y="{_fmt(y_of(end_value) + 4)}" '
                f'font-size="10">{label}</text>'
            )

    if shown:
        coords = " ".join(f"{_fmt(x_of(p.age_days))},{_fmt(y_of(p.value))}" for p in shown)
        if len(shown) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="#000" stroke-width="1.2"/>'
            )
        for point in shown:
            cx, cy = _fmt(x_of(point.age_days)), _fmt(y_of(point.value))
            radius = "4" if point.current else "2.8"
            fill = "#fff" if point.current else "#000"
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{fill}" '
                f'stroke="#000" stroke-width="1.4"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


_STYLE: Final = {
    0: ("#1b5e20", "1.6", ""),
    1: ("#9e9e9e", "0.6", "2 2"),
    2: ("#b71c1c", "1.1", "6 3"),
    3: ("#212121", "1.1", ""),
}
