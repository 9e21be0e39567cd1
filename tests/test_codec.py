"""The codec: plain data and the facts hash, stable across versions."""

from __future__ import annotations

import pytest

import yiyu
from yiyu import codec
from yiyu.codec import facts_hash, to_data
from yiyu.testing import make_child

ANAEMIA = yiyu.Case(condition="anaemia", opened_on="2025-09-01", severity="mild")


# --- stored encounters: the format's version (issue #13, item 6) -----------------------

VISIT = yiyu.Encounter(
    id="E1", subject_id="C1", on="2026-04-12", obligation_key="child:C1/m3",
    measurements={"weight_kg": 6.1, "length_cm": 61.0}, warning_signs={"m3_1": False},
)  # fmt: skip
# What yiyu 0.1 stored for VISIT: the same fields, no version.
VISIT_0_1 = {
    "id": "E1",
    "subject_id": "C1",
    "on": "2026-04-12",
    "obligation_key": "child:C1/m3",
    "measurements": {"weight_kg": 6.1, "length_cm": 61.0},
    "warning_signs": {"m3_1": False},
}


def test_a_stored_encounter_carries_its_format_version() -> None:
    data = codec.encounter_data(VISIT)
    assert next(iter(data)) == "v"
    assert data == {"v": codec.ENCOUNTER_VERSION, **to_data(VISIT)}
    assert codec.encounter_from_data(data) == VISIT
    assert "v" not in to_data(VISIT)  # printed records and findings keep their format


def test_an_unversioned_encounter_from_yiyu_0_1_is_upgraded() -> None:
    assert codec.encounter_fields(VISIT_0_1) == to_data(VISIT)
    assert codec.encounter_from_data(VISIT_0_1) == VISIT


@pytest.mark.parametrize("version", [2, 99])
def test_an_encounter_of_a_newer_format_is_refused_naming_its_version(version: int) -> None:
    with pytest.raises(yiyu.ValidationError, match=f"format version {version} by a newer yiyu"):
        codec.encounter_from_data({"v": version, **VISIT_0_1})


@pytest.mark.parametrize("version", ["1", True, -1, 1.0])
def test_a_format_version_that_is_no_whole_number_is_refused(version: object) -> None:
    with pytest.raises(yiyu.ValidationError) as error:
        codec.encounter_from_data({"v": version, **VISIT_0_1})
    assert error.value.field == "v"


def test_the_encounter_format_version_stays_out_of_the_facts_hash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The facts hash has its own format version: raising the stored encounter's must not
    # re-plan every subject (a changed hash does).
    child = make_child(cases=[ANAEMIA])
    before = facts_hash(child)
    monkeypatch.setattr(codec, "ENCOUNTER_VERSION", codec.ENCOUNTER_VERSION + 1)
    assert facts_hash(child) == before


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
