"""Fixtures for the printed-record tests: a renderer, and poppler to read PDFs as a person.

What may be missing here, and what is skipped or failed for it: see ``pdfcheck``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.pdfcheck import Poppler, need_poppler, need_renderer


@pytest.fixture(scope="session")
def renderer() -> Iterator[Any]:
    need_renderer()
    from yiyu.reports import Renderer

    with Renderer() as made:
        yield made


@pytest.fixture
def fresh_renderer() -> Iterator[Any]:
    """A renderer of its own, so its fetcher's log holds only this test's requests."""
    need_renderer()
    from yiyu.reports import Renderer

    with Renderer() as made:
        yield made


@pytest.fixture
def poppler(tmp_path: Path) -> Poppler:
    need_poppler()
    folder = tmp_path / "poppler"
    folder.mkdir()
    return Poppler(folder)


@pytest.fixture(scope="session")
def sample_documents() -> Callable[..., Any]:
    from yiyu.reports import samples

    cache: dict[tuple[str, bool], Any] = {}

    def get(name: str, *, show_full_ids: bool = False) -> Any:
        key = (name, show_full_ids)
        if key not in cache:
            cache[key] = samples.document(name, show_full_ids=show_full_ids)
        return cache[key]

    return get


WHO_LAYER = """\
[protocol]
id = "who-county"
version = "1"
title = "a county that prints WHO 2006 z-scores"
extends = "zj-city@2026.2"

[sources.R1]
title = "县卫健局通知（记录表按 WHO 2006 z 评分打印）"

[growth.evaluation]
override = true
reference = "who_2006"
description = "本县儿童健康检查记录表按 WHO 2006 标准 z 评分打印"
source = ["R1"]
evidence = "LOCAL"
"""


@pytest.fixture(scope="session")
def who_protocol(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The packaged protocol with a county layer on top that prints WHO 2006 z-scores."""
    import yiyu

    path = tmp_path_factory.mktemp("protocol") / "who-county.toml"
    path.write_text(WHO_LAYER, encoding="utf-8")
    protocol = yiyu.load_protocol(path)
    assert protocol.growth_reference("evaluation") == "who_2006"
    return protocol
