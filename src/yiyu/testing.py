"""Test support for host software: builders, a seeded synthetic cohort, simulated visits.

Host software that builds on yiyu needs realistic data to test against: children with
Chinese names and valid identity numbers, preterm and vulnerable children at believable
shares, daycares with their health instructors, and a history of visits with the
lateness, misses and findings that real registries have. Everything here is generated
from a seed, in pure Python, so the same seed gives the same cohort on every machine::

    spec = CohortSpec(children=10_000, seed=7, as_of=pendulum.Date(2026, 6, 30))
    cohort = generate_cohort(spec)
    protocol = yiyu.load_protocol()
    for child in cohort.children():          # streamed: 1.2M children never all in memory
        history = simulate_history(child, protocol, spec=spec)
        ...                                  # history.child, history.encounters

The building blocks are public too: :func:`generate_children`, :func:`generate_daycares`,
:func:`generate_enrolments`, :func:`simulate_visits`, :func:`simulate_daycare_visits`,
and the builders :func:`make_child`, :func:`make_daycare` and :func:`make_encounter` for
a test that needs one plausible value and cares about a single field.

The shares are plausible for a Zhejiang city (about 6 % preterm, 5 % low birth weight),
not statistics: a test should assert on what it generated, never on a published rate.
Measurements are drawn from WHO's growth standards (:mod:`yiyu.instruments.growth`), with
a small share of children far below −2 SD so that the nutrition rules have something to
find, and every visit is fed through :func:`yiyu.record` in date order, so cases,
referrals and their follow-up visits happen as they would in the field.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs
import pendulum

from yiyu.dates import add_months, age_in_months, to_date
from yiyu.domain import (
    Case,
    Category,
    CategoryKind,
    Child,
    Correction,
    Daycare,
    Encounter,
    Enrolment,
    GestationalAge,
    LifeEvent,
    LifeEventKind,
    Measurements,
    ReferralKind,
    RicketsCheck,
    RicketsSigns,
    RicketsStage,
    Role,
    Sex,
)
from yiyu.domain.ids import check_character
from yiyu.errors import ValidationError
from yiyu.instruments import growth
from yiyu.instruments.daycare_review import load_review
from yiyu.instruments.rearing_risk import load_form
from yiyu.outcomes import ChildRecord, DaycareRecord, record, screening_column
from yiyu.protocol import Protocol, SubjectKind
from yiyu.scheduling import (
    Obligation,
    Status,
    assessment_age,
    corrected_birth,
    schedule,
    status,
)
from yiyu.store.memory import MemoryRepository

__all__ = [
    "ADDRESS_CODES",
    "DEFAULT_TOWNSHIPS",
    "EXAMPLE_HOLIDAY_FILE",
    "Cohort",
    "CohortSpec",
    "DaycareHistory",
    "History",
    "MemoryRepository",
    "generate_children",
    "generate_cohort",
    "generate_daycares",
    "generate_enrolments",
    "make_child",
    "make_daycare",
    "make_encounter",
    "make_obligation",
    "simulate_daycare_visits",
    "simulate_history",
    "simulate_visits",
]

EXAMPLE_HOLIDAY_FILE: Final = """\
# EXAMPLE ONLY (示例), not the official notice: 2027's dates are not known to yiyu.
year = 2027
source = "示例：非官方安排 (example, not the official notice)"
workdays = ["2027-02-20"]

