"""Reading a data file: a path, or a file packaged with yiyu, parsed as TOML."""

from __future__ import annotations

import os
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from yiyu.data.errors import DataError
from yiyu.errors import ValidationError

__all__ = ["DataFile", "file_name", "read_document"]

DataFile = str | os.PathLike[str] | Traversable


def file_name(file: DataFile, argument: str = "path") -> str:
    """The name errors give the file: the path as given, or a packaged file's name."""
    if isinstance(file, str | os.PathLike):
        return os.fspath(file)
    if not isinstance(file, Traversable):
        # None or a number: say which argument, not "no attribute 'name'" from deep inside.
        raise ValidationError(argument, file, "a path to a TOML data file")
    return file.name


def read_document(file: DataFile, name: str | None = None) -> dict[str, Any]:
    """The parsed TOML document of ``file``.

    Raises:
        DataError: if the file cannot be read, is not UTF-8 or not valid TOML.
    """
    name = file_name(file) if name is None else name
    try:
        if isinstance(file, str | os.PathLike):
            text = Path(file).read_text(encoding="utf-8")
        else:
            text = file.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except OSError as error:
        raise DataError(name, "$", f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise DataError(name, "$", "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise DataError(name, "$", f"not valid TOML: {error}") from None
