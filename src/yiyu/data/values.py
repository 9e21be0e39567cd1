"""Reading the values every data file shares, each error at its path: enumerations,
lists of text, cited sources and evidence tags."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from yiyu.data.errors import Location
from yiyu.data.model import Evidence

__all__ = [
    "cited_source_id",
    "enum_value",
    "evidence",
    "source_refs",
    "text_list",
    "unknown_keys",
]

E = TypeVar("E", bound=enum.Enum)


def enum_value(kind: type[E], value: Any, where: Location, field: str) -> E:
    """``value`` as a member of ``kind``; the error lists the members."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(str(member.value) for member in kind)
        where.fail(field, f"unknown value {value!r}; known: {known}", value)


def evidence(value: Any, where: Location, field: str = "evidence") -> Evidence:
    """An evidence tag (``V``, ``V3``, ``M``, ``D``, ``LOCAL``)."""
    try:
        return Evidence(value)
    except ValueError:
        known = ", ".join(tag.value for tag in Evidence)
        where.fail(field, f"an evidence tag is required ({known}), got {value!r}", value)


def text_list(value: Any, where: Location, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        where.fail(field, f"expected a list of text, got {value!r}", value)
    return tuple(value)


def cited_source_id(reference: str) -> str:
    """The source id a reference starts with: ``"S5 (digest §2)"`` cites ``S5``."""
    return reference.strip().split(" ", 1)[0].split("(", 1)[0]


def source_refs(
    value: Any, where: Location, sources: Mapping[str, object], field: str = "source"
) -> tuple[str, ...]:
    """A ``source``: one reference or a list, each citing a ``[sources.<id>]`` table."""
    references = [value] if isinstance(value, str) else value
    if not isinstance(references, list) or not references:
        where.fail(
            field,
            "missing source: every fact names the document and section, e.g. 'S5 (digest §2)'",
            value,
        )
    result: list[str] = []
    for reference in references:
        if not isinstance(reference, str) or not reference.strip():
            where.fail(field, f"a source is text, got {reference!r}", reference)
        source_id = cited_source_id(reference)
        if source_id not in sources:
            where.fail(
                field,
                f"{reference.strip()!r} cites {source_id!r}, which no [sources] table defines "
                f"({', '.join(sorted(sources))})",
                reference,
            )
        result.append(reference.strip())
    return tuple(result)


def unknown_keys(table: Mapping[str, Any], allowed: Iterable[str], where: Location) -> None:
    """Refuse a key of ``table`` outside ``allowed``: a misspelt key must not be ignored."""
    known = set(allowed)
    for key in table:
        if key not in known:
            where.fail(key, f"unknown field {key!r}; known: {', '.join(sorted(known))}", key)
