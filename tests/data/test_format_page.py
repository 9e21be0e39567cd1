"""docs/data-format.md: its examples load as written, and its error is the one raised."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import yiyu
from yiyu.instruments.anaemia import load_anaemia

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "data-format.md").read_text(encoding="utf-8")
TOML = re.findall(r"```toml\n(.*?)```", PAGE, re.DOTALL)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_protocol_layer_loads(tmp_path: Path) -> None:
    protocol = yiyu.load_protocol(_write(tmp_path, "my-county.toml", TOML[1]))
    rule = protocol.rule("one_month")
    assert rule.closes == yiyu.protocol.Offset(days=42)
    assert rule.sources[1:] == yiyu.load_protocol().rule("one_month").sources


def test_the_instrument_layer_loads(tmp_path: Path) -> None:
    data = load_anaemia(_write(tmp_path, "anaemia-plateau.toml", TOML[2]))
    assert data.follow_up.recheck_weeks.value == (3, 4)
    assert data.scheme("cn_2012").bands[0].anaemic_below == 118
    assert len(data.scheme("cn_2012").bands) == len(load_anaemia().scheme("cn_2012").bands)


def test_the_error_shown_is_the_one_raised(tmp_path: Path) -> None:
    [shown] = re.findall(r"```text\n(.*?)\n```", PAGE, re.DOTALL)
    text = TOML[1].replace("closes = { days = 42 }", "closes = { weeks = 6 }")
    path = _write(tmp_path, "my-county.toml", text)
    with pytest.raises(yiyu.ValidationError) as info:
        yiyu.load_protocol(path)
    assert str(info.value) == shown.replace("my-county.toml", str(path), 1)
