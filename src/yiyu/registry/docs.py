"""The import guide's tables, made from the columns' definitions so they cannot drift.

``scripts/gen_docs.py`` writes them into ``docs/guide/importing.md`` between markers
(``<!-- columns:children:en -->`` … ``<!-- /columns -->``); a test fails when the
committed page differs from what it writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final, Literal

from yiyu.domain import CategoryKind
from yiyu.registry.columns import COLUMNS, Column

__all__ = ["Language", "category_table", "column_table", "fill_tables"]

Language = Literal["en", "zh"]

_HEADINGS: Final[Mapping[Language, tuple[str, ...]]] = {
    "en": ("English header", "Chinese header", "required", "format", "example"),
    "zh": ("中文表头", "英文表头", "必填", "格式", "示例"),
}


def _cell(text: str) -> str:
    # A pipe would end the cell; an empty example is shown as a dash, not a blank.
    return text.replace("|", "\\|") if text else "—"


def _row(column: Column, language: Language) -> tuple[str, ...]:
    if language == "en":
        return (
            f"`{column.name}`",
            column.zh,
            "yes" if column.required else "no",
            column.format,
            f"`{column.example}`" if column.example else "",
        )
    return (
        column.zh,
        f"`{column.name}`",
        "是" if column.required else "否",
        column.format_zh,
        f"`{column.example}`" if column.example else "",
    )


def column_table(kind: str, language: Language) -> str:
    """The Markdown table of a registry file's columns, in file order.

    Args:
        kind: ``children``, ``daycares`` or ``enrolments`` (a key of
            :data:`~yiyu.registry.columns.COLUMNS`).
        language: ``en`` or ``zh``: the language of the headings and formats.

    Returns:
        The table, one line per column, ending with a newline.

    Raises:
        KeyError: if ``kind`` is not a kind of registry file.
    """
    headings = _HEADINGS[language]
    lines = [
        "| " + " | ".join(headings) + " |",
        "|" + "|".join("---" for _ in headings) + "|",
    ]
    for column in COLUMNS[kind]:
        lines.append("| " + " | ".join(_cell(cell) for cell in _row(column, language)) + " |")
    return "\n".join(lines) + "\n"


def category_table(language: Language) -> str:
    """The Markdown table of the category kinds the ``categories`` (类别) column takes."""
    headings = ("kind", "中文") if language == "en" else ("类别", "英文")
    lines = ["| " + " | ".join(headings) + " |", "|---|---|"]
    for kind in CategoryKind:
        cells = (f"`{kind.value}`", kind.label_zh)
        lines.append("| " + " | ".join(cells if language == "en" else cells[::-1]) + " |")
    return "\n".join(lines) + "\n"


_BLOCK: Final = re.compile(
    r"(<!-- (?P<what>columns:(?P<kind>\w+)|categories):(?P<language>en|zh) -->\n)"
    r".*?"
    r"(<!-- /(?:columns|categories) -->)",
    re.DOTALL,
)


def fill_tables(page: str) -> str:
    """``page`` with every marked block replaced by the table it names.

    A block is ``<!-- columns:KIND:LANG -->`` (or ``<!-- categories:LANG -->``), the
    table, then ``<!-- /columns -->`` (``<!-- /categories -->``); the text around the
    blocks is the guide's own and is kept as it is.

    Raises:
        KeyError: if a block names a kind of file that does not exist.
    """

    def table(match: re.Match[str]) -> str:
        language: Language = "en" if match["language"] == "en" else "zh"
        make: Callable[[], str] = (
            (lambda: category_table(language))
            if match["what"] == "categories"
            else (lambda: column_table(match["kind"], language))
        )
        return f"{match[1]}\n{make()}\n{match[5]}"

    return _BLOCK.sub(table, page)
