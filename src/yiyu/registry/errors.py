"""The error for a registry file that cannot be read at all."""

from __future__ import annotations

from yiyu.errors import YiyuError

__all__ = ["ImportFileError"]


class ImportFileError(YiyuError, ValueError):
    """A file cannot be imported at all: its encoding, its CSV structure or its header.

    Attributes:
        problem: what is wrong, in plain words.
        line: the line concerned, if one is.
    """

    def __init__(self, problem: str, *, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem if line is None else f"line {line}: {problem}")
