"""Cases, referrals and corrections as facts."""

from __future__ import annotations

import pytest

import yiyu


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
