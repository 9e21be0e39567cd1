"""Children born over four years, with the birth facts, places and categories of a registry."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterator
from typing import Final

import pendulum

from yiyu.domain import Category, CategoryKind, Child, GestationalAge, LifeEvent, LifeEventKind, Sex
from yiyu.domain.ids import check_character
from yiyu.synthetic._draw import cumulative, from_ordinal, pick
from yiyu.synthetic.spec import ADDRESS_CODES, CohortSpec

__all__ = ["LOW_BIRTH_WEIGHT_G", "generate_children", "township_weights"]

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
LOW_BIRTH_WEIGHT_G: Final = 2500
# Days from birth to discharge for a term birth (vaginal 1–3, caesarean 3–5).
_TERM_STAY: Final = ((1, 15.0), (2, 30.0), (3, 30.0), (4, 15.0), (5, 10.0))

# S2 (digest §1.5) high-risk criteria (2)–(6), with rough relative frequencies.
_HIGH_RISK_REASONS: Final = (
    ("高胆红素血症", 30.0), ("新生儿窒息", 12.0), ("新生儿肺炎", 12.0), ("新生儿败血症", 5.0),
    ("缺氧缺血性脑病", 4.0), ("颅内出血", 3.0), ("先天性心脏病", 8.0), ("唇腭裂", 2.0),
    ("遗传代谢性疾病", 2.0), ("母亲高龄分娩（≥35岁）", 15.0), ("母亲异常妊娠及分娩史", 7.0),
)  # fmt: skip

_SURNAME_CUM: Final = cumulative(w for _, w in _SURNAMES)
_PRETERM_CUM: Final = cumulative(w for _, w in _PRETERM_WEEKS)
_TERM_CUM: Final = cumulative(w for _, w in _TERM_WEEKS)
_STAY_CUM: Final = cumulative(w for _, w in _TERM_STAY)
_REASON_CUM: Final = cumulative(w for _, w in _HIGH_RISK_REASONS)


def township_weights(count: int) -> tuple[float, ...]:
    """How populous each of ``count`` townships is, relative to the others, in order.

    Central streets are more populous than outlying towns; the daycares are spread as
    the children are (:func:`yiyu.synthetic.cohort.generate_daycares`).
    """
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
            p = _normal_cdf((LOW_BIRTH_WEIGHT_G - 5 - median) / (median * _PRETERM_WEIGHT_SD))
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
        if LOW_BIRTH_WEIGHT_G <= grams <= 5500:
            return grams
    return _round10(median)


def _name(rng: random.Random, male: bool) -> str:
    surname = _SURNAMES[pick(rng, _SURNAME_CUM)][0]
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
    town_cum = cumulative(township_weights(len(towns)))
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
            weeks = _PRETERM_WEEKS[pick(rng, _PRETERM_CUM)][0]
        else:
            weeks = _TERM_WEEKS[pick(rng, _TERM_CUM)][0]
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
                stay = _TERM_STAY[pick(rng, _STAY_CUM)][0]
                if weight < LOW_BIRTH_WEIGHT_G:
                    stay += randint(0, 3)
            if high_risk:
                stay += randint(2, 10)
        birth_ord = first_ord + int(random_() * (span - (stay or 0)))
        birth = from_ordinal(birth_ord)
        age = as_of_ord - birth_ord  # ≥ 1

        name = _name(rng, male)
        if age < 15 and random_() < 0.3:
            name = f"{name[0]}某之{'子' if male else '女'}"
        town = pick(rng, town_cum)
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
                events.append(LifeEvent(kind=LifeEventKind.MOVED_OUT, on=from_ordinal(left_ord)))
            elif random_() < spec.deceased:
                # Deaths cluster in the first weeks.
                left_ord = min(since + 1 + int(rng.expovariate(1 / 45)), as_of_ord - 1)
                events.append(LifeEvent(kind=LifeEventKind.DECEASED, on=from_ordinal(left_ord)))

        categories: list[Category] = []
        if high_risk:
            reason = _HIGH_RISK_REASONS[pick(rng, _REASON_CUM)][0]
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
                categories.append(Category(kind=kind, start=from_ordinal(start)))

        yield Child(
            id=f"C{number:07d}",
            name=name,
            sex=sex,
            birth_date=birth,
            gestational_age=GestationalAge(weeks=weeks, days=days),
            birth_weight_g=weight,
            discharge_date=None if stay is None else from_ordinal(birth_ord + stay),
            resident_id=resident_id,
            township=township,
            family_doctor=doctor,
            categories=categories,
            life_events=events,
            registered_on=None if registered_ord is None else from_ordinal(registered_ord),
        )
