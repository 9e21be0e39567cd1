"""How long and of which characters the domain's text may be: yiyu's defaults (#12).

These are yiyu's choices, not a standard's. Each is far above any real value and far
below what breaks a store: PostgreSQL refuses an index entry above about 2,700 bytes
(``ProgramLimitExceeded``), and townships, ids and keys are indexed, so before these
limits one over-long cell failed a whole import there (and not on SQLite). UTF-8 spends
at most 4 bytes on a character, so even the longest indexed limit (:data:`KEY_MAX`,
1,200 bytes) fits with room for the index's other columns.

* :data:`ID_MAX`, 64 characters: the id of a subject or a person (a child, a daycare, a
  clinician) or of a checklist item. A registry number is about 10 characters, a
  resident identity number 18, a UUID 36.
* :data:`KEY_MAX`, 300 characters: an obligation key and a visit's id, which host
  software often derives from the key (``enc:`` + key). A key joins a subject id (64),
  a rule id and an occurrence that may hold another id and a date
  (``daycare:D01/daycare_correction_visit/<item>@2026-03-01``).
* :data:`NAME_MAX`, 100 characters: a name (a child, a daycare, a township, the
  institution a child is referred to). The longest official township names are about
  10 characters, a daycare's full registered name about 30.
* :data:`LINE_MAX`, 200 characters: any other single line (a lecture's topic, a
  holiday notice's title).
* :data:`TEXT_MAX`, 2,000 characters: free text that may span lines (guidance, notes,
  a referral's reason and result): about a printed page.

A single line holds no control character (Unicode category Cc: line feed, carriage
return, tab, NUL, escape …), no line or paragraph separator (U+2028, U+2029) and no
bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
would reorder what prints beside it. Free text may hold line breaks and tabs, nothing
else of those: PostgreSQL cannot store NUL in text at all.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["ID_MAX", "KEY_MAX", "LINE_MAX", "NAME_MAX", "TEXT_MAX", "forbidden_character"]

ID_MAX: Final = 64
KEY_MAX: Final = 300
NAME_MAX: Final = 100
LINE_MAX: Final = 200
TEXT_MAX: Final = 2000

# Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F.
_NOT_IN_A_LINE: Final = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# The same, less line feed, carriage return and tab.
_NOT_IN_TEXT: Final = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f"
    r"\u202a-\u202e\u2066-\u2069]"
)


def forbidden_character(text: str, *, multiline: bool) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, with its position, or ``None``.

    Args:
        text: the text.
        multiline: free text, in which line breaks (``\\n``, ``\\r``) and tabs are allowed.
    """
    found = (_NOT_IN_TEXT if multiline else _NOT_IN_A_LINE).search(text)
    return None if found is None else (found.start(), found.group())