[[holidays]]
name = "春节"
from = "2027-02-06"
to = "2027-02-14"
"""
"""A made-up operator holiday file for ``yiyu holidays add`` in tests (never the notice)."""

DEFAULT_TOWNSHIPS: Final = (
    "城关街道",
    "东城街道",
    "西城街道",
    "南城街道",
    "横街镇",
    "大溪镇",
    "新河镇",
    "坞根镇",
)
"""Plausible 镇(街道) of a Zhejiang county-level city, the default townships."""

ADDRESS_CODES: Final = ("331002", "331003", "331004", "331081", "331082", "331083")
"""GB/T 2260 address codes of Taizhou, Zhejiang, given to townships in turn."""


# --- the specification ------------------------------------------------------------------------


def _as_of(value: dt.date | str) -> pendulum.Date:
    return to_date(value, field="as_of")


def _townships(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValidationError("townships", value, "a list of township names is required")
    return tuple(value)


def _check_townships(
    _: object, __: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not value:
        raise ValidationError("townships", value, "at least one township is required")
    for name in value:
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("townships", name, "a township name is non-empty text")
    if len(set(value)) != len(value):
        raise ValidationError("townships", value, "each township is named once")


def _share(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(attribute.name, value, "a share between 0 and 1 is required")


def _count(minimum: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValidationError(attribute.name, value, f"a whole number, at least {minimum}")

    return check


def _seed(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(attribute.name, value, "a whole number is required")


@attrs.frozen(kw_only=True)
class CohortSpec:
    """What to generate: how many children, from which seed, as of which day, and the shares.

    Every share is the probability that one child has the property, drawn independently
    per child, so a cohort's shares are within sampling error of these.

    Attributes:
        children: how many children to generate.
        seed: the same seed gives the same cohort, daycares and visits.
        as_of: the cohort's "today": births are spread over the four years before it and
            nothing is dated after it.
        townships: the 镇(街道) children live in (the first ones more populous).
        preterm: born before 37 weeks (some before 34 and before 28).
        low_birth_weight: born under 2500 g (most of them preterm).
        high_risk_other: high-risk newborns for another reason of the S2 list (asphyxia,
            hyperbilirubinaemia, severe infection, birth defects, maternal factors),
            recorded as the category ``high_risk_newborn`` with the reason.
        orphan, de_facto_unsupported, disabled: the vulnerable categories, each with
            the date it started.
        moved_out: children who moved out of the area before ``as_of``.
        deceased: children who died before ``as_of``.
        registered_late: children who moved in, registered after birth.
        home_birth: born at home, with no discharge date.
        resident_id: of the children older than 30 days, the share with a 户口 and so a
            resident identity number.
        contracted: children with a contracted family doctor.
        enrolled: of the children aged 1–3 at ``as_of``, the share enrolled in a daycare.
        late: visits done after their window closed.
        missed: visits never done.
        family_doctors_per_township: contracted family doctors in each township.
        children_per_daycare: about one daycare per this many children aged 1–3.

    Raises:
        ValidationError: naming the attribute, for a share outside 0–1, a count below its
            minimum, or an empty or repeated township.
    """

    children: int = attrs.field(default=1000, validator=_count(0))
    seed: int = attrs.field(default=2026, validator=_seed)
    as_of: pendulum.Date = attrs.field(converter=_as_of)
    townships: tuple[str, ...] = attrs.field(
        default=DEFAULT_TOWNSHIPS, converter=_townships, validator=_check_townships
    )
    preterm: float = attrs.field(default=0.06, validator=_share)
    low_birth_weight: float = attrs.field(default=0.05, validator=_share)
    high_risk_other: float = attrs.field(default=0.02, validator=_share)
    orphan: float = attrs.field(default=0.002, validator=_share)
    de_facto_unsupported: float = attrs.field(default=0.003, validator=_share)
    disabled: float = attrs.field(default=0.01, validator=_share)
    moved_out: float = attrs.field(default=0.03, validator=_share)
    deceased: float = attrs.field(default=0.001, validator=_share)
    registered_late: float = attrs.field(default=0.05, validator=_share)
    home_birth: float = attrs.field(default=0.005, validator=_share)
    resident_id: float = attrs.field(default=0.8, validator=_share)
    contracted: float = attrs.field(default=0.95, validator=_share)
    enrolled: float = attrs.field(default=0.25, validator=_share)
    late: float = attrs.field(default=0.04, validator=_share)
    missed: float = attrs.field(default=0.06, validator=_share)
    family_doctors_per_township: int = attrs.field(default=4, validator=_count(1))
    children_per_daycare: int = attrs.field(default=60, validator=_count(1))

    def __attrs_post_init__(self) -> None:
        if self.late + self.missed > 1:
            raise ValidationError("missed", self.missed, "late and missed add up to more than 1")


# --- tables the generator draws from ------------------------------------------------------------

# Common surnames with rough relative frequencies (per 10 000; 陈, 吴 and 林 weighted up for
# Zhejiang). Exact census figures do not matter here, only that names look real.
_SURNAMES: Final = (
    ("王", 720), ("李", 690), ("陈", 700), ("张", 650), ("刘", 500), ("杨", 300), ("吴", 300),
    ("黄", 240), ("周", 250), ("赵", 220), ("徐", 200), ("林", 180), ("孙", 150), ("朱", 150),
    ("胡", 150), ("马", 140), ("郑", 120), ("郭", 120), ("何", 120), ("高", 110), ("罗", 100),
    ("叶", 90), ("梁", 90), ("谢", 90), ("宋", 80), ("唐", 80), ("许", 80), ("沈", 70),
    ("韩", 70), ("冯", 70), ("邓", 70), ("曹", 70), ("蒋", 60), ("潘", 60), ("彭", 60),
    ("曾", 60), ("肖", 60), ("金", 50), ("方", 50), ("陆", 50), ("汪", 50), ("田", 50),
    ("董", 50), ("袁", 50), ("蔡", 50), ("余", 50), ("杜", 40), ("程", 40), ("苏", 40),
    ("魏", 40), ("吕", 40), ("丁", 40), ("任", 40), ("姚", 30), ("卢", 30), ("钟", 30),
    ("戴", 30), ("应", 20), ("夏", 30), ("颜", 20), ("章", 20), ("欧阳", 5),
)  # fmt: skip
_GIVEN_BOYS: Final = "浩宇轩睿泽俊博文皓昊宸铭辰晨阳杰恒然哲一子梓沐嘉奕航逸霖楷锦程"
_GIVEN_GIRLS: Final = "欣怡涵萱琪彤悦瑶妍可诺雨思若佳语心依梦雅晴婉玥馨一子梓沐嘉安"

# Preterm gestational weeks, relative weights: about 6 % of preterm births before 28
# weeks, 10 % at 28–31, 12 % at 32–33 and 72 % at 34–36 (WHO's shares, rounded).
_PRETERM_WEEKS: Final = (
    (24, 1.0), (25, 1.2), (26, 1.4), (27, 1.6), (28, 1.8), (29, 2.0), (30, 2.4), (31, 2.8),
    (32, 4.5), (33, 6.5), (34, 12.0), (35, 18.0), (36, 34.0),
)  # fmt: skip
_TERM_WEEKS: Final = ((37, 8.0), (38, 22.0), (39, 35.0), (40, 25.0), (41, 9.0), (42, 1.0))
# Median birth weight (g) at each completed week, interpolated by day; SD is a share of it.
_MEDIAN_WEIGHT: Final = {
    23: 600, 24: 700, 25: 800, 26: 900, 27: 1000, 28: 1150, 29: 1300, 30: 1450, 31: 1600,
    32: 1800, 33: 2000, 34: 2250, 35: 2450, 36: 2700, 37: 2950, 38: 3150, 39: 3300, 40: 3400,
    41: 3500, 42: 3550, 43: 3600,
}  # fmt: skip
_PRETERM_WEIGHT_SD: Final = 0.14
_TERM_WEIGHT_SD: Final = 0.12
_LBW_G: Final = 2500
# Days from birth to discharge for a term birth (vaginal 1–3, caesarean 3–5).
_TERM_STAY: Final = ((1, 15.0), (2, 30.0), (3, 30.0), (4, 15.0), (5, 10.0))

# S2 (digest §1.5) high-risk criteria (2)–(6), with rough relative frequencies.
_HIGH_RISK_REASONS: Final = (
    ("高胆红素血症", 30.0), ("新生儿窒息", 12.0), ("新生儿肺炎", 12.0), ("新生儿败血症", 5.0),
    ("缺氧缺血性脑病", 4.0), ("颅内出血", 3.0), ("先天性心脏病", 8.0), ("唇腭裂", 2.0),
    ("遗传代谢性疾病", 2.0), ("母亲高龄分娩（≥35岁）", 15.0), ("母亲异常妊娠及分娩史", 7.0),
)  # fmt: skip

_DAYCARE_BRANDS: Final = (
    "小太阳", "贝贝", "童乐", "爱心", "启明星", "彩虹", "未来星", "金色摇篮", "小天使",
    "蒲公英", "七彩", "育英", "蓝天", "小橡树", "乐童", "星辰",
)  # fmt: skip
_DAYCARE_KINDS: Final = ("托育园", "托育中心", "婴幼园", "托育服务中心")
_LECTURES: Final = (
    "婴幼儿合理喂养与营养", "常见传染病的预防", "婴幼儿意外伤害的预防", "回应性照护与早期发展",
    "婴幼儿口腔保健", "婴幼儿视力保护", "婴幼儿睡眠与作息",
)  # fmt: skip
_REFERRAL_RESULTS: Final = {
    ReferralKind.DEVELOPMENT: ("复查未见异常", "发育迟缓，已转康复训练", "继续随访观察"),
    ReferralKind.AUTISM_RESCREEN: ("复筛未见异常", "复筛阳性，已转诊断评估"),
    ReferralKind.NUTRITION: ("上级医院营养门诊管理中", "已治疗，好转"),
    ReferralKind.ANAEMIA: ("上级医院血液科治疗中", "已治疗，好转"),
    ReferralKind.OTHER: ("已就诊",),
}

_ENROLMENT_FROM_DAYS: Final = 365  # 12 months
_ENROLMENT_UNTIL_DAYS: Final = 913  # 30 months (30 × 30.4375)
_INSTRUCTOR_DAYCARES: Final = 3  # one health instructor looks after about three daycares
_CLOSED_DAYCARES: Final = 0.06  # closed daycares, on top of the open ones


def _cumulative(weights: Iterable[float]) -> tuple[float, ...]:
    total = 0.0
    result = []
    for weight in weights:
        total += weight
        result.append(total)
    return tuple(result)


_SURNAME_CUM: Final = _cumulative(w for _, w in _SURNAMES)
_PRETERM_CUM: Final = _cumulative(w for _, w in _PRETERM_WEEKS)
_TERM_CUM: Final = _cumulative(w for _, w in _TERM_WEEKS)
_STAY_CUM: Final = _cumulative(w for _, w in _TERM_STAY)
_REASON_CUM: Final = _cumulative(w for _, w in _HIGH_RISK_REASONS)


def _pick(rng: random.Random, cumulative: Sequence[float]) -> int:
    """An index drawn with the weights whose running sums are ``cumulative``."""
    return bisect.bisect_right(cumulative, rng.random() * cumulative[-1])


def _township_weights(count: int) -> tuple[float, ...]:
    # Central streets are more populous than outlying towns.
    return tuple(1 / (1 + 0.3 * index) for index in range(count))


def _median_weight(ga_days: int) -> float:
    weeks, days = divmod(ga_days, 7)
    low = _MEDIAN_WEIGHT[min(max(weeks, 23), 43)]
    high = _MEDIAN_WEIGHT[min(max(weeks + 1, 23), 43)]
    return low + (high - low) * days / 7


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@functools.cache
def _preterm_lbw_share() -> float:
    """The share of preterm births under 2500 g, as :func:`_birth_weight` draws them."""
    total = 0.0
    weight_sum = 0.0
    for weeks, weight in _PRETERM_WEEKS:
        for days in range(7):
            median = _median_weight(weeks * 7 + days)
            # Weights are rounded to 10 g: under 2500 means a draw under 2495.
            p = _normal_cdf((_LBW_G - 5 - median) / (median * _PRETERM_WEIGHT_SD))
            total += weight * p
            weight_sum += weight
    return total / weight_sum


def _round10(grams: float) -> int:
    return round(grams / 10) * 10


def _birth_weight(rng: random.Random, ga_days: int, preterm: bool, term_lbw: float) -> int:
    median = _median_weight(ga_days)
    if preterm:
        grams = rng.gauss(median, median * _PRETERM_WEIGHT_SD)
        return min(max(_round10(grams), 400), 4500)
    if rng.random() < term_lbw:  # small for gestational age
        return _round10(rng.triangular(1700, 2494, 2400))
    for _ in range(20):
        grams = _round10(rng.gauss(median, median * _TERM_WEIGHT_SD))
        if _LBW_G <= grams <= 5500:
            return grams
    return _round10(median)


# --- children -----------------------------------------------------------------------------------


def _date(ordinal: int) -> pendulum.Date:
    return pendulum.Date.fromordinal(ordinal)


def _name(rng: random.Random, male: bool) -> str:
    surname = _SURNAMES[_pick(rng, _SURNAME_CUM)][0]
    pool = _GIVEN_BOYS if male else _GIVEN_GIRLS
    first = pool[int(rng.random() * len(pool))]
    if rng.random() < 0.2:
        return surname + first
    second = pool[int(rng.random() * len(pool))]
    return surname + first + (second if second != first else pool[0])


def _resident_id(rng: random.Random, address: str, birth: pendulum.Date, male: bool) -> str:
    # Digits 15–17 are the sequence: odd for men, even for women (GB 11643).
    sequence = int(rng.random() * 499) * 2 + (3 if male else 2)
    body = f"{address}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return body + check_character(body)


def generate_children(spec: CohortSpec) -> Iterator[Child]:
    """Children born over the four years before ``spec.as_of``, one at a time.

    Deterministic: the same spec gives the same children, and the first ``n`` children
    do not depend on ``spec.children``, so a small cohort is a prefix of a large one.
    Ids are ``C0000001``, ``C0000002`` …; every value passes the domain's validation.

    Each child has a Chinese name (a newborn sometimes the placeholder ``陈某之子``), a
    sex (about 51 % male), a gestational age (mostly 37–41 weeks, ``spec.preterm`` below
    37), a birth weight that follows it (``spec.low_birth_weight`` under 2500 g), a
    discharge 1–5 days after birth (weeks later for the very preterm, none for a home
    birth; a child still in hospital on ``as_of`` is not yet reported and so not
    generated), a township, usually a family doctor (``FD-城关街道-2``), a resident
    identity number for most children older than a month (with a valid check character,
    the birth date and the sex digit), the vulnerable categories with their start dates,
    and sometimes a late registration, a move out or a death.

    Args:
        spec: what to generate.

    Yields:
        :class:`~yiyu.Child` values without enrolments (see :func:`generate_cohort`).
    """
    rng = random.Random(spec.seed)
    as_of_ord = spec.as_of.toordinal()
    first_ord = spec.as_of.subtract(years=4).toordinal()
    span = as_of_ord - first_ord  # births on first_ord … as_of − 1
    towns = spec.townships
    town_cum = _cumulative(_township_weights(len(towns)))
    addresses = [ADDRESS_CODES[index % len(ADDRESS_CODES)] for index in range(len(towns))]
    doctors = spec.family_doctors_per_township
    preterm_lbw = _preterm_lbw_share()
    term_lbw = (spec.low_birth_weight - spec.preterm * preterm_lbw) / max(1 - spec.preterm, 1e-9)
    term_lbw = min(max(term_lbw, 0.0), 1.0)
    random_ = rng.random
    randint = rng.randint

    for number in range(1, spec.children + 1):
        male = random_() < 0.512
        sex = Sex.MALE if male else Sex.FEMALE
        preterm = random_() < spec.preterm
        if preterm:
            weeks = _PRETERM_WEEKS[_pick(rng, _PRETERM_CUM)][0]
        else:
            weeks = _TERM_WEEKS[_pick(rng, _TERM_CUM)][0]
        days = int(random_() * 7)
        ga_days = weeks * 7 + days
        weight = _birth_weight(rng, ga_days, preterm, term_lbw)
        high_risk = random_() < spec.high_risk_other
        home = random_() < spec.home_birth
        stay: int | None = None
        if not home:
            if preterm:
                # Discharged at about 35–38 weeks' postmenstrual age.
                stay = max(randint(3, 7), 245 + randint(0, 21) - ga_days)
            else:
                stay = _TERM_STAY[_pick(rng, _STAY_CUM)][0]
                if weight < _LBW_G:
                    stay += randint(0, 3)
            if high_risk:
                stay += randint(2, 10)
        birth_ord = first_ord + int(random_() * (span - (stay or 0)))
        birth = _date(birth_ord)
        age = as_of_ord - birth_ord  # ≥ 1

        name = _name(rng, male)
        if age < 15 and random_() < 0.3:
            name = f"{name[0]}某之{'子' if male else '女'}"
        town = _pick(rng, town_cum)
        township = towns[town]
        doctor = f"FD-{township}-{randint(1, doctors)}" if random_() < spec.contracted else None
        resident_id = None
        if age > 30 and random_() < spec.resident_id:
            resident_id = _resident_id(rng, addresses[town], birth, male)

        registered_ord: int | None = None
        if age > 2 and random_() < spec.registered_late:
            registered_ord = birth_ord + randint(1, age - 1)
        events: list[LifeEvent] = []
        left_ord: int | None = None
        since = registered_ord or birth_ord
        if as_of_ord - since > 1:
            if random_() < spec.moved_out:
                left_ord = randint(since + 1, as_of_ord - 1)
                events.append(LifeEvent(kind=LifeEventKind.MOVED_OUT, on=_date(left_ord)))
            elif random_() < spec.deceased:
                # Deaths cluster in the first weeks.
                left_ord = min(since + 1 + int(rng.expovariate(1 / 45)), as_of_ord - 1)
                events.append(LifeEvent(kind=LifeEventKind.DECEASED, on=_date(left_ord)))

        categories: list[Category] = []
        if high_risk:
            reason = _HIGH_RISK_REASONS[_pick(rng, _REASON_CUM)][0]
            categories.append(
                Category(kind=CategoryKind.HIGH_RISK_NEWBORN, start=birth, reason=reason)
            )
        last_ord = (left_ord or as_of_ord) - 1
        for kind, share, earliest in (
            (CategoryKind.ORPHAN, spec.orphan, 0),
            (CategoryKind.DE_FACTO_UNSUPPORTED, spec.de_facto_unsupported, 0),
            (CategoryKind.DISABLED, spec.disabled, 90),  # usually recognised after months
        ):
            if random_() < share:
                latest = max(last_ord, birth_ord)
                start = randint(birth_ord + min(earliest, latest - birth_ord), latest)
                categories.append(Category(kind=kind, start=_date(start)))

        yield Child(
            id=f"C{number:07d}",
            name=name,
            sex=sex,
            birth_date=birth,
            gestational_age=GestationalAge(weeks=weeks, days=days),
            birth_weight_g=weight,
            discharge_date=None if stay is None else _date(birth_ord + stay),
            resident_id=resident_id,
            township=township,
            family_doctor=doctor,
            categories=categories,
            life_events=events,
            registered_on=None if registered_ord is None else _date(registered_ord),
        )


# --- daycares and enrolments --------------------------------------------------------------------


def _children_aged_1_to_3(spec: CohortSpec) -> float:
    """The expected number of children aged 1–3 at ``as_of``, from the birth window."""
    first = spec.as_of.subtract(years=4).toordinal()
    span = spec.as_of.toordinal() - first
    window = spec.as_of.subtract(years=1).toordinal() - spec.as_of.subtract(years=3).toordinal()
    return spec.children * window / span


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split by ``weights`` (largest remainders), deterministic."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    counts = [int(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def generate_daycares(spec: CohortSpec) -> list[Daycare]:
    """Daycares for the cohort: about one per ``spec.children_per_daycare`` children aged 1–3.

    The count comes from the spec (the expected number of children aged 1–3 on
    ``as_of``), so it is known without generating the children. The open daycares are
    spread over the townships as the children are; a few more (about 6 %) have closed.
    Ids are ``D00001`` …; each has a health instructor (``HI-东城街道-1``, one for about
    three daycares of a township), a capacity of 20–120 places and an opening date up to
    seven years before ``as_of``.

    Args:
        spec: the cohort's specification.

    Returns:
        The daycares, township by township.
    """
    rng = random.Random(f"yiyu.testing/daycares/{spec.seed}")
    as_of_ord = spec.as_of.toordinal()
    opened = round(_children_aged_1_to_3(spec) / spec.children_per_daycare)
    if spec.children and not opened:
        opened = 1
    weights = _township_weights(len(spec.townships))
    open_counts = _allocate(opened, weights)
    closed_counts = _allocate(round(opened * _CLOSED_DAYCARES), weights)
    daycares: list[Daycare] = []
    for township, open_count, closed_count in zip(
        spec.townships, open_counts, closed_counts, strict=True
    ):
        count = open_count + closed_count
        instructors = max(1, math.ceil(count / _INSTRUCTOR_DAYCARES))
        prefix = township.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        for index in range(count):
            closed = index >= open_count
            if closed:
                opened_ord = as_of_ord - _randint_between(rng, 400, 7 * 365)
                closed_ord: int | None = _randint_between(rng, opened_ord + 180, as_of_ord - 1)
            else:
                # Most daycares opened in the last few years (托育 grew after 2019).
                opened_ord = as_of_ord - 30 - int((7 * 365 - 30) * rng.random() ** 1.5)
                closed_ord = None
            brand = _DAYCARE_BRANDS[int(rng.random() * len(_DAYCARE_BRANDS))]
            kind = _DAYCARE_KINDS[int(rng.random() * len(_DAYCARE_KINDS))]
            daycares.append(
                Daycare(
                    id=f"D{len(daycares) + 1:05d}",
                    name=f"{prefix}{brand}{kind}",
                    township=township,
                    capacity=rng.randrange(20, 121, 5),
                    health_instructor=f"HI-{township}-{index % instructors + 1}",
                    opened_on=_date(opened_ord),
                    closed_on=None if closed_ord is None else _date(closed_ord),
                )
            )
    return daycares


def _randint_between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` that tolerates ``high < low`` (returns ``low``)."""
    return low if high <= low else rng.randint(low, high)


