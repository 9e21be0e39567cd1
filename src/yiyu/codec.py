"""Domain values to and from plain JSON-able data, and a stable hash of a subject's facts.

The store keeps encounters as JSON, the CLI reads them from JSON files, and an
incremental plan compares a subject's facts hash with the one it was last planned from.
Values are rebuilt through their own constructors, so everything read back is validated
again.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["facts_hash", "to_data"]

SCHEMA_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):
        return to_data(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_data(value: Any) -> dict[str, Any]:
    """An attrs value as JSON-able data: dates as YYYY-MM-DD, enums as their values.

    Fields equal to their default are left out, so the data stays readable and a new
    optional field does not change the hash of old facts.
    """
    result: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if item == default and field.default is not attrs.NOTHING:
            continue
        result[field.name] = _plain(item)
    return result


def _canonical(data: dict[str, Any]) -> dict[str, Any]:
    """Lists of facts (categories, cases, enrolments …) in one order, whatever the order
    they were given or read back in: their order means nothing."""
    return {
        key: sorted(item, key=lambda part: json.dumps(part, sort_keys=True, ensure_ascii=False))
        if isinstance(item, list) and all(isinstance(part, dict) for part in item)
        else item
        for key, item in data.items()
    }


def facts_hash(value: Any) -> str:
    """A stable digest of a subject's facts: equal facts, equal hash, across processes."""
    text = json.dumps(
        {"v": SCHEMA_VERSION, "facts": _canonical(to_data(value))},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
