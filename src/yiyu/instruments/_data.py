"""Reading the instruments' data files: the packaged defaults, a region's file, validation.

Every instrument keeps its items and thresholds in a TOML file under
``yiyu/instruments/data/``. The file starts with an ``[instrument]`` table (``id``,
``version``, ``title``), lists the sources it cites in ``[sources.<id>]`` tables
(``title``, optional ``doc_no``) and gives every fact a ``source`` (a string or a list of
strings, each starting with a source id: ``"S5 (digest §2)"``) and an ``evidence`` tag
(``V``, ``V3``, ``M``, ``D`` or ``LOCAL``, as in the standards digest).

A region changes the data in one of two ways:

* a **replacement** file: a complete file in the same format, with its own
  ``[instrument]`` id, version and title (a region's own risk form, for example);
* a **layer**: ``[instrument]`` with ``extends = "<id>"`` (or ``"<id>@<version>"``), its
  own id, version and title, and only what changes, by the rule every data file follows
  (:mod:`yiyu.data.layers`): what is new is added; what exists is changed by a table or
  entry that says ``override = true`` and names its own ``source`` and ``evidence`` (a
  table is restated whole, an entry of ``[[items]]`` is amended field by field). To
  remove an item, write a replacement file.

Files are read, layered and checked by :mod:`yiyu.data`, as protocol files are (the
format: ``docs/data-format.md``). Every problem is reported as a
:class:`~yiyu.data.DataError` (a :class:`~yiyu.errors.ProtocolError`) naming the file (the
region's file for an override), the path in it (``$.schemes[0].title``), the item
(``rule_id``) and the field.
"""

from __future__ import annotations

import math
import os
import types
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from typing import Any, Final, Generic, NoReturn, TypeVar

import attrs

from yiyu import data
from yiyu.data import Evidence, HeaderTable, Location
from yiyu.protocol.loader import load_protocol

__all__ = [
    "Checker",
    "DataLoader",
    "DataPath",
    "Fact",
    "Header",
    "RuleText",
    "frozen_map",
    "read_document",
]

DataPath = str | os.PathLike[str]

T = TypeVar("T")


def frozen_map(value: Mapping[str, T]) -> Mapping[str, T]:
    """A read-only copy, so that a cached instrument cannot be changed by a caller."""
    return types.MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class Fact(Generic[T]):
    """One configurable value with where it comes from.

    Attributes:
        value: the value.
        source: the sources, each starting with a source id (``"S4 (digest §5)"``).
        evidence: how well the value is established; ``M`` and ``D`` are defaults a
            region may override.
    """

    value: T
    source: tuple[str, ...]
    evidence: Evidence
    text: str = ""


@attrs.frozen(kw_only=True)
class RuleText:
    """A rule or note stated in words (for printed forms and the docs), with its sources."""

    text: str
    source: tuple[str, ...]
    evidence: Evidence


@attrs.frozen(kw_only=True)
class Header:
    """The ``[instrument]`` table of a data file, and the file it was read from."""

    id: str
    version: str
    title: str
    file: str

    @property
    def label(self) -> str:
        """``id@version``, the string to store with a result."""
        return f"{self.id}@{self.version}"


# --- reading and merging ----------------------------------------------------------------------


class DataLoader(Generic[T]):
    """Loads one instrument's data: the packaged file (read once and cached: it cannot
    change while the process runs, and the value is frozen), or a region's file."""

    def __init__(self, package_file: str, build: Callable[[str, dict[str, Any]], T]) -> None:
        self.package_file = package_file
        self._build = build
        self._packaged: T | None = None

    def __call__(self, path: DataPath | None = None) -> T:
        if path is not None:
            return self._build(*read_document(path, self.package_file))
        if self._packaged is None:
            self._packaged = self._build(*read_document(None, self.package_file))
        return self._packaged


def read_document(path: DataPath | None, package_file: str) -> tuple[str, dict[str, Any]]:
    """The data of an instrument: the packaged file, a replacement, or the two merged.

    Args:
        path: a region's replacement or override file, or ``None`` for the packaged one.
        package_file: the packaged file's name under ``yiyu/instruments/data/``.

    Returns:
        The name to use in errors (the region's file when one is given) and the document.

    Raises:
        DataError: if a file cannot be read or parsed, or an override does not fit the
            packaged data.
    """
    resource = files("yiyu.instruments").joinpath("data").joinpath(package_file)
    if path is None:
        return package_file, data.read_document(resource, package_file)
    name = data.file_name(path)
    document = data.read_document(path, name)
    top = Location(name)
    raw_header = document.get("instrument")
    if not isinstance(raw_header, dict):
        top.fail("instrument", "missing [instrument] table with id, version and title")
    if raw_header.get("extends") is None:
        return name, document
    base = data.read_document(resource, package_file)
    header = data.structure(_shared(raw_header), HeaderTable, top.key("instrument"))
    below = data.structure(_shared(base["instrument"]), HeaderTable, Location(package_file))
    data.check_extends(header, below, top.key("instrument"))
    if (header.id, header.version) == (below.id, below.version):
        # Results store id@version: a region's data must not pass for the packaged data.
        top.fail(
            "instrument.version",
            f"an override must change the id or the version (both are {below.label})",
            header.version,
        )
    layer = {key: value for key, value in document.items() if key != "instrument"}
    merged = data.merge(base, layer, top)
    # The override is a new version of the data: its own id, version and title.
    merged["instrument"] = {
        **base["instrument"],
        **{key: value for key, value in raw_header.items() if key != "extends"},
    }
    return name, merged