def _open_on(daycare: Daycare, day: pendulum.Date) -> bool:
    return daycare.opened_on <= day and (daycare.closed_on is None or day <= daycare.closed_on)


def _enrolment(
    spec: CohortSpec, child: Child, by_township: Mapping[str, Sequence[Daycare]]
) -> Enrolment | None:
    candidates = by_township.get(child.township or "")
    if not candidates:
        return None
    months = age_in_months(child.birth_date, spec.as_of)
    if not 12 <= months < 36:
        return None
    rng = random.Random(f"yiyu.testing/enrolment/{spec.seed}/{child.id}")
    if rng.random() >= spec.enrolled:
        return None
    birth_ord = child.birth_date.toordinal()
    as_of_ord = spec.as_of.toordinal()
    age = as_of_ord - birth_ord
    start_ord = birth_ord + _randint_between(
        rng, _ENROLMENT_FROM_DAYS, min(_ENROLMENT_UNTIL_DAYS, age)
    )
    start_ord = max(start_ord, add_months(child.birth_date, 12).toordinal())
    if child.registered_on is not None and start_ord < child.registered_on.toordinal():
        start_ord = child.registered_on.toordinal() + int(rng.random() * 30)
    left = child.left_on
    if start_ord > as_of_ord or (left is not None and start_ord >= left.toordinal()):
        return None
    start = _date(start_ord)
    open_ones = [daycare for daycare in candidates if _open_on(daycare, start)]
    if not open_ones:
        return None
    daycare = open_ones[int(rng.random() * len(open_ones))]
    ends = [as_of_ord + 1]
    if daycare.closed_on is not None:
        ends.append(daycare.closed_on.toordinal())
    if left is not None:
        ends.append(left.toordinal() - 1)
    if rng.random() < 0.1:  # taken out early
        ends.append(start_ord + rng.randint(30, 365))
    end_ord = min(ends)
    return Enrolment(
        child_id=child.id,
        daycare_id=daycare.id,
        start=start,
        end=None if end_ord > as_of_ord else _date(max(end_ord, start_ord)),
    )


