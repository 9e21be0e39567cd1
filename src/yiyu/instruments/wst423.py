"""Growth evaluation after China's national standard WS/T 423—2022 (7岁以下儿童生长标准).

Since 2023-03-01 the growth level and nutrition status of children under 7 are evaluated
with WS/T 423—2022 (``WS423`` in ``docs/sources.md``). The standard publishes no L, M and S
parameters, only printed tables: appendix A gives percentiles (P3 … P97), appendix B the
values at -3 SD … +3 SD, for six indicators (weight-for-age, length/height-for-age,
weight-for-length under 2 years, weight-for-height from 2, BMI-for-age and, to 3 years,
head-circumference-for-age). It evaluates a measurement by where it falls between the
printed values:

* **生长水平** (growth level) in five grades, 上 / 中上 / 中 / 中下 / 下, by percentile
  (表1: ≥ P97 上 … < P3 下) and by SD (表2: ≥ +2 SD 上 … < -2 SD 下);
* **营养状况** (nutrition status) by SD (表3): 低体重, 生长迟缓, 消瘦, 超重, 肥胖, 重度肥胖
  and the severe deficits, each with its inequality (-3 SD ≤ · < -2 SD 低体重, …).

The tables are package data (``ws_t_423_2022.csv``) extracted from the official PDF by
``scripts/gen_wst423_tables.py``; the grade and status bands, and the choices the standard
leaves open, are versioned data (``ws_t_423_2022.toml``), each with its source and
evidence tag. :func:`evaluate` applies them.

**Between printed rows.** The standard prints ages in whole months (every 3 months from 2
years) and lengths in whole cm. yiyu's default (``method.position = "interpolate"``, a
labelled yiyu default) interpolates the seven values linearly between the two printed rows
around the exact age or length, so that a child of 26 months is not judged by the 24-month
row; at a printed age or length it uses that row unchanged. ``"printed_row"`` reads the
table as a clinician does by hand: the row of the completed month (completed quarter from
2 years) and the length rounded to a whole cm.

**SD position.** :attr:`IndicatorEvaluation.sd_position` places a measurement on the SD
axis by linear interpolation between the printed SD values (beyond ±3 SD, extended with
the width of the outermost band). It is *not* an LMS z-score, which the standard does not
allow (no L, M and S are published): it is an interpolation, for trends and charts, and is
named so wherever it is printed.

A region changes a yiyu default with an override file (``[instrument] extends =
"ws_t_423_2022"``), for example the printed-row method:

.. code-block:: toml

    [instrument]
    extends = "ws_t_423_2022"
    id = "ws_t_423_2022-county"
    version = "2026.2-county"
    title = "WS/T 423—2022 评价（本县：按印刷行）"

    [sources.LOCAL]
    title = "县妇幼保健院技术规范"

    [method.position]
    override = true
    value = "printed_row"
    text = "取已满月龄（2岁起为已满的季度）所在行、四舍五入到整厘米的行"
    source = "LOCAL"
    evidence = "LOCAL"
"""

from __future__ import annotations

import bisect
import enum
import functools
import importlib.resources
import itertools
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

import attrs

from yiyu.data import Evidence
from yiyu.domain import Sex
from yiyu.errors import ValidationError
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, frozen_map
from yiyu.instruments._markdown import cell
from yiyu.instruments.growth import DAYS_PER_MONTH, ExcessIndex, GrowthFinding, Indicator, Measured

__all__ = [
    "INDICATOR_NAMES",
    "REFERENCE",
    "RULES_FILE",
    "TABLES_FILE",
    "EvaluationMethod",
    "Grade",
    "GrowthEvaluation",
    "GrowthStandard",
    "IndicatorEvaluation",
    "Position",
    "StatusBand",
    "TablePoint",
    "evaluate",
    "evaluate_indicator",
    "load_ws_t_423",
    "markdown",
    "table_point",
    "table_rows",
]

REFERENCE: Final = "ws_t_423_2022"
"""The reference's id, as a protocol's ``[growth]`` table names it."""

TABLES_FILE: Final = "ws_t_423_2022.csv"
"""The 24 tables, under ``yiyu/instruments/data/``."""

RULES_FILE: Final = "ws_t_423_2022.toml"
"""The grade and status bands and the method, under ``yiyu/instruments/data/``."""

Position = Literal["interpolate", "printed_row"]
POSITIONS: Final = ("interpolate", "printed_row")
Appendix = Literal["A", "B"]

