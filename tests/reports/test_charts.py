"""The SVG growth chart: WHO's −3…+3 SD curves from the LMS tables, WS/T 423—2022's through
appendix B's printed rows, and the child's points."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from reports import svgcheck
from yiyu.errors import ValidationError
from yiyu.instruments import wst423
from yiyu.instruments.growth import DAYS_PER_MONTH, Indicator, lms_value, reference_lms
from yiyu.reports.charts import ChartPoint, growth_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    lines = []
    for line in root.iter(f"{SVG}polyline"):
        points = [tuple(map(float, pair.split(","))) for pair in line.get("points", "").split()]
        lines.append(points)  # type: ignore[arg-type]
    return lines


def _title(root: ET.Element) -> str:
    return next(root.iter(f"{SVG}text")).text or ""


def test_seven_sd_curves_and_no_point_without_measurements() -> None:
    root = _parse(growth_chart(Indicator.WFA, "F", [], sex_label="女"))
    assert len(_polylines(root)) == 7
    assert list(root.iter(f"{SVG}circle")) == []
    assert _title(root) == "年龄别体重（WHO 2006，女，2岁内）"


def test_curves_are_ordered_from_minus_three_to_plus_three() -> None:
    root = _parse(growth_chart(Indicator.WFA, "M", [], sex_label="男"))
    curves = _polylines(root)
    # SVG y grows downwards: at every day a higher SD line is drawn higher up.
    for lower, upper in itertools.pairwise(curves):
        assert all(a[1] > b[1] for a, b in zip(lower, upper, strict=True))


def test_a_child_on_the_median_is_drawn_on_the_median_line() -> None:
    day = 182  # a multiple of the 7-day sampling step
    lms = reference_lms(Indicator.WFA, "F", day)
    assert lms is not None
    median = lms_value(lms, 0)
    root = _parse(
        growth_chart(Indicator.WFA, "F", [ChartPoint(age_days=day, value=median)], sex_label="女")
    )
    [circle] = root.iter(f"{SVG}circle")
    median_line = _polylines(root)[3]
    vertex = next(p for p in median_line if abs(p[0] - float(circle.get("cx", 0))) < 0.05)
    assert abs(vertex[1] - float(circle.get("cy", 0))) < 0.11


def test_points_are_joined_and_the_current_visit_is_marked() -> None:
    points = [
        ChartPoint(age_days=30, value=4.3),
        ChartPoint(age_days=120, value=6.4),
        ChartPoint(age_days=200, value=7.6, current=True),
    ]
    root = _parse(growth_chart(Indicator.WFA, "F", points, sex_label="女"))
    circles = list(root.iter(f"{SVG}circle"))
    assert [c.get("fill") for c in circles] == ["#000", "#000", "#fff"]
    assert len(_polylines(root)) == 8  # seven curves and the child's line


def test_after_two_years_the_chart_spans_five_years_and_length_breaks_at_731_days() -> None:
    points = [ChartPoint(age_days=400, value=76.0), ChartPoint(age_days=900, value=90.0)]
    root = _parse(growth_chart(Indicator.LHFA, "M", points, sex_label="男"))
    assert "5岁内" in _title(root)
    # Each SD line is two segments (length, then height), as on WHO's charts.
    assert len(_polylines(root)) == 7 * 2 + 1


def test_points_beyond_the_standards_are_left_out() -> None:
    root = _parse(
        growth_chart(Indicator.WFA, "M", [ChartPoint(age_days=2000, value=20.0)], sex_label="男")
    )
    assert list(root.iter(f"{SVG}circle")) == []


def test_labels_are_escaped() -> None:
    svg = growth_chart(Indicator.HCFA, "M", [], sex_label="<script>x</script>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_numbers_are_written_the_same_way_every_time() -> None:
    points = [ChartPoint(age_days=95, value=6.12)]
    first = growth_chart(Indicator.WFA, "M", points, sex_label="男")
    assert first == growth_chart(Indicator.WFA, "M", points, sex_label="男")
    assert not re.search(r"\d\.\d{2,}", first)  # one decimal: no float noise


def test_only_charts_by_age() -> None:
    with pytest.raises(ValidationError, match="by age"):
        growth_chart(Indicator.WFL, "M", [], sex_label="男")


# --- WS/T 423—2022: curves through appendix B's printed rows ------------------------------------

WST = "ws_t_423_2022"


def _wst(indicator: Indicator, sex: str, points: list[ChartPoint]) -> ET.Element:
    return _parse(growth_chart(indicator, sex, points, sex_label="男", reference=WST))


def _late(indicator: Indicator) -> list[ChartPoint]:
    """One point after 2 years: the chart spans all the printed rows."""
    return [ChartPoint(age_days=800, value=12.0 if indicator is Indicator.WFA else 48.0)]


@pytest.mark.parametrize("sex", ["M", "F"])
@pytest.mark.parametrize(
    ("indicator", "segments"), [(Indicator.WFA, 1), (Indicator.LHFA, 2), (Indicator.HCFA, 1)]
)
def test_the_curves_join_appendix_bs_printed_values_at_the_printed_ages(
    indicator: Indicator, segments: int, sex: str
) -> None:
    # Read back through the chart's own axis labels, every vertex of every SD line is a
    # printed row of appendix B (age in months → days at 30.4375), every printed row is a
    # vertex, and nothing is drawn past the last printed row.
    root = _wst(indicator, sex, _late(indicator))
    grid = svgcheck.scale(root)
    rows = wst423.table_rows(indicator, sex, "B")
    curves = svgcheck.polylines(root)[: 7 * segments]
    for sd in range(-3, 4):
        drawn = [
            point for line in curves[(sd + 3) * segments : (sd + 4) * segments] for point in line
        ]
        assert len(drawn) == len(rows)
        for (x, y), (month, values) in zip(drawn, rows, strict=True):
            assert grid.month(x) == pytest.approx(month, abs=grid.months_tolerance())
            assert grid.value(y) == pytest.approx(values[sd + 3], abs=grid.value_tolerance())
    assert grid.month(max(x for line in curves for x, _ in line)) == pytest.approx(
        rows[-1][0], abs=grid.months_tolerance()
    )


def test_length_and_height_are_two_lines_between_the_23_and_24_month_rows() -> None:
    root = _wst(Indicator.LHFA, "F", _late(Indicator.LHFA))
    grid = svgcheck.scale(root)
    curves = svgcheck.polylines(root)
    assert len(curves) == 7 * 2  # no child's line: one point
    length, height = curves[6], curves[7]  # the median's two segments
    assert round(grid.month(length[-1][0])) == 23
    assert round(grid.month(height[0][0])) == 24


def test_the_chart_spans_the_printed_ages_and_names_the_standard() -> None:
    assert svgcheck.title(_wst(Indicator.WFA, "F", [])) == "年龄别体重（WS/T 423—2022，男，2岁内）"
    assert "6岁9月内" in svgcheck.title(_wst(Indicator.WFA, "F", _late(Indicator.WFA)))
    assert "3岁内" in svgcheck.title(_wst(Indicator.HCFA, "F", _late(Indicator.HCFA)))
    # Before 2 years the length lines stop at the last length row (23 months): the
    # 24-month row is a height, and one row alone is no line.
    early = _wst(Indicator.LHFA, "M", [])
    grid = svgcheck.scale(early)
    lines = svgcheck.polylines(early)
    assert len(lines) == 7
    assert round(grid.month(lines[3][-1][0])) == 23


def test_no_point_after_the_last_printed_row() -> None:
    after = round(81 * DAYS_PER_MONTH) + 1
    root = _wst(Indicator.WFA, "M", [ChartPoint(age_days=after, value=25.0)])
    assert list(root.iter(f"{SVG}circle")) == []
    head = _wst(Indicator.HCFA, "M", [ChartPoint(age_days=37 * 31, value=50.0)])
    assert list(head.iter(f"{SVG}circle")) == []


def test_a_childs_point_is_drawn_where_its_age_and_value_are() -> None:
    points = [
        ChartPoint(age_days=487, value=10.5),
        ChartPoint(age_days=900, value=12.5, current=True),
    ]
    root = _wst(Indicator.WFA, "F", points)
    grid = svgcheck.scale(root)
    drawn = svgcheck.circles(root)
    assert [(grid.month(x), grid.value(y)) for x, y in drawn] == [
        (pytest.approx(p.age_days / DAYS_PER_MONTH, abs=grid.months_tolerance()),
         pytest.approx(p.value, abs=grid.value_tolerance()))
        for p in points
    ]  # fmt: skip


def test_an_unknown_reference_is_refused() -> None:
    with pytest.raises(ValidationError, match="who_2006, ws_t_423_2022") as info:
        growth_chart(Indicator.WFA, "M", [], sex_label="男", reference="cdc_2000")
    assert (info.value.field, info.value.value) == ("reference", "cdc_2000")