def _by_township(daycares: Iterable[Daycare]) -> dict[str, list[Daycare]]:
    grouped: dict[str, list[Daycare]] = {}
    for daycare in daycares:
        grouped.setdefault(daycare.township or "", []).append(daycare)
    return grouped


def generate_enrolments(
    spec: CohortSpec, children: Iterable[Child], daycares: Iterable[Daycare]
) -> Iterator[Enrolment]:
    """Enrolments of about ``spec.enrolled`` of the children aged 1–3 on ``as_of``.

    Each child is enrolled at most once, in a daycare of its own township that is open on
    the first day, from 12–30 months of age (later if it moved in later), before
    ``as_of``; the enrolment ends when the daycare closed, the child left, or, for
    about one in ten, earlier. Whether and where a child is enrolled depends only on
    the seed, the child and the daycares, not on the other children.

    Args:
        spec: the cohort's specification.
        children: the children, e.g. from :func:`generate_children` (streamed).
        daycares: from :func:`generate_daycares`.

    Yields:
        The enrolments, in the children's order.
    """
    grouped = _by_township(daycares)
    for child in children:
        enrolment = _enrolment(spec, child, grouped)
        if enrolment is not None:
            yield enrolment


@attrs.frozen(kw_only=True)
class Cohort:
    """A generated cohort: its daycares, and its children streamed with their enrolments."""

    spec: CohortSpec
    daycares: tuple[Daycare, ...]

    def children(self) -> Iterator[Child]:
        """The children of :func:`generate_children`, each with its enrolment attached."""
        grouped = _by_township(self.daycares)
        for child in generate_children(self.spec):
            enrolment = _enrolment(self.spec, child, grouped)
            yield child if enrolment is None else attrs.evolve(child, enrolments=(enrolment,))

    def enrolments(self) -> Iterator[Enrolment]:
        """The enrolments of :meth:`children`, streamed."""
        return generate_enrolments(self.spec, generate_children(self.spec), self.daycares)