# The table numbers of appendix B (appendix A has the same numbers): odd boys, even girls.
_NUMBER: Final = {
    Indicator.WFA: 1,
    Indicator.LHFA: 3,
    Indicator.WFL: 5,
    Indicator.WFH: 7,
    Indicator.BFA: 9,
    Indicator.HCFA: 11,
}
_BY_LENGTH: Final = frozenset({Indicator.WFL, Indicator.WFH})
# 表3 names weight-for-length and weight-for-height as one indicator (身长/身高别体重).
_STATUS_KEY: Final = {
    Indicator.WFA: "wfa",
    Indicator.LHFA: "lhfa",
    Indicator.WFL: "wlh",
    Indicator.WFH: "wlh",
    Indicator.BFA: "bfa",
    Indicator.HCFA: "hcfa",
}
STATUS_INDICATORS: Final = ("wfa", "lhfa", "wlh", "bfa")
_PERCENTILES: Final = (3, 10, 25, 50, 75, 90, 97)
_SDS: Final = (-3, -2, -1, 0, 1, 2, 3)


INDICATOR_NAMES: Final = {
    Indicator.WFA: ("年龄别体重", "kg"),
    Indicator.LHFA: ("年龄别身长/身高", "cm"),
    Indicator.WFL: ("身长别体重", "kg"),
    Indicator.WFH: ("身高别体重", "kg"),
    Indicator.BFA: ("年龄别BMI", "kg/m²"),
    Indicator.HCFA: ("年龄别头围", "cm"),
}
"""Each indicator's name in the standard and the unit of its tables."""


class Grade(enum.Enum):
    """A growth level of 表1/表2, from the highest. The value is the standard's word."""

    UPPER = "上"
    UPPER_MIDDLE = "中上"
    MIDDLE = "中"
    LOWER_MIDDLE = "中下"
    LOWER = "下"


_GRADES: Final = tuple(Grade)


# --------------------------------------------------------------------------- tables


@attrs.frozen(kw_only=True)
class TablePoint:
    """A table's seven values at one age or length, and the printed rows they come from.

    Attributes:
        table: the standard's table number (``"B.1"``).
        x: the age in months or the length/height in cm the table was read at.
        rows: the printed row(s) used: one at a printed row (or by ``printed_row``), the
            two around ``x`` when interpolated.
        values: P3 … P97 (appendix A) or -3 SD … +3 SD (appendix B), interpolated if two
            rows were used.
    """

    table: str
    x: float
    rows: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def rows_label(self) -> str:
        """The rows in the standard's words: ``表B.1 2岁3月～2岁6月``, ``表B.5 65 cm``."""
        by_length = self.table.split(".")[1] in {"5", "6", "7", "8"}
        words = [f"{row} cm" if by_length else _age_words(row) for row in self.rows]
        return f"表{self.table} {'～'.join(words)}"


def _age_words(months: int) -> str:
    years, rest = divmod(months, 12)
    if years == 0:
        return f"{rest}月"
    return f"{years}岁{rest}月" if rest else f"{years}岁"


@functools.cache
def _tables() -> dict[tuple[str, str], tuple[tuple[int, tuple[float, ...]], ...]]:
    """Every table by (table number, sex is implied by the number): (x, values) rows."""
    text = (
        importlib.resources.files("yiyu.instruments")
        .joinpath("data")
        .joinpath(TABLES_FILE)
        .read_text(encoding="utf-8")
    )
    rows: dict[tuple[str, str], list[tuple[int, tuple[float, ...]]]] = {}
    for line in text.splitlines():
        if not line or line.startswith(("#", "table,")):
            continue
        table, _indicator, sex, x, *values = line.split(",")
        rows.setdefault((table, sex), []).append((int(x), tuple(float(v) for v in values)))
    return {key: tuple(value) for key, value in rows.items()}


@functools.cache
def _xs(table: str, sex: str) -> tuple[int, ...]:
    """A table's printed ages or lengths, for bisection."""
    return tuple(x for x, _ in _tables()[(table, sex)])


def _table_number(indicator: Indicator, sex: Sex, appendix: Appendix) -> str:
    return f"{appendix}.{_NUMBER[indicator] + (0 if sex is Sex.MALE else 1)}"


def table_rows(
    indicator: Indicator, sex: Sex | str, appendix: Appendix = "B"
) -> tuple[tuple[int, tuple[float, ...]], ...]:
    """A table's printed rows: ``(x, seven values)``, x in months or cm.

    Args:
        indicator: the indicator (WFL for 身长别体重 under 2 years, WFH from 2).
        sex: ``yiyu.Sex`` or a string :meth:`yiyu.Sex.parse` accepts.
        appendix: ``"A"`` (percentiles) or ``"B"`` (SD values).
    """
    parsed = Sex.parse(sex)
    return _tables()[(_table_number(indicator, parsed, appendix), parsed.value)]


