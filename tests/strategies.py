"""Hypothesis strategies for yiyu's values: dates, children, daycares."""

from __future__ import annotations

import pendulum
from hypothesis import strategies as st

import yiyu

# Birth dates over leap years and month ends, inside chinese-calendar's data and beyond.
birth_dates = st.dates(
    min_value=pendulum.Date(2016, 1, 1), max_value=pendulum.Date(2030, 12, 31)
).map(lambda d: pendulum.Date(d.year, d.month, d.day))

gestational_ages = st.one_of(
    st.none(),
    st.builds(
        yiyu.GestationalAge, weeks=st.integers(min_value=22, max_value=44), days=st.integers(0, 6)
    ),
    st.just(yiyu.GestationalAge(weeks=45, days=0)),
)

category_kinds = st.sampled_from(
    [
        yiyu.CategoryKind.ORPHAN,
        yiyu.CategoryKind.DE_FACTO_UNSUPPORTED,
        yiyu.CategoryKind.DISABLED,
        yiyu.CategoryKind.HIGH_RISK_NEWBORN,
        yiyu.CategoryKind.PRETERM,
        yiyu.CategoryKind.LOW_BIRTH_WEIGHT,
    ]
)


@st.composite
def children(draw: st.DrawFn) -> yiyu.Child:
    birth = draw(birth_dates)
    discharge = draw(st.one_of(st.none(), st.integers(0, 90).map(lambda n: birth.add(days=n))))
    categories = []
    for kind in draw(st.lists(category_kinds, max_size=3, unique=True)):
        start = birth.add(days=draw(st.integers(0, 1500)))
        days = draw(st.one_of(st.none(), st.integers(0, 1000)))
        end = None if days is None else start.add(days=days)
        categories.append(yiyu.Category(kind=kind, start=start, end=end))
    events = []
    if draw(st.booleans()):
        events.append(
            yiyu.LifeEvent(
                kind=draw(st.sampled_from(list(yiyu.LifeEventKind))),
                on=birth.add(days=draw(st.integers(0, 2500))),
            )
        )
    registered = draw(st.one_of(st.none(), st.integers(0, 1500).map(lambda n: birth.add(days=n))))
    if registered is not None and events and registered > events[0].on:
        registered = events[0].on
    enrolments = [
        yiyu.Enrolment(child_id="C1", daycare_id="D1", start=birth.add(days=n))
        for n in draw(st.lists(st.integers(180, 1100), max_size=2, unique=True))
    ]
    return yiyu.Child(
        id="C1",
        name="测试",
        sex=draw(st.sampled_from(["M", "F"])),
        birth_date=birth,
        gestational_age=draw(gestational_ages),
        birth_weight_g=draw(st.one_of(st.none(), st.integers(300, 6500))),
        discharge_date=discharge,
        categories=categories,
        life_events=events,
        registered_on=registered,
        enrolments=enrolments,
    )


@st.composite
def daycares(draw: st.DrawFn) -> yiyu.Daycare:
    opened = draw(birth_dates)
    closed = draw(st.one_of(st.none(), st.integers(0, 1500).map(lambda n: opened.add(days=n))))
    return yiyu.Daycare(id="D1", name="测试托育园", opened_on=opened, closed_on=closed)
