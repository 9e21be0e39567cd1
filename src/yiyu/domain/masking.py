"""Masking identity and phone numbers, for print and for errors: ``330102********123X``.

A printed record travels: it is filed, copied, handed to a daycare, left on a desk. An
identity number or a parent's mobile number on it is a leak, so every printed document
masks them unless the caller asks for them in full. Masking is done when the template
context is built, never in the template, so a host template cannot forget it.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["MASK", "mask_phone", "mask_resident_id"]

MASK: Final = "*"
_DIGIT: Final = re.compile(r"\d")


def mask_resident_id(value: str | None) -> str | None:
    """An identity number with all but the address code and the last four hidden.

    ``330102201601011234`` becomes ``330102********1234``: the township's address code
    and the check digits stay readable so a clerk can match a form to a file, while the
    birth date and sequence (which with the name identify the child) are hidden. A value
    too short to keep both ends shows only its last two characters.

    Args:
        value: the number as stored (18 characters, or any text), or ``None``.

    Returns:
        The masked text, or ``None`` for ``None`` or blank text.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) >= 14:
        return text[:6] + MASK * (len(text) - 10) + text[-4:]
    return MASK * max(len(text) - 2, 1) + text[-2:] if len(text) > 2 else MASK * len(text)


def mask_phone(value: str | None) -> str | None:
    """A phone number with its middle digits hidden: ``13812345678`` → ``138****5678``.

    Only digits are masked; separators stay (``0571-8765 4321`` → ``057*-***5 4321``).
    With 8 or more digits the first three and the last four stay; with fewer, only the
    last two.

    Args:
        value: the number as given, or ``None``.

    Returns:
        The masked text, or ``None`` for ``None`` or blank text.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    positions = [match.start() for match in _DIGIT.finditer(text)]
    keep_head, keep_tail = (3, 4) if len(positions) >= 8 else (0, 2)
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join(MASK if index in hidden else char for index, char in enumerate(text))
