"""Which encoding a registry file is in: UTF-8 or GB18030, one for the whole file.

A file that decodes as UTF-8 is UTF-8; otherwise it is GB18030, unless a line of it
reads as Chinese text in UTF-8 (or it starts with a UTF-8 BOM): such a file mixes
encodings (two exports pasted together) and is refused at the first line that disagrees
with an earlier one, since UTF-8 text usually decodes as GB18030 too, garbled. A line
that is neither is refused at its line.

The file is judged one physical line at a time (:func:`detect_encoding` over
:func:`physical_lines`), keeping nothing of what it read: a file of any size is judged
in the memory of its longest line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from yiyu.registry.errors import ImportFileError

__all__ = ["GB18030", "UTF8", "UTF8_BOM", "decode", "detect_encoding", "physical_lines"]

UTF8: Final = "utf-8"
UTF8_BOM: Final = "utf-8-sig"
GB18030: Final = "gb18030"

_UTF8_BOM_BYTES: Final = b"\xef\xbb\xbf"
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


def physical_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The physical lines of a file given in chunks of any size, each with its line end.

    Lines as the csv reader counts them (io ``newline=""``): a line ends at CR LF, CR or
    LF. Neither encoding has CR or LF inside a multi-byte character (GB18030's second and
    fourth bytes are 0x30 and up), so splitting the bytes is splitting the text, and a
    chunk may end anywhere: only the line it cuts is carried into the next.
    """
    carry = b""
    for chunk in chunks:
        if not chunk:
            continue
        lines = (carry + chunk).splitlines(keepends=True)
        # The last piece goes on in the next chunk unless it ends with LF: a CR there
        # may be the first half of a CR LF.
        carry = b"" if lines[-1].endswith(b"\n") else lines.pop()
        yield from lines
    if carry:
        yield carry


def _not_utf8(line: bytes) -> str | None:
    """Why the line is not UTF-8 (its first bad byte), or ``None`` if it is."""
    try:
        line.decode(UTF8)
    except UnicodeDecodeError as error:
        return f"byte 0x{line[error.start]:02x} at byte {error.start + 1} of the line"
    return None


def _not_gb18030(line: bytes) -> str | None:
    """Why the line is not GB18030 (its first bad byte), or ``None`` if it is."""
    try:
        line.decode(GB18030)
    except UnicodeDecodeError as error:
        return f"byte 0x{line[error.start]:02x} at byte {error.start + 1}"
    return None


def _reads_as_chinese(text: str) -> bool:
    return _NON_ASCII.search(text) is not None and _NOT_CHINESE_TEXT.search(text) is None


def detect_encoding(lines: Iterable[bytes]) -> str:
    """The encoding of a file given as its physical lines (:func:`physical_lines`):
    ``utf-8``, ``utf-8-sig`` or ``gb18030``. Nothing is kept of the lines read.

    A file whose every line is UTF-8 is UTF-8. A line of UTF-8 Chinese text is usually
    valid GB18030 too (as mojibake: 城东街道 reads 鍩庝笢琛楅亾), so decoding a file as
    GB18030 would import such a line garbled without a word: the file is GB18030 only if
    no line reads as Chinese text in UTF-8 (ASCII lines are both); otherwise it mixes
    encodings and is refused at the first line that disagrees with an earlier one. A
    UTF-8 BOM promises UTF-8 for every line.

    Raises:
        ImportFileError: if the file is UTF-16, neither UTF-8 nor GB18030, or mixes
            them (at the first line that disagrees with an earlier one).
    """
    bom = False
    utf8_line: int | None = None  # the first line of UTF-8 Chinese text (1: a BOM)
    gb_line: tuple[int, str] | None = None  # the first line that is not UTF-8, and why
    # The first UTF-8 line that is not GB18030 either: it fails the file only if the
    # file turns out GB18030.
    not_gb: tuple[int, str] | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip(b"\r\n")
        if number == 1:
            # UTF-16 is what Excel's "Unicode text" writes; GB18030 would decode much of
            # it into nonsense rather than fail, so it is named and refused first.
            if line.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise ImportFileError(
                    "the file is UTF-16 (a BOM FF FE or FE FF): save it as CSV in UTF-8 or GB18030"
                )
            bom = line.startswith(_UTF8_BOM_BYTES)
            utf8_line = 1 if bom else None
        if line.isascii():
            continue
        problem = _not_utf8(line)
        if problem is None:
            if utf8_line is not None and gb_line is None:
                continue  # UTF-8 so far, with the evidence: a GB18030 line now is refused
            text = line.decode(UTF8)
            if not _reads_as_chinese(text):
                if not_gb is None:
                    gb_problem = _not_gb18030(line)
                    not_gb = None if gb_problem is None else (number, gb_problem)
                continue
            if gb_line is not None:
                raise ImportFileError(
                    f"the file mixes encodings: line {gb_line[0]} is GB18030 ({gb_line[1]} "
                    f"is not UTF-8), but this line is UTF-8 (it reads {text[:40]!r} as "
                    "UTF-8): save the whole file in one encoding, UTF-8",
                    line=number,
                )
            utf8_line = number
            continue
        gb_problem = _not_gb18030(line)
        if gb_problem is not None:
            raise ImportFileError(
                f"this line is neither UTF-8 ({problem}) nor GB18030 ({gb_problem}): save "
                "the file as CSV in UTF-8",
                line=number,
            )
        if utf8_line is not None:
            said = "the file starts with a UTF-8 BOM" if bom else f"line {utf8_line} is UTF-8"
            raise ImportFileError(
                f"the file mixes encodings: {said}, but this line is not UTF-8 ({problem}; "
                "it may be GB18030): save the whole file in one encoding, UTF-8",
                line=number,
            )
        gb_line = gb_line or (number, problem)
    if gb_line is None:
        return UTF8_BOM if bom else UTF8
    if not_gb is not None:
        raise ImportFileError(
            f"the file mixes encodings: line {gb_line[0]} is GB18030 ({gb_line[1]} is not "
            f"UTF-8), but this line is UTF-8 and not GB18030 ({not_gb[1]}): save the whole "
            "file in one encoding, UTF-8",
            line=not_gb[0],
        )
    return GB18030


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding (``utf-8``, ``utf-8-sig`` or ``gb18030``).

    The whole file at once; :func:`detect_encoding` reads one line at a time.

    Raises:
        ImportFileError: if the file is UTF-16, neither UTF-8 nor GB18030, or mixes
            them (at the first line that disagrees with an earlier one).
    """
    encoding = detect_encoding(physical_lines((data,)))
    return data.decode(encoding), encoding
