"""Where the templates are, and the jinja2 environment that fills them.

Templates and the stylesheet live in the repository's ``templates/`` and ship inside the
wheel as ``yiyu/templates``. Host software may put its own directories first: a file
there replaces yiyu's file of the same name (a region's logo, its own referral slip).

The environment autoescapes everything and fails on an undefined name, so a typo in a
template is an error rather than a blank on a form. It is jinja2's sandbox: a host
template is code from outside yiyu, and in a plain environment any object it is handed
leads back to Python (``cycler.__init__.__globals__.os``), so one template could run
commands with the renderer's rights. The sandbox refuses internal attributes and unsafe
calls with :class:`jinja2.sandbox.SecurityError`. yiyu's own templates render in the same
environment: a host file replaces one of them by name, and a second, trusted
environment would be one more thing to keep apart.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

import jinja2
import jinja2.sandbox
import pendulum

import yiyu
from yiyu.domain.masking import mask_phone, mask_resident_id
from yiyu.reports.errors import RenderError

__all__ = [
    "STYLESHEET",
    "make_environment",
    "packaged_templates",
    "read_stylesheet",
    "template_dirs",
]

STYLESHEET: Final = "forms.css"
"""The stylesheet every document uses, looked up in the template directories."""


def packaged_templates() -> Path:
    """yiyu's own template directory: inside the installed package, else the source tree.

    An installed wheel has it at ``yiyu/templates`` (pyproject force-includes the
    repository's ``templates/``); run from a checkout (``PYTHONPATH=src``) it is the
    repository's ``templates/``.

    Raises:
        RenderError: if neither exists (a broken installation).
    """
    installed = importlib.resources.files("yiyu") / "templates"
    if isinstance(installed, Path) and (installed / STYLESHEET).is_file():
        return installed
    source_tree = Path(yiyu.__file__).resolve().parents[2] / "templates"
    if (source_tree / STYLESHEET).is_file():
        return source_tree
    raise RenderError(
        f"yiyu's templates are missing (looked in {installed} and {source_tree}): reinstall yiyu"
    )


def template_dirs(extra: Iterable[str | os.PathLike[str]] = ()) -> tuple[Path, ...]:
    """The host's directories first, then yiyu's own.

    Raises:
        RenderError: if a host directory does not exist.
    """
    dirs: list[Path] = []
    for entry in extra:
        path = Path(entry).resolve()
        if not path.is_dir():
            raise RenderError(f"template directory {path} does not exist")
        dirs.append(path)
    dirs.append(packaged_templates().resolve())
    return tuple(dirs)


def read_stylesheet(dirs: Sequence[Path]) -> tuple[str, Path]:
    """The first ``forms.css`` in ``dirs`` and the directory it came from."""
    for directory in dirs:
        path = directory / STYLESHEET
        if path.is_file():
            return path.read_text(encoding="utf-8"), directory
    raise RenderError(f"no {STYLESHEET} in {', '.join(map(str, dirs))}")


def _date_zh(value: pendulum.Date | str | None) -> str:
    if value is None or value == "":
        return ""
    day = value if isinstance(value, pendulum.Date) else pendulum.Date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def make_environment(dirs: Sequence[Path]) -> jinja2.sandbox.SandboxedEnvironment:
    """The sandboxed jinja2 environment over ``dirs`` (first match wins).

    Filters: ``date_zh`` (2026年3月1日), ``mask_id`` and ``mask_phone`` (for host
    templates that print a number the context did not already mask).

    Rendering a template that reaches for Python's internals raises
    :class:`jinja2.sandbox.SecurityError` (a :class:`jinja2.TemplateError`) before
    anything runs.
    """
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date_zh"] = _date_zh
    env.filters["mask_id"] = mask_resident_id
    env.filters["mask_phone"] = mask_phone
    return env