def generate_cohort(spec: CohortSpec) -> Cohort:
    """The cohort of ``spec``: daycares now, children (with enrolments) as they are read."""
    return Cohort(spec=spec, daycares=tuple(generate_daycares(spec)))


# --- simulated visits ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class History:
    """A child after its simulated visits.

    Attributes:
        child: the child after every visit: its cases and referrals as recorded.
        encounters: the visits, in date order, each already fed through :func:`yiyu.record`.
        obligations: the child's obligations up to ``as_of`` (``yiyu.schedule``).
        done_on: obligation key → the date of the visit that fulfilled it.
        as_of: the day the history ends.
    """

    child: Child
    encounters: tuple[Encounter, ...]
    obligations: tuple[Obligation, ...]
    done_on: Mapping[str, pendulum.Date]
    as_of: pendulum.Date

    def status(self, obligation: Obligation) -> Status:
        """The obligation's status on ``as_of``."""
        return status(obligation, done_on=self.done_on.get(obligation.key), as_of=self.as_of)

    def statuses(self) -> dict[str, Status]:
        """Obligation key → status on ``as_of``, for every obligation."""
        return {obligation.key: self.status(obligation) for obligation in self.obligations}


@attrs.frozen(kw_only=True)
class DaycareHistory:
    """A daycare after its simulated visits (see :class:`History`)."""

    daycare: Daycare
    encounters: tuple[Encounter, ...]
    obligations: tuple[Obligation, ...]
    done_on: Mapping[str, pendulum.Date]
    as_of: pendulum.Date

    def status(self, obligation: Obligation) -> Status:
        """The obligation's status on ``as_of``."""
        return status(obligation, done_on=self.done_on.get(obligation.key), as_of=self.as_of)

    def statuses(self) -> dict[str, Status]:
        """Obligation key → status on ``as_of``, for every obligation."""
        return {obligation.key: self.status(obligation) for obligation in self.obligations}


# Visit behaviour: a minority of families miss many visits, most miss few.
_IRREGULAR: Final = 0.15
_IRREGULAR_FACTOR: Final = 4.0
_LATE_MEAN_DAYS: Final = 12
_LATE_MAX_DAYS: Final = 60

# Growth: per-child mean z, an AR(1) latent around it per visit, and measurement noise;
# children of low birth weight start lower, and a few falter chronically.
_Z_MEAN_SD: Final = 0.65
_Z_LATENT_SD: Final = 0.45
_Z_RHO: Final = 0.8
_Z_NOISE: Final = 0.3
_CHRONIC: Final = 0.01
_ILLNESS: Final = 0.01  # an acute illness before a visit: weight-for-length drops
_GUIDED: Final = 0.3  # what a month of feeding or diet guidance does to a managed z-score
_EXCESS: Final = frozenset({CategoryKind.OVERWEIGHT, CategoryKind.OBESITY})
_THIN: Final = frozenset({CategoryKind.UNDERWEIGHT, CategoryKind.WASTING})
_Z_LIMIT: Final = 4.5

_HB_SD_CHILD: Final = 5.0
_HB_SD_VISIT: Final = 5.0
_SIGN_POSITIVE: Final = 0.015
_REGRESSION: Final = 0.002
_RICKETS: Final = 0.004
_RICKETS_PERSISTS: Final = 0.35
_RESULT_BROUGHT: Final = 0.9
_RISK_SOME: Final = 0.15
_RISK_HIGH: Final = 0.02
_REVIEW_FAIL: Final = 0.006
_CORRECTED: Final = 0.85


@attrs.define
class _Body:
    """A simulated child's growth and haemoglobin between visits (private, mutable)."""

    mean_haz: float
    mean_whz: float
    mean_hcz: float
    haz: float
    whz: float
    hcz: float
    hb_offset: float
    last_hb: float | None = None
    last_hb_ord: int | None = None
    rickets: bool = False

    @classmethod
    def draw(cls, child: Child, rng: random.Random) -> _Body:
        small = child.birth_weight_g is not None and child.birth_weight_g < _LBW_G
        mean_haz = rng.gauss(-0.6 if small else 0.15, _Z_MEAN_SD)
        mean_whz = rng.gauss(-0.3 if small else -0.05, _Z_MEAN_SD)
        if rng.random() < _CHRONIC:
            mean_haz -= 1.8
        if rng.random() < _CHRONIC / 2:
            mean_whz -= 1.8
        mean_hcz = rng.gauss(0.0, _Z_MEAN_SD)
        return cls(
            mean_haz=mean_haz,
            mean_whz=mean_whz,
            mean_hcz=mean_hcz,
            haz=mean_haz + rng.gauss(0, _Z_LATENT_SD),
            whz=mean_whz + rng.gauss(0, _Z_LATENT_SD),
            hcz=mean_hcz + rng.gauss(0, _Z_LATENT_SD),
            hb_offset=rng.gauss(0, _HB_SD_CHILD),
        )

    def step(self, rng: random.Random, cases: Iterable[Case]) -> None:
        """Move the latent z-scores on by one visit; guidance works on managed cases."""
        for case in cases:
            if not case.as_recorded().is_open:  # a move to come does not end the care
                continue
            if case.condition in _EXCESS:
                self.mean_whz = min(self.mean_whz, max(self.mean_whz - _GUIDED, 0.5))
                self.whz -= _GUIDED
            elif case.condition in _THIN:
                self.mean_whz = max(self.mean_whz, min(self.mean_whz + _GUIDED, -0.5))
                self.whz += _GUIDED
            elif case.condition is CategoryKind.STUNTING:
                self.mean_haz = max(self.mean_haz, min(self.mean_haz + _GUIDED / 2, -0.8))
                self.haz += _GUIDED / 2
        keep = math.sqrt(1 - _Z_RHO**2) * _Z_LATENT_SD
        self.haz = self.mean_haz + _Z_RHO * (self.haz - self.mean_haz) + rng.gauss(0, keep)
        self.whz = self.mean_whz + _Z_RHO * (self.whz - self.mean_whz) + rng.gauss(0, keep)
        self.hcz = self.mean_hcz + _Z_RHO * (self.hcz - self.mean_hcz) + rng.gauss(0, keep)
        if rng.random() < _ILLNESS:
            self.whz -= rng.uniform(1.0, 2.5)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _at_z(indicator: growth.Indicator, sex: growth.Sex, x: float, z: float) -> float | None:
    lms = growth.reference_lms(indicator, sex, x)
    if lms is None:
        return None
    try:
        return growth.lms_value(lms, _clamp(z, -_Z_LIMIT, _Z_LIMIT))
    except ValidationError:  # beyond where the curve is defined
        return lms.m


