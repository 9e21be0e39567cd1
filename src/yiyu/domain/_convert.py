"""attrs converters shared by the domain values, the checks public functions make at
their boundary, and the hooks that name their errors.

Converters must be named functions for mypy's attrs plugin to type ``__init__``, so they
cannot be made per field. Instead each raises :class:`ValidationError` for the generic
field ``"value"``, and :func:`name_errors` (an attrs ``field_transformer``) wraps every
converter of a class so the error names the attribute the caller actually passed. Text
is checked against :mod:`yiyu.domain.limits` (one converter per kind of text);
:func:`keyword_errors` names a misspelt or missing keyword.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import pendulum

from yiyu.dates import to_date
from yiyu.domain.limits import (
    ID_MAX,
    KEY_MAX,
    LINE_MAX,
    NAME_MAX,
    TEXT_MAX,
    forbidden_character,
)
from yiyu.errors import ValidationError

GENERIC = "value"

V = TypeVar("V")


def date_value(value: dt.date | str) -> pendulum.Date:
    return to_date(value, field=GENERIC)


def optional_date(value: dt.date | str | None) -> pendulum.Date | None:
    if value is None or value == "":
        return None
    return to_date(value, field=GENERIC)


def _text(value: object, *, limit: int, multiline: bool) -> str | None:
    """``value`` stripped and checked against :mod:`yiyu.domain.limits`; ``None`` if blank."""
    # A whole number is accepted (registries export ids so); None, a float or a bool is not.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(GENERIC, value, "text is required")
    stripped = str(value).strip()
    bad = forbidden_character(stripped, multiline=multiline)
    if bad is not None:
        position, char = bad
        rule = (
            "no control characters but line breaks and tabs"
            if multiline
            else "one line of text: no line breaks or control characters"
        )
        raise ValidationError(GENERIC, value, f"{rule} ({char!r} at position {position})")
    if len(stripped) > limit:
        raise ValidationError(
            GENERIC, value, f"at most {limit} characters (this is {len(stripped)})"
        )
    return stripped or None


def _required(value: object, *, limit: int, multiline: bool) -> str:
    result = _text(value, limit=limit, multiline=multiline)
    if result is None:
        raise ValidationError(GENERIC, value, "must not be empty")
    return result


def _optional(value: object, *, limit: int, multiline: bool) -> str | None:
    return None if value is None else _text(value, limit=limit, multiline=multiline)


# One converter per kind of text: mypy's attrs plugin types ``__init__`` from named
# functions only, so these cannot be partials of one.


def id_text(value: str) -> str:
    """An id: one line, at most :data:`~yiyu.domain.limits.ID_MAX` characters."""
    return _required(value, limit=ID_MAX, multiline=False)


def optional_id_text(value: str | None) -> str | None:
    return _optional(value, limit=ID_MAX, multiline=False)


def key_text(value: str) -> str:
    """An obligation key or a visit's id: one line, at most
    :data:`~yiyu.domain.limits.KEY_MAX` characters."""
    return _required(value, limit=KEY_MAX, multiline=False)


def optional_key_text(value: str | None) -> str | None:
    return _optional(value, limit=KEY_MAX, multiline=False)


def name_text(value: str) -> str:
    """A name: one line, at most :data:`~yiyu.domain.limits.NAME_MAX` characters."""
    return _required(value, limit=NAME_MAX, multiline=False)


def optional_name_text(value: str | None) -> str | None:
    return _optional(value, limit=NAME_MAX, multiline=False)


def line_text(value: str) -> str:
    """One line of text, at most :data:`~yiyu.domain.limits.LINE_MAX` characters."""
    return _required(value, limit=LINE_MAX, multiline=False)


def optional_line_text(value: str | None) -> str | None:
    return _optional(value, limit=LINE_MAX, multiline=False)


def free_text(value: str) -> str:
    """Free text, line breaks allowed, at most :data:`~yiyu.domain.limits.TEXT_MAX`."""
    return _required(value, limit=TEXT_MAX, multiline=True)


def optional_free_text(value: str | None) -> str | None:
    return _optional(value, limit=TEXT_MAX, multiline=True)


def as_field(field: str, convert: Callable[[Any], V], value: object) -> V:
    """``convert(value)``, its error naming ``field`` rather than the generic one."""
    try:
        return convert(value)
    except ValidationError as error:
        if error.field != GENERIC:
            raise
        raise ValidationError(field, error.value, error.rule) from None


def check_type(field: str, value: object, kinds: type | tuple[type, ...], what: str) -> None:
    """Refuse an argument of the wrong type where a public function receives it, rather
    than with an ``AttributeError`` from deep inside.

    Args:
        field: the parameter's name.
        value: the argument.
        kinds: the type or types it must be.
        what: what it must be, in words (``"a Protocol (from yiyu.load_protocol)"``).
    """
    if not isinstance(value, kinds):
        raise ValidationError(field, value, f"{what} is required, not {type(value).__name__}")


def whole_number(field: str, value: object, *, minimum: int, maximum: int) -> int:
    """``value`` if it is an ``int`` (not a ``bool``) from ``minimum`` to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, value, "a whole number is required")
    if not minimum <= value <= maximum:
        raise ValidationError(field, value, f"must be {minimum}–{maximum}")
    return value


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


C = TypeVar("C", bound=type)


def keyword_errors(cls: C) -> C:
    """Class decorator, above ``attrs.frozen``: an unknown, missing or positional
    argument is a :class:`ValidationError` naming it, not attrs' ``TypeError``.

    A misspelt field (``Measurements(weight=5.0)``) names the field and lists the known
    ones, so a host sees at once what was meant. Only a call that already failed is
    looked at: building a value costs one function call more.
    """
    fields = [field for field in attrs.fields(cls) if field.init]
    known = [field.alias for field in fields]
    required = {field.alias for field in fields if field.default is attrs.NOTHING}
    what = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
    # From the class itself: the plain attribute lookup would be an instance's.
    init: Callable[..., None] = vars(cls)["__init__"]

    @functools.wraps(init)
    def checked_init(self: object, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except TypeError:
            unknown = [key for key in kwargs if key not in known]
            if unknown:
                rule = f"unknown {what} field; known: {', '.join(known)}"
                raise ValidationError(unknown[0], kwargs[unknown[0]], rule) from None
            if args:
                rule = f"{cls.__name__} takes keyword arguments only: {', '.join(known)}"
                raise ValidationError("arguments", args, rule) from None
            missing = [key for key in known if key in required and key not in kwargs]
            if missing:
                raise ValidationError(missing[0], None, "required") from None
            raise

    type.__setattr__(cls, "__init__", checked_init)
    return cls
