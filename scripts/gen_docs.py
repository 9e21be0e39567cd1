"""Write the docs pages generated from the package data (run by ``nox -s docs``).

- docs/protocol.md: every rule of the default protocol, with its window, role and source.
- docs/coverage.md: every coverage indicator's definition, target and source.
- docs/instruments/: one page per instrument (what it measures, its items and thresholds,
  its sources) and an index; a page no instrument generates any more is deleted.
- docs/schema/encounter.schema.json: the JSON Schema of an encounter file (yiyu record).
- docs/guide/recording.md: the encounter file's fields and the examples, filled in between
  the page's markers from the schema and docs/schema/examples/*.json.
- docs/guide/importing.md: the tables of each registry file's columns and of the category
  kinds, filled in between the page's markers (the prose around them is the guide's own).

A test fails when a committed page differs from what this script writes.
"""

from __future__ import annotations

from pathlib import Path

import yiyu
from yiyu.codec.schema import encounter_schema_text, fill_recording_guide
from yiyu.coverage import indicators_markdown
from yiyu.instruments.docs import instrument_pages
from yiyu.protocol.docs import protocol_markdown
from yiyu.registry.docs import fill_tables

DOCS = Path(__file__).resolve().parent.parent / "docs"
INSTRUMENTS = DOCS / "instruments"


def _protocol_page() -> str:
    return protocol_markdown(yiyu.load_protocol())


def _coverage_page() -> str:
    return indicators_markdown(yiyu.load_protocol())


PAGES = {
    "protocol.md": _protocol_page,
    "coverage.md": _coverage_page,
    "schema/encounter.schema.json": encounter_schema_text,
}


def write_instrument_pages() -> None:
    """Write docs/instruments/, removing the pages that are no longer generated."""
    pages = instrument_pages()
    INSTRUMENTS.mkdir(exist_ok=True)
    for stale in sorted(INSTRUMENTS.glob("*.md")):
        if stale.name not in pages:
            stale.unlink()
            print(f"removed {stale}")
    for name, text in pages.items():
        (INSTRUMENTS / name).write_text(text, encoding="utf-8")
        print(f"wrote {INSTRUMENTS / name}")


def write_import_guide() -> None:
    """Fill the column tables of docs/guide/importing.md from the registry's columns."""
    page = DOCS / "guide" / "importing.md"
    page.write_text(fill_tables(page.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {page}")


def write_recording_guide() -> None:
    """Fill the encounter file's fields and examples into docs/guide/recording.md."""
    examples = {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted((DOCS / "schema" / "examples").glob("*.json"))
    }
    page = DOCS / "guide" / "recording.md"
    page.write_text(fill_recording_guide(page.read_text(encoding="utf-8"), examples), "utf-8")
    print(f"wrote {page}")


if __name__ == "__main__":
    for name, render in PAGES.items():
        (DOCS / name).write_text(render(), encoding="utf-8")
        print(f"wrote {DOCS / name}")
    write_instrument_pages()
    write_import_guide()
    write_recording_guide()