def _measure(
    child: Child,
    body: _Body,
    rng: random.Random,
    on: pendulum.Date,
    *,
    length: bool,
    head: bool,
) -> Measurements:
    """Weight (and length, head) at ``on``, from WHO's distribution for the assessed age."""
    body.step(rng, child.cases)
    sex: growth.Sex = "M" if child.sex is Sex.MALE else "F"
    basis = corrected_birth(child)
    if basis != child.birth_date and on >= add_months(basis, 24):
        basis = child.birth_date
    days = (on - basis).days
    if days < 0:
        # Before term (corrected age below zero): about 15 g a day after the first week.
        grams = (child.birth_weight_g or 3000) + 15 * max(0, (on - child.birth_date).days - 7)
        return Measurements(weight_kg=round(_clamp(grams / 1000, 0.3, 40.0), 2))
    if days > growth.MAX_AGE_DAYS:
        return Measurements()
    standing = days >= 731
    height = _at_z(growth.Indicator.LHFA, sex, days, body.haz + rng.gauss(0, _Z_NOISE))
    weight: float | None = None
    if height is not None:
        height = round(_clamp(height, 25.0, 130.0), 1)
        table = growth.Indicator.WFH if standing else growth.Indicator.WFL
        weight = _at_z(table, sex, height, body.whz + rng.gauss(0, _Z_NOISE))
    if weight is None:
        weight = _at_z(growth.Indicator.WFA, sex, days, body.whz + rng.gauss(0, _Z_NOISE))
    head_cm = None
    if head:
        head_cm = _at_z(growth.Indicator.HCFA, sex, days, body.hcz + rng.gauss(0, _Z_NOISE))
    return Measurements(
        weight_kg=None if weight is None else round(_clamp(weight, 0.3, 40.0), 2),
        length_cm=height if length else None,
        measured="standing" if standing and length else "recumbent",
        head_cm=None if head_cm is None else round(_clamp(head_cm, 20.0, 60.0), 1),
    )


def _haemoglobin(child: Child, body: _Body, rng: random.Random, on: pendulum.Date) -> float:
    """Hb in g/L: normal for age, rising under treatment while an anaemia case is open."""
    months = age_in_months(child.birth_date, on)
    base = 116.0 if months < 6 else 121.0 if months < 24 else 124.0
    normal = base + body.hb_offset + rng.gauss(0, _HB_SD_VISIT)
    hb = normal
    treated = any(c.condition is CategoryKind.ANAEMIA and c.open_on(on) for c in child.cases)
    if treated and body.last_hb is not None and body.last_hb_ord is not None:
        elapsed = min((on.toordinal() - body.last_hb_ord) / 30.4, 2.0)
        hb = min(body.last_hb + rng.gauss(8, 4) * elapsed, normal + 10)
    hb = float(round(_clamp(hb, 40.0, 200.0)))
    body.last_hb, body.last_hb_ord = hb, on.toordinal()
    return hb


@functools.cache
@functools.cache
def _risk_items() -> tuple[tuple[str, bool], ...]:
    """(item id, in the safety domain) for each item of the default rearing-risk form."""
    return tuple((item.id, item.domain == "safety_and_security") for item in load_form().items)


@functools.cache
def _review_items() -> tuple[str, ...]:
    return load_review().item_ids


def _mentions(obligation: Obligation, *words: str) -> bool:
    return any(word in text for text in obligation.contents for word in words)


def _tested(obligation: Obligation, word: str) -> tuple[bool, bool]:
    """(mentions ``word`` in tests or contents, only if not done before: 未查者)."""
    texts = [text for text in (*obligation.tests, *obligation.contents) if word in text]
    return bool(texts), bool(texts) and all("未查" in text for text in texts)


def _performer(child: Child, role: Role) -> str | None:
    if role is Role.FAMILY_DOCTOR:
        return child.family_doctor
    if role is Role.CHILD_HEALTH_DOCTOR and child.township:
        return f"CHD-{child.township}-{1 + sum(map(ord, child.id)) % 2}"
    return None


def _child_encounter(
    child: Child,
    obligation: Obligation,
    on: pendulum.Date,
    body: _Body,
    rng: random.Random,
    protocol: Protocol,
) -> Encounter:
    """What a doctor does and records at one visit, drawn for this child."""
    measurements = Measurements()
    if _mentions(obligation, "体重"):
        measurements = _measure(
            child,
            body,
            rng,
            on,
            length=_mentions(obligation, "身长", "身高"),
            head=_mentions(obligation, "头围"),
        )
    hb_test, only_if_not_done = _tested(obligation, "血红蛋白")
    if hb_test and not (only_if_not_done and body.last_hb is not None):
        measurements = attrs.evolve(measurements, hb_g_l=_haemoglobin(child, body, rng, on))

    signs: dict[str, bool] = {}
    regression: bool | None = None
    if obligation.checklist is not None:
        # The column yiyu.record will screen against: a preterm child's by corrected age.
        column = screening_column(assessment_age(child, on, protocol), obligation)
        items = column.item_ids if column is not None else ()
        signs = dict.fromkeys(items, False)
        if rng.random() < _SIGN_POSITIVE:
            which = rng.random()  # drawn even with no column: the same seed, the same cohort
            if items:
                signs[items[int(which * len(items))]] = True
        regression = rng.random() < _REGRESSION

    risk: dict[str, int] = {}
    if _mentions(obligation, "养育风险评估"):
        for item, safety in _risk_items():
            draw = rng.random()
            high = _RISK_HIGH if safety else _RISK_HIGH / 2
            risk[item] = 2 if draw < high else 1 if draw < high + _RISK_SOME else 0

    diagnoses: list[CategoryKind] = []
    rickets: RicketsCheck | None = None
    if obligation.rule == "rickets_follow_up":
        # Treated rickets: still active with symptoms but better, or in recovery without
        # them; two symptom-free checks a month apart close the case.
        body.rickets = rng.random() < _RICKETS_PERSISTS
        rickets = RicketsCheck(
            stage=RicketsStage.ACTIVE if body.rickets else RicketsStage.RECOVERY,
            symptoms=body.rickets,
            signs=RicketsSigns.IMPROVED,
        )
    elif (
        obligation.checklist is not None
        and on < add_months(child.birth_date, 24)
        and rng.random() < _RICKETS
    ):
        body.rickets = True
        diagnoses.append(CategoryKind.RICKETS)
        rickets = RicketsCheck(stage=RicketsStage.ACTIVE, symptoms=True)

    results: dict[str, str] = {}
    for referral in child.referrals:
        if (
            referral.is_open
            and obligation.occurrence == referral.id
            and rng.random() < _RESULT_BROUGHT
        ):
            options = _REFERRAL_RESULTS[referral.kind]
            results[referral.id] = options[int(rng.random() * len(options))]

    return Encounter(
        id=f"enc:{obligation.key}",
        subject_id=child.id,
        on=on,
        obligation_key=obligation.key,
        role=obligation.role,
        performer=_performer(child, obligation.role),
        measurements=measurements,
        warning_signs=signs,
        regression=regression,
        risk_answers=risk,
        diagnoses=diagnoses,
        rickets=rickets,
        referral_results=results,
        guidance="养育照护指导" if _mentions(obligation, "养育照护指导") else None,
        notes="已建立健康档案" if _mentions(obligation, "健康档案") else None,
    )


