"""docs/instruments/ is generated from the instrument data and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiyu.instruments.docs import instrument_pages

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "instruments"
PAGES = instrument_pages()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_instrument_page_is_current(name: str) -> None:
    page = FOLDER / name
    assert page.is_file(), f"docs/instruments/{name} is missing: run `nox -s docs` and commit it"
    assert page.read_text(encoding="utf-8") == PAGES[name], (
        f"docs/instruments/{name} is stale: run `nox -s docs` and commit the result"
    )


def test_no_stale_page_is_left() -> None:
    committed = {path.name for path in FOLDER.iterdir()}
    assert committed == set(PAGES), (
        f"not generated any more: {sorted(committed - set(PAGES))}; run `nox -s docs`"
    )


def test_the_single_page_is_gone() -> None:
    assert not (FOLDER.parent / "instruments.md").exists()
