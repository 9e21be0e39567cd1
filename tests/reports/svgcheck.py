"""Reading a growth chart's SVG as a person reads the printed chart: by its axis labels.

The chart's scale is not exposed; a test recovers it from the tick labels (the months
under the x axis, the values beside the y axis), then turns any drawn point back into
(age in months, value), to compare what was drawn with the tables it came from.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import attrs

SVG = "{http://www.w3.org/2000/svg}"
DAYS_PER_MONTH = 30.4375


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def polylines(root: ET.Element) -> list[list[tuple[float, float]]]:
    """Every polyline's vertices (pixels), in drawing order: the SD curves, then the
    child's line."""
    lines = []
    for line in root.iter(f"{SVG}polyline"):
        pairs = line.get("points", "").split()
        lines.append([(float(x), float(y)) for x, y in (pair.split(",") for pair in pairs)])
    return lines


def title(root: ET.Element) -> str:
    return next(root.iter(f"{SVG}text")).text or ""


def circles(root: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(c.get("cx", "nan")), float(c.get("cy", "nan"))) for c in root.iter(f"{SVG}circle")
    ]


@attrs.frozen
class Scale:
    """Pixels ↔ (months, value), fitted through two tick labels of each axis."""

    x0: float
    px_per_month: float
    y0: float
    px_per_unit: float

    def month(self, x: float) -> float:
        return (x - self.x0) / self.px_per_month

    def value(self, y: float) -> float:
        return (self.y0 - y) / self.px_per_unit

    def months_tolerance(self) -> float:
        """How far a coordinate written to 0.1 px can be off, in months."""
        return 0.06 / self.px_per_month

    def value_tolerance(self) -> float:
        return 0.06 / self.px_per_unit


def scale(root: ET.Element) -> Scale:
    """The chart's scale, read from its tick labels (x: month labels centred under the
    plot; y: value labels right-aligned beside it, drawn 4 px below their grid line)."""
    months: list[tuple[float, float]] = []
    values: list[tuple[float, float]] = []
    for text in root.iter(f"{SVG}text"):
        content = (text.text or "").strip()
        try:
            number = float(content)
        except ValueError:
            continue
        anchor = text.get("text-anchor")
        if anchor == "middle" and text.get("font-size") is None:
            months.append((number, float(text.get("x", "nan"))))
        elif anchor == "end":
            values.append((number, float(text.get("y", "nan")) - 4))
    (m1, x1), (m2, x2) = months[0], months[-1]
    (v1, y1), (v2, y2) = values[0], values[-1]
    per_month = (x2 - x1) / (m2 - m1)
    per_unit = (y1 - y2) / (v2 - v1)
    return Scale(
        x0=x1 - m1 * per_month,
        px_per_month=per_month,
        y0=y1 + v1 * per_unit,
        px_per_unit=per_unit,
    )
