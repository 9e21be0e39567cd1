"""The public surface: explicit, sorted, and cheap to import (STYLE 8)."""

from __future__ import annotations

import subprocess
import sys

import yiyu


def _isort_key(name: str) -> tuple[int, str]:
    # Constants, then classes, then functions: the order ruff (RUF022) keeps.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    assert list(yiyu.__all__) == sorted(yiyu.__all__, key=_isort_key)
    assert len(set(yiyu.__all__)) == len(yiyu.__all__)
    for name in yiyu.__all__:
        assert hasattr(yiyu, name), name


def test_import_is_cheap() -> None:
    # Host software imports yiyu in request handlers; the renderer, the ORM and the
    # CLI must only load when used.
    code = (
        "import sys, yiyu; "
        "print(','.join(m for m in ('weasyprint', 'sqlalchemy', 'sqlmodel', 'typer', 'rich', "
        "'jinja2', 'alembic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_protocol_data_is_shipped_in_the_installed_package() -> None:
    from importlib.resources import files

    data = files("yiyu.protocol") / "data"
    assert (data / "cn-national.toml").is_file()
    assert (data / "zj-city.toml").is_file()
