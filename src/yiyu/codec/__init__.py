"""Domain values to and from plain JSON-able data, and a stable hash of a subject's facts.

The store keeps encounters as JSON, the CLI reads them from JSON files, and an
incremental plan compares a subject's facts hash with the one it was last planned from.
Values are rebuilt through their own constructors, so everything read back is validated
again.

A stored encounter carries the version of its format (``{"v": 1, …}``, written by
:func:`encounter_data`). :func:`encounter_from_data` upgrades older data step by step
(yiyu 0.1 wrote none: version 0) and refuses data of a version newer than it knows, so
an older yiyu on a store a newer one wrote fails with a message saying so, never by
reading fields it does not understand.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from yiyu.domain import Encounter
from yiyu.errors import ValidationError

__all__ = [
    "ENCOUNTER_VERSION",
    "encounter_data",
    "encounter_fields",
    "encounter_from_data",
    "facts_hash",
    "to_data",
]

# The format of the facts hash itself. Changing it changes every subject's hash, and so
# re-plans every subject: it is not the stored encounter's version, and never follows it.
SCHEMA_VERSION = 1

ENCOUNTER_VERSION: Final = 1
"""The format of a stored encounter. Raise it when a field is renamed or changes meaning,
and add the step that upgrades the version before it to ``_UPGRADES``."""


# The values most fields hold, returned as they are before any other check: a plan
# hashes every subject's facts, and the chain of checks below was half of it (#14).
_AS_IS: Final = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any, recorded: bool) -> Any:
    if type(value) in _AS_IS:  # exactly these: a str or int enum is not returned as is
        return value
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
    for name, default, computed in _defaults(value.__class__):
        item = getattr(value, name)
        if computed is not None:  # computed from the value's other fields
            default = computed(value)
        if default is not attrs.NOTHING and item == default:
            continue
        result[name] = _plain(item, recorded)
    return result


_Field = tuple[str, Any, Callable[[Any], Any] | None]


@functools.cache
def _defaults(kind: type) -> tuple[_Field, ...]:
    """Each field of an attrs class with its default, once per class: the name, the
    default (a factory's is made here, once: yiyu's make empty dicts and values), and
    for a default computed from the value (``takes_self``) the factory instead."""
    fields: list[_Field] = []
    for field in attrs.fields(kind):
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                fields.append((field.name, None, default.factory))
                continue
            default = default.factory()
        fields.append((field.name, default, None))
    return tuple(fields)


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


# --- stored encounters ----------------------------------------------------------------


def encounter_data(encounter: Encounter) -> dict[str, Any]:
    """An encounter as the store keeps it: :func:`to_data` with its format's version first,
    ``{"v": 1, "id": …}``."""
    return {"v": ENCOUNTER_VERSION, **to_data(encounter)}


def _from_unversioned(fields: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (yiyu 0.1, no ``"v"``) has the fields of version 1: only the version
    was added."""
    return fields


# version → the step that turns data of that version into data of the next one
_UPGRADES: Final[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    0: _from_unversioned,
}


def encounter_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored encounter data of any version yiyu knows, as the current version's fields
    (without the ``"v"``): what :func:`to_data` gives for the encounter today.

    Raises:
        ValidationError: naming ``v``, for a version that is not a whole number or is
            newer than :data:`ENCOUNTER_VERSION` (written by a newer yiyu).
    """
    fields = dict(data)
    version = fields.pop("v", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ValidationError("v", version, "the stored encounter's format version")
    if version > ENCOUNTER_VERSION:
        raise ValidationError(
            "v",
            version,
            f"an encounter stored in format version {version} by a newer yiyu; this yiyu "
            f"reads versions up to {ENCOUNTER_VERSION}: upgrade yiyu to read it",
        )
    while version < ENCOUNTER_VERSION:
        fields = _UPGRADES[version](fields)
        version += 1
    return fields


def encounter_from_data(data: Mapping[str, Any]) -> Encounter:
    """An :class:`~yiyu.domain.Encounter` from JSON data: a stored row
    (:func:`encounter_data`, of this version or an older one) or a host's file, which
    may leave the version out (read as yiyu 0.1's format, the same fields).

    Raises:
        ValidationError: naming the field (its path: ``measurements.weight_kg``,
            ``warning_signs['m6_1']``), for a missing, unknown or invalid field, ``v`` for
            a format newer than this yiyu reads, or ``encounter`` for data that is not an
            object. The JSON Schema of this format is :mod:`yiyu.codec.schema`'s.
    """
    if not isinstance(data, Mapping) or not all(isinstance(key, str) for key in data):
        # A JSON array or a bare value: say what was given, never echo it whole.
        raise ValidationError(
            "encounter", type(data).__name__, "a JSON object of the encounter's fields is required"
        )
    fields = encounter_fields(data)
    try:
        return Encounter(**fields)
    except TypeError as error:
        raise ValidationError("encounter", dict(data), str(error)) from None
