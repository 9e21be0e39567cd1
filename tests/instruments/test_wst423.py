"""WS/T 423—2022 (7岁以下儿童生长标准): the packaged tables and their evaluation.

The bands below are written out from the standard's own text (WS/T 423—2022 4.1–4.3,
表1, 表2 and 表3), not read from yiyu's data, so that a wrong bound in the data fails here.
Values "read from the PDF" were typed from the official text (附录A/B) by hand.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from yiyu import Sex
from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import wst423
from yiyu.instruments.growth import GrowthFinding, Indicator
from yiyu.instruments.wst423 import (
    EvaluationMethod,
    Grade,
    evaluate,
    evaluate_indicator,
    load_ws_t_423,
    table_point,
    table_rows,
)

# --- the standard's grids and the bands of 表1-表3, from its text -----------------------------

AGES = (*range(24), *range(24, 82, 3))  # 附录A/B: monthly to 23 months, then quarterly
GRIDS = {
    Indicator.WFA: AGES,
    Indicator.LHFA: AGES,
    Indicator.BFA: AGES,
    Indicator.HCFA: (*range(25), 27, 30, 33, 36),
    Indicator.WFL: tuple(range(45, 101)),  # 0～2岁以下, 45-100 cm
    Indicator.WFH: tuple(range(75, 131)),  # 2～7岁以下, 75-130 cm
}
SEXES = (Sex.MALE, Sex.FEMALE)

# 表2: (lower SD column index or None, upper SD column index or None) -> grade; columns
# -3SD..+3SD are indices 0..6.
SD_GRADES = (
    (None, 1, Grade.LOWER),  # < -2SD 下
    (1, 2, Grade.LOWER_MIDDLE),  # -2SD ≤ · < -1SD 中下
    (2, 4, Grade.MIDDLE),  # -1SD ≤ · < +1SD 中
    (4, 5, Grade.UPPER_MIDDLE),  # +1SD ≤ · < +2SD 中上
    (5, None, Grade.UPPER),  # ≥ +2SD 上
)
# 表1: columns P3 P10 P25 P50 P75 P90 P97 are indices 0..6.
PERCENTILE_GRADES = (
    (None, 0, Grade.LOWER),  # < P3 下
    (0, 2, Grade.LOWER_MIDDLE),  # P3 ≤ · < P25 中下
    (2, 4, Grade.MIDDLE),  # P25 ≤ · < P75 中
    (4, 6, Grade.UPPER_MIDDLE),  # P75 ≤ · < P97 中上
    (6, None, Grade.UPPER),  # ≥ P97 上
)
# 表3 by indicator: (lower SD column, upper SD column, status label).
_DEFICIT = {
    Indicator.WFA: ("重度低体重", "低体重"),
    Indicator.LHFA: ("重度生长迟缓", "生长迟缓"),
    Indicator.WFL: ("重度消瘦", "消瘦"),
    Indicator.WFH: ("重度消瘦", "消瘦"),
    Indicator.BFA: ("重度消瘦", "消瘦"),
}
_EXCESS = ((4, 5, "超重"), (5, 6, "肥胖"), (6, None, "重度肥胖"))


def status_bands(indicator: Indicator) -> list[tuple[int | None, int | None, str | None]]:
    """表3's column for one indicator, from below: every band and what it is called."""
    if indicator is Indicator.HCFA:
        return [(None, None, None)]  # head circumference has no nutrition status
    severe, moderate = _DEFICIT[indicator]
    bands: list[tuple[int | None, int | None, str | None]] = [
        (None, 0, severe),
        (0, 1, moderate),
    ]
    if indicator in (Indicator.WFA, Indicator.LHFA):
        return [*bands, (1, None, None)]  # "—" from -2SD up
    return [*bands, (1, 4, None), *_EXCESS]


def inside(values: tuple[float, ...], low: int | None, high: int | None) -> list[float]:
    """Measurements inside a band of one row: its lower bound itself, a point inside, and
    points just inside open ends."""
    if low is None and high is None:
        return [values[3]]
    if low is None:
        assert high is not None
        return [values[high] - 0.05, values[high] * 0.8]
    if high is None:
        return [values[low], values[low] + 0.05, values[low] * 1.2]
    return [values[low], (values[low] + values[high]) / 2, values[high] - 0.01]


