"""attrs converters shared by the domain values, and the hook that names their errors.

Converters must be named functions for mypy's attrs plugin to type ``__init__``, so they
cannot be made per field. Instead each raises :class:`ValidationError` for the generic
field ``"value"``, and :func:`name_errors` (an attrs ``field_transformer``) wraps every
converter of a class so the error names the attribute the caller actually passed.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.errors import ValidationError

GENERIC = "value"


def date_value(value: dt.date | str) -> pendulum.Date:
    return to_date(value, field=GENERIC)


def optional_date(value: dt.date | str | None) -> pendulum.Date | None:
    if value is None or value == "":
        return None
    return to_date(value, field=GENERIC)


def text(value: str) -> str:
    # A whole number is accepted as an id (registries export them so); None is not.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(GENERIC, value, "text is required")
    stripped = str(value).strip()
    if not stripped:
        raise ValidationError(GENERIC, value, "must not be empty")
    return stripped


def optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(GENERIC, value, "text or nothing is required")
    stripped = str(value).strip()
    return stripped or None


E = TypeVar("E", bound=enum.Enum)


def parse_enum(kind: type[E], value: object, field: str = GENERIC) -> E:
    """A member of ``kind`` from itself, its value, its name or its Chinese label."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        wanted = value.strip()
        for member in kind:
            label = getattr(member, "label_zh", None)
            if wanted in (member.value, member.name, label):
                return member
    known = ", ".join(
        f"{m.value} ({m.label_zh})" if hasattr(m, "label_zh") else str(m.value) for m in kind
    )
    raise ValidationError(field, value, f"unknown {kind.__name__}; known: {known}")


V = TypeVar("V")


def items_of(kind: type[V], value: object, field: str = GENERIC) -> tuple[V, ...]:
    """A tuple of ``kind`` from an iterable of values or of mappings of their fields."""
    if value is None or isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise ValidationError(field, value, f"a list of {kind.__name__} is required")
    result: list[V] = []
    for index, item in enumerate(value):
        if isinstance(item, kind):
            result.append(item)
        elif isinstance(item, Mapping):
            try:
                result.append(kind(**item))
            except ValidationError as error:
                raise ValidationError(
                    f"{field}[{index}].{error.field}", error.value, error.rule
                ) from None
            except TypeError as error:
                raise ValidationError(f"{field}[{index}]", dict(item), str(error)) from None
        else:
            raise ValidationError(f"{field}[{index}]", item, f"a {kind.__name__} is required")
    return tuple(result)


def _named(converter: Callable[[Any], Any], name: str) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        try:
            return converter(value)
        except ValidationError as error:
            if error.field != GENERIC:
                raise
            raise ValidationError(name, error.value, error.rule) from None

    return convert


def name_errors(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """attrs field transformer: converter errors name the attribute they came from."""
    return [
        field.evolve(converter=_named(field.converter, field.name))
        if callable(field.converter)
        else field
        for field in fields
    ]
