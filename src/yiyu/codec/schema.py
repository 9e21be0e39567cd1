"""The JSON Schema of an encounter (``yiyu record FILE.json``), made from the domain values.

Generated, never written by hand, so it cannot drift from what the constructors accept:
each attrs field of :class:`~yiyu.domain.Encounter` and of the values inside it
(:class:`~yiyu.domain.Measurements`, :class:`~yiyu.domain.RicketsCheck`) becomes a
property, by these rules:

- the field's type: text is a string, a date a ``"format": "date"`` string, a number a
  number, a flag a boolean, a mapping of answers an object of them, a tuple an array, a
  nested attrs value an object of its own fields; ``X | None`` also admits ``null``;
- an enum lists every spelling its converter accepts (probed: its values, and its names
  and Chinese labels where the converter takes them), a ``Literal`` its values;
- text lengths are the limits of the converter the field uses
  (:mod:`yiyu.domain.limits`), one-line text refuses line breaks, and measurements carry
  their plausible ranges (``yiyu.domain.encounter.RANGES``);
- a field without a default is required; a field not listed is refused
  (``additionalProperties: false``), as the constructors refuse an unknown keyword;
- ``v``, the stored format's version (:data:`~yiyu.codec.ENCOUNTER_VERSION`), may be
  given.

What the schema cannot say is left to the domain, which checks every file anyway: a date
that does not exist (2026-02-30), the BMI check between weight and length, an answer for
an item the instrument does not have, a visit before birth. A file the schema refuses for
its structure (an unknown field, a wrong type, an unknown enum value) the domain refuses
too; a test holds the two to that.

``scripts/gen_docs.py`` writes :func:`encounter_schema` to
``docs/schema/encounter.schema.json`` and ``yiyu record --schema`` prints it.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

import attrs
import pendulum

from yiyu.domain import Encounter
from yiyu.domain import _convert as convert
from yiyu.domain.encounter import RANGES
from yiyu.domain.limits import ID_MAX, KEY_MAX, LINE_MAX, NAME_MAX, TEXT_MAX
from yiyu.errors import ValidationError

__all__ = [
    "SCHEMA_ID",
    "encounter_fields_markdown",
    "encounter_schema",
    "encounter_schema_text",
    "fill_recording_guide",
]

SCHEMA_ID: Final = "https://yiyu.invalid/schema/encounter.schema.json"
"""The schema's ``$id``: a name, not a place to fetch it from (``.invalid`` never resolves)."""

_DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"

# The text converters, by the limit they hold text to and whether it may span lines.
_TEXT: Final[Mapping[Callable[..., Any], tuple[int, bool]]] = {
    convert.id_text: (ID_MAX, False),
    convert.optional_id_text: (ID_MAX, False),
    convert.key_text: (KEY_MAX, False),
    convert.optional_key_text: (KEY_MAX, False),
    convert.name_text: (NAME_MAX, False),
    convert.optional_name_text: (NAME_MAX, False),
    convert.line_text: (LINE_MAX, False),
    convert.optional_line_text: (LINE_MAX, False),
    convert.free_text: (TEXT_MAX, True),
    convert.optional_free_text: (TEXT_MAX, True),
}
# One line: no line break or other control character but the tab a form may hold
# (mirrors yiyu.domain.limits.forbidden_character for single-line text).
_ONE_LINE: Final = "^[^\\u0000-\\u001f\\u007f]*$"


def _converter(field: attrs.Attribute[Any]) -> Callable[..., Any] | None:
    """The field's own converter, under the wrapper that names its errors
    (:func:`yiyu.domain._convert.name_errors`)."""
    found = field.converter
    while callable(found):
        inner = inspect.getclosurevars(found).nonlocals.get("converter")
        if not callable(inner):
            break
        found = inner
    return found if callable(found) else None


# The converters that refuse blank text.
_REQUIRED_TEXT: Final = frozenset(
    {convert.id_text, convert.key_text, convert.name_text, convert.line_text, convert.free_text}
)


