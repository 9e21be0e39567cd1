"""Write docs/previews/*.png: a picture of each printed document (run by ``nox -s docs``).

Each sample of :mod:`yiyu.reports.samples` is rendered to PDF exactly as a host would
render it, and its first page turned into a PNG with poppler's ``pdftoppm``; the growth
charts (page 2 of a child's record) get a picture of their own. docs/guide/printing.md
shows them.

Usage::

    PYTHONPATH=src python scripts/gen_previews.py [--dpi 50] [--out docs/previews]

Needs the system packages of the renderer (pango, libharfbuzz-subset0: see
scripts/system-deps.sh), poppler-utils for pdftoppm, and the font package
pylopdf-fonts-zh-cn.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
DEFAULT_OUT = DOCS / "previews"
DEFAULT_DPI = 50
CHART_PAGES = {"infant": 2}
"""Extra pages to picture: the infant's growth charts."""


def _png(pdf: Path, page: int, dpi: int, target: Path) -> None:
    stem = target.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
         str(pdf), str(stem)],
        check=True,
        timeout=120,
    )  # fmt: skip


def write_previews(out: Path = DEFAULT_OUT, dpi: int = DEFAULT_DPI) -> list[Path]:
    """Render every sample and write its preview(s); return the files written."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm is missing: install poppler-utils (scripts/system-deps.sh)")
    from yiyu.reports import Renderer, samples

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with Renderer() as renderer, tempfile.TemporaryDirectory() as scratch:
        for name in samples.SAMPLE_NAMES:
            pdf = Path(scratch) / f"{name}.pdf"
            pdf.write_bytes(renderer.render(samples.document(name)))
            target = out / f"{name}.png"
            _png(pdf, 1, dpi, target)
            written.append(target)
            if name in CHART_PAGES:
                charts = out / f"{name}-charts.png"
                _png(pdf, CHART_PAGES[name], dpi, charts)
                written.append(charts)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="resolution of the PNGs")
    args = parser.parse_args(argv)
    for path in write_previews(args.out, args.dpi):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
