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
* an **override** file: ``[instrument]`` with ``extends = "<id>"`` (or ``"<id>@<version>"``)
  and only what changes. Tables are merged key by key; arrays of tables whose entries have
  an ``id`` (``[[items]]``) are merged by id (a new id is added at the end); any other
  value is replaced. Every table the override touches that carries a ``source`` in the
  packaged file must name its own ``source`` and ``evidence``, so that a changed
  threshold is never credited to the national standard. To remove an item, write a
  replacement file.

Every problem is reported as a :class:`~yiyu.errors.ProtocolError` naming the file (the
region's file for an override), the item (``rule_id``) and the field.
"""

from __future__ import annotations

import copy
import math
import os
import tomllib
import types
from collections.abc import Callable, Iterable, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, Generic, NoReturn, TypeVar

import attrs

from yiyu.errors import ProtocolError
from yiyu.protocol.model import Evidence

__all__ = [
    "EVIDENCE_MEANING",
    "Checker",
    "DataPath",
    "Fact",
    "Header",
    "RuleText",
    "cell",
    "evidence_legend",
    "frozen_map",
    "read_document",
    "sources_line",
]

DataPath = str | os.PathLike[str]

T = TypeVar("T")

EVIDENCE_MEANING: Final = {
    Evidence.V: "read in a public copy of the standard",
    Evidence.V3: "third-party re-statement only",
    Evidence.M: "from memory: a configurable default, check before relying on it",
    Evidence.D: "yiyu default: no standard fixes it",
    Evidence.LOCAL: "the city plan",
}


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


def read_document(path: DataPath | None, package_file: str) -> tuple[str, dict[str, Any]]:
    """The data of an instrument: the packaged file, a replacement, or the two merged.

    Args:
        path: a region's replacement or override file, or ``None`` for the packaged one.
        package_file: the packaged file's name under ``yiyu/instruments/data/``.

    Returns:
        The name to use in errors (the region's file when one is given) and the document.

    Raises:
        ProtocolError: if a file cannot be read or parsed, or an override does not fit the
            packaged data.
    """
    resource = files("yiyu.instruments").joinpath("data").joinpath(package_file)

    def packaged() -> dict[str, Any]:
        text = _read_text(lambda: resource.read_text(encoding="utf-8"), package_file)
        return _parse(text, package_file)

    if path is None:
        return package_file, packaged()
    name = os.fspath(path)
    document = _parse(_read_text(lambda: Path(path).read_text(encoding="utf-8"), name), name)
    header = document.get("instrument")
    if not isinstance(header, dict):
        raise ProtocolError(
            name, "missing [instrument] table with id, version and title", field="instrument"
        )
    extends = header.get("extends")
    if extends is None:
        return name, document
    base = packaged()
    base_header = base["instrument"]
    known = (base_header["id"], f"{base_header['id']}@{base_header['version']}")
    if extends not in known:
        raise ProtocolError(
            name,
            f"extends {extends!r}, but the packaged data is {known[1]}",
            field="instrument.extends",
        )
    for key in ("id", "version", "title"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise ProtocolError(
                name, "an override needs its own id, version and title", field=f"instrument.{key}"
            )
    if (header["id"], header["version"]) == (base_header["id"], base_header["version"]):
        # Results store id@version: a region's data must not pass for the packaged data.
        raise ProtocolError(
            name,
            f"an override must change the id or the version (both are {known[1]})",
            field="instrument.version",
        )
    return name, _merge(base, document, name, "")


def _read_text(read: Callable[[], str], name: str) -> str:
    try:
        text = read()
    except OSError as error:
        raise ProtocolError(name, f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ProtocolError(name, "not UTF-8 text") from None
    return text


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProtocolError(name, f"not valid TOML: {error}") from None


def _is_table_array(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in value)
    )


def _merge(
    base: dict[str, Any], override: Mapping[str, Any], file: str, where: str
) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in override.items():
        path = f"{where}.{key}" if where else key
        if not where and key == "instrument":
            # The override is a new version of the data: its own id, version and title.
            header = {k: v for k, v in value.items() if k != "extends"}
            result[key] = {**result.get(key, {}), **header}
            continue
        old = result.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            _require_own_source(old, value, file, path, None)
            result[key] = _merge(old, value, file, path)
        elif isinstance(old, list) and _is_table_array(old) and isinstance(value, list):
            result[key] = _merge_by_id(old, value, file, path)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_by_id(
    base: list[dict[str, Any]], override: list[Any], file: str, where: str
) -> list[dict[str, Any]]:
    merged = [copy.deepcopy(entry) for entry in base]
    index = {entry["id"]: position for position, entry in enumerate(merged)}
    for position, entry in enumerate(override):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ProtocolError(
                file,
                "each entry of an override must name the id it changes or adds",
                field=f"{where}[{position}].id",
            )
        entry_id = entry["id"]
        if entry_id in index:
            old = merged[index[entry_id]]
            _require_own_source(old, entry, file, where, entry_id)
            merged[index[entry_id]] = _merge(old, entry, file, where)
        else:
            index[entry_id] = len(merged)
            merged.append(copy.deepcopy(entry))
    return merged


def _require_own_source(
    old: Mapping[str, Any], new: Mapping[str, Any], file: str, where: str, item: str | None
) -> None:
    # A changed value keeping the standard's source would pass a region's choice off as
    # the national text: an override must say where its values come from.
    if "source" in old and ("source" not in new or "evidence" not in new):
        raise ProtocolError(
            file,
            "an override must name its own source and evidence",
            rule_id=item,
            field=f"{where}.source" if where else "source",
        )


# --- checking values ----------------------------------------------------------------------


class Checker:
    """Reads typed values out of a parsed document; every error names file, item and field."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.sources: dict[str, str] = {}

    def fail(self, problem: str, *, item: str | None = None, field: str | None = None) -> NoReturn:
        raise ProtocolError(self.file, problem, rule_id=item, field=field)

    @staticmethod
    def _field(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def unknown(
        self, table: Mapping[str, Any], allowed: Iterable[str], *, item: str | None, where: str
    ) -> None:
        known = set(allowed)
        for key in table:
            if key not in known:
                self.fail(
                    f"unknown field; known: {', '.join(sorted(known))}",
                    item=item,
                    field=self._field(where, key),
                )

    def header(self, document: Mapping[str, Any], extra: Iterable[str] = ()) -> Header:
        """The ``[instrument]`` table; also reads ``[sources]`` for :meth:`source`."""
        table = document.get("instrument")
        if not isinstance(table, dict):
            self.fail("missing [instrument] table with id, version and title", field="instrument")
        self.unknown(
            table, {"id", "version", "title", "extends", *extra}, item=None, where="instrument"
        )
        values = {
            key: self.text(table, key, item=None, where="instrument")
            for key in ("id", "version", "title")
        }
        sources = document.get("sources")
        if not isinstance(sources, dict) or not sources:
            self.fail("a [sources.<id>] table is required for every source cited", field="sources")
        for source_id, source in sources.items():
            if not isinstance(source, dict):
                self.fail("expected a table with a title", field=f"sources.{source_id}")
            self.unknown(source, {"title", "doc_no"}, item=None, where=f"sources.{source_id}")
            title = self.text(source, "title", item=None, where=f"sources.{source_id}")
            doc_no = self.optional_text(source, "doc_no", item=None, where=f"sources.{source_id}")
            self.sources[source_id] = f"{title} ({doc_no})" if doc_no else title
        return Header(file=self.file, **values)

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
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"a whole number is required, got {value!r}", item=item, field=field)
        if minimum is not None and value < minimum:
            self.fail(f"must be >= {minimum}, got {value}", item=item, field=field)
        if maximum is not None and value > maximum:
            self.fail(f"must be <= {maximum}, got {value}", item=item, field=field)
        return value

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
        value = table.get(key)
        try:
            return Evidence(value)
        except ValueError:
            known = ", ".join(tag.value for tag in Evidence)
            self.fail(
                f"an evidence tag is required ({known}), got {value!r}",
                item=item,
                field=self._field(where, key),
            )

    def source(
        self, table: Mapping[str, Any], key: str = "source", *, item: str | None, where: str
    ) -> tuple[str, ...]:
        value = table.get(key)
        field = self._field(where, key)
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, list) or not entries:
            self.fail(
                "a source is required: a source id and the digest section, e.g. 'S5 (digest §2)'",
                item=item,
                field=field,
            )
        result: list[str] = []
        for entry in entries:
            if not isinstance(entry, str) or not entry.strip():
                self.fail(f"a source is text, got {entry!r}", item=item, field=field)
            source_id = entry.strip().split(" ", 1)[0].split("(", 1)[0]
            if source_id not in self.sources:
                self.fail(
                    f"cites {source_id!r}, which is not in [sources] "
                    f"({', '.join(sorted(self.sources))})",
                    item=item,
                    field=field,
                )
            result.append(entry.strip())
        return tuple(result)

    def fact_int(
        self,
        table: Mapping[str, Any],
        key: str,
        *,
        item: str | None,
        where: str,
        minimum: int | None = None,
    ) -> Fact[int]:
        """A whole number with the ``source``, ``evidence`` and ``text`` of its table."""
        return Fact(
            value=self.integer(table, key, item=item, where=where, minimum=minimum),
            source=self.source(table, item=item, where=where),
            evidence=self.evidence(table, item=item, where=where),
            text=self.optional_text(table, "text", item=item, where=where) or "",
        )

    def fact_bool(
        self, table: Mapping[str, Any], key: str, *, item: str | None, where: str
    ) -> Fact[bool]:
        """A true/false setting with the ``source``, ``evidence`` and ``text`` of its table."""
        return Fact(
            value=self.boolean(table, key, item=item, where=where),
            source=self.source(table, item=item, where=where),
            evidence=self.evidence(table, item=item, where=where),
            text=self.optional_text(table, "text", item=item, where=where) or "",
        )

    def rule_text(self, table: Mapping[str, Any], *, item: str | None, where: str) -> RuleText:
        """The ``text``, ``source`` and ``evidence`` of a table."""
        return RuleText(
            text=self.text(table, "text", item=item, where=where),
            source=self.source(table, item=item, where=where),
            evidence=self.evidence(table, item=item, where=where),
        )


# --- Markdown ---------------------------------------------------------------------------------


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", "<br>")


def evidence_legend() -> list[str]:
    """The table explaining the evidence tags, as Markdown lines."""
    lines = ["| tag | meaning |", "|---|---|"]
    lines += [f"| {tag.value} | {meaning} |" for tag, meaning in EVIDENCE_MEANING.items()]
    return lines


def sources_line(sources: Mapping[str, str]) -> str:
    """``Sources: S4 儿童营养性疾病管理技术规范; …`` in the order of the data file."""
    return "Sources: " + "; ".join(f"{key} {title}" for key, title in sources.items()) + "."
