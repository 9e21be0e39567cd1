"""Which encoding a registry file is in: UTF-8 or GB18030, one for the whole file.

A file that decodes as UTF-8 is UTF-8; otherwise it is GB18030, unless a line of it
reads as Chinese text in UTF-8 (or it starts with a UTF-8 BOM): such a file mixes
encodings (two exports pasted together) and is refused at the first line that disagrees
with an earlier one, since UTF-8 text usually decodes as GB18030 too, garbled. A line
that is neither is refused at its line.
"""

from __future__ import annotations

import re
from typing import Final

from yiyu.registry.errors import ImportFileError

__all__ = ["GB18030", "UTF8", "UTF8_BOM", "decode"]

UTF8: Final = "utf-8"
UTF8_BOM: Final = "utf-8-sig"
GB18030: Final = "gb18030"

# Physical lines as the csv reader counts them (io newline=""). Neither encoding has
# CR or LF inside a multi-byte character (GB18030's second and fourth bytes are 0x30
# and up), so splitting the bytes is splitting the text.
_LINE_ENDS: Final = re.compile(rb"\r\n|\r|\n")
# What Chinese UTF-8 text is made of beyond ASCII: ideographs (with the rare ones in
# extension planes), CJK and full-width punctuation, “”—…, the middle dot of minority
# names (阿依古丽·买买提) and a BOM. GB18030 bytes that happen to be valid UTF-8 read as
# Latin, Greek or Cyrillic letters (女, C5 AE, is UTF-8 for Ů) and almost never as these
# alone, so only a line made of these is taken as evidence of UTF-8.
_NOT_CHINESE_TEXT: Final = re.compile(
    "[^\x00-\x7f\u00b7\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\ufeff\uff00-\uffef\U00020000-\U0003ffff]"
)
_NON_ASCII: Final = re.compile("[^\x00-\x7f]")


def _not_utf8(line: bytes) -> str | None:
    """Why the line is not UTF-8 (its first bad byte), or ``None`` if it is."""
    try:
        line.decode(UTF8)
    except UnicodeDecodeError as error:
        return f"byte 0x{line[error.start]:02x} at byte {error.start + 1} of the line"
    return None


def _reads_as_chinese(text: str) -> bool:
    return _NON_ASCII.search(text) is not None and _NOT_CHINESE_TEXT.search(text) is None


def _check_one_encoding(data: bytes) -> None:
    """Refuse a file that is not UTF-8 throughout but has lines that are.

    Called when the file does not decode as UTF-8. A line of UTF-8 Chinese text is
    usually valid GB18030 too (as mojibake: 城东街道 reads 鍩庝笢琛楅亾), so decoding the
    whole file as GB18030 would import it garbled without a word. The file is GB18030
    only if no line reads as Chinese text in UTF-8 (ASCII lines are both); otherwise it
    mixes encodings and is refused at the first line that disagrees with an earlier one.
    A UTF-8 BOM promises UTF-8 for every line.
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    utf8_line: int | None = 1 if bom else None
    gb_line: tuple[int, str] | None = None  # the first line that is not UTF-8, and why
    for number, line in enumerate(_LINE_ENDS.split(data), 1):
        if line.isascii():
            continue
        problem = _not_utf8(line)
        if problem is None:
            text = line.decode(UTF8)
            if not _reads_as_chinese(text):
                continue
            if gb_line is not None:
                raise ImportFileError(
                    f"the file mixes encodings: line {gb_line[0]} is GB18030 ({gb_line[1]} "
                    f"is not UTF-8), but this line is UTF-8 (it reads {text[:40]!r} as "
                    "UTF-8): save the whole file in one encoding, UTF-8",
                    line=number,
                )
            utf8_line = utf8_line or number
            continue
        try:
            line.decode(GB18030)
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"this line is neither UTF-8 ({problem}) nor GB18030 (byte "
                f"0x{line[error.start]:02x} at byte {error.start + 1}): save the file as "
                "CSV in UTF-8",
                line=number,
            ) from None
        if utf8_line is not None:
            said = "the file starts with a UTF-8 BOM" if bom else f"line {utf8_line} is UTF-8"
            raise ImportFileError(
                f"the file mixes encodings: {said}, but this line is not UTF-8 ({problem}; "
                "it may be GB18030): save the whole file in one encoding, UTF-8",
                line=number,
            )
        gb_line = gb_line or (number, problem)


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding (``utf-8``, ``utf-8-sig`` or ``gb18030``).

    Raises:
        ImportFileError: if the file is UTF-16, neither UTF-8 nor GB18030, or mixes
            them (at the first line that disagrees with an earlier one).
    """
    # UTF-16 is what Excel's "Unicode text" writes; GB18030 would decode much of it
    # into nonsense rather than fail, so it is named and refused before guessing.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "the file is UTF-16 (a BOM FF FE or FE FF): save it as CSV in UTF-8 or GB18030"
        )
    try:
        return data.decode(UTF8_BOM), UTF8_BOM if data.startswith(b"\xef\xbb\xbf") else UTF8
    except UnicodeDecodeError:
        # Line by line, so that the line at fault is named.
        _check_one_encoding(data)
        return data.decode(GB18030), GB18030
