"""Reading PDFs as a person would, through poppler's tools; skipping what cannot run here.

Tests that render need WeasyPrint's system libraries and the font package
``pylopdf-fonts-zh-cn``; tests that read PDFs need poppler-utils (pdftotext, pdffonts,
pdftoppm, pdfinfo). Each is skipped, naming what is missing, when it is not there; with
``CI=true`` a missing one fails instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

POPPLER = ("pdftotext", "pdffonts", "pdftoppm", "pdfinfo")


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed")


def need_renderer() -> None:
    """Skip (or fail in CI) unless a document can be rendered here."""
    try:
        import pylopdf_fonts_zh_cn  # noqa: F401
    except ImportError:
        _missing("the font package pylopdf-fonts-zh-cn")
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        _missing("WeasyPrint (with pango)")


def need_poppler() -> None:
    for tool in POPPLER:
        if shutil.which(tool) is None:
            _missing(f"poppler-utils ({tool})")


def _run(args: list[str], data: bytes | None = None) -> str:
    result = subprocess.run(args, input=data, capture_output=True, check=True, timeout=60)
    return result.stdout.decode("utf-8")


class Poppler:
    """What a person would see in a PDF, through poppler's tools."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def file(self, pdf: bytes) -> Path:
        self.count += 1
        path = self.folder / f"doc-{self.count}.pdf"
        path.write_bytes(pdf)
        return path

    def text(self, pdf: bytes) -> str:
        return _run(["pdftotext", "-raw", "-enc", "UTF-8", str(self.file(pdf)), "-"])

    def fonts(self, pdf: bytes) -> list[dict[str, str]]:
        lines = _run(["pdffonts", str(self.file(pdf))]).splitlines()[2:]
        fonts = []
        for line in lines:
            parts = line.split()
            # name, type…, encoding, emb, sub, uni, object, id: read from the right
            fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
        return fonts

    def info(self, pdf: bytes) -> dict[str, str]:
        info = {}
        for line in _run(["pdfinfo", "-enc", "UTF-8", str(self.file(pdf))]).splitlines():
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
        return info

    def pages(self, pdf: bytes) -> int:
        return int(self.info(pdf)["Pages"])

    def png(self, pdf: bytes, *, page: int = 1, dpi: int = 30) -> Path:
        source = self.file(pdf)
        stem = self.folder / f"{source.stem}-p{page}"
        _run(
            [
                "pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray",
                "-png", "-singlefile", str(source), str(stem),
            ]
        )  # fmt: skip
        return stem.with_suffix(".png")