def _planned_day(
    obligation: Obligation, rng: random.Random, late: float, missed: float
) -> int | None:
    """When the visit happens (an ordinal), or ``None`` if it never does."""
    draw = rng.random()
    if draw < missed:
        return None
    opens, due, closes = (
        d.toordinal() for d in (obligation.opens, obligation.due, obligation.closes)
    )
    if draw < missed + late:
        return closes + 1 + min(int(rng.expovariate(1 / _LATE_MEAN_DAYS)), _LATE_MAX_DAYS)
    span = closes - opens
    if due == closes:
        return opens + round(rng.triangular(0, span, span * 0.3))
    return int(_clamp(due + round(rng.gauss(0, max(2.0, span / 6))), opens, closes))


@attrs.define
class _Plan:
    """The visits decided so far for one subject: obligation key → planned day."""

    rng: random.Random
    late: float
    missed: float
    since: int | None
    days: dict[str, int | None] = attrs.Factory(dict)
    done: dict[str, pendulum.Date] = attrs.Factory(dict)

    def next_visit(
        self, obligations: Iterable[Obligation], earliest: int, latest: int, last: int
    ) -> tuple[int, Obligation] | None:
        """The next visit on or after ``last``: (day, obligation), or ``None``."""
        best: tuple[int, str, Obligation] | None = None
        for obligation in obligations:
            key = obligation.key
            if key in self.done:
                continue
            if key not in self.days:
                opens = obligation.opens.toordinal()
                if self.since is not None and opens < self.since:
                    self.days[key] = None
                else:
                    self.days[key] = _planned_day(obligation, self.rng, self.late, self.missed)
            day = self.days[key]
            if day is None:
                continue
            if day < earliest:
                if earliest > obligation.closes.toordinal():
                    continue  # its window closed before the subject was known: missed
                day = earliest
            day = max(day, last)
            stop = obligation.cancelled_on
            if day > latest or (stop is not None and day >= stop.toordinal()):
                continue
            if best is None or (day, key) < best[:2]:
                best = (day, key, obligation)
        return None if best is None else (best[0], best[2])


def _seeded(spec: CohortSpec, kind: str, subject_id: str, rng_seed: int | None) -> random.Random:
    if rng_seed is not None:
        return random.Random(rng_seed)
    return random.Random(f"yiyu.testing/{kind}/{spec.seed}/{subject_id}")


def _missed_share(rng: random.Random, missed: float) -> float:
    """A family's share of missed visits: a few miss many, most few; the mean is ``missed``."""
    irregular = min(missed * _IRREGULAR_FACTOR, 1.0)
    if rng.random() < _IRREGULAR:
        return irregular
    return (missed - _IRREGULAR * irregular) / (1 - _IRREGULAR)


def simulate_history(
    child: Child,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
    since: dt.date | None = None,
) -> History:
    """Simulate a child's visits up to ``spec.as_of`` and record each through the outcomes.

    For every obligation of the child (``yiyu.schedule(child, protocol, until=as_of)``)
    the visit is done in its window (most), done late (``spec.late``) or missed
    (``spec.missed``; a minority of families miss far more than the rest). A visit
    measures what the obligation's contents name (weight, length/height, head), drawn
    from WHO's distribution for the child's (corrected) age and sex, with a few children
    far below −2 SD; measures Hb where its tests name 血红蛋白 (a few anaemic); answers
    the warning-sign column of a routine check (now and then one sign present); scores
    the rearing-risk form at a vulnerable child's assessment; and brings back referral
    results. No visit happens before the child was registered or discharged, on or
    after it left, or after ``as_of``.

    Each visit is recorded with :func:`yiyu.record` in date order, so the cases and
    referrals it opens change the child, and the follow-ups they create are visited in
    turn until nothing new falls due before ``as_of``.

    Args:
        child: the child as registered (with its enrolments, if any).
        protocol: from :func:`yiyu.load_protocol`.
        spec: ``as_of``, the seed and the visit shares.
        rng_seed: a seed of its own; by default one derived from ``spec.seed`` and the
            child's id, so a child's history does not depend on the other children.
        since: only obligations whose window opens on or after this day are visited
            (for simulating a later stretch of time on top of an earlier one).

    Returns:
        The child after the visits, the encounters in date order, the obligations and
        when each was done.

    Raises:
        ValidationError: if an encounter is refused by :func:`yiyu.record`, which is a
            bug in this module or in the outcome rules.
    """
    rng = _seeded(spec, "visits", child.id, rng_seed)
    as_of_ord = spec.as_of.toordinal()
    missed = _missed_share(rng, spec.missed)
    plan = _Plan(
        rng=rng,
        late=min(spec.late, 1.0 - missed),
        missed=missed,
        since=None if since is None else since.toordinal(),
    )
    body = _Body.draw(child, rng)
    earliest = max(
        d.toordinal()
        for d in (child.birth_date, child.registered_on, child.discharge_date)
        if d is not None
    )
    left = child.left_on
    latest = min(as_of_ord, left.toordinal() - 1) if left is not None else as_of_ord
    current = child
    obligations = schedule(current, protocol, until=spec.as_of)
    encounters: list[Encounter] = []
    last = earliest
    while True:
        chosen = plan.next_visit(obligations, earliest, latest, last)
        if chosen is None:
            break
        day, obligation = chosen
        on = _date(day)
        encounter = _child_encounter(current, obligation, on, body, rng, protocol)
        result = record(encounter, current, protocol, as_of=on)
        assert isinstance(result, ChildRecord)
        plan.done[obligation.key] = on
        encounters.append(encounter)
        last = day
        after = result.child
        if after.cases != current.cases or after.referrals != current.referrals:
            obligations = schedule(after, protocol, until=spec.as_of)
        current = after
    return History(
        child=current,
        encounters=tuple(encounters),
        obligations=tuple(obligations),
        done_on=plan.done,
        as_of=spec.as_of,
    )


def simulate_visits(
    child: Child,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
    since: dt.date | None = None,
) -> Iterator[Encounter]:
    """The encounters of :func:`simulate_history`, in date order.

    Use :func:`simulate_history` when the child after the visits is needed too.
    """
    yield from simulate_history(
        child, protocol, spec=spec, rng_seed=rng_seed, since=since
    ).encounters


def _daycare_encounter(
    daycare: Daycare, obligation: Obligation, on: pendulum.Date, rng: random.Random
) -> Encounter:
    answers: dict[str, str] = {}
    notes: dict[str, str] = {}
    lecture = None
    correction = _correction(daycare, obligation)
    if correction is not None:
        answers[correction.item] = "pass" if rng.random() < _CORRECTED else "fail"
    elif _mentions(obligation, "讲座"):
        lecture = _LECTURES[int(rng.random() * len(_LECTURES))]
    else:
        for item in _review_items():
            draw = rng.random()
            answers[item] = "fail" if draw < _REVIEW_FAIL else "pass"
            if answers[item] == "fail":
                notes[item] = "现场检查不合格，已提出整改意见"
    return Encounter(
        id=f"enc:{obligation.key}",
        subject_id=daycare.id,
        on=on,
        obligation_key=obligation.key,
        role=obligation.role,
        performer=daycare.health_instructor,
        review_answers=answers,
        review_notes=notes,
        lecture=lecture,
    )


