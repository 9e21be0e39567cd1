"""The codec: plain data and the facts hash, stable across versions."""

from __future__ import annotations

import yiyu
from yiyu.codec import facts_hash, to_data
from yiyu.testing import make_child

ANAEMIA = yiyu.Case(condition="anaemia", opened_on="2025-09-01", severity="mild")


def test_the_facts_hash_of_existing_children_did_not_change_with_the_close_reason() -> None:
    # Hashes computed by yiyu before cases recorded why they closed: an unchanged hash
    # means no child is re-planned, and no stored plan is taken for stale, on upgrading.
    case = yiyu.Case(
        condition="anaemia", opened_on="2025-09-01", closed_on="2025-12-01", closed_by="E3",
        severity="mild",
    )  # fmt: skip
    closed = make_child(cases=[case])
    assert facts_hash(closed) == "54cb3e46537f115a7a63654211ce5669db380b2fceacd361274c6184accc2012"
    # The case this child's move now closes was stored open: its closing is derived.
    moved = yiyu.LifeEvent(kind="moved_out", on="2025-10-01")
    left = make_child(cases=[ANAEMIA], life_events=[moved])
    assert left.cases[0].close_reason is yiyu.CaseCloseReason.MOVED_OUT
    assert facts_hash(left) == "84eed5264596912ab4481c403c544d0eeaa27814930e0e5d0b9d98001d418375"


def test_a_default_computed_from_the_value_is_left_out() -> None:
    # Case.close_reason defaults to CRITERIA_MET on a closed case, None on an open one.
    assert "close_reason" not in to_data(ANAEMIA)
    closed = yiyu.Case(condition="anaemia", opened_on="2025-09-01", closed_on="2025-12-01")
    assert to_data(closed) == {
        "condition": "anaemia",
        "opened_on": "2025-09-01",
        "closed_on": "2025-12-01",
    }


# --- the facts hash and the order of facts ----------------------------------------------------


def test_the_facts_hash_ignores_the_order_of_facts() -> None:
    cases = [yiyu.Case(condition="anaemia", opened_on="2026-08-01"),
             yiyu.Case(condition="wasting", opened_on="2026-07-01")]  # fmt: skip
    assert facts_hash(make_child(cases=cases)) == facts_hash(
        make_child(cases=list(reversed(cases)))
    )
