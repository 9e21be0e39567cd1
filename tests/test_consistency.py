"""Facts the instruments print and the protocol schedules are written once, in the protocol.

The instruments' data refers to the protocol rule (``{ rule = "…", offset = "due" }``);
these tests check that each reference resolves to the rule's window, that the packaged
data refers rather than repeats, and that a broken reference names the rule.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

import yiyu
from yiyu.data import DataError
from yiyu.instruments import anaemia, daycare_review, warning_signs
from yiyu.protocol import Offset

PROTOCOL = yiyu.load_protocol()


def test_autism_referral_deadline() -> None:
    rule = PROTOCOL.rule("autism_rescreen_referral")
    days = warning_signs.load_warning_signs().referral_within_days.value
    assert rule.due == Offset(days=days)


def test_daycare_correction_deadline() -> None:
    rule = PROTOCOL.rule("daycare_correction_visit")
    days = daycare_review.load_review().correction_within_days.value
    assert rule.due == Offset(days=days)


def test_anaemia_recheck_weeks() -> None:
    rule = PROTOCOL.rule("anaemia_recheck")
    first, last = anaemia.load_anaemia().follow_up.recheck_weeks.value
    assert (rule.opens, rule.due) == (Offset(days=7 * first), Offset(days=7 * last))


def _packaged(name: str) -> dict[str, Any]:
    text = files("yiyu.instruments").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def test_the_packaged_data_refers_to_the_protocol_instead_of_repeating_it() -> None:
    signs = _packaged("warning_signs.toml")["rules"]
    review = _packaged("daycare_review.toml")["correction"]
    follow_up = _packaged("anaemia.toml")["follow_up"]
    assert signs["referral_deadline"]["referral_within_days"] == {
        "rule": "autism_rescreen_referral",
        "offset": "due",
    }
    assert review["correction_within_days"] == {
        "rule": "daycare_correction_visit",
        "offset": "due",
    }
    assert follow_up["recheck"]["recheck_weeks"] == [
        {"rule": "anaemia_recheck", "offset": "opens"},
        {"rule": "anaemia_recheck", "offset": "due"},
    ]


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ('{ rule = "no_such_rule", offset = "due" }', "'no_such_rule'"),
        ('{ rule = "daycare_correction_visit", offset = "soon" }', "'soon'"),
        ('{ rule = "m3", offset = "due" }', "no due in days"),
    ],
)
def test_a_broken_reference_names_the_rule(tmp_path: Path, reference: str, problem: str) -> None:
    packaged = Path(daycare_review.__file__).parent / "data" / daycare_review.DATA_FILE
    text = packaged.read_text(encoding="utf-8").replace(
        'correction_within_days = { rule = "daycare_correction_visit", offset = "due" }',
        f"correction_within_days = {reference}",
    )
    path = tmp_path / "review.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        daycare_review.load_review(path)
    assert info.value.path == "$.correction.correction_within_days"
    assert problem in str(info.value)
