"""attrs converters shared by the domain values, and the hook that names their errors.

Converters must be named functions for mypy's attrs plugin to type ``__init__``, so they
cannot be made per field. Instead each raises :class:`ValidationError` for the generic
field ``"value"``, and :func:`name_errors` (an attrs ``field_transformer``) wraps every
converter of a class so the error names the attribute the caller actually passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

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
    stripped = str(value).strip()
    if not stripped:
        raise ValidationError(GENERIC, value, "must not be empty")
    return stripped


def optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


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
