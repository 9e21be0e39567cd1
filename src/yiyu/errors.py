"""The errors yiyu raises. Every one names what was wrong and with which value."""

from __future__ import annotations

from typing import Any

__all__ = ["ProtocolError", "ValidationError", "YiyuError"]


class YiyuError(Exception):
    """Base class of every error raised on purpose by yiyu."""


class ValidationError(YiyuError, ValueError):
    """A value broke a rule of the domain.

    Attributes:
        field: the name of the offending field, as the caller spelled it
            (``"birth_date"``, ``"categories[1].end"``).
        value: the offending value, as given.
        rule: what the value should have been, in plain words.
    """

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field}={value!r}: {rule}")


class ProtocolError(YiyuError):
    """A protocol file is not valid.

    Attributes:
        file: the file (or layer id) where the problem is.
        rule_id: the rule concerned, or ``None`` for a file-level problem.
        field: the field concerned, or ``None``.
        problem: what is wrong.
    """

    def __init__(
        self, file: str, problem: str, *, rule_id: str | None = None, field: str | None = None
    ) -> None:
        self.file = file
        self.rule_id = rule_id
        self.field = field
        self.problem = problem
        where = file
        if rule_id is not None:
            where += f", rule {rule_id!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")