def _shared(header: Mapping[str, Any]) -> dict[str, Any]:
    """The header fields every data file has (an instrument may add its own)."""
    return {key: header.get(key) for key in ("id", "version", "title", "extends")}


# --- checking values ----------------------------------------------------------------------


class Checker:
    """Reads typed values out of a parsed document; every error names file, path, item and
    field.

    ``where`` is the dotted path of the table a value is read from (``"follow_up.recheck"``,
    ``"schemes"`` for an entry of ``[[schemes]]``); ``item`` the entry's id. An entry listed
    by :meth:`entries` is found again by its id, so that an error's path gives its position
    (``$.schemes[0].title``).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.sources: dict[str, str] = {}
        # (array, entry id) → the entry's path, "$.columns[0].items[2]".
        self._paths: dict[tuple[str, str], str] = {}

    def location(self, item: str | None, where: str) -> Location:
        """Where a value of ``where`` (in entry ``item``, if any) is."""
        head, _, rest = where.partition(".")
        path = self._paths.get((head, item)) if item is not None else None
        prefix = f"{where}." if where else ""
        if path is None:
            return Location(self.file, f"$.{where}" if where else "$", item, prefix)
        return Location(self.file, f"{path}.{rest}" if rest else path, item, prefix)

    def nest(self, parent: tuple[str, str], array: str, position: int, item: str) -> None:
        """Record where an entry of an array inside an entry is (a column's item), so that
        its errors give its path: ``nest(("columns", "m3"), "items", 2, "m3_3")``."""
        self._paths[(array, item)] = f"{self._paths[parent]}.{array}[{position}]"

    def fail(
        self, problem: str, *, item: str | None = None, field: str | None = None, value: Any = None
    ) -> NoReturn:
        where, _, key = (field or "").rpartition(".")
        raise self.location(item, where).error(key, problem, value)

    @staticmethod
    def _field(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def unknown(
        self, table: Mapping[str, Any], allowed: Iterable[str], *, item: str | None, where: str
    ) -> None:
        data.unknown_keys(table, allowed, self.location(item, where))

    def header(self, document: Mapping[str, Any], extra: Iterable[str] = ()) -> Header:
        """The ``[instrument]`` table; also reads ``[sources]`` for :meth:`source`.

        ``extra`` names the keys this instrument adds to its header (``default_scheme``).
        """
        top = Location(self.file)
        read = data.read_header(document, "instrument", top, extra=frozenset(extra))
        if not document.get("sources"):
            self.fail("a [sources.<id>] table is required for every source cited", field="sources")
        self.sources = {
            key: source.label for key, source in data.read_sources(document, top).items()
        }
        return Header(id=read.id, version=read.version, title=read.title, file=self.file)

    def table(
        self, parent: Mapping[str, Any], key: str, *, item: str | None, where: str
    ) -> dict[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            self.fail("a table is required", item=item, field=self._field(where, key))
        return value

    def entries(
        self, parent: Mapping[str, Any], key: str, *, where: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """An array of tables with unique identifier ``id``\\ s, as (id, table) pairs."""
        value = parent.get(key)
        field = self._field(where, key)
        if not isinstance(value, list) or not value:
            self.fail(f"[[{field}]] entries are required", field=field)
        result: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        for position, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.fail("expected a table", field=f"{field}[{position}]")
            entry_id = entry.get("id")
            if not isinstance(entry_id, str) or not entry_id.isidentifier():
                self.fail(
                    f"an id is a lower-case identifier, got {entry_id!r}",
                    field=f"{field}[{position}].id",
                )
            if entry_id in seen:
                self.fail("duplicate id", item=entry_id, field=f"{field}.id")
            seen.add(entry_id)
            self._paths[(field, entry_id)] = f"$.{field}[{position}]"
            result.append((entry_id, entry))
        return result

    def text(self, table: Mapping[str, Any], key: str, *, item: str | None, where: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail("text is required", item=item, field=self._field(where, key))
        return value.strip()

    def optional_text(
        self, table: Mapping[str, Any], key: str, *, item: str | None, where: str
    ) -> str | None:
        if key not in table:
            return None
        return self.text(table, key, item=item, where=where)

    def integer(
        self,
        table: Mapping[str, Any],
        key: str,
        *,
        item: str | None,
        where: str,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int:
        value = table.get(key)
        field = self._field(where, key)
        if isinstance(value, Mapping):
            value = self.rule_days(value, item=item, field=field)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"a whole number is required, got {value!r}", item=item, field=field)
        if minimum is not None and value < minimum:
            self.fail(f"must be >= {minimum}, got {value}", item=item, field=field)
        if maximum is not None and value > maximum:
            self.fail(f"must be <= {maximum}, got {value}", item=item, field=field)
        return value

    def rule_days(self, reference: Any, *, item: str | None, field: str) -> int:
        """The days of a protocol rule's window offset, where the data refers to it.

        A deadline both the protocol (which schedules it) and an instrument (which prints
        it) state is written once, in the protocol; the instrument's data refers to it:
        ``{ rule = "autism_rescreen_referral", offset = "due" }`` is the rule's ``due``, in
        days, in the default protocol (``yiyu.load_protocol()``).
        """

        def refuse(problem: str, value: Any) -> NoReturn:
            self.fail(problem, item=item, field=field, value=value)

        if not isinstance(reference, Mapping) or set(reference) != {"rule", "offset"}:
            refuse(f'a reference is {{ rule = "<rule id>", offset = "due" }}, got {reference!r}',
                   reference)  # fmt: skip
        rule_id, offset = reference["rule"], reference["offset"]
        protocol = load_protocol()
        rules = {rule.id: rule for rule in protocol.rules}
        if rule_id not in rules:
            refuse(f"refers to rule {rule_id!r}, which {protocol.label} does not have", rule_id)
        if offset not in _RULE_OFFSETS:
            refuse(f"refers to offset {offset!r}; known: {', '.join(_RULE_OFFSETS)}", offset)
        days = getattr(rules[rule_id], offset)
        if days is None or days.months:
            refuse(f"rule {rule_id!r} has no {offset} in days (got {days})", reference)
        return int(days.days)

    def number(self, table: Mapping[str, Any], key: str, *, item: str | None, where: str) -> float:
        value = table.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(
                f"a finite number is required, got {value!r}",
                item=item,
                field=self._field(where, key),
            )
        return float(value)

    def boolean(self, table: Mapping[str, Any], key: str, *, item: str | None, where: str) -> bool:
        value = table.get(key)
        if not isinstance(value, bool):
            self.fail(
                f"true or false is required, got {value!r}",
                item=item,
                field=self._field(where, key),
            )
        return value

    def evidence(
        self, table: Mapping[str, Any], key: str = "evidence", *, item: str | None, where: str
    ) -> Evidence:
        return data.evidence(table.get(key), self.location(item, where), key)

    def source(
        self, table: Mapping[str, Any], key: str = "source", *, item: str | None, where: str
    ) -> tuple[str, ...]:
        return data.source_refs(table.get(key), self.location(item, where), self.sources, key)

    def fact(self, table: Mapping[str, Any], value: T, *, item: str | None, where: str) -> Fact[T]:
        """``value`` with the ``source``, ``evidence`` and ``text`` of its table."""
        return Fact(
            value=value,
            source=self.source(table, item=item, where=where),
            evidence=self.evidence(table, item=item, where=where),
            text=self.optional_text(table, "text", item=item, where=where) or "",
        )

    def fact_int(
        self, table: Mapping[str, Any], key: str, *, where: str, minimum: int | None = None
    ) -> Fact[int]:
        """A whole number of a file-level table (``[follow_up.refer]``), with its source."""
        value = self.integer(table, key, item=None, where=where, minimum=minimum)
        return self.fact(table, value, item=None, where=where)

    def fact_bool(self, table: Mapping[str, Any], key: str, *, where: str) -> Fact[bool]:
        """A true/false setting of a file-level table, with its source."""
        return self.fact(
            table, self.boolean(table, key, item=None, where=where), item=None, where=where
        )

    def rule_text(self, table: Mapping[str, Any], *, item: str | None, where: str) -> RuleText:
        """The ``text``, ``source`` and ``evidence`` of a table."""
        return RuleText(
            text=self.text(table, "text", item=item, where=where),
            source=self.source(table, item=item, where=where),
            evidence=self.evidence(table, item=item, where=where),
        )


# The window offsets of a protocol rule that instrument data may refer to.
_RULE_OFFSETS: Final = ("opens", "due", "closes")
