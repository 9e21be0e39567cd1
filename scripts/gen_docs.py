"""Write the docs pages generated from the package data (run by ``nox -s docs``).

- docs/protocol.md: every rule of the default protocol, with its window, role and source.
- docs/instruments.md: every instrument's items and thresholds, with their sources.

A test fails when a committed page differs from what this script writes.
"""

from __future__ import annotations

from pathlib import Path

import yiyu
from yiyu.instruments.docs import instruments_markdown
from yiyu.protocol.docs import protocol_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"

PAGES = {
    "protocol.md": lambda: protocol_markdown(yiyu.load_protocol()),
    "instruments.md": instruments_markdown,
}

if __name__ == "__main__":
    for name, render in PAGES.items():
        (DOCS / name).write_text(render(), encoding="utf-8")
        print(f"wrote {DOCS / name}")
