"""GB 11643-1999 identity numbers (digest §8, S20)."""

from __future__ import annotations

import datetime as dt

import pytest

import yiyu
from yiyu.domain.ids import check_character


@pytest.mark.parametrize(
    "number",
    # The digest's test vectors (§8, identifiers.checksum_test_vectors in the YAML),
    # checked there against python-stdnum's stdnum.cn.ric.
    ["11010519491231002X", "440524188001010014", "360426199101010071"],
)
def test_check_character_matches_the_standard_vectors(number: str) -> None:
    assert check_character(number[:17]) == number[17]


def test_parse_reads_birth_date_and_sex() -> None:
    parsed = yiyu.parse_resident_id("11010519491231002x")
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.male is False  # sequence 002: even = female


def test_wrong_check_character_is_named() -> None:
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.parse_resident_id("110105194912310021")
    assert info.value.field == "resident_id"
    # Masked: an error may reach a log, an identity number must not.
    assert info.value.value == "110105********0021"
    assert "110105194912310021" not in str(info.value)
    assert "GB 11643 gives X" in info.value.rule


@pytest.mark.parametrize("number", ["1101051949123100", "11010519491231002Y", "abc"])
def test_malformed_numbers_are_refused(number: str) -> None:
    with pytest.raises(yiyu.ValidationError, match="17 digits"):
        yiyu.parse_resident_id(number)


def test_impossible_embedded_date_is_refused() -> None:
    body = "11010520230229001"  # 2023 has no 29 February
    with pytest.raises(yiyu.ValidationError, match="not a valid birth date"):
        yiyu.parse_resident_id(body + check_character(body))
