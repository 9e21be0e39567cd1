"""Where a data file is wrong, and the one error that says so.

Every problem in a protocol or instrument file is reported as
``<file>: $.rules[3].opens: <what is wrong, naming the value>``: the file, then the path
to the value in the document (``$`` is the document, ``.key`` a table's key, ``[3]`` an
entry's position in an array of tables), then the problem. The error is a
:class:`~yiyu.errors.ProtocolError` (what callers of the loaders have always caught) and
a :class:`~yiyu.errors.ValidationError` (what every other bad input raises).
"""

from __future__ import annotations

from typing import Any, NoReturn

import attrs

from yiyu.errors import ProtocolError, ValidationError

__all__ = ["DataError", "Location"]


# For mypy, ProtocolError.field may be None (a problem with the whole file), ValidationError's
# is always text; a DataError keeps ProtocolError's meaning, which its callers rely on.
class DataError(ProtocolError, ValidationError):  # type: ignore[misc]
    """A protocol or instrument data file is not valid.

    Attributes:
        file: the file (or packaged file name) where the problem is.
        path: where in the document: ``$.rules[3].opens``.
        problem: what is wrong, naming the value.
        rule_id: the rule or item concerned, or ``None``.
        field: the field as :class:`~yiyu.errors.ProtocolError` has always named it:
            relative to the rule or item when there is one (``"opens"``), else to the
            document (``"protocol.extends"``).
        value: the offending value, or ``None`` when it is missing.
    """

    def __init__(
        self,
        file: str,
        path: str,
        problem: str,
        *,
        rule_id: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        # Both bases' attributes, set here: their __init__s format different messages.
        self.file = file
        self.path = path
        self.problem = problem
        self.rule_id = rule_id
        self.field = field
        self.value = value
        self.rule = problem
        message = f"{file}: {path}: {problem}"
        if rule_id is not None:
            message += f" (in {rule_id!r})"
        Exception.__init__(self, message)


def _join(base: str, relative: str) -> str:
    if not relative:
        return base
    if relative.startswith("["):
        return base + relative
    return f"{base}.{relative}" if base else relative


@attrs.frozen
class Location:
    """A place in a data file: the file, the path to it, and the rule or item it is in.

    ``error`` and ``fail`` take a field relative to this place (``"opens"``,
    ``"stages[0].every"``, ``""`` for the place itself).
    """

    file: str
    path: str = "$"
    rule_id: str | None = None
    # The field prefix ProtocolError.field has always carried ("conditions.preterm.").
    prefix: str = ""

    def key(self, name: str) -> Location:
        """The value under ``name`` in this table."""
        if not name:
            return self
        return Location(self.file, _join(self.path, name), self.rule_id, self.prefix + name + ".")

    def entry(
        self, array: str, position: int, rule_id: str | None, *, relative: bool = True
    ) -> Location:
        """Entry ``position`` of the array of tables ``array``: the rule or item ``rule_id``.

        Protocol rules name their fields relative to the rule (``relative``: ``"opens"``);
        instrument items by the array they are in (``"items.area"``).
        """
        path = f"{_join(self.path, array)}[{position}]"
        if rule_id is None:
            prefix = f"{self.prefix}{array}[{position}]."
        elif relative:
            prefix = ""
        else:
            prefix = self.prefix + array + "."
        return Location(self.file, path, rule_id if rule_id is not None else self.rule_id, prefix)

    def error(self, field: str, problem: str, value: Any = None) -> DataError:
        return DataError(
            self.file,
            _join(self.path, field),
            problem,
            rule_id=self.rule_id,
            field=(self.prefix + field).rstrip(".") or None,
            value=value,
        )

    def fail(self, field: str, problem: str, value: Any = None) -> NoReturn:
        raise self.error(field, problem, value)
