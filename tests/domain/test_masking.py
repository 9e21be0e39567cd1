"""Identity and phone numbers are masked in print unless asked for in full (#5)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiyu.reports import mask_phone, mask_resident_id, samples


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("33010220160101123X", "330102********123X"),
        ("330102201601011234", "330102********1234"),
        (" 330102201601011234 ", "330102********1234"),
        ("330102800101123", "330102*****1123"),  # an old 15-digit number
        ("AB12", "**12"),
        ("7", "*"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_identity_numbers_keep_the_address_code_and_the_last_four(
    value: str | None, masked: str | None
) -> None:
    assert mask_resident_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("+86 138 1234 5678", "+86 1** **** 5678"),
        ("0571-87654321", "057*-****4321"),
        ("110", "*10"),
        ("", None),
        (None, None),
    ],
)
def test_phone_numbers_keep_three_and_four_digits(value: str | None, masked: str | None) -> None:
    assert mask_phone(value) == masked


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_a_mobile_number_shows_no_middle_digit(number: str) -> None:
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[7:]


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_an_identity_number_never_shows_the_birth_date(number: str) -> None:
    masked = mask_resident_id(number)
    assert masked is not None
    assert len(masked) == 18
    assert masked[6:14] == "********"


@pytest.mark.parametrize("name", ["newborn", "infant", "toddler", "preschool", "rearing_risk"])
def test_documents_mask_by_default_in_the_form_and_in_the_embedded_data(name: str) -> None:
    sample = samples.visit(name)
    full_id = sample.subject.resident_id  # type: ignore[union-attr]
    assert full_id is not None
    assert sample.phone is not None
    masked = samples.document(name)
    shown = samples.document(name, show_full_ids=True)

    printed = json.dumps(masked.context, ensure_ascii=False, default=str)
    embedded = masked.data.decode("utf-8")
    for text in (printed, embedded):
        assert full_id not in text
        assert sample.phone not in text
        assert mask_resident_id(full_id) in text
        assert mask_phone(sample.phone) in text

    assert full_id in json.dumps(shown.context, ensure_ascii=False, default=str)
    assert full_id in shown.data.decode("utf-8")
    assert sample.phone in shown.data.decode("utf-8")
    assert masked.identifier != shown.identifier


def test_the_referral_slip_masks_the_family_but_not_the_institution() -> None:
    document = samples.document("referral")
    text = json.dumps(document.context, ensure_ascii=False, default=str)
    assert "135****8888" in text
    assert "13566668888" not in text
    assert "0571-86000000" in text  # the institution's own number, to call back