def table_point(
    indicator: Indicator,
    sex: Sex | str,
    x: float,
    *,
    appendix: Appendix = "B",
    position: Position = "interpolate",
) -> TablePoint | None:
    """A table's seven values at age ``x`` (months) or length ``x`` (cm).

    Args:
        indicator: the indicator.
        sex: ``yiyu.Sex`` or a string :meth:`yiyu.Sex.parse` accepts.
        x: the exact age in months, or the length/height in cm.
        appendix: ``"A"`` (percentiles) or ``"B"`` (SD values).
        position: ``"interpolate"`` between the printed rows, or the ``"printed_row"`` a
            clinician reads (the completed month or quarter; the nearest whole cm).

    Returns:
        The values, or ``None`` when ``x`` is before the first row or, for lengths, after
        the last. An age after the last printed row gets the last row (the caller decides
        where the standard ends).

    Raises:
        ValidationError: for an unknown ``position`` or a non-finite ``x``.
    """
    if position not in POSITIONS:
        raise ValidationError("position", position, f"one of {', '.join(POSITIONS)}")
    value = _finite("x", x)
    parsed = Sex.parse(sex)
    table = _table_number(indicator, parsed, appendix)
    rows = _tables()[(table, parsed.value)]
    by_length = indicator in _BY_LENGTH
    if position == "printed_row" and by_length:
        value = float(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    first, last = rows[0][0], rows[-1][0]
    if value < first or (by_length and value > last):
        return None
    below = bisect.bisect_right(_xs(table, parsed.value), value) - 1
    row_x, values = rows[below]
    if row_x == value or position == "printed_row" or below == len(rows) - 1:
        return TablePoint(table=table, x=value, rows=(row_x,), values=values)
    next_x, next_values = rows[below + 1]
    share = (value - row_x) / (next_x - row_x)
    return TablePoint(
        table=table,
        x=value,
        rows=(row_x, next_x),
        values=tuple(a + share * (b - a) for a, b in zip(values, next_values, strict=True)),
    )


# --------------------------------------------------------------------------- the rules


@attrs.frozen(kw_only=True)
class StatusBand:
    """One nutrition status of 表3: ``from_sd <= value < below_sd`` on the named indicators.

    Attributes:
        id: stable id (``overweight``).
        label: the standard's word (``超重``).
        finding: the finding it opens a case for (``GrowthFinding.OVERWEIGHT``).
        indicators: ``wfa``, ``lhfa``, ``wlh`` (weight-for-length/height), ``bfa``.
        from_sd: the lower bound in SD (inclusive), ``None`` for none.
        below_sd: the upper bound in SD (exclusive), ``None`` for none.
        source: where 表3 says so.
        evidence: the evidence tag.
    """

    id: str
    label: str
    finding: GrowthFinding
    indicators: frozenset[str]
    from_sd: int | None
    below_sd: int | None
    source: tuple[str, ...]
    evidence: Evidence

    def holds(self, value: float, sd_values: Sequence[float]) -> bool:
        """Whether ``value`` lies in the band, against the SD values printed at its row."""
        if self.from_sd is not None and not value >= sd_values[self.from_sd + 3]:
            return False
        return self.below_sd is None or value < sd_values[self.below_sd + 3]


@attrs.frozen(kw_only=True)
class EvaluationMethod:
    """The choices the standard leaves open (all labelled yiyu defaults in the data).

    Attributes:
        position: ``"interpolate"`` between printed rows (default) or ``"printed_row"``.
        height_from_months: from this age the height tables apply (24, the standard's).
        lying_standing_cm: added to a standing height before ``height_from_months``,
            taken from a recumbent length after it (0.7, WHO's difference: the standard
            gives none).
        bmi_decimals: BMI is rounded to this many decimals before it is compared (1, as
            the tables print it); ``None`` compares it unrounded.
        until_months: no evaluation from this age (84: 7 岁以下).
        head_until_months: no head-circumference evaluation from this age (37).
    """

    position: Position = "interpolate"
    height_from_months: float = 24
    lying_standing_cm: float = 0.7
    bmi_decimals: int | None = 1
    until_months: float = 84
    head_until_months: float = 37


@attrs.frozen(kw_only=True)
class GrowthStandard:
    """WS/T 423—2022's evaluation rules, as loaded by :func:`load_ws_t_423`.

    Attributes:
        header: the data's id, version, title and file.
        grade_labels: the five grades' words, from the highest.
        percentile_bounds: 表1: each grade's lower percentile, inclusive (97, 75, 25, 3).
        sd_bounds: 表2: each grade's lower SD, inclusive (2, 1, -1, -2).
        statuses: 表3's bands.
        method: the method's facts by name (``position``, ``lying_standing_cm`` …), each
            with its source and evidence.
        sources: the sources cited, by id.
    """

    header: Header
    grade_labels: tuple[str, ...]
    percentile_bounds: Fact[tuple[int, ...]]
    sd_bounds: Fact[tuple[int, ...]]
    statuses: tuple[StatusBand, ...]
    method_facts: Mapping[str, Fact[Any]]
    sources: Mapping[str, str]

    @property
    def method(self) -> EvaluationMethod:
        """The method the data declares, for :func:`evaluate`."""
        return EvaluationMethod(**{name: fact.value for name, fact in self.method_facts.items()})


def load_ws_t_423(path: DataPath | None = None) -> GrowthStandard:
    """WS/T 423—2022's evaluation rules: packaged, or with a region's override.

    Args:
        path: a region's override or replacement file, or ``None`` for the packaged data
            (read once and cached).

    Raises:
        ProtocolError: naming the file and the field, if invalid.
    """
    return _LOAD(path)


_METHOD: Final = {
    "position": "text",
    "height_from_months": "number",
    "lying_standing_cm": "number",
    "bmi_decimals": "integer",
    "until_months": "number",
    "head_until_months": "number",
}


def _bounds(
    check: Checker, grades: Mapping[str, Any], key: str, allowed: Sequence[int]
) -> Fact[tuple[int, ...]]:
    table = check.table(grades, key, item=None, where="grades")
    where = f"grades.{key}"
    check.unknown(table, {"from", "text", "source", "evidence"}, item=None, where=where)
    raw = table.get("from")
    if (
        not isinstance(raw, list)
        or len(raw) != 4
        or any(isinstance(v, bool) or not isinstance(v, int) or v not in allowed for v in raw)
        or raw != sorted(raw, reverse=True)
        or len(set(raw)) != 4
    ):
        check.fail(f"four falling bounds from {list(allowed)}, got {raw!r}", field=f"{where}.from")
    return Fact(
        value=tuple(raw),
        source=check.source(table, item=None, where=where),
        evidence=check.evidence(table, item=None, where=where),
        text=check.optional_text(table, "text", item=None, where=where) or "",
    )


def _status(check: Checker, status_id: str, table: Mapping[str, Any]) -> StatusBand:
    where = "status"
    keys = {"id", "label", "finding", "indicators", "from", "below", "source", "evidence"}
    check.unknown(table, keys, item=status_id, where=where)
    finding_raw = check.text(table, "finding", item=status_id, where=where)
    try:
        finding = GrowthFinding(finding_raw)
    except ValueError:
        known = ", ".join(f.value for f in GrowthFinding)
        check.fail(f"one of {known}", item=status_id, field=f"{where}.finding")
    indicators = table.get("indicators")
    if (
        not isinstance(indicators, list)
        or not indicators
        or any(i not in STATUS_INDICATORS for i in indicators)
    ):
        check.fail(
            f"a list of {', '.join(STATUS_INDICATORS)}", item=status_id, field=f"{where}.indicators"
        )
    bounds: dict[str, int | None] = {}
    for key in ("from", "below"):
        if key in table:
            bounds[key] = check.integer(table, key, item=status_id, where=where, minimum=-3)
            if bounds[key] not in _SDS:
                check.fail("an SD from -3 to 3", item=status_id, field=f"{where}.{key}")
        else:
            bounds[key] = None
    low, high = bounds["from"], bounds["below"]
    if (low is None and high is None) or (low is not None and high is not None and low >= high):
        check.fail("give from < below (or one of them)", item=status_id, field=where)
    return StatusBand(
        id=status_id,
        label=check.text(table, "label", item=status_id, where=where),
        finding=finding,
        indicators=frozenset(indicators),
        from_sd=low,
        below_sd=high,
        source=check.source(table, item=status_id, where=where),
        evidence=check.evidence(table, item=status_id, where=where),
    )


def _method_fact(check: Checker, method: Mapping[str, Any], name: str, kind: str) -> Fact[Any]:
    table = check.table(method, name, item=None, where="method")
    where = f"method.{name}"
    check.unknown(table, {"value", "text", "source", "evidence"}, item=None, where=where)
    value: Any
    if kind == "text":
        value = check.text(table, "value", item=None, where=where)
        if value not in POSITIONS:
            check.fail(f"one of {', '.join(POSITIONS)}", field=f"{where}.value")
    elif kind == "integer":
        value = check.integer(table, "value", item=None, where=where, minimum=0, maximum=3)
    else:
        value = check.number(table, "value", item=None, where=where)
        if value < 0:
            check.fail("must be >= 0", field=f"{where}.value")
    return Fact(
        value=value,
        source=check.source(table, item=None, where=where),
        evidence=check.evidence(table, item=None, where=where),
        text=check.optional_text(table, "text", item=None, where=where) or "",
    )


def _build(file: str, document: dict[str, Any]) -> GrowthStandard:
    check = Checker(file)
    header = check.header(document)
    check.unknown(
        document, {"instrument", "sources", "grades", "status", "method"}, item=None, where=""
    )
    grades = check.table(document, "grades", item=None, where="")
    check.unknown(grades, {"labels", "percentile", "sd"}, item=None, where="grades")
    labels = grades.get("labels")
    if labels != [grade.value for grade in Grade]:
        check.fail(f"the standard's five grades, {[g.value for g in Grade]}", field="grades.labels")
    statuses = tuple(
        _status(check, status_id, table)
        for status_id, table in check.entries(document, "status", where="")
    )
    for key in STATUS_INDICATORS:
        bands = sorted(
            (s for s in statuses if key in s.indicators),
            key=lambda s: -4 if s.from_sd is None else s.from_sd,
        )
        for lower, upper in itertools.pairwise(bands):
            if lower.below_sd is None or upper.from_sd is None or lower.below_sd > upper.from_sd:
                check.fail(f"bands overlap on {key}", item=upper.id, field="status")
    method = check.table(document, "method", item=None, where="")
    check.unknown(method, set(_METHOD), item=None, where="method")
    facts = {name: _method_fact(check, method, name, kind) for name, kind in _METHOD.items()}
    return GrowthStandard(
        header=header,
        grade_labels=tuple(labels),
        percentile_bounds=_bounds(check, grades, "percentile", _PERCENTILES),
        sd_bounds=_bounds(check, grades, "sd", _SDS),
        statuses=statuses,
        method_facts=frozen_map(facts),
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(RULES_FILE, _build)


# --------------------------------------------------------------------------- evaluation


@attrs.frozen(kw_only=True)
class IndicatorEvaluation:
    """One indicator's evaluation: both grades, the nutrition status, the rows used.

    Attributes:
        indicator: the indicator (``WFL`` before ``height_from_months``, ``WFH`` after).
        value: the measurement compared (kg, cm or kg/m²), after the lying/standing
            conversion and BMI rounding.
        sd_point: appendix B at the child's age or length.
        percentile_point: appendix A at the same place.
        grade_sd: 表2's grade.
        grade_percentile: 表1's grade.
        status: 表3's nutrition status, ``None`` where 表3 says "—" (and for head
            circumference, which has none).
        sd_position: the value's place on the SD axis, interpolated between the printed SD
            values and rounded to 2 decimals; not an LMS z-score.
    """

    indicator: Indicator
    value: float
    sd_point: TablePoint
    percentile_point: TablePoint
    grade_sd: Grade
    grade_percentile: Grade
    status: StatusBand | None
    sd_position: float

    @property
    def rows_label(self) -> str:
        """The rows used, in the standard's words (``表A.1/B.1 1岁``)."""
        both = f"表{self.percentile_point.table}/{self.sd_point.table}"
        return self.sd_point.rows_label.replace(f"表{self.sd_point.table}", both, 1)


@attrs.frozen(kw_only=True)
class GrowthEvaluation:
    """WS/T 423—2022's evaluation of one visit.

    Attributes:
        reference: ``"ws_t_423_2022"``.
        standard: the rules' ``id@version``, for the record.
        age_months: the exact age in months the tables were read at.
        length_cm: the length/height compared, after the lying/standing conversion.
        bmi: the BMI compared (rounded as the method says).
        indicators: the evaluated indicators, in the standard's order (weight-for-age,
            length/height-for-age, weight-for-length/height, BMI-for-age, head).
        method: the method used.
        beyond_age: True when the child is 7 or older: nothing is evaluated.
    """

    reference: str
    standard: str
    age_months: float
    length_cm: float | None
    bmi: float | None
    indicators: tuple[IndicatorEvaluation, ...]
    method: EvaluationMethod
    beyond_age: bool = False

    def get(self, indicator: Indicator | str) -> IndicatorEvaluation | None:
        """The evaluation of one indicator (``"wlh"`` finds WFL or WFH), if measured."""
        for item in self.indicators:
            if item.indicator == indicator or _STATUS_KEY[item.indicator] == indicator:
                return item
        return None

    def findings(self, excess_index: ExcessIndex = "baz") -> frozenset[GrowthFinding]:
        """The findings that open cases: 表3's deficits of weight-for-age (低体重),
        length/height-for-age (生长迟缓) and weight-for-length/height (消瘦), and the
        excess weight (超重, 肥胖, 重度肥胖) of the index a growth scheme names: ``baz``
        (BMI-for-age), ``whz`` (weight-for-length/height) or ``either`` (the higher)."""
        found: set[GrowthFinding] = set()
        for key in ("wfa", "lhfa", "wlh"):
            item = self.get(key)
            status = None if item is None else item.status
            if status is not None and status.below_sd is not None and status.below_sd <= -2:
                found.add(status.finding)
        keys = {"baz": ("bfa",), "whz": ("wlh",), "either": ("wlh", "bfa")}[excess_index]
        excess = [
            item.status
            for item in (self.get(key) for key in keys)
            if item is not None and item.status is not None and (item.status.from_sd or 0) >= 1
        ]
        if excess:
            found.add(max(excess, key=lambda band: band.from_sd or 0).finding)
        return frozenset(found)


def _finite(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(field, value, "must be a finite number")
    return float(value)


def _measurement(field: str, value: object) -> float | None:
    if value is None:
        return None
    number = _finite(field, value)
    return number if number > 0 else None


def _grade(
    value: float, values: Sequence[float], bounds: Sequence[int], axis: Sequence[int]
) -> Grade:
    for grade, bound in zip(_GRADES, bounds, strict=False):
        if value >= values[axis.index(bound)]:
            return grade
    return Grade.LOWER


def _sd_position(value: float, values: Sequence[float]) -> float:
    if value < values[0]:
        position = -3 - (values[0] - value) / (values[1] - values[0])
    elif value >= values[-1]:
        position = 3 + (value - values[-1]) / (values[-1] - values[-2])
    else:
        index = max(i for i, v in enumerate(values) if v <= value)
        position = index - 3 + (value - values[index]) / (values[index + 1] - values[index])
    return round(position, 2) + 0.0


def _round(value: float, decimals: int | None) -> float:
    if decimals is None:
        return value
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP))


def evaluate(
    sex: Sex | str,
    *,
    age_days: float | None = None,
    age_months: float | None = None,
    weight_kg: float | None = None,
    length_cm: float | None = None,
    measured: Measured = "recumbent",
    head_cm: float | None = None,
    standard: GrowthStandard | None = None,
    method: EvaluationMethod | None = None,
) -> GrowthEvaluation:
    """Evaluate one visit's measurements with WS/T 423—2022 (表1, 表2 and 表3).

    For a recorded visit :func:`yiyu.record` does this itself (``ChildRecord.evaluation``);
    call this for a measurement outside a visit. Exported as ``yiyu.evaluate_growth``.

    Example:
        A boy of 365 days, 7.7 kg and 75.7 cm lying:

        >>> import yiyu
        >>> evaluation = yiyu.evaluate_growth("男", age_days=365, weight_kg=7.7, length_cm=75.7)
        >>> weight = evaluation.get("wfa")
        >>> (weight.grade_sd.value, weight.status.label, weight.sd_position)
        ('下', '低体重', -2.62)
        >>> sorted(finding.label_zh for finding in evaluation.findings())
        ['中度低体重', '重度消瘦']

    Args:
        sex: ``yiyu.Sex`` or a string :meth:`yiyu.Sex.parse` accepts (``"M"``, ``"女"``).
        age_days: the age in days (months = days / 30.4375); or give ``age_months``.
        age_months: the exact age in months (a fraction is kept).
        weight_kg: body weight in kg.
        length_cm: length or height in cm, as measured.
        measured: ``"recumbent"`` (卧位) or ``"standing"`` (立位).
        head_cm: head circumference in cm.
        standard: the rules; ``None``: the packaged data.
        method: the method; ``None``: the one ``standard`` declares.

    Returns:
        The evaluation. A measurement that is ``None`` or <= 0, or outside a table's ages
        or lengths, is not evaluated; a child of 7 or older gets none
        (``beyond_age``).

    Raises:
        ValidationError: naming the field, if exactly one age is not given, an age is
            negative, ``measured`` is neither value, or a number is not finite.
    """
    rules = standard or load_ws_t_423()
    how = method or rules.method
    if (age_days is None) == (age_months is None):
        raise ValidationError("age_days", age_days, "give exactly one of age_days, age_months")
    months = (
        _finite("age_months", age_months)
        if age_months is not None
        else _finite("age_days", age_days) / DAYS_PER_MONTH
    )
    if months < 0:
        field, value = (
            ("age_months", age_months) if age_months is not None else ("age_days", age_days)
        )
        raise ValidationError(field, value, "must be >= 0")
    if measured not in ("recumbent", "standing"):
        raise ValidationError("measured", measured, "must be 'recumbent' or 'standing'")
    parsed = Sex.parse(sex)
    weight = _measurement("weight_kg", weight_kg)
    length = _measurement("length_cm", length_cm)
    head = _measurement("head_cm", head_cm)
    height_tables = months >= how.height_from_months
    if length is not None:
        if measured == "standing" and not height_tables:
            length += how.lying_standing_cm
        elif measured == "recumbent" and height_tables:
            length -= how.lying_standing_cm
        length = length if length > 0 else None
    bmi = None
    if weight is not None and length is not None:
        bmi = _round(weight / (length / 100) ** 2, how.bmi_decimals)
    label = rules.header.label
    if months >= how.until_months:
        return GrowthEvaluation(
            reference=REFERENCE, standard=label, age_months=months, length_cm=length, bmi=bmi,
            indicators=(), method=how, beyond_age=True,
        )  # fmt: skip
    wlh = Indicator.WFH if height_tables else Indicator.WFL
    wanted = (
        (Indicator.WFA, months, weight),
        (Indicator.LHFA, months, length),
        (wlh, length, weight),
        (Indicator.BFA, months, bmi),
        (Indicator.HCFA, months, head if months < how.head_until_months else None),
    )
    results = []
    for indicator, x, value in wanted:
        if x is None or value is None:
            continue
        result = _indicator(rules, how, parsed, indicator, x, value)
        if result is not None:
            results.append(result)
    return GrowthEvaluation(
        reference=REFERENCE,
        standard=label,
        age_months=months,
        length_cm=length,
        bmi=bmi,
        indicators=tuple(results),
        method=how,
    )


def evaluate_indicator(
    indicator: Indicator,
    sex: Sex | str,
    x: float,
    value: float,
    *,
    standard: GrowthStandard | None = None,
    method: EvaluationMethod | None = None,
) -> IndicatorEvaluation | None:
    """Evaluate one value against one indicator's tables (表1, 表2 and 表3).

    For a host that has its own measurement (a BMI it computed, a length it already
    converted): no lying/standing conversion, no rounding, no age limits are applied.

    Args:
        indicator: the indicator.
        sex: ``yiyu.Sex`` or a string :meth:`yiyu.Sex.parse` accepts.
        x: the age in months, or for WFL/WFH the length/height in cm.
        value: the measurement, in the table's unit.
        standard: the rules; ``None``: the packaged data.
        method: the method (only its ``position`` is used here).

    Returns:
        The evaluation, or ``None`` when ``x`` is outside the table.

    Raises:
        ValidationError: if ``x`` or ``value`` is not a finite number, or ``value`` <= 0.
    """
    rules = standard or load_ws_t_423()
    number = _finite("value", value)
    if number <= 0:
        raise ValidationError("value", value, "must be > 0")
    return _indicator(rules, method or rules.method, Sex.parse(sex), indicator, x, number)


def _indicator(
    rules: GrowthStandard,
    how: EvaluationMethod,
    sex: Sex,
    indicator: Indicator,
    x: float,
    value: float,
) -> IndicatorEvaluation | None:
    sd = table_point(indicator, sex, x, appendix="B", position=how.position)
    percentile = table_point(indicator, sex, x, appendix="A", position=how.position)
    if sd is None or percentile is None:
        return None
    key = _STATUS_KEY[indicator]
    status = next(
        (
            band
            for band in rules.statuses
            if key in band.indicators and band.holds(value, sd.values)
        ),
        None,
    )
    return IndicatorEvaluation(
        indicator=indicator,
        value=value,
        sd_point=sd,
        percentile_point=percentile,
        grade_sd=_grade(value, sd.values, rules.sd_bounds.value, _SDS),
        grade_percentile=_grade(
            value, percentile.values, rules.percentile_bounds.value, _PERCENTILES
        ),
        status=status,
        sd_position=_sd_position(value, sd.values),
    )


# --------------------------------------------------------------------------- reference page

_INDICATOR_WORDS: Final = {
    Indicator.WFA: "年龄别体重 weight-for-age (kg)",
    Indicator.LHFA: "年龄别身长/身高 length/height-for-age (cm; length before 24 months)",
    Indicator.WFL: "身长别体重 weight-for-length (kg), 0～2岁以下",
    Indicator.WFH: "身高别体重 weight-for-height (kg), 2～7岁以下",
    Indicator.BFA: "年龄别BMI BMI-for-age (kg/m²)",
    Indicator.HCFA: "年龄别头围 head circumference-for-age (cm), 0～3岁",
}


def _grid_words(indicator: Indicator) -> str:
    rows = [x for x, _ in table_rows(indicator, Sex.MALE)]
    if indicator in _BY_LENGTH:
        return f"{rows[0]}–{rows[-1]} cm by 1 cm"
    monthly = [x for x in rows if x <= 24]
    return f"{len(rows)} ages: 0–{monthly[-1]} months monthly, then {', '.join(map(str, rows[len(monthly) :]))}"  # noqa: E501


def _crosschecks() -> list[str]:
    text = (
        importlib.resources.files("yiyu.instruments")
        .joinpath("data")
        .joinpath(TABLES_FILE)
        .read_text(encoding="utf-8")
    )
    return [
        line.removeprefix("# ")
        for line in text.splitlines()
        if line.startswith(("# cross-check", "# extracted from"))
    ]


def markdown(standard: GrowthStandard | None = None) -> str:
    """A Markdown section (level-3 headings) on WS/T 423—2022, generated from the data.

    Args:
        standard: the rules, or ``None`` for the packaged data.

    Returns:
        The tables, the grade and status bands of 表1–表3 with their sources, the method
        (each choice with its evidence tag) and the cross-checks of the extraction.
    """
    rules = standard or load_ws_t_423()
    lines = [
        f"### {rules.header.title} (`{rules.header.label}`, `yiyu.instruments.wst423`)",
        "",
        "What it evaluates: a child's growth level in five grades (上, 中上, 中, 中下, 下)",
        "by percentile (表1, appendix A) and by SD (表2, appendix B), and the nutrition",
        "status by SD (表3), against the standard's printed tables. The standard publishes",
        "no L, M and S: there is no LMS z-score. yiyu's `sd_position` is the measurement's",
        "place interpolated between the printed SD values (and extended beyond ±3 SD by",
        "the outermost band's width), an interpolation for trends and charts, printed as",
        "“SD位置（插值）”.",
        "",
        "| indicator | tables (boys / girls) | rows |",
        "|---|---|---|",
    ]
    for indicator, words in _INDICATOR_WORDS.items():
        number = _NUMBER[indicator]
        lines.append(
            f"| `{indicator.value}` {words} | A.{number}/A.{number + 1}, "
            f"B.{number}/B.{number + 1} | {_grid_words(indicator)} |"
        )
    grades = ("上", "中上", "中", "中下")
    pct = rules.percentile_bounds
    sd = rules.sd_bounds
    lines += [
        "",
        "| grade | 表1 (percentile) | 表2 (SD) |",
        "|---|---|---|",
    ]
    for index, grade in enumerate(grades):
        upper_p = f" < P{pct.value[index - 1]}" if index else ""
        upper_s = f" < {sd.value[index - 1]:+d}SD" if index else ""
        lines.append(
            f"| {grade} | P{pct.value[index]} ≤ ·{upper_p} | {sd.value[index]:+d}SD ≤ ·{upper_s} |"
        )
    lines += [
        f"| 下 | < P{pct.value[-1]} | < {sd.value[-1]:+d}SD |",
        "",
        f"Sources: 表1 {cell('; '.join(pct.source))} ({pct.evidence.value}); "
        f"表2 {cell('; '.join(sd.source))} ({sd.evidence.value}).",
        "",
        "| status (表3) | indicators | band | opens a case of | source | evidence |",
        "|---|---|---|---|---|---|",
    ]
    for band in rules.statuses:
        low = "" if band.from_sd is None else f"{band.from_sd:+d}SD ≤ "
        high = "" if band.below_sd is None else f" < {band.below_sd:+d}SD"
        lines.append(
            f"| {band.label} | {', '.join(sorted(band.indicators))} | {low}·{high} | "
            f"`{band.finding.value}` | {cell('; '.join(band.source))} | {band.evidence.value} |"
        )
    lines += [
        "",
        "`wlh` is weight-for-length before 24 months and weight-for-height from 24 months",
        "(表3's 身长/身高别体重). Between −2SD and +1SD 表3 gives no status (—); head",
        "circumference has none.",
        "",
        "The method: the choices the standard leaves open, each configurable",
        "(`EvaluationMethod`, or a region's override file of this data).",
        "",
        "| choice | value | what it means | source | evidence |",
        "|---|---|---|---|---|",
    ]
    for name, fact in rules.method_facts.items():
        value = fact.value if isinstance(fact.value, str) else format(fact.value, "g")
        lines.append(
            f"| `{name}` | `{value}` | {cell(fact.text)} | {cell('; '.join(fact.source))} "
            f"| {fact.evidence.value} |"
        )
    lines += [
        "",
        "The tables are package data (`ws_t_423_2022.csv`) extracted from the official PDF",
        "by `scripts/gen_wst423_tables.py` (`nox -s tables -- --pdf …`), which checks every",
        "grid, that every row rises from P3 to P97 (−3SD to +3SD), that no column falls with",
        "age or length (BMI excepted) and that P50 equals the median, and compares the",
        "extraction with independent public transcriptions:",
        "",
        *(f"- {cell(line)}" for line in _crosschecks()),
        "",
    ]
    return "\n".join(lines)