def _text(converter: Callable[..., Any] | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    limits = _TEXT.get(converter) if converter is not None else None
    if limits is not None:
        limit, multiline = limits
        if converter in _REQUIRED_TEXT:
            schema["minLength"] = 1
        schema["maxLength"] = limit
        if not multiline:
            schema["pattern"] = _ONE_LINE
    return schema


def _spellings(kind: type[enum.Enum], accepts: Callable[[str], bool]) -> list[str]:
    """Every text the converter takes for a member: its value, name and Chinese label."""
    found: list[str] = []
    for member in kind:
        label = getattr(member, "label_zh", None)
        for text in (member.value, member.name, label):
            if isinstance(text, str) and text not in found and accepts(text):
                found.append(text)
    return found


def _accepts(convert_one: Callable[[Any], Any]) -> Callable[[str], bool]:
    def accepts(text: str) -> bool:
        try:
            convert_one(text)
        except (ValidationError, ValueError, TypeError):
            return False
        return True

    return accepts


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    return {"anyOf": [schema, {"type": "null"}]}


def _of_type(
    hint: Any, converter: Callable[..., Any] | None, probe: Callable[[Any], Any] | None
) -> dict[str, Any]:
    """The schema of a value of type ``hint``, checked by ``converter``; ``probe`` builds
    one such value from JSON data (for finding the spellings an enum takes)."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        inner = members[0] if len(members) == 1 else hint
        if len(members) != 1:
            raise TypeError(f"no JSON Schema rule for the union {hint!r}")
        return _nullable(_of_type(inner, converter, probe))
    if origin is typing.Literal:
        return {"enum": list(typing.get_args(hint))}
    if origin is not None and issubclass(origin, Mapping):
        _, item = typing.get_args(hint)
        return {
            "type": "object",
            "propertyNames": _text(convert.id_text),
            "additionalProperties": _of_type(item, None, None),
        }
    if origin is not None and issubclass(origin, Iterable):
        item = typing.get_args(hint)[0]
        item_probe = None if probe is None else (lambda value: probe([value]))
        return {"type": "array", "items": _of_type(item, None, item_probe)}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is str:
        return _text(converter)
    if isinstance(hint, type) and issubclass(hint, pendulum.Date):
        return {"type": "string", "format": "date"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        spell = probe if probe is not None else hint
        return {"enum": _spellings(hint, _accepts(spell))}
    if isinstance(hint, type) and attrs.has(hint):
        return _object(hint)
    raise TypeError(f"no JSON Schema rule for {hint!r}")


_ATTRIBUTE: Final = re.compile(r"^    (?P<names>\w+(?:, \w+)*): (?P<text>.*)$")


def _attribute_docs(doc: str) -> dict[str, str]:
    """Each attribute's line of a Google-style docstring (``Attributes:`` or ``Args:``),
    its continuation lines joined: the fields' descriptions in the schema."""
    found: dict[str, str] = {}
    current: list[str] = []
    section = False
    for line in doc.splitlines():
        if line.strip() in ("Attributes:", "Args:"):
            section = True
            continue
        if section and line and not line.startswith(" "):
            section = False
        if not section:
            continue
        match = _ATTRIBUTE.match(line)
        if match:
            current = [name.strip() for name in match["names"].split(",")]
            for name in current:
                found[name] = match["text"]
        elif line.startswith("        ") and current:
            for name in current:
                found[name] += " " + line.strip()
    return {name: text.replace("``", "") for name, text in found.items()}


def _object(cls: type) -> dict[str, Any]:
    """An attrs value as an object: its fields, the required ones, nothing else."""
    hints = typing.get_type_hints(cls)
    docs = _attribute_docs(inspect.getdoc(cls) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if not field.init:
            continue
        converter = _converter(field)
        schema = _of_type(hints[field.name], converter, field.converter)
        if field.name in RANGES and cls.__name__ == "Measurements":
            low, high, unit = RANGES[field.name]
            schema.update(minimum=low, maximum=high, description=f"{unit}, {low:g}–{high:g}")
        if field.alias in docs and "description" not in schema:
            schema["description"] = docs[field.alias]
        properties[field.alias] = schema
        if field.default is attrs.NOTHING:
            required.append(field.alias)
    result: dict[str, Any] = {
        "title": cls.__name__,
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        result["required"] = required
    doc = inspect.getdoc(cls)
    if doc:
        result["description"] = doc.split("\n\n", 1)[0].replace("\n", " ").replace("``", "")
    return result


def encounter_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an encounter as ``yiyu record`` reads it.

    Returns:
        The schema as JSON-able data: the same for the same yiyu, whatever the machine.
    """
    from yiyu.codec import ENCOUNTER_VERSION

    body = _object(Encounter)
    properties = {
        "v": {
            "description": "the format's version (optional; a file yiyu stored carries it)",
            "type": "integer",
            "minimum": 0,
            "maximum": ENCOUNTER_VERSION,
        },
        **body["properties"],
    }
    return {
        "$schema": _DRAFT,
        "$id": SCHEMA_ID,
        **body,
        "title": "yiyu encounter (随访记录)",
        "properties": properties,
    }


def encounter_schema_text() -> str:
    """:func:`encounter_schema` as the JSON text ``docs/schema/encounter.schema.json``
    holds and ``yiyu record --schema`` prints: indented, UTF-8 text, a final newline."""
    return json.dumps(encounter_schema(), ensure_ascii=False, indent=2) + "\n"


def _kind(schema: Mapping[str, Any]) -> str:
    """A property's type in a few words, for the guide's table."""
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None]
        # Names (PRETERM) are accepted too, but the table shows what a person writes.
        shown = [v for v in values if not (isinstance(v, str) and v.isupper())]
        text = " \\| ".join(f"`{v}`" for v in shown)
        return text + (" or null" if None in schema["enum"] else "")
    if "anyOf" in schema:
        return " or ".join(_kind(part) for part in schema["anyOf"])
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    words = []
    for kind in kinds:
        if kind == "string" and schema.get("format") == "date":
            words.append("date `YYYY-MM-DD`")
        elif kind == "string" and "maxLength" in schema:
            lines = "one line, " if "pattern" in schema else ""
            words.append(f"text ({lines}≤ {schema['maxLength']})")
        elif kind == "object" and "additionalProperties" in schema and "properties" not in schema:
            words.append(f"{{item id: {_kind(schema['additionalProperties'])}}}")
        elif kind == "array":
            words.append(f"list of {_kind(schema['items'])}")
        elif kind == "object":
            words.append("object (below)")
        elif kind == "number" and "minimum" in schema:
            words.append(f"number {schema['minimum']:g}–{schema['maximum']:g}")
        else:
            words.append(kind)
    return " or ".join(words)


def encounter_fields_markdown() -> str:
    """The fields of an encounter file as a Markdown table (path, type, required), from
    :func:`encounter_schema`, for the recording guide."""
    lines = ["| field | type | required | meaning |", "|---|---|---|---|"]

    def rows(schema: Mapping[str, Any], prefix: str) -> None:
        required = set(schema.get("required", ()))
        for name, item in schema["properties"].items():
            meaning = item.get("description", "").replace("|", "\\|")
            need = "yes" if name in required else ""
            lines.append(f"| `{prefix}{name}` | {_kind(item)} | {need} | {meaning} |")
            nested = item if "properties" in item else None
            if nested is not None:
                rows(nested, f"{prefix}{name}.")

    rows(encounter_schema(), "")
    return "\n".join(lines) + "\n"


_FIELDS_BLOCK: Final = re.compile(
    r"(<!-- encounter-fields -->\n).*?(<!-- /encounter-fields -->)", re.DOTALL
)
_EXAMPLE_BLOCK: Final = re.compile(
    r"(<!-- example:(?P<name>[\w-]+) -->\n).*?(<!-- /example -->)", re.DOTALL
)


def fill_recording_guide(page: str, examples: Mapping[str, str]) -> str:
    """The recording guide with its generated blocks current: the fields table between
    ``<!-- encounter-fields -->`` and ``<!-- /encounter-fields -->``, and each example
    (``docs/schema/examples/NAME.json``, given here by name → text) between
    ``<!-- example:NAME -->`` and ``<!-- /example -->``.

    Raises:
        KeyError: if a block names an example that is not given.
    """
    page = _FIELDS_BLOCK.sub(
        lambda match: f"{match[1]}\n{encounter_fields_markdown()}\n{match[2]}", page
    )
    return _EXAMPLE_BLOCK.sub(
        lambda match: f"{match[1]}\n```json\n{examples[match['name']]}```\n\n{match[3]}", page
    )
