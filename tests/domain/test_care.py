"""Cases, referrals and corrections as facts."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import yiyu
from yiyu.codec import to_data


def test_case_identity_and_state() -> None:
    case = yiyu.Case(condition="贫血", opened_on="2024-09-01", severity="mild")
    assert case.condition is yiyu.CategoryKind.ANAEMIA
    assert case.id == "anaemia@2024-09-01"
    assert case.is_open


def test_case_cannot_close_before_it_opens() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.Case(condition="anaemia", opened_on="2024-09-01", closed_on="2024-08-01")
    assert info.value.field == "closed_on"


def test_a_child_cannot_have_two_open_cases_of_one_condition() -> None:
    with pytest.raises(yiyu.ValidationError, match="two open cases") as info:
        yiyu.Child(
            id="C1",
            name="王",
            sex="F",
            birth_date="2024-01-31",
            cases=[
                yiyu.Case(condition="anaemia", opened_on="2024-09-01"),
                yiyu.Case(condition="anaemia", opened_on="2024-10-01"),
            ],
        )
    assert info.value.field == "cases"


def test_closed_and_open_cases_of_one_condition_coexist() -> None:
    child = yiyu.Child(
        id="C1",
        name="王",
        sex="F",
        birth_date="2024-01-31",
        cases=[
            yiyu.Case(condition="anaemia", opened_on="2024-09-01", closed_on="2024-12-01"),
            yiyu.Case(condition="anaemia", opened_on="2025-03-01"),
        ],
    )
    assert [case.is_open for case in child.cases] == [False, True]


def test_referral_kind_is_validated() -> None:
    with pytest.raises(yiyu.ValidationError, match="'psychic'"):
        yiyu.Referral(kind="psychic", opened_on="2024-09-01", reason="x")
    referral = yiyu.Referral(kind="development", opened_on="2024-09-01", reason="预警征象阳性")
    assert referral.id == "development@2024-09-01"
    assert referral.kind.label_zh == "心理行为发育偏异转诊"


# --- why a case closed ------------------------------------------------------------------------


def test_a_closed_case_met_its_criteria_unless_it_says_otherwise() -> None:
    open_case = yiyu.Case(condition="anaemia", opened_on="2024-09-01")
    assert open_case.close_reason is None
    closed = attrs.evolve(open_case, closed_on="2024-12-01", closed_by="E3")
    assert closed.close_reason is yiyu.CaseCloseReason.CRITERIA_MET
    assert not closed.closed_by_leaving
    # The default is left out of the data, so the facts of a closed case hash as before.
    assert "close_reason" not in to_data(closed)
    assert yiyu.Case(**to_data(closed)) == closed


def test_close_reasons_have_chinese_labels_and_parse_from_them() -> None:
    assert [reason.label_zh for reason in yiyu.CaseCloseReason] == ["达标结案", "迁出", "死亡"]
    case = yiyu.Case(
        condition="anaemia", opened_on="2024-09-01", closed_on="2024-10-01", close_reason="迁出"
    )
    assert case.close_reason is yiyu.CaseCloseReason.MOVED_OUT
    assert case.closed_by_leaving
    assert to_data(case)["close_reason"] == "moved_out"
    assert case.as_recorded() == yiyu.Case(condition="anaemia", opened_on="2024-09-01")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"close_reason": "criteria_met"}, "close_reason", "an open case"),
        ({"close_reason": "deceased"}, "close_reason", "an open case"),
        ({"close_reason": "eloped", "closed_on": "2024-10-01"}, "close_reason", "CaseCloseReason"),
        (
            {"close_reason": "moved_out", "closed_on": "2024-10-01", "closed_by": "E2"},
            "closed_by",
            "closed by no visit",
        ),
    ],
)
def test_a_close_reason_is_validated(values: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(yiyu.ValidationError, match=message) as info:
        yiyu.Case(condition="anaemia", opened_on="2024-09-01", **values)
    assert info.value.field == field
