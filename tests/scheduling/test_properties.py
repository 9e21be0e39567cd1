"""Properties every schedule must have, for any child or daycare (Hypothesis)."""

from __future__ import annotations

import copy

import pendulum
from hypothesis import example, given, settings
from hypothesis import strategies as st

import yiyu
from strategies import children, daycares

PROTOCOL = yiyu.load_protocol()
D = pendulum.Date
horizons = st.integers(min_value=0, max_value=3000).map(lambda n: D(2016, 1, 1).add(days=n))


@settings(max_examples=150, deadline=None)
@given(subject=st.one_of(children(), daycares()), until=horizons)
def test_keys_unique_windows_ordered_and_within_horizon(
    subject: yiyu.Child | yiyu.Daycare, until: D
) -> None:
    obligations = yiyu.schedule(subject, PROTOCOL, until=until)
    keys = [ob.key for ob in obligations]
    assert len(keys) == len(set(keys))
    for ob in obligations:
        assert ob.opens <= ob.due <= ob.closes
        assert ob.opens <= until
        assert ob.subject_id == subject.id
        assert ob.key.startswith(f"{ob.subject.value}:{subject.id}/{ob.rule}")
        if ob.cancelled_on is not None:
            assert ob.opens < ob.cancelled_on <= ob.closes or ob.opens == ob.cancelled_on


@settings(max_examples=100, deadline=None)
@given(subject=st.one_of(children(), daycares()), until=horizons)
def test_pure_same_inputs_same_output(subject: yiyu.Child | yiyu.Daycare, until: D) -> None:
    first = yiyu.schedule(subject, PROTOCOL, until=until)
    again = yiyu.schedule(copy.deepcopy(subject), PROTOCOL, until=until)
    assert first == again


@settings(max_examples=100, deadline=None)
@given(subject=st.one_of(children(), daycares()), until=horizons, more=st.integers(1, 2000))
# Found by Hypothesis: the high-risk follow-up's 6-month visit opens 14 days before it
# (the monthly ones before it, 7), on the horizon itself, and the engine stopped at the
# stage that ends after the horizon without looking at the next stage's first visit.
@example(
    subject=yiyu.Child(id="C1", name="测试", sex="M", birth_date="2016-01-01",
                       birth_weight_g=300),
    until=D(2016, 6, 17),
    more=14,
)  # fmt: skip
def test_keys_are_stable_as_the_horizon_moves(
    subject: yiyu.Child | yiyu.Daycare, until: D, more: int
) -> None:
    # Re-planning later with a longer horizon never changes an obligation already planned:
    # the nightly job's upsert on the key depends on it.
    near = {ob.key: ob for ob in yiyu.schedule(subject, PROTOCOL, until=until)}
    far = {ob.key: ob for ob in yiyu.schedule(subject, PROTOCOL, until=until.add(days=more))}
    assert near.keys() <= far.keys()
    for key, ob in near.items():
        assert far[key] == ob
    # ... and the nearer horizon leaves out nothing that opens by it (the engine drops a
    # window that opens later before building it: it must drop no other).
    assert {key for key, ob in far.items() if ob.opens <= until} <= near.keys()


@settings(max_examples=100, deadline=None)
@given(child=children())
def test_nothing_is_owed_after_the_child_left(child: yiyu.Child) -> None:
    left = child.left_on
    for ob in yiyu.schedule(child, PROTOCOL, until=D(2040, 1, 1)):
        if left is not None:
            assert ob.opens <= left
            assert (ob.cancelled_on is not None) == (ob.closes >= left)
        else:
            assert ob.cancelled_on is None


def test_a_window_lengthened_by_a_short_last_part_is_the_same_whatever_the_horizon() -> None:
    """An orphan turning 3 on 2 January: the one day of the next year left in the span
    lengthens the 2018 assessment's window to 1 January 2019 (the rule's ``min_days``), and a
    plan made with the horizon in 2018 must already say so (found by Hypothesis)."""
    child = yiyu.Child(id="C1", name="测试", sex="M", birth_date="2016-01-02",
                       categories=[yiyu.Category(kind="orphan", start="2016-01-02")])  # fmt: skip
    key = "child:C1/vulnerable_risk_assessment/2018"
    for until in (D(2018, 1, 1), D(2018, 6, 30), D(2019, 1, 1), D(2020, 1, 1)):
        planned = {ob.key: ob for ob in yiyu.schedule(child, PROTOCOL, until=until)}
        assert planned[key].closes == D(2019, 1, 1), until
