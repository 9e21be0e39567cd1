"""Layers: a file that ``extends`` another changes it, and says where.

One rule for every data file, protocol or instrument (``docs/data-format.md``):

* A layer names the layer below in its header: ``extends = "id@version"`` (or the id).
  The base extends nothing.
* The layer is laid over the one below by identity: tables by their keys, entries of an
  array of tables (``[[rules]]``, ``[[items]]``) by their ``id``. What is new is added
  (an entry at the end).
* Changing what exists below is an **override**, and says so with ``override = true`` in
  the table or entry that changes it; a change without it (a silent redefinition), or an
  ``override`` of what does not exist, is an error. An override names its own ``source``
  (where the thing it changes has one) and an evidence tag (``evidence``, or the tag of
  the field it changes, such as a rule's ``window_evidence``), so that a region's value
  is never credited to the national standard.
* An overriding **table** is one setting and replaces the one below whole (it restates
  every field). An overriding **entry** is a record and amends the one below: the fields
  it names replace those below (an array of entries inside it follows this rule entry by
  entry), the others stay, and its sources come first, followed by those below, which
  still stand for the fields it left.
* A source id (``[sources.<id>]``) names one document in every layer: it may be repeated,
  not redefined.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeGuard

from yiyu.data.errors import Location
from yiyu.data.tables import HeaderTable

__all__ = ["amend_entry", "check_extends", "is_entries", "merge", "override_table"]


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


def is_entries(value: object) -> TypeGuard[list[dict[str, Any]]]:
    """Whether ``value`` is an array of tables that each have an ``id``."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in value)
    )


def _marked(table: Mapping[str, Any], exists: bool, where: Location, what: str) -> dict[str, Any]:
    """``table`` without its ``override`` mark, which must be true exactly when it changes
    something that ``exists`` below."""
    body = dict(table)
    override = body.pop("override", False)
    if not isinstance(override, bool):
        where.fail("override", f"true or false, got {override!r}", override)
    if exists and not override:
        where.fail("", f"duplicate {what} (change an existing {what} with override = true)")
    if not exists and override:
        where.fail("override", f"overrides a {what} that does not exist below", override)
    return body


def _own_source(
    below: Mapping[str, Any], change: Mapping[str, Any], where: Location, *, evidence: bool = True
) -> None:
    # A changed value keeping the standard's source would pass a region's choice off as
    # the national text: an override must say where its values come from.
    if "source" in below and "source" not in change:
        where.fail("source", "an override must name its own source and evidence")
    if evidence and "evidence" in below and not any(key.endswith("evidence") for key in change):
        where.fail("evidence", "an override must name its own source and evidence")


def override_table(
    below: Mapping[str, Any] | None, table: Mapping[str, Any], where: Location, what: str = "table"
) -> dict[str, Any]:
    """A named table of a layer: new, or replacing the one ``below`` whole."""
    body = _marked(table, below is not None, where, what)
    if below is not None:
        _own_source(below, body, where)
    return body


def amend_entry(
    below: Mapping[str, Any] | None,
    entry: Mapping[str, Any],
    where: Location,
    what: str = "entry",
    *,
    evidence: bool = True,
) -> dict[str, Any]:
    """An entry of a layer: new, or amending the one ``below`` field by field.

    ``evidence=False`` reads a protocol's older ``[[overrides]]`` spelling as it always
    was: its own source is required, an evidence tag is not.
    """
    body = _marked(entry, below is not None, where, what)
    if below is None:
        return body
    _own_source(below, body, where, evidence=evidence)
    result = copy.deepcopy(dict(below))
    for key, value in body.items():
        old = result.get(key)
        if is_entries(old) and isinstance(value, list):
            result[key] = _entries(old, value, where, key)
            continue
        if isinstance(old, Mapping) and isinstance(value, Mapping):
            # A sourced value inside the entry (a cut-off with its source) is replaced
            # whole, and says where the new one comes from.
            _own_source(old, value, where.key(key))
        result[key] = copy.deepcopy(value)
    if "source" in body and "source" in below:
        result["source"] = _sources(body["source"], below["source"])
    return result


def _sources(own: Any, below: Any) -> list[Any]:
    listed = [
        *(own if isinstance(own, list) else [own]),
        *(below if isinstance(below, list) else [below]),
    ]
    return list(dict.fromkeys(listed))


def _entries(
    below: list[dict[str, Any]], layer: list[Any], where: Location, key: str
) -> list[dict[str, Any]]:
    merged = [copy.deepcopy(entry) for entry in below]
    index = {entry["id"]: position for position, entry in enumerate(merged)}
    for position, entry in enumerate(layer):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            where.entry(key, position, None).fail(
                "id", f"each entry of a layer names the id it changes or adds, got {entry!r}"
            )
        entry_id = entry["id"]
        here = where.entry(key, position, entry_id, relative=False)
        if entry_id in index:
            merged[index[entry_id]] = amend_entry(merged[index[entry_id]], entry, here)
        else:
            index[entry_id] = len(merged)
            merged.append(amend_entry(None, entry, here))
    return merged


def merge(below: Mapping[str, Any], layer: Mapping[str, Any], where: Location) -> dict[str, Any]:
    """A whole document ``layer`` laid over ``below`` (neither is changed)."""
    result = copy.deepcopy(dict(below))
    for key, value in layer.items():
        here = where.key(key)
        old = result.get(key)
        if key == "sources" and isinstance(old, dict) and isinstance(value, dict):
            result[key] = _merge_sources(old, value, here)
        elif isinstance(value, dict) and "override" in value:
            result[key] = override_table(old if isinstance(old, dict) else None, value, here)
        elif old is None:
            result[key] = copy.deepcopy(value)
        elif isinstance(old, dict) and isinstance(value, dict):
            result[key] = merge(old, value, here)
        elif is_entries(old) and isinstance(value, list):
            result[key] = _entries(old, value, where, key)
        else:
            here.fail(
                "",
                f"changes {old!r} of a layer below to {value!r}: "
                "say override = true in the table that changes it",
                value,
            )
    return result


def _merge_sources(
    below: dict[str, Any], layer: Mapping[str, Any], where: Location
) -> dict[str, Any]:
    result = dict(below)
    for source_id, table in layer.items():
        if source_id in result and result[source_id] != table:
            where.fail(source_id, "source redefined with another title", table)
        result[source_id] = table
    return result
