"""Layers: a file that ``extends`` another changes it, and says so.

Every data file, protocol or instrument, is either complete or a layer on top of another
(``extends = "id@version"``, or the id alone). What a layer writes is merged into the
layer below by identity: a table by its keys, an array of tables by its entries' ``id``
(a new id is added at the end); any other value is replaced whole. Something that
exists below and carries a ``source`` is a sourced fact: a layer that changes it must
name its own ``source`` and ``evidence``, so that a region's value is never credited to
the national standard, and it must say ``override = true`` where the kind of file asks
for it (a protocol's named tables), so that nothing is redefined by accident.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeGuard

from yiyu.data.errors import Location
from yiyu.data.tables import HeaderTable

__all__ = ["check_extends", "marked_override", "merge", "require_own_source"]


def check_extends(header: HeaderTable, below: HeaderTable | None, where: Location) -> None:
    """``extends`` names the layer below (by id, or id@version), and only a layer has one.

    ``where`` is the header table's location.
    """
    if below is None:
        if header.extends is not None:
            where.fail("extends", f"the base layer extends nothing, got {header.extends!r}",
                       header.extends)  # fmt: skip
        return
    if header.extends is None:
        where.fail("extends", f"a layer must say which layer it extends ({below.label})")
    if header.extends not in (below.id, below.label):
        where.fail(
            "extends",
            f"extends {header.extends!r}, but the layer below is {below.label}",
            header.extends,
        )


def require_own_source(old: Mapping[str, Any], new: Mapping[str, Any], where: Location) -> None:
    """A change to a sourced fact names its own ``source`` and ``evidence``."""
    # A changed value keeping the standard's source would pass a region's choice off as
    # the national text: an override must say where its values come from.
    if "source" in old and ("source" not in new or "evidence" not in new):
        missing = "source" if "source" not in new else "evidence"
        where.fail(missing, f"an override must name its own source and evidence ({missing})")


def marked_override(table: Mapping[str, Any], exists: bool, where: Location) -> dict[str, Any]:
    """``table`` without its ``override`` mark, which must be true exactly when it
    changes something that ``exists`` below."""
    body = dict(table)
    override = body.pop("override", False)
    if exists and override is not True:
        where.fail("", "redefines a table of a layer below: say override = true")
    if not exists and override is not False:
        where.fail("", "overrides a table that does not exist below", override)
    return body


def _is_entries(value: object) -> TypeGuard[list[dict[str, Any]]]:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in value)
    )


def merge(below: Mapping[str, Any], layer: Mapping[str, Any], where: Location) -> dict[str, Any]:
    """``layer`` merged into ``below`` (neither is changed)."""
    result = copy.deepcopy(dict(below))
    for key, value in layer.items():
        old = result.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            require_own_source(old, value, where.key(key))
            result[key] = merge(old, value, where.key(key))
        elif _is_entries(old) and isinstance(value, list):
            result[key] = _merge_entries(old, value, where, key)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_entries(
    below: list[dict[str, Any]], layer: list[Any], where: Location, key: str
) -> list[dict[str, Any]]:
    merged = [copy.deepcopy(entry) for entry in below]
    index = {entry["id"]: position for position, entry in enumerate(merged)}
    for position, entry in enumerate(layer):
        here = where.entry(key, position, None)
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            here.fail("id", "each entry of a layer names the id it changes or adds", entry)
        entry_id = entry["id"]
        if entry_id in index:
            old = merged[index[entry_id]]
            require_own_source(old, entry, where.entry(key, position, entry_id, relative=False))
            merged[index[entry_id]] = merge(
                old, entry, where.entry(key, position, entry_id, relative=False)
            )
        else:
            index[entry_id] = len(merged)
            merged.append(copy.deepcopy(entry))
    return merged
