"""The operator's settings file, ``yiyu.toml``: the institution's name and printing defaults.

A printed record is a legal document: it must carry the name of the institution that did
the visit (机构名称), never a made-up default. The name is the same on every form a clinic
prints, so it lives in a file rather than on every command line::

    # yiyu.toml
    [institution]
    name = "城东街道社区卫生服务中心"     # printed on every form (机构名称) and as the PDF's author

    [printing]
    growth_references = ["ws_t_423_2022"]  # optional: the growth sections of a record

Which file: ``--config PATH``, else ``$YIYU_CONFIG``, else ``yiyu.toml`` in the working
directory (where cron or the operator runs ``yiyu``). A file named by the option or the
variable must exist; the working directory's is read only if it is there. A command-line
option (``--institution``, ``--growth-reference``) beats the file.

The file is checked whole when read: an unknown table or key, or a value of the wrong
type, is one :class:`SettingsError` naming the file and the key, so a misspelt
``[institution] nmae`` is not silently a form without a name.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from yiyu.errors import ValidationError, YiyuError

__all__ = [
    "CONFIG_ENV",
    "CONFIG_NAME",
    "Settings",
    "SettingsError",
    "find_settings",
    "institution_name",
    "read_settings",
]

CONFIG_NAME: Final = "yiyu.toml"
"""The settings file's name, looked for in the working directory."""

CONFIG_ENV: Final = "YIYU_CONFIG"
"""The environment variable naming the settings file."""

# table → key → (expected type, its name in an error)
_KNOWN: Final[Mapping[str, Mapping[str, tuple[type, str]]]] = {
    "institution": {"name": (str, "text")},
    "printing": {"growth_references": (list, "a list of texts")},
}


class SettingsError(YiyuError):
    """The settings file is missing or not valid, or a setting the command needs is not
    set anywhere.

    Attributes:
        file: the file, or ``None`` when there is none.
        key: the dotted key concerned (``institution.name``), or ``None``.
        problem: what is wrong.
    """

    def __init__(self, file: Path | None, problem: str, *, key: str | None = None) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = ": ".join(str(part) for part in (file, key) if part is not None)
        super().__init__(f"{where}: {problem}" if where else problem)


@attrs.frozen(kw_only=True)
class Settings:
    """What the settings file says (``None``: it does not say).

    Attributes:
        file: the file read, or ``None`` when there was none.
        institution: the institution's name (``[institution] name``).
        growth_references: the growth sections of a child's record, in order
            (``[printing] growth_references``).
    """

    file: Path | None = None
    institution: str | None = None
    growth_references: tuple[str, ...] | None = None


def find_settings(option: Path | None = None, *, cwd: Path | None = None) -> Path | None:
    """The settings file to read: ``option``, else ``$YIYU_CONFIG``, else ``yiyu.toml`` in
    ``cwd`` (the working directory) if there is one.

    Raises:
        SettingsError: if the file named by ``option`` or the variable does not exist.
    """
    named = option if option is not None else os.environ.get(CONFIG_ENV) or None
    if named is not None:
        path = Path(named)
        if not path.is_file():
            how = "--config" if option is not None else f"${CONFIG_ENV}"
            raise SettingsError(path, f"no such file (named by {how})")
        return path
    here = (cwd if cwd is not None else Path.cwd()) / CONFIG_NAME
    return here if here.is_file() else None


def read_settings(path: Path | None) -> Settings:
    """Read and check a settings file (``None``: no file, no settings).

    Raises:
        SettingsError: naming the file and the key, for a file that is not UTF-8 TOML, an
            unknown table or key, a value of the wrong type, or a blank institution name.
    """
    if path is None:
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(path, f"not a readable UTF-8 TOML file ({error})") from None
    values = _checked(path, data)
    name = values.get("institution.name")
    if name is not None and not name.strip():
        raise SettingsError(path, "must not be blank", key="institution.name")
    references = values.get("printing.growth_references")
    if references is not None:
        from yiyu.reports.context import check_growth_references

        if not all(isinstance(item, str) for item in references):
            raise SettingsError(path, "expected a list of texts", key="printing.growth_references")
        try:
            references = check_growth_references(references)
        except ValidationError as error:
            raise SettingsError(
                path, f"{error.value!r}: {error.rule}", key="printing.growth_references"
            ) from None
    return Settings(
        file=path,
        institution=name.strip() if name is not None else None,
        growth_references=tuple(references) if references is not None else None,
    )


def institution_name(option: str | None, settings: Settings) -> str:
    """The institution printed on the forms: ``option`` (``--institution``), else the
    settings file's ``[institution] name``.

    Raises:
        SettingsError: if neither gives one: a form must not carry a made-up name.
    """
    if option is not None and option.strip():
        return option.strip()
    if settings.institution is not None:
        return settings.institution
    where = (
        f"{settings.file} has no [institution] name"
        if settings.file is not None
        else f"no {CONFIG_NAME} found (--config FILE, ${CONFIG_ENV} or the working directory)"
    )
    raise SettingsError(
        None,
        "no institution name to print on the forms (机构名称): pass --institution NAME or "
        f'set [institution] name = "…" in {CONFIG_NAME}; {where}',
    )


def _checked(path: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """The file's values by dotted key, every table and key known and of its type."""
    known = ", ".join(f"{table}.{key}" for table, keys in _KNOWN.items() for key in keys)
    values: dict[str, Any] = {}
    for table, entries in data.items():
        if table not in _KNOWN:
            raise SettingsError(path, f"unknown table (known keys: {known})", key=table)
        if not isinstance(entries, dict):
            raise SettingsError(path, "expected a table ([…])", key=table)
        for key, value in entries.items():
            dotted = f"{table}.{key}"
            if key not in _KNOWN[table]:
                raise SettingsError(path, f"unknown key (known keys: {known})", key=dotted)
            expected, label = _KNOWN[table][key]
            if not isinstance(value, expected):
                raise SettingsError(path, f"expected {label}, got {value!r}", key=dotted)
            values[dotted] = value
    return values
