"""The printing guide shows every document, and its previews can be regenerated."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from reports.pdfcheck import need_poppler, need_renderer
from yiyu.reports.samples import SAMPLE_NAMES

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guide" / "printing.md"
PREVIEWS = ROOT / "docs" / "previews"


def _linked() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(\.\./previews/([^)]+)\)", PAGE.read_text(encoding="utf-8"))


def test_the_guide_shows_a_preview_of_every_document() -> None:
    linked = _linked()
    for name in SAMPLE_NAMES:
        assert f"{name}.png" in linked, name
    for file in linked:
        assert (PREVIEWS / file).is_file(), file
    assert sorted(p.name for p in PREVIEWS.glob("*.png")) == sorted(linked)


def test_the_preview_script_writes_every_preview(tmp_path: Path) -> None:
    need_renderer()
    need_poppler()
    spec = importlib.util.spec_from_file_location(
        "gen_previews", ROOT / "scripts" / "gen_previews.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = script.write_previews(tmp_path, dpi=12)
    assert sorted(p.name for p in written) == sorted(_linked())
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG")
