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


def _plain(value: Any, recorded: bool) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if attrs.has(type(value)):
        return _data(value, recorded)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, recorded) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v, recorded) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v, recorded) for v in value]
    return value


def to_data(value: Any) -> dict[str, Any]:
    """An attrs value as JSON-able data: dates as YYYY-MM-DD, enums as their values.

    Fields equal to their default are left out, so the data stays readable and a new
    optional field does not change the hash of old facts. A default computed from the
    value's other fields (``attrs.Factory(…, takes_self=True)``: a closed case's reason)
    is compared as computed for this value.
    """
    return _data(value, recorded=False)


def _data(value: Any, recorded: bool) -> dict[str, Any]:
    if recorded:
        # A value that derives part of itself from other facts when it is built (a case
        # closed because the child left) gives back, by ``as_recorded()``, what was
        # recorded: the derived part follows from facts that are hashed anyway.
        as_recorded = getattr(value, "as_recorded", None)
        if as_recorded is not None:
            value = as_recorded()
    result: dict[str, Any] = {}
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory(value) if default.takes_self else default.factory()
        if item == default and field.default is not attrs.NOTHING:
            continue
        result[field.name] = _plain(item, recorded)
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
    """A stable digest of a subject's facts: equal facts, equal hash, across processes.

    What a value derives from its other facts is left out (a case closed because the
    child moved out or died: the life event is hashed), so deriving it, or deriving it
    anew in a later version, never changes the hash of facts that did not change.
    """
    text = json.dumps(
        {"v": SCHEMA_VERSION, "facts": _canonical(_data(value, recorded=True))},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