def _correction_open(daycare: Daycare, obligation: Obligation, on: pendulum.Date) -> bool:
    """Whether a correction visit still has its correction open on ``on`` (else ``True``).

    A re-check done late can find the item already put right at a quarterly visit; the
    engine keeps such an obligation (its window had closed), but there is nothing left
    to re-check, and a re-check of a closed item would be read as a full review.
    """
    correction = _correction(daycare, obligation)
    return correction is None or correction.is_open


def _correction(daycare: Daycare, obligation: Obligation) -> Correction | None:
    """The correction an obligation hangs from (its occurrence is the correction's id)."""
    for correction in daycare.corrections:
        if correction.id == obligation.occurrence:
            return correction
    return None


def simulate_daycare_visits(
    daycare: Daycare,
    protocol: Protocol,
    *,
    spec: CohortSpec,
    rng_seed: int | None = None,
) -> DaycareHistory:
    """Simulate a daycare's visits by its health instructor up to ``spec.as_of``.

    Quarterly visits and the yearly review go through the review checklist (most items
    pass; now and then one fails, which opens a correction and its follow-up visit);
    the half-yearly lecture records its topic; a correction visit re-checks the failed
    item (usually put right). Visits are done, late or missed as for children, and
    recorded with :func:`yiyu.record` in date order.

    Args:
        daycare: the daycare.
        protocol: from :func:`yiyu.load_protocol`.
        spec: ``as_of``, the seed and the visit shares.
        rng_seed: a seed of its own; by default derived from ``spec.seed`` and the id.

    Returns:
        The daycare after the visits (with its corrections), the encounters in date
        order, the obligations and when each was done.
    """
    rng = _seeded(spec, "daycare-visits", daycare.id, rng_seed)
    plan = _Plan(rng=rng, late=spec.late, missed=spec.missed, since=None)
    earliest = daycare.opened_on.toordinal()
    latest = spec.as_of.toordinal()
    if daycare.closed_on is not None:
        latest = min(latest, daycare.closed_on.toordinal())
    current = daycare
    obligations = schedule(current, protocol, until=spec.as_of)
    encounters: list[Encounter] = []
    last = earliest
    while True:
        chosen = plan.next_visit(obligations, earliest, latest, last)
        if chosen is None:
            break
        day, obligation = chosen
        on = _date(day)
        if not _correction_open(current, obligation, on):
            # Put right at a review before this late re-check: there is nothing to check.
            plan.days[obligation.key] = None
            continue
        encounter = _daycare_encounter(current, obligation, on, rng)
        result = record(encounter, current, protocol, as_of=on)
        assert isinstance(result, DaycareRecord)
        plan.done[obligation.key] = on
        encounters.append(encounter)
        last = day
        if result.daycare.corrections != current.corrections:
            obligations = schedule(result.daycare, protocol, until=spec.as_of)
        current = result.daycare
    return DaycareHistory(
        daycare=current,
        encounters=tuple(encounters),
        obligations=tuple(obligations),
        done_on=plan.done,
        as_of=spec.as_of,
    )


# --- builders -----------------------------------------------------------------------------------

_BUILDER_BIRTH: Final = pendulum.Date(2025, 3, 14)


def make_child(**overrides: Any) -> Child:
    """A plausible term child, with any field overridden.

    Defaults: ``C0000001`` 陈子睿, male, born 2025-03-14 at 39+2 weeks and 3300 g,
    discharged three days after birth (after the overridden birth date, if one is
    given), in 城关街道 with family doctor ``FD-城关街道-1``.

    Args:
        overrides: any :class:`~yiyu.Child` field.

    Raises:
        ValidationError: if the overrides make an invalid child.
    """
    birth = to_date(overrides.get("birth_date", _BUILDER_BIRTH), field="birth_date")
    values: dict[str, Any] = {
        "id": "C0000001",
        "name": "陈子睿",
        "sex": Sex.MALE,
        "birth_date": birth,
        "gestational_age": GestationalAge(weeks=39, days=2),
        "birth_weight_g": 3300,
        "discharge_date": birth.add(days=3),
        "township": "城关街道",
        "family_doctor": "FD-城关街道-1",
    }
    values.update(overrides)
    return Child(**values)


def make_daycare(**overrides: Any) -> Daycare:
    """A plausible open daycare, with any field overridden.

    Defaults: ``D00001`` 城关小太阳托育园 in 城关街道, 60 places, health instructor
    ``HI-城关街道-1``, opened 2023-09-01.

    Args:
        overrides: any :class:`~yiyu.Daycare` field.

    Raises:
        ValidationError: if the overrides make an invalid daycare.
    """
    values: dict[str, Any] = {
        "id": "D00001",
        "name": "城关小太阳托育园",
        "township": "城关街道",
        "capacity": 60,
        "health_instructor": "HI-城关街道-1",
        "opened_on": pendulum.Date(2023, 9, 1),
    }
    values.update(overrides)
    return Daycare(**values)


def make_obligation(
    opens: dt.date | str, due: dt.date | str, closes: dt.date | str, **overrides: Any
) -> Obligation:
    """An obligation with this window, for testing what reads one (``suggest_date``, a
    work list): child ``C0000001``'s 满月 check by default.

    Args:
        opens, due, closes: the window and the due date.
        overrides: any other :class:`~yiyu.Obligation` field.
    """
    values: dict[str, Any] = {
        "key": "child:C0000001/one_month",
        "rule": "one_month",
        "name": "新生儿满月健康管理",
        "subject": SubjectKind.CHILD,
        "subject_id": "C0000001",
        "occurrence": None,
        "protocol": "test",
        "protocol_version": "1",
        "variant": None,
        "role": Role.CHILD_HEALTH_DOCTOR,
        "opens": to_date(opens, field="opens"),
        "due": to_date(due, field="due"),
        "closes": to_date(closes, field="closes"),
    }
    values.update(overrides)
    return Obligation(**values)


def make_encounter(obligation: Obligation | None = None, **overrides: Any) -> Encounter:
    """An encounter, by default fulfilling ``obligation`` on its due date.

    Without an obligation it is an unscheduled visit to ``C0000001`` on 2025-06-14.
    Measurements and answers are empty: pass ``measurements=...`` and the rest as needed.

    Args:
        obligation: the obligation fulfilled, from :func:`yiyu.schedule`.
        overrides: any :class:`~yiyu.Encounter` field.

    Raises:
        ValidationError: if the overrides make an invalid encounter.
    """
    values: dict[str, Any] = {
        "id": "E1" if obligation is None else f"enc:{obligation.key}",
        "subject_id": "C0000001" if obligation is None else obligation.subject_id,
        "on": pendulum.Date(2025, 6, 14) if obligation is None else obligation.due,
        "obligation_key": None if obligation is None else obligation.key,
    }
    if obligation is not None:
        values["role"] = obligation.role
    values.update(overrides)
    return Encounter(**values)