# --- the packaged tables ----------------------------------------------------------------------


@pytest.mark.parametrize("indicator", list(GRIDS))
@pytest.mark.parametrize("sex", SEXES)
@pytest.mark.parametrize("appendix", ["A", "B"])
def test_every_table_has_the_standards_grid_and_rising_rows(
    indicator: Indicator, sex: Sex, appendix: str
) -> None:
    rows = table_rows(indicator, sex, appendix)  # type: ignore[arg-type]
    assert tuple(x for x, _ in rows) == GRIDS[indicator]
    for _, values in rows:
        assert len(values) == 7
        assert all(a < b for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("indicator", list(GRIDS))
@pytest.mark.parametrize("sex", SEXES)
def test_p50_is_the_median(indicator: Indicator, sex: Sex) -> None:
    # 附录A's P50 and 附录B's 中位数 are the same printed number at every row.
    for (x, percentiles), (_, sds) in zip(
        table_rows(indicator, sex, "A"), table_rows(indicator, sex, "B"), strict=True
    ):
        assert percentiles[3] == sds[3], x


# Rows typed by hand from the official PDF (page, table, row).
READ_FROM_PDF = [
    ("B.1", Indicator.WFA, Sex.MALE, 0, (2.4, 2.7, 3.1, 3.5, 3.9, 4.3, 4.7)),  # p. 25
    ("B.1", Indicator.WFA, Sex.MALE, 6, (6.1, 6.8, 7.6, 8.4, 9.4, 10.5, 11.7)),  # p. 25
    ("B.11", Indicator.HCFA, Sex.MALE, 21, (44.3, 45.4, 46.6, 47.9, 49.2, 50.5, 51.9)),  # 1岁9月
    ("B.11", Indicator.HCFA, Sex.MALE, 36, (45.7, 46.8, 48.1, 49.3, 50.7, 52.1, 53.5)),  # 3岁
    ("B.7", Indicator.WFH, Sex.MALE, 75, (7.9, 8.5, 9.1, 9.9, 10.8, 11.8, 13.0)),  # p. 33
    ("B.9", Indicator.BFA, Sex.MALE, 5, (14.0, 15.1, 16.4, 17.9, 19.5, 21.4, 23.5)),  # p. 36
    ("B.5", Indicator.WFL, Sex.MALE, 47, (2.1, 2.3, 2.5, 2.7, 2.9, 3.2, 3.5)),  # p. 30
    ("A.1", Indicator.WFA, Sex.MALE, 81, (18.2, 19.7, 21.3, 23.4, 25.7, 28.0, 30.6)),  # 6岁9月
    ("A.2", Indicator.WFA, Sex.FEMALE, 30, (10.7, 11.4, 12.1, 13.0, 14.1, 15.1, 16.2)),  # 2岁6月
    ("A.3", Indicator.LHFA, Sex.MALE, 0, (47.6, 48.7, 49.9, 51.2, 52.5, 53.6, 54.8)),  # p. 9
    ("A.4", Indicator.LHFA, Sex.FEMALE, 81, (113.2, 116.0, 118.9, 122.1, 125.3, 128.2, 131.0)),
    ("A.5", Indicator.WFL, Sex.MALE, 75, (8.4, 8.8, 9.2, 9.7, 10.3, 10.9, 11.5)),  # p. 12
    ("A.6", Indicator.WFL, Sex.FEMALE, 87, (10.3, 10.7, 11.2, 11.8, 12.4, 13.1, 13.8)),  # p. 14
]


@pytest.mark.parametrize(("table", "indicator", "sex", "x", "printed"), READ_FROM_PDF)
def test_rows_read_from_the_pdf(
    table: str, indicator: Indicator, sex: Sex, x: int, printed: tuple[float, ...]
) -> None:
    point = table_point(indicator, sex, x, appendix=table[0])  # type: ignore[arg-type]
    assert point is not None
    assert (point.table, point.rows, point.values) == (table, (x,), printed)


def test_the_data_header_names_the_pdf_and_the_cross_checks() -> None:
    data = Path(wst423.__file__).parent / "data" / wst423.TABLES_FILE
    header = [line for line in data.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
    assert any("sha256 1fa2f1f0b299028063fc82b58920a2ea058a04aa2bd7e5bf3e17e64e77c067e5" in line
               for line in header)  # fmt: skip
    checks = [
        line for line in header if line.startswith("# cross-check") and "values compared" in line
    ]
    assert len(checks) >= 2
    assert all(line.endswith(", 0 disagreements") for line in checks)


# --- every band at every printed grid point ---------------------------------------------------


def _cases() -> list[tuple[Indicator, Sex]]:
    return [(indicator, sex) for indicator in GRIDS for sex in SEXES]


@pytest.mark.parametrize(("indicator", "sex"), _cases())
def test_each_band_gets_its_grade_and_status_at_every_printed_row(
    indicator: Indicator, sex: Sex
) -> None:
    checked = 0
    for (x, sd), (_, pct) in zip(
        table_rows(indicator, sex, "B"), table_rows(indicator, sex, "A"), strict=True
    ):
        for low, high, grade in SD_GRADES:
            for value in inside(sd, low, high):
                result = evaluate_indicator(indicator, sex, float(x), value)
                assert result is not None
                assert result.grade_sd is grade, (x, value, low, high)
                checked += 1
        for low, high, grade in PERCENTILE_GRADES:
            for value in inside(pct, low, high):
                result = evaluate_indicator(indicator, sex, float(x), value)
                assert result is not None
                assert result.grade_percentile is grade, (x, value, low, high)
        for low, high, label in status_bands(indicator):
            for value in inside(sd, low, high):
                result = evaluate_indicator(indicator, sex, float(x), value)
                assert result is not None
                assert (result.status.label if result.status else None) == label, (x, value)
    assert checked >= len(GRIDS[indicator]) * 13


def test_a_printed_bound_belongs_to_the_band_above() -> None:
    # B.1 boys at 0 months: -2SD 2.7, +2SD 4.3 (表2/表3 write "≥" on the lower bound).
    at_minus_2 = evaluate_indicator(Indicator.WFA, "M", 0, 2.7)
    below = evaluate_indicator(Indicator.WFA, "M", 0, 2.69)
    assert at_minus_2 is not None
    assert below is not None
    assert (at_minus_2.grade_sd, at_minus_2.status) == (Grade.LOWER_MIDDLE, None)
    assert below.grade_sd is Grade.LOWER
    assert below.status is not None
    assert below.status.label == "低体重"
    at_plus_2 = evaluate_indicator(Indicator.WFA, "M", 0, 4.3)
    assert at_plus_2 is not None
    assert at_plus_2.grade_sd is Grade.UPPER


def test_sd_position_is_the_interpolation_between_printed_values() -> None:
    # B.1 boys, 0 months: 2.4 2.7 3.1 3.5 3.9 4.3 4.7.
    cases = {2.7: -2.0, 2.9: -1.5, 3.5: 0.0, 4.5: 2.5, 4.7: 3.0, 5.1: 4.0, 2.1: -4.0}
    for weight, expected in cases.items():
        result = evaluate_indicator(Indicator.WFA, "M", 0, weight)
        assert result is not None
        assert result.sd_position == pytest.approx(expected)


# --- between printed rows ---------------------------------------------------------------------


def test_interpolation_between_quarterly_rows() -> None:
    # B.1 boys: 2岁 (24 months) and 2岁3月 (27 months); 26 months is 2/3 of the way.
    low = dict(table_rows(Indicator.WFA, "M", "B"))[24]
    high = dict(table_rows(Indicator.WFA, "M", "B"))[27]
    point = table_point(Indicator.WFA, "M", 26)
    assert point is not None
    assert point.rows == (24, 27)
    assert point.rows_label == "表B.1 2岁～2岁3月"
    for value, a, b in zip(point.values, low, high, strict=True):
        assert value == pytest.approx(a + (b - a) * 2 / 3)


def test_printed_row_reads_the_completed_quarter_and_the_nearest_cm() -> None:
    point = table_point(Indicator.WFA, "M", 26.9, position="printed_row")
    assert point is not None
    assert point.rows == (24,)
    length = table_point(Indicator.WFL, "F", 65.5, position="printed_row")
    assert length is not None
    assert length.rows == (66,)
    length = table_point(Indicator.WFL, "F", 65.4, position="printed_row")
    assert length is not None
    assert length.rows == (65,)


def test_ages_after_the_last_row_use_it_and_lengths_outside_the_table_have_none() -> None:
    last = table_point(Indicator.WFA, "F", 83.9)
    assert last is not None
    assert last.rows == (81,)
    assert table_point(Indicator.WFL, "M", 44.9) is None
    assert table_point(Indicator.WFL, "M", 100.1) is None
    assert table_point(Indicator.WFH, "M", 130.0) is not None


# --- evaluate(): a visit ----------------------------------------------------------------------


def test_evaluate_a_visit_at_one_year() -> None:
    result = evaluate(Sex.MALE, age_months=12, weight_kg=10.1, length_cm=76.7, head_cm=46.1)
    # A.1/B.1, A.3/B.3, A.11/B.11 at 1岁: the medians are 10.1, 76.7 and 46.1.
    for indicator in (Indicator.WFA, Indicator.LHFA, Indicator.HCFA):
        item = result.get(indicator)
        assert item is not None
        assert (item.grade_sd, item.grade_percentile, item.status) == (
            Grade.MIDDLE,
            Grade.MIDDLE,
            None,
        )
        assert item.sd_position == 0.0
        assert item.sd_point.rows == (12,)
    wfl = result.get("wlh")
    assert wfl is not None
    assert wfl.indicator is Indicator.WFL
    assert wfl.sd_point.rows == (76, 77)  # 76.7 cm lies between printed lengths
    assert result.bmi == 17.2  # 10.1 / 0.767² = 17.17, rounded to one decimal as printed
    assert result.findings() == frozenset()


def test_evaluate_a_small_toddler_by_height_tables() -> None:
    # A girl of 800 days (26.3 months) measured lying: 80.0 cm - 0.7 = 79.3 cm of height.
    result = evaluate("F", age_days=800, weight_kg=9.0, length_cm=80.0, measured="recumbent")
    assert result.length_cm == pytest.approx(79.3)
    weight = result.get(Indicator.WFA)
    height = result.get(Indicator.LHFA)
    wfh = result.get("wlh")
    assert weight is not None
    assert height is not None
    assert wfh is not None
    assert wfh.indicator is Indicator.WFH
    assert (weight.grade_sd, weight.status and weight.status.label) == (Grade.LOWER, "重度低体重")
    assert height.status is not None
    assert height.status.label == "重度生长迟缓"
    assert result.findings() == {GrowthFinding.SEVERE_UNDERWEIGHT, GrowthFinding.SEVERE_STUNTING}


def test_standing_before_two_years_is_converted_to_length() -> None:
    lying = evaluate("M", age_months=12, length_cm=76.7)
    standing = evaluate("M", age_months=12, length_cm=76.0, measured="standing")
    assert standing.length_cm == pytest.approx(76.7)
    assert standing.get(Indicator.LHFA) == lying.get(Indicator.LHFA)


def test_the_conversion_is_a_configurable_default() -> None:
    result = evaluate(
        "M",
        age_months=30,
        length_cm=90.0,
        method=EvaluationMethod(lying_standing_cm=0.0),
    )
    assert result.length_cm == 90.0


def test_excess_weight_is_judged_by_the_index_asked_for() -> None:
    # A boy of 12 months, 76.7 cm (BMI median 17.2): 12.8 kg is +2SD of weight-for-length
    # at 76-77 cm and BMI 21.8.
    result = evaluate("M", age_months=12, weight_kg=12.8, length_cm=76.7)
    bmi = result.get(Indicator.BFA)
    wfl = result.get("wlh")
    assert bmi is not None
    assert wfl is not None
    assert bmi.status
    assert wfl.status
    by_bmi = result.findings("baz")
    by_wfl = result.findings("whz")
    assert by_bmi == {bmi.status.finding}
    assert by_wfl == {wfl.status.finding}
    assert result.findings("either") <= {GrowthFinding.OBESITY, GrowthFinding.SEVERE_OBESITY}


def test_seven_and_older_are_beyond_the_standard() -> None:
    result = evaluate("M", age_months=84, weight_kg=25.0)
    assert result.beyond_age
    assert result.indicators == ()
    head = evaluate("M", age_months=37, head_cm=50.0)
    assert head.get(Indicator.HCFA) is None  # 0～3岁 only
    assert evaluate("M", age_months=36.9, head_cm=50.0).get(Indicator.HCFA) is not None


def test_missing_or_non_positive_measurements_are_not_evaluated() -> None:
    result = evaluate("F", age_months=6, weight_kg=0, length_cm=None)
    assert result.indicators == ()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "age_days"),
        ({"age_days": 10, "age_months": 1}, "age_days"),
        ({"age_months": -1}, "age_months"),
        ({"age_days": float("nan")}, "age_days"),
        ({"age_months": 3, "weight_kg": float("inf")}, "weight_kg"),
        ({"age_months": 3, "measured": "sitting"}, "measured"),
        ({"age_months": 3, "sex": "X"}, "sex"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    sex = kwargs.pop("sex", "M")
    with pytest.raises(ValidationError) as error:
        evaluate(sex, **kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


# --- the rules as data ------------------------------------------------------------------------


def test_the_packaged_rules_say_where_each_comes_from() -> None:
    rules = load_ws_t_423()
    assert rules.header.label == "ws_t_423_2022@2026.2"
    assert rules.sd_bounds.value == (2, 1, -1, -2)
    assert rules.percentile_bounds.value == (97, 75, 25, 3)
    assert all(band.source[0].startswith("WS423 (4.3, 表3") for band in rules.statuses)
    # The method's choices the standard leaves open are labelled as yiyu defaults.
    facts = rules.method_facts
    assert facts["position"].value == "interpolate"
    assert facts["position"].evidence.value == "D"
    assert facts["lying_standing_cm"].evidence.value == "D"
    assert facts["until_months"].evidence.value == "V"
    assert rules.method == EvaluationMethod()


def test_a_region_switches_to_the_printed_row(tmp_path: Path) -> None:
    override = tmp_path / "county.toml"
    override.write_text(
        '[instrument]\nextends = "ws_t_423_2022"\nid = "ws_t_423_2022-county"\n'
        'version = "2026.2-county"\ntitle = "本县"\n\n'
        '[sources.LOCAL]\ntitle = "县规范"\n\n'
        '[method.position]\noverride = true\nvalue = "printed_row"\ntext = "取已满月龄所在行"\n'
        'source = "LOCAL"\nevidence = "LOCAL"\n',
        encoding="utf-8",
    )
    rules = load_ws_t_423(override)
    assert rules.method.position == "printed_row"
    result = evaluate("M", age_months=26, weight_kg=12.6, standard=rules)
    item = result.get(Indicator.WFA)
    assert item is not None
    assert item.sd_point.rows == (24,)
    assert result.standard == "ws_t_423_2022-county@2026.2-county"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[grades.sd]\noverride = true\nfrom = [2, -1, 1, -2]\ntext = "x"\nsource = "LOCAL"\n'
         'evidence = "LOCAL"\n',
         "grades.sd.from"),
        ('[method.position]\noverride = true\nvalue = "nearest"\ntext = "x"\nsource = "LOCAL"\n'
         'evidence = "LOCAL"\n',
         "method.position.value"),
    ],
)  # fmt: skip
def test_a_bad_override_names_the_field(tmp_path: Path, text: str, field: str) -> None:
    override = tmp_path / "bad.toml"
    override.write_text(
        '[instrument]\nextends = "ws_t_423_2022"\nid = "x"\nversion = "1"\ntitle = "x"\n\n'
        '[sources.LOCAL]\ntitle = "x"\n\n' + text,
        encoding="utf-8",
    )
    with pytest.raises(ProtocolError) as error:
        load_ws_t_423(override)
    assert error.value.field == field
