"""公民身份号码 (resident identity number, GB 11643-1999): structure and check digit.

Source: standards digest §8 (S20): 6-digit address code, birth date YYYYMMDD, 3-digit
sequence (odd = male, even = female), and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import attrs

from yiyu.domain._convert import keyword_errors
from yiyu.domain.masking import mask_resident_id
from yiyu.errors import ValidationError

__all__ = ["ResidentId", "check_character", "parse_resident_id"]

_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK: Final = "10X98765432"
_SHAPE: Final = re.compile(r"^\d{17}[\dX]$")


def check_character(body: str) -> str:
    """The check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@keyword_errors
@attrs.frozen(kw_only=True)
class ResidentId:
    """A parsed, checked 18-character identity number."""

    number: str
    birth_date: dt.date
    male: bool


def parse_resident_id(value: str, *, field: str = "resident_id") -> ResidentId:
    """Check an identity number's shape, embedded birth date and check character.

    A lower-case ``x`` is accepted and normalised to ``X``; spaces around are removed.

    Raises:
        ValidationError: naming ``field`` and the value, with the rule broken.
    """
    if not isinstance(value, str):
        raise ValidationError(field, value, "an identity number is text (it may end in X)")
    number = value.strip().upper()
    # An error shows the number masked (330102********1234): errors reach logs and cron
    # mail, where an identity number must not; the line or field names where it is.
    shown = mask_resident_id(value) or value
    if not _SHAPE.match(number):
        raise ValidationError(field, shown, "an identity number has 17 digits and a digit or X")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(field, shown, "digits 7–14 are not a valid birth date") from None
    expected = check_character(number[:17])
    if number[17] != expected:
        raise ValidationError(
            field, shown, f"check character is {number[17]}, GB 11643 gives {expected}"
        )
    return ResidentId(number=number, birth_date=born, male=int(number[16]) % 2 == 1)
