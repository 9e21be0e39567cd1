"""Every region file shown in an instrument's documentation loads as written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from instruments.examples import documented_example
from yiyu.instruments import (
    anaemia,
    case_management,
    daycare_review,
    growth,
    rearing_risk,
    warning_signs,
    wst423,
)

LOADERS: list[tuple[ModuleType, Callable[[Path], Any]]] = [
    (anaemia, anaemia.load_anaemia),
    (case_management, case_management.load_case_management),
    (daycare_review, daycare_review.load_review),
    (growth, growth.load_growth_classification),
    (warning_signs, warning_signs.load_warning_signs),
    (wst423, wst423.load_ws_t_423),
]


@pytest.mark.parametrize(
    ("module", "load"), LOADERS, ids=lambda value: getattr(value, "__name__", "")
)
def test_the_documented_region_file_loads(
    module: ModuleType, load: Callable[[Path], Any], tmp_path: Path
) -> None:
    path = tmp_path / "region.toml"
    path.write_text(documented_example(module), encoding="utf-8")
    assert "extends" in path.read_text(encoding="utf-8")
    loaded = load(path)
    assert loaded.header.file == str(path)


def test_the_rearing_risk_format_example_is_a_whole_form() -> None:
    # rearing_risk's docstring shows the format of a whole form (a replacement), in parts.
    assert "[[items]]" in documented_example(rearing_risk)
