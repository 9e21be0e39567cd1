"""The SVG growth chart: WHO's −3…+3 SD curves from the LMS tables, and the child's points."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from yiyu.errors import ValidationError
from yiyu.instruments.growth import Indicator, lms_value, reference_lms
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
