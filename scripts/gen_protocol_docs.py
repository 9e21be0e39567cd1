"""Write docs/protocol.md from the packaged protocol data (run by ``nox -s docs``)."""

from __future__ import annotations

from pathlib import Path

import yiyu
from yiyu.protocol.docs import protocol_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"

if __name__ == "__main__":
    TARGET.write_text(protocol_markdown(yiyu.load_protocol()), encoding="utf-8")
    print(f"wrote {TARGET}")
