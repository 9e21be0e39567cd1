"""The tables every data file shares, structured by cattrs: the header and the sources.

A converter with ``forbid_extra_keys`` refuses unknown keys; strict hooks refuse a number
where text is required (cattrs would otherwise turn ``1`` into ``"1"``); every problem
cattrs finds becomes one :class:`~yiyu.data.errors.DataError` at its path
(``cattrs.transform_error``). Checks across fields stay by hand in the loaders.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.preconf.tomllib import make_converter
from cattrs.v import format_exception

from yiyu.data.errors import Location
from yiyu.data.model import Evidence, Source

__all__ = ["HeaderTable", "SourceTable", "read_header", "read_sources", "structure"]

T = TypeVar("T")


class _RefusedError(ValueError):
    """A value a strict hook refused; its message names the value."""


def _text(value: Any, _: type) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _RefusedError(f"text is required, got {value!r}")
    return value


def _boolean(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise _RefusedError(f"true or false, got {value!r}")
    return value


def _number(value: Any, _: type) -> float:
    # TOML has no NaN by accident, but it has nan and inf by name.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _RefusedError(f"a finite number is required, got {value!r}")
    return float(value)


def _evidence(value: Any, _: type) -> Evidence:
    try:
        return Evidence(value)
    except ValueError:
        known = ", ".join(tag.value for tag in Evidence)
        raise _RefusedError(f"an evidence tag is required ({known}), got {value!r}") from None


# Strict hooks: cattrs would otherwise turn 1 into "1", "yes" into True and 1 into 1.0.
_converter = make_converter(forbid_extra_keys=True)
_converter.register_structure_hook(str, _text)
_converter.register_structure_hook(bool, _boolean)
_converter.register_structure_hook(float, _number)
_converter.register_structure_hook(Evidence, _evidence)


def _describe(error: BaseException, kind: type | None) -> str:
    if isinstance(error, _RefusedError):
        return str(error)
    if isinstance(error, KeyError):
        return "required, missing"
    if isinstance(error, ForbiddenExtraKeysError):
        known = ", ".join(sorted(field.name for field in attrs.fields(error.cl)))
        # The path should name the unknown key, not its table: carried after a tab.
        return f"unknown field; known: {known}\t{sorted(error.extra_fields)[0]}"
    return format_exception(error, kind)


def structure(value: Any, kind: type[T], where: Location) -> T:
    """``value`` as a ``kind``, or the first problem as a DataError at its path."""
    if not isinstance(value, Mapping):
        where.fail("", f"a table is required, got {value!r}", value)
    try:
        return _converter.structure(value, kind)
    except cattrs.BaseValidationError as error:
        first = cattrs.transform_error(error, path="", format_exception=_describe)[0]
        problem, _, relative = first.rpartition(" @ ")
        problem, _, key = problem.partition("\t")
        relative = relative.lstrip(".")
        if key:
            relative = f"{relative}.{key}" if relative else key
        where.fail(relative, problem)


@attrs.frozen(kw_only=True)
class HeaderTable:
    """``[protocol]`` or ``[instrument]``: what the file is and which layer it extends."""

    id: str
    version: str
    title: str
    extends: str | None = None

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"


@attrs.frozen(kw_only=True)
class SourceTable:
    """``[sources.<id>]``: a document the file cites."""

    title: str
    doc_no: str | None = None


def read_header(
    document: Mapping[str, Any], table: str, where: Location, extra: frozenset[str] = frozenset()
) -> HeaderTable:
    """The header table ``table`` (``"protocol"``, ``"instrument"``) of a document.

    ``extra`` names keys a kind of file adds to its header (an instrument's
    ``default_scheme``); they are left for its loader to read.
    """
    raw = document.get(table)
    if not isinstance(raw, Mapping):
        where.fail(table, f"missing [{table}] table with id, version and title", raw)
    return structure(
        {k: v for k, v in raw.items() if k not in extra}, HeaderTable, where.key(table)
    )


def read_sources(document: Mapping[str, Any], where: Location) -> dict[str, Source]:
    """The ``[sources.<id>]`` tables of a document, in its order."""
    raw = document.get("sources", {})
    if not isinstance(raw, Mapping):
        where.fail("sources", f"[sources.<id>] tables are required, got {raw!r}", raw)
    sources: dict[str, Source] = {}
    for source_id, table in raw.items():
        read = structure(table, SourceTable, where.key("sources").key(source_id))
        sources[source_id] = Source(id=source_id, title=read.title, doc_no=read.doc_no)
    return sources
